// ratio: Hellinger-distance ratio and verdict (plot_param.py). See run_ratio.
#include <iostream>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/tools/analysis.hpp"

int main(int argc, char** argv) {
  pmt::tools::RatioOptions o;
  CLI::App app;
  pmt::cli::setup_app(
      app,
      {"ratio",
       "For the sound instances and every parameter of a mutation: the Hellinger distances of "
       "the bagged posterior (see posterior) to the ideal sound posterior Beta(1, N+1) and to the "
       "ideal mutant posterior Beta(N+1, 1), their ratio, and the verdict (killed when the ratio "
       "exceeds 1; inf when the posterior is the ideal mutant). Printed as the reference prints "
       "them, plus a verdict line with its Monte-Carlo uncertainty: the bootstrap is repeated "
       "--mc-reps times with independent streams (needs the raw accuracies) and the verdict is "
       "firm when all repetitions agree, borderline otherwise. Uses and writes the same kill-rate "
       "caches as posterior.",
       "  ratio --model mnist --mut change_label\n"
       "  ratio --model mnist --mut weights_fuzzing --same --json\n"
       "  ratio --model mnist --mut change_label --budget --proc 2",
       "F. Tambon, F. Khomh, G. Antoniol. A Probabilistic Framework for Mutation Testing in Deep "
       "Neural Networks. Information and Software Technology 155 (2023). Replication package: "
       "FlowSs/PMT."},
      o.common, pmt::cli::kAllCommon);
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
                            [&] { pmt::tools::run_ratio(o, std::cout); });
}
