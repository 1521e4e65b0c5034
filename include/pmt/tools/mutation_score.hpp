// mutation_score as a library function: DeepCrime's mutation score of a test set from
// mutation_search's results (search/mutation_score.hpp). No LibTorch here.
#pragma once

#include <string>

#include "pmt/search/mutation_score.hpp"
#include "pmt/tools/options.hpp"

namespace pmt::tools {

struct MutationScoreOptions {
  CommonOptions common;
  std::string model;             // results under <data-root>/search/<model>/
  std::string test_set_name;     // the test set's results under <data-root>/search/<model>/<name>/
  std::string test_dir;          // or the test set's results folder
  std::string train_dir;         // the training set's (default: the test results' with test_dir,
                                 // else <data-root>/search/<model>/)
  bool deepcrime_power = false;  // DeepCrime's FTestAnovaPower instead of the t-test power
};

// Throws pmt::Error: usage (neither --model nor --test-results, or both test-set options), data
// (missing or malformed results).
search::MutationScore run_mutation_score(const MutationScoreOptions& options);

}  // namespace pmt::tools
