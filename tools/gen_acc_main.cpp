// gen_acc: evaluates every saved instance of a configuration and writes its accuracy file in the
// replication package's layout (raw_data/<model>/results_<model>_..._MP_<param>.csv).
#include <cstdio>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/tools/training.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::CommonOptions common;
  pmt::tools::GenAccOptions o;
  pmt::cli::setup_app(
      app,
      {"gen_acc",
       "Evaluates every instance saved by train_mutants for one configuration on the test set "
       "(the subject's test split, or --test-set) and writes raw_data/<model>/results_<model>_"
       "<mut>_mutated0_MP_<param>.csv (results_<model>_original.csv for --mut original): a "
       "';'-separated header true_label;pred_label_model_0;..., one row per test input (true "
       "label, each instance's prediction) and a last row of accuracies, so that mutation_test, "
       "posterior, ratio, mce and practicality read it unchanged. A missing instance index "
       "(between 0 and the largest one) is an empty cell. Instances are those of train_mutants "
       "and mutate_model or, with --torchscript, TorchScript modules saved from PyTorch "
       "(torch.jit.save) and evaluated on --test-set (IDX or NPY): the predicted class is the "
       "argmax of the model's output, which must have one score per class.",
       "  gen_acc --model mnist --mut original\n"
       "  gen_acc --model mnist --mut delete_training_data --param 30.93\n"
       "  gen_acc --model mnist --mut original --test-set weak/t10k-images-idx3-ubyte.gz\n"
       "  gen_acc --torchscript --model mine --mut original --test-set t10k-images-idx3-ubyte.gz",
       "Humbatova, Jahangirova, Tonella. DeepCrime. ISSTA 2021 (generate_acc_files)."},
      common, pmt::cli::kDataRoot | pmt::cli::kJson);
  pmt::cli::add_config_flags(app, o, "Instances evaluated at once (0: one per core)");
  app.add_option("--test-set", o.test_set,
                 "Test set to evaluate on: IDX images (plain or .gz) or an NPY array of inputs")
      ->check(CLI::ExistingFile);
  app.add_option("--test-labels", o.test_labels,
                 "Its labels: IDX [default: --test-set with images-idx3 -> labels-idx1] or NPY "
                 "(required for an NPY test set)")
      ->check(CLI::ExistingFile);
  pmt::cli::add_torchscript_flags(app, o);
  app.add_option("--test-set-name", o.test_set_name,
                 "Name of --test-set: accuracy files under <data-root>/test_sets/<name>/ instead "
                 "of over the full test set's");
  app.add_option("--split", o.split,
                 "test: the test split (or --test-set); train: the subject's training split "
                 "(DeepCrime's train pass), written under <data-root>/train_set/ in the same "
                 "layout")
      ->check(CLI::IsMember({"test", "train"}));
  return pmt::cli::run_main(app, argc, argv, common, [&] {
    o.data_root = common.data_root;
    pmt::install_interrupt_handlers();  // SIGINT/SIGTERM: stop cleanly, exit 128 + signal
    const auto s = pmt::tools::run_gen_acc(o);
    if (common.json) {
      std::printf("%s\n", s.to_json().dump().c_str());
      return;
    }
    double mean = 0;
    for (double a : s.accuracy) mean += a / double(s.accuracy.size());
    std::printf("%s: %zu instances, mean accuracy %.4f\n", s.file.string().c_str(),
                s.instances.size(), mean);
  });
}
