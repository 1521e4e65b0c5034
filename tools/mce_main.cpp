// mce: jackknife Monte-Carlo error of the bagged posterior (exp.py + mce_estim.py). See run_mce.
#include <iostream>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/tools/analysis.hpp"
#include "pmt/tools/shard.hpp"

int main(int argc, char** argv) {
  pmt::tools::MceOptions o;
  CLI::App app;
  pmt::cli::setup_app(
      app,
      {"mce",
       "Monte-Carlo error of the posterior estimate. Writes rep_mce/<model>/<model>_<mut>_<param>"
       "_200_pop_size.npy (R repetitions x B bootstrap kill rates, from the 200-instance raw "
       "accuracies) when missing, then fits each repetition's bagged posterior (grid step 0.01) "
       "and prints the jackknife estimate of the posterior mean and variance with 95% intervals "
       "value +- 1.96 MCE. The leave-one-out values divide by R, as the reference (--textbook: "
       "by R - 1). --mut original studies the sound instances. Memory: the R x B kill rates "
       "(8 R B bytes, 80 KB at the defaults; twice that while the file is written) and the "
       "posterior table, "
       "800 (N + 1) bytes for N trials, whatever --sample-size (docs/reliability.md). The array is "
       "written atomically once complete: a killed run leaves no partial file and a rerun "
       "recomputes the same bits from --seed; SIGINT/SIGTERM stop between repetitions (exit "
       "130/143).",
       "  mce --model mnist --mut change_label --param 18.75\n"
       "  mce --model mnist --mut original --json",
       "F. Tambon, F. Khomh, G. Antoniol. A Probabilistic Framework for Mutation Testing in Deep "
       "Neural Networks. Information and Software Technology 155 (2023). Replication package: "
       "FlowSs/PMT."},
      o.common, pmt::cli::kAllCommon);
  pmt::cli::add_analysis_flags(app, o,
                               "Parameter of the mutation (required unless --mut original)");
  app.add_option("--reps", o.reps, "Repetitions R of the bootstrap")
      ->check(pmt::cli::integer_in(2, 100000));
  pmt::cli::add_jackknife_flag(app, o.divisor);
  std::string shard;
  pmt::cli::add_shard_flag(app, shard, "the repetitions, in contiguous blocks");
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    o.shard = pmt::tools::resolve_shard(shard);
    pmt::install_interrupt_handlers();  // SIGINT/SIGTERM: stop cleanly, exit 128 + signal
    pmt::tools::run_mce(o, std::cout);
  });
}
