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
  pmt::cli::setup_app(app, "mce", o.common, pmt::cli::kAllCommon);
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
    const auto r = pmt::tools::run_mce(o);
    if (r.summarised) pmt::cli::print(r, o.common.json);
  });
}
