// train_mutants: trains instances of a subject (--mut original) or of a mutant and saves them
// under <data-root>/trained_models/<model>/<mut>[_<param>]/instance_<i>.pt (+ .json sidecar).
#include <cstdio>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/tools/training.hpp"
#include "pmt/tools/until_firm.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::TrainMutantsOptions o;
  pmt::cli::TrainMutantsFlags f;
  pmt::cli::setup_app(app, "train_mutants", o.common,
                      pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kProc | pmt::cli::kJson);
  pmt::cli::add_train_mutants_flags(app, o, f);
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    pmt::install_interrupt_handlers();  // SIGINT/SIGTERM: stop cleanly, exit 128 + signal
    o.progress = !f.quiet;
    if (f.list) {
      std::fputs(pmt::tools::list_mutations(o, o.common.json).c_str(), stdout);
      return;
    }
    if (!f.until.empty()) {
      PMT_THROW_IF(!f.shard.empty(), kUsage,
                   "--until firm decides after each round: it does not split into --shard parts");
      static_cast<pmt::tools::TrainMutantsOptions&>(f.until_firm) = o;
      f.until_firm.log = [](const std::string& line) {
        std::fprintf(stderr, "%s\n", line.c_str());
      };
      pmt::cli::print(pmt::tools::run_until_firm(f.until_firm), o.common.json);
      return;
    }
    o.shard = pmt::tools::resolve_shard(f.shard);
    pmt::cli::print(pmt::tools::run_each_configuration(o, pmt::tools::run_train_mutants),
                    o.common.json);
  });
}
