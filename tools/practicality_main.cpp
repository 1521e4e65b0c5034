// practicality: sampling effect of the population size (run_mp.py + pop_var.py). See
// run_practicality.
#include <iostream>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/tools/analysis.hpp"
#include "pmt/tools/shard.hpp"

int main(int argc, char** argv) {
  pmt::tools::PracticalityOptions o;
  CLI::App app;
  pmt::cli::setup_app(
      app,
      {"practicality",
       "How many instances does the probabilistic framework need? For each population size "
       "25, 50, ..., 175, 190: --n-pop random sub-populations of that many sound and mutated "
       "instances, each with --reps repetitions of the bootstrap, written to rep_practicality/"
       "<model>/<model>_<mut>_<param>_30_rep_<size>_size_pop.npy when missing (--size S: only "
       "that size). Then each sub-population's jackknife estimate (posterior mean and variance, "
       "-+ 1.96 MCE), summarised by median and 2.5%/97.5% quantiles over sub-populations into "
       "data_plot/l_std_<model>_<mut>_<param>.npy (8 x 3 x 2 x 3) and the figure "
       "plot_results/<model>/std/<model>_<mut>_<param>_std.png. --pop_size S prints the "
       "reference's block for one size. Memory: one size's array at a time, 8 n-pop R B bytes "
       "(2.4 MB at the defaults; twice that while it is written or read back) and the posterior "
       "table, 800 (N + 1) bytes for N trials, whatever the number of sizes and --sample-size "
       "(docs/reliability.md). Each size's array is written atomically once complete: a rerun "
       "resumes at the first size not on disk, with the same bits as an uninterrupted run; "
       "SIGINT/SIGTERM stop between repetitions (exit 130/143).",
       "  practicality --model mnist --mut change_label --param 3.12\n"
       "  practicality --model mnist --mut change_label --param 3.12 --pop_size 25",
       "F. Tambon, F. Khomh, G. Antoniol. A Probabilistic Framework for Mutation Testing in Deep "
       "Neural Networks. Information and Software Technology 155 (2023). Replication package: "
       "FlowSs/PMT."},
      o.common, pmt::cli::kAllCommon);
  pmt::cli::add_analysis_flags(app, o,
                               "Parameter of the mutation (required unless --mut original)");
  app.add_option("--size", o.size, "Only generate the arrays of this population size")
      ->check(pmt::cli::non_negative());
  app.add_option("--pop_size", o.pop_size, "Print the summary block of this population size")
      ->check(pmt::cli::non_negative());
  app.add_option("--n-pop", o.n_pop, "Sub-populations per size")->check(pmt::cli::positive());
  app.add_option("--reps", o.reps, "Repetitions of the bootstrap per sub-population")
      ->check(pmt::cli::integer_in(2, 100000));
  app.add_flag_callback(
      "--no-plot", [&o] { o.plot = false; }, "Do not write the figure");
  pmt::cli::add_jackknife_flag(app, o.divisor);
  std::string shard;
  pmt::cli::add_shard_flag(app, shard, "the population sizes");
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    o.shard = pmt::tools::resolve_shard(shard);
    pmt::install_interrupt_handlers();  // SIGINT/SIGTERM: stop cleanly, exit 128 + signal
    pmt::tools::run_practicality(o, std::cout);
  });
}
