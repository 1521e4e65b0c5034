// weak_test_set: writes DeepCrime's "weak" test set as pmt reads its definition: the test inputs
// a sound instance classifies right with the highest confidence, as IDX files for --test-set.
#include <cstdio>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/number.hpp"
#include "pmt/tools/training.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::CommonOptions common;
  pmt::tools::WeakTestSetOptions o;
  pmt::cli::setup_app(
      app,
      {"weak_test_set",
       "Builds a weak test set, DeepCrime's \"test inputs a sound instance classifies with "
       "maximal confidence\" (its construction script is not public; this is pmt's reading): "
       "sound instance --instance (trained by train_mutants) predicts the subject's test split; "
       "of the inputs it classifies right, the --fraction of the test split with the highest "
       "softmax confidence are kept (all right ones if fewer), in the test split's order, and "
       "written as IDX files: --out (images; its name must contain 'images-idx3') and the "
       "labels beside it ('labels-idx1'). Use them with gen_acc or mutation_search --test-set. "
       "DeepCrime's mnist_weak.h5 holds 4813 of mnist's 10,000 test inputs. Classification "
       "subjects on IDX data only.",
       "  weak_test_set --model mnist --out weak/weak-images-idx3-ubyte\n"
       "  mutation_search --model mnist --mut delete_training_data --test-set "
       "weak/weak-images-idx3-ubyte --test-set-name weak",
       "Humbatova, Jahangirova, Tonella. DeepCrime: Mutation Testing of Deep Learning Systems "
       "Based on Real Faults. ISSTA 2021 (section 5.4, weak test set)."},
      common, pmt::cli::kDataRoot | pmt::cli::kJson);
  o.mut = "original";
  pmt::cli::add_config_flags(app, o, "unused", false);
  app.remove_option(app.get_option("--mut"));
  app.remove_option(app.get_option("--layer"));
  app.remove_option(app.get_option("--jobs"));
  app.add_option("--instance", o.instance, "The sound instance that predicts")
      ->check(pmt::cli::non_negative())
      ->capture_default_str();
  std::string fraction = "0.5";
  app.add_option("--fraction", fraction, "Share of the test split to keep, in (0, 1]")
      ->capture_default_str();
  app.add_option("--out", o.out, "Images file to write ('...images-idx3...'; .gz: compressed)")
      ->required();
  return pmt::cli::run_main(app, argc, argv, common, [&] {
    o.data_root = common.data_root;
    o.fraction = pmt::io::parse_double(fraction, "--fraction", pmt::ErrorKind::kUsage);
    const auto s = pmt::tools::run_weak_test_set(o);
    if (common.json) {
      std::printf("%s\n", s.to_json().dump().c_str());
      return;
    }
    std::printf(
        "kept %lld of %lld test inputs (%lld classified right; confidence >= %.4f) -> %s, %s\n",
        static_cast<long long>(s.kept), static_cast<long long>(s.test_size),
        static_cast<long long>(s.correct), s.min_confidence, s.images.string().c_str(),
        s.labels.string().c_str());
  });
}
