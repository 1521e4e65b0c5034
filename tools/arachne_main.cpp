// arachne: targeted mutants from Arachne's bidirectional localisation, perturbed by Gaussian
// noise or differential evolution (the USI thesis, section 4.3).
#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/tools/targeted.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::ArachneOptions o;
  pmt::cli::ArachneFlags f;
  pmt::cli::setup_app(app, "arachne", o.common,
                      pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kJson);
  pmt::cli::add_arachne_flags(app, o, f);
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    o.clip = !f.no_clip;
    pmt::cli::finish_targeted_flags(o, f);
    pmt::install_interrupt_handlers();
    pmt::cli::print(pmt::tools::run_arachne(o), o.common.json);
  });
}
