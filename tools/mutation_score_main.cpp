// mutation_score: DeepCrime's mutation score of a test set from mutation_search's results on the
// training set and on that test set (DC:mutation_score.py, its bugs fixed; docs/search.md).
#include <cstdio>

#include "pmt/cli/common.hpp"
#include "pmt/tools/mutation_score.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::MutationScoreOptions o;
  auto& common = o.common;
  pmt::cli::setup_app(app, "mutation_score", common, pmt::cli::kDataRoot | pmt::cli::kJson);
  app.add_option("--model", o.model, "Subject whose results are under <data-root>/search/<model>/");
  app.add_option("--test-set-name", o.test_set_name,
                 "Score the test set mutation_search recorded under this name "
                 "(<data-root>/search/<model>/<name>/) instead of the full test set");
  app.add_option("--test-results", o.test_dir, "Folder of the test set's <mut>.json results");
  app.add_option("--train-results", o.train_dir,
                 "Folder of the training set's <mut>.json results (default: the test results' "
                 "folder with --test-results, else <data-root>/search/<model>/)");
  app.add_flag("--deepcrime-power", o.deepcrime_power,
               "Power as DeepCrime's stats.py computes it (FTestAnovaPower with f = d: "
               "over-estimated) instead of the t-test power at d");
  return pmt::cli::run_main(app, argc, argv, common, [&] {
    const auto ms = pmt::tools::run_mutation_score(o);
    if (common.json)
      std::printf("%s\n", ms.to_json().dump().c_str());
    else
      std::printf("%s", ms.table().c_str());
  });
}
