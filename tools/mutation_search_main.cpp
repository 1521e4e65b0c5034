// mutation_search: DeepCrime's search of the killable magnitude of one operator on one subject
// (binary search for numeric operators, exhaustive for categorical ones), training and
// evaluating each configuration's instances as train_mutants and gen_acc do.
#include <cstdio>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/tools/mutation_search.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::CommonOptions common;
  pmt::tools::MutationSearchOptions o;
  bool deepcrime_power = false;
  pmt::cli::setup_app(
      app,
      {"mutation_search",
       "Searches the killable magnitude of a mutation operator as DeepCrime does "
       "(execute_mutants.py, current version). Binary search (numeric operators; bounds, "
       "precision and rounding from the operator registry and the subject's mutation_search "
       "overrides, see train_mutants --list-mutations --model M): the most aggressive value "
       "first; not killed -> stop (not killable); else bisect between the last value not killed "
       "and the last killed one, middle = round((upper + lower) / 2, decimals) as Python rounds "
       "(percentages 2 decimals, integers 0, learning rate 3-5), each middle compared with the "
       "ORIGINAL instances, until |upper - lower| <= precision; the result is the smallest "
       "killable value. Exhaustive search (categorical operators): every value. Each "
       "configuration's --instances instances are trained (resumable: a rerun skips saved "
       "instances) and evaluated on the test split and/or the training split (accuracy files "
       "under <data-root>/raw_data and <data-root>/train_set/raw_data). Killed: GLM p (rounded "
       "to 3 decimals) < 0.05 and Cohen's d >= 0.5; power: two-sided t-test power at d "
       "(statsmodels' TTestIndPower). Writes <data-root>/search/<model>/<mut>_<test|train>.csv, "
       "DeepCrime's rows without a header: binary [lower,upper,middle,p,d,killed,power] ('' "
       "middle on the first row) then [killable,not_killed] when killable; exhaustive "
       "[value,p,d,killed,power]; and <mut>.json. Parameters are written as the shortest "
       "decimal that reads back as the value (50, 3.12), the same strings as the "
       "instances' folders. Progress and ETA on stderr.",
       "  mutation_search --model mnist --mut delete_training_data\n"
       "  mutation_search --model mnist --mut change_activation_function --set test --json\n"
       "  mutation_search --subject my.json --model tiny --mut change_epochs --instances 4\n"
       "  mutation_search --model mnist --mut delete_training_data --test-set "
       "weak-images-idx3-ubyte "
       "--test-set-name weak",
       "Humbatova, Jahangirova, Tonella. DeepCrime: Mutation Testing of Deep Learning Systems "
       "Based on Real Faults. ISSTA 2021 (section 4, utils/execute_mutants.py)."},
      common, pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kJson);
  o.mut.clear();  // the operator is required (no "original" default)
  pmt::cli::add_config_flags(app, o, "Instances trained at once (0: one per core)", false);
  app.add_option("--instances", o.instances, "Instances per configuration (DeepCrime: 20 runs)")
      ->check(pmt::cli::integer_in(2, 1000000))
      ->capture_default_str();
  app.add_option("--set", o.sets,
                 "Decide killing on the test set, the training set, or both (two searches)")
      ->check(CLI::IsMember({"test", "train", "both"}))
      ->capture_default_str();
  app.add_option("--test-set", o.test_set,
                 "Another test set (IDX images file) evaluated instead of the subject's test "
                 "split, e.g. weak_test_set's; needs --test-set-name");
  app.add_option("--test-labels", o.test_labels,
                 "Its IDX labels (default: derived from --test-set's name)");
  app.add_option("--test-set-name", o.test_set_name,
                 "Name of --test-set: results in <data-root>/search/<model>/<name>/, accuracy "
                 "files in <data-root>/test_sets/<name>/ (mutation_score --test-set-name)");
  app.add_flag("--deepcrime-power", deepcrime_power,
               "Power as DeepCrime's stats.py computes it (FTestAnovaPower with f = d, i.e. the "
               "t-test power of 2d: over-estimated) instead of the t-test power at d");
  app.add_flag("!--no-progress", o.progress, "No per-epoch training lines on stderr");
  return pmt::cli::run_main(app, argc, argv, common, [&] {
    pmt::install_interrupt_handlers();  // SIGINT/SIGTERM: stop cleanly, exit 128 + signal
    o.data_root = common.data_root;
    o.seed = common.seed;
    if (deepcrime_power) o.power = pmt::stats::PowerKind::kDeepCrime;
    o.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    const auto s = pmt::tools::run_mutation_search(o);
    if (common.json) {
      std::printf("%s\n", s.to_json().dump().c_str());
      return;
    }
    for (std::size_t k = 0; k < s.result.sets.size(); ++k) {
      const auto& r = s.result.sets[k];
      std::string verdict;
      if (!r.killable)
        verdict = "not killable";
      else if (r.kind == pmt::mutate::SearchKind::kBinary)
        verdict =
            "killable from " + r.killable_param + " (not killed at " + r.not_killed_param + ")";
      else
        verdict = "killed by " + pmt::model::join_names(r.killed_params);
      std::printf("%s %s (%s set): %s; %zu configurations -> %s\n", s.result.mut.c_str(),
                  s.result.space.describe().c_str(), pmt::search::to_string(r.set), verdict.c_str(),
                  r.steps.size(), s.csv_files[k].string().c_str());
    }
  });
}
