// DeepCrime's pre-training mutation operators covered so far (shared/OPERATORS.md), as pure
// functions: training-data operators data -> data (seeded), hyperparameter operators
// spec -> spec. No LibTorch here.
//
// Training data ("pct" is a percentage 0-100; DeepCrime picks int(n * pct / 100) samples):
//   change_label                 of the most frequent class, pct% get a label drawn uniformly
//                                from the other classes present
//   delete_training_data         delete pct% of the samples of every class
//   unbalance_train_data         delete pct% of the samples of each class smaller than the mean
//                                class size
//   add_noise                    pct% of the samples get N(0, (std(x_i) * pct / 100)^2) noise
//   make_output_classes_overlap  copy pct% of the most frequent class, labelled with the second
//                                most frequent class, appended
// Hyperparameters: change_batch_size B, change_learning_rate LR, change_epochs E,
// disable_batching (batch = training set size; parameter "full", implied).
#pragma once

#include <string>
#include <vector>

#include "pmt/stats/rng.hpp"
#include "pmt/train/dataset.hpp"
#include "pmt/train/subject.hpp"

namespace pmt::train {

// Data operators (Dataset in, Dataset out; labels are class indices).
Dataset change_label(const Dataset& d, double pct, stats::Rng& rng);
Dataset delete_training_data(const Dataset& d, double pct, stats::Rng& rng);
Dataset unbalance_train_data(const Dataset& d, double pct, stats::Rng& rng);
Dataset add_noise(const Dataset& d, double pct, stats::Rng& rng);
Dataset make_output_classes_overlap(const Dataset& d, double pct, stats::Rng& rng);

// Class sizes indexed by label (size = max label + 1).
std::vector<std::int64_t> class_counts(const Dataset& d);

// A mutation as named on the command line: --mut original, or --mut X --param P.
struct Mutation {
  std::string name = "original";
  std::string param;  // verbatim (used in folder and file names)
  bool is_original() const { return name == "original"; }
  bool is_data() const;
  // "original", or "<name>_<param>": the folder under trained_models/<model>/.
  std::string folder() const;
};

// All names train_mutants accepts (including "original").
const std::vector<std::string>& mutation_names();

// Checks the name (listing the valid ones) and the parameter (type and range); fills in the
// implied parameter of disable_batching. Throws pmt::Error (usage).
Mutation make_mutation(const std::string& name, const std::string& param);

// spec -> spec (identity for data operators). `train_size` is needed by disable_batching.
SubjectSpec mutate_spec(const SubjectSpec& spec, const Mutation& m, std::int64_t train_size);
// data -> data (identity for hyperparameter operators and the original).
Dataset mutate_data(const Dataset& d, const Mutation& m, stats::Rng& rng);

}  // namespace pmt::train
