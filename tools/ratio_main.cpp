// ratio: Hellinger-distance ratio and verdict (plot_param.py). See run_ratio.
#include <iostream>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/tools/analysis.hpp"

int main(int argc, char** argv) {
  pmt::tools::RatioOptions o;
  CLI::App app;
  pmt::cli::setup_app(app, "ratio", o.common, pmt::cli::kAllCommon);
  pmt::cli::add_analysis_flags(app, o, "Only report this parameter [default: every parameter]");
  app.add_option("--mc-reps", o.mc_reps,
                 "Independent repetitions behind each verdict's uncertainty (0: off)")
      ->check(pmt::cli::non_negative());
  app.add_flag("--budget", o.budget,
               "Instead of the ratios: per parameter, the smallest number n of instances per side "
               "(the first n of each accuracy file, n on the grid k, multiples of --budget-step, "
               "full) whose verdict is firm (all --mc-reps repetitions agree) and equal to the "
               "full population's, and stays so at every larger n; with the saving against the "
               "full count. Needs the raw accuracies");
  app.add_option("--budget-step", o.budget_step, "Grid step of --budget's population sizes")
      ->check(pmt::cli::positive());
  return pmt::cli::run_main(app, argc, argv, o.common,
                            [&] { pmt::cli::print(pmt::tools::run_ratio(o), o.common.json); });
}
