// DeepCrime's pre-training mutation operators (shared/OPERATORS.md) as pure functions: the
// training-data operators data -> data (seeded), every other operator spec -> spec. The registry
// (registry.hpp) says which operator takes which parameter and applies where. No LibTorch here.
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
// "Most frequent" as DeepCrime's np.argmax over np.unique of one-hot rows: ties go to the
// larger label (on a balanced set TCL targets the last class, TCO relabels as the one before).
// Spec operators: their entries in src/mutate/operators.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "pmt/core/rng.hpp"
#include "pmt/model/dataset.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/mutate/registry.hpp"

namespace pmt::mutate {

using model::Dataset;
using model::SubjectSpec;

// Data operators (Dataset in, Dataset out; labels are class indices).
model::Dataset change_label(const model::Dataset& d, double pct, pmt::Rng& rng);
model::Dataset delete_training_data(const model::Dataset& d, double pct, pmt::Rng& rng);
model::Dataset unbalance_train_data(const model::Dataset& d, double pct, pmt::Rng& rng);
model::Dataset add_noise(const model::Dataset& d, double pct, pmt::Rng& rng);
model::Dataset make_output_classes_overlap(const model::Dataset& d, double pct, pmt::Rng& rng);

// Class sizes indexed by label (size = max label + 1).
std::vector<std::int64_t> class_counts(const model::Dataset& d);

// spec -> spec (identity for the data operators and the original): the operator's spec_change
// (its entry in operators.cpp says what each does).
model::SubjectSpec mutate_spec(const model::SubjectSpec& spec, const Mutation& m,
                               std::int64_t train_size);
// data -> data (identity for the spec operators and the original).
model::Dataset mutate_data(const model::Dataset& d, const Mutation& m, pmt::Rng& rng);

}  // namespace pmt::mutate
