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
  pmt::tools::WeakTestSetOptions o;
  pmt::cli::setup_app(app, "weak_test_set", o.common, pmt::cli::kDataRoot | pmt::cli::kJson);
  o.mut = "original";
  pmt::cli::add_config_flags(app, o, "Instances evaluated", false);
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
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    o.fraction = pmt::io::parse_double(fraction, "--fraction", pmt::ErrorKind::kUsage);
    pmt::cli::print(pmt::tools::run_weak_test_set(o), o.common.json);
  });
}
