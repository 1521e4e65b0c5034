// mutate_model: post-training (model-level) mutants of the trained sound instances, saved where
// gen_acc finds them (trained_models/<model>/<mut>_<param>/instance_<i>.pt + sidecar).
#include <cstdio>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/tools/shard.hpp"
#include "pmt/tools/training.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::MutateModelOptions o;
  pmt::cli::MutateModelFlags f;
  o.mut.clear();  // no default: name the operator
  pmt::cli::setup_app(app, "mutate_model", o.common,
                      pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kJson);
  pmt::cli::add_mutate_model_flags(app, o, f);
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    o.progress = !f.quiet;
    if (f.list) {
      std::fputs(pmt::tools::list_layers(o, o.common.json).c_str(), stdout);
      return;
    }
    pmt::install_interrupt_handlers();  // SIGINT/SIGTERM: stop cleanly, exit 128 + signal
    o.shard = pmt::tools::resolve_shard(f.shard);
    const auto s = pmt::tools::run_mutate_model(o);
    pmt::cli::print(s, o.common.json);
    std::string gave_up;
    for (int i : s.gave_up) gave_up += (gave_up.empty() ? "" : ",") + std::to_string(i);
    PMT_THROW_IF(!s.gave_up.empty(), kData,
                 "{}: no draw passed the filter within --max-draws {} for instance(s) {} (a "
                 "smaller ratio, a lower --filter-factor or more --max-draws)",
                 s.folder.string(), o.max_draws, gave_up);
  });
}
