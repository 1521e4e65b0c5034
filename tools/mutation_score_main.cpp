// mutation_score: DeepCrime's mutation score of a test set from mutation_search's results on the
// training set and on that test set (DC:mutation_score.py, its bugs fixed; docs/search.md).
#include <cstdio>

#include "pmt/cli/common.hpp"
#include "pmt/tools/mutation_score.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::MutationScoreOptions o;
  auto& common = o.common;
  pmt::cli::setup_app(
      app,
      {"mutation_score",
       "DeepCrime's mutation score of a test set (mutation_score.py, calculate_dc_ms) from "
       "mutation_search's <mut>.json results: the training set's search says which mutants are "
       "killable, the test set's search which of those the test set kills. A configuration "
       "kills when it is killed and stable (power >= 0.8, recomputed from Cohen's d: t-test "
       "power at d, or --deepcrime-power). Binary operators: killable magnitudes train_kc, "
       "test_kc (the least aggressive stable kill on each set); score 1 if equal, 0 if the test "
       "set kills none, else round((upper - test_kc) / (upper - train_kc), 2) capped at 1. "
       "Exhaustive operators: |killed on train and on test| / |killed on train|. Operators "
       "killed on the training set by no stable configuration are excluded; the mutation score "
       "is the mean over the others. Results: --test-results DIR and --train-results DIR, or "
       "with --model M: <data-root>/search/M/ for both, and <data-root>/search/M/<NAME>/ for "
       "the test set named NAME by mutation_search --test-set-name.",
       "  mutation_score --model mnist\n"
       "  mutation_score --model mnist --test-set-name weak --json\n"
       "  mutation_score --train-results run1/search/mnist --test-results run2/search/mnist",
       "Humbatova, Jahangirova, Tonella. DeepCrime: Mutation Testing of Deep Learning Systems "
       "Based on Real Faults. ISSTA 2021 (section 5, mutation_score.py)."},
      common, pmt::cli::kDataRoot | pmt::cli::kJson);
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
