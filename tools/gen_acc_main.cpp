// gen_acc: evaluates every saved instance of a configuration and writes its accuracy file in the
// replication package's layout (raw_data/<model>/results_<model>_..._MP_<param>.csv).
#include <cstdio>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/tools/training.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::GenAccOptions o;
  pmt::cli::setup_app(app, "gen_acc", o.common, pmt::cli::kDataRoot | pmt::cli::kJson);
  pmt::cli::add_config_flags(app, o, "Instances evaluated");
  pmt::cli::add_test_set_flags(app, o.test_set, o.test_labels,
                               "Test set to evaluate on [default: the subject's test split]");
  pmt::cli::add_torchscript_flags(app, o);
  app.add_option("--test-set-name", o.test_set_name,
                 "Name of --test-set: accuracy files under <data-root>/test_sets/<name>/ instead "
                 "of over the full test set's");
  app.add_option("--split", o.split,
                 "test: the test split (or --test-set); train: the subject's training split "
                 "(DeepCrime's train pass), written under <data-root>/train_set/ in the same "
                 "layout")
      ->check(CLI::IsMember({"test", "train"}));
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    pmt::install_interrupt_handlers();  // SIGINT/SIGTERM: stop cleanly, exit 128 + signal
    pmt::cli::print(pmt::tools::run_each_configuration(o, pmt::tools::run_gen_acc), o.common.json);
  });
}
