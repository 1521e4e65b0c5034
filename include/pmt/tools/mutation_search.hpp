// mutation_search as a library function: DeepCrime's search of the killable magnitude
// (search/search.hpp) with the real trainer: each configuration's instances are trained by
// run_train_mutants (resumable: a rerun or a crash costs nothing twice) and evaluated by
// run_gen_acc on the test split and/or the training split (which also write the accuracy files
// in the replication package's layout). Results: <data_root>/search/<model>/<mut>_<test|train>.csv
// (DeepCrime's rows) and <mut>.json. No LibTorch in this header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "pmt/search/search.hpp"
#include "pmt/tools/training.hpp"

namespace pmt::tools {

struct MutationSearchOptions : ConfigOptions {
  int instances = 20;         // per configuration (DeepCrime's runs)
  std::string sets = "both";  // test | train | both
  stats::PowerKind power = stats::PowerKind::kTTest;
  // Another test set (IDX images; labels derived from the name unless test_labels) evaluated
  // instead of the subject's test split, under a name: results in
  // <data_root>/search/<model>/<test_set_name>/, accuracy files under
  // <data_root>/test_sets/<test_set_name>/. Both or neither.
  std::string test_set, test_labels, test_set_name;
  std::function<void(const std::string&)> log;  // per-step lines (stderr in the tool)
};

struct MutationSearchSummary {
  search::SearchResult result;
  std::vector<std::filesystem::path> csv_files;  // one per set, in result.sets order
  std::filesystem::path json_file;
  nlohmann::json to_json() const;
  std::string text() const;  // the summary on stdout (printed by cli::print)
};

// Throws pmt::Error: usage when the operator has no search on the subject (naming the subject,
// the operator and why), data/runtime on training or evaluation failures.
MutationSearchSummary run_mutation_search(const MutationSearchOptions& options);

}  // namespace pmt::tools
