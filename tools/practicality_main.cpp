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
  pmt::cli::setup_app(app, "practicality", o.common, pmt::cli::kAllCommon);
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
    const auto r = pmt::tools::run_practicality(o);
    if (r.summarised) pmt::cli::print(r, o.common.json);
  });
}
