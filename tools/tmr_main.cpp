// tmr: Targeted Misbehavior Retraining (the USI thesis, section 4.4): mutants that misbehave on
// one cluster of a class's inputs, saved where gen_acc finds them.
#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/tools/targeted.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::TmrOptions o;
  pmt::cli::TargetedFlags f;
  pmt::cli::setup_app(app, "tmr", o.common,
                      pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kJson);
  pmt::cli::add_tmr_flags(app, o, f);
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    pmt::cli::finish_targeted_flags(o, f);
    pmt::install_interrupt_handlers();
    pmt::cli::print(pmt::tools::run_tmr(o), o.common.json);
  });
}
