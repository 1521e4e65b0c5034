// ratio: Hellinger-distance ratio and verdict (plot_param.py). See run_ratio.
#include <iostream>

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
       "  ratio --model mnist --mut weights_fuzzing --same --json",
       "F. Tambon, F. Khomh, G. Antoniol. A Probabilistic Framework for Mutation Testing in Deep "
       "Neural Networks. Information and Software Technology 155 (2023). Replication package: "
       "FlowSs/PMT."},
      o.common, pmt::cli::kAllCommon);
  pmt::tools::add_analysis_flags(app, o, "Only report this parameter [default: every parameter]");
  app.add_option("--mc-reps", o.mc_reps,
                 "Independent repetitions behind each verdict's uncertainty (0: off)")
      ->check(pmt::cli::non_negative());
  return pmt::cli::run_main(app, argc, argv, o.common,
                            [&] { pmt::tools::run_ratio(o, std::cout); });
}
