// The LibTorch tools' golden runs (see tools/harness_test.cpp): one chain on a generated 28x28
// dataset of 10 classes, each tool's --json output compared with tests/data/golden/<tool>.json
// with the data root written <root>, every floating-point value and every outcome of the trained
// models masked (they depend on the processor's LibTorch kernels; the tools' own tests check
// them): the output's shape, its strings, counts, indices and seeds.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pmt/io/atomic_file.hpp"
#include "support/golden.hpp"
#include "support/tiny_data.hpp"
#include "tools/fixture.hpp"

namespace {

// What follows from the trained models' predictions (see mask_floats).
const std::set<std::string> kOutcomes = {
    "correct",       "i_neg_sizes",    "i_pos_sizes",      "killable",     "killed",
    "different",     "p_value",        "cohen_d",          "counted",      "mutation_score",
    "score",         "note",           "train_killed",     "test_killed",  "unstable_train",
    "unstable_test", "killable_param", "not_killed_param", "killed_params"};

}  // namespace

TEST_CASE("golden runs of the LibTorch tools", "[tools][harness][golden]") {
  DataRoot d;
  const fs::path data = d.root / "datasets" / "mnist";
  pmt::test::write_split(data, "train", 300, 5, 10, 28);
  pmt::test::write_split(data, "t10k", 100, 6, 10, 28);
  const fs::path subject = d.root / "harness.json";
  pmt::io::write_file_atomic(subject, R"({
    "name": "harness", "dataset": "mnist", "input_shape": [1, 28, 28], "num_classes": 10,
    "layers": [{"type": "flatten"}, {"type": "dense", "units": 16, "activation": "relu"},
               {"type": "dense", "units": 10, "activation": "softmax"}],
    "optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 32, "epochs": 2,
    "mutation_search": {"change_activation_function": {"values": ["relu", "linear"]}}})");
  const std::string s = " --subject " + subject.string() + " --data-root " + d.root.string();
  const std::string serial = " --jobs 1 --threads 1 -q --json";
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"train_mutants", "--mut original --instances 0-3" + serial},
      {"gen_acc", "--mut original --jobs 1 --json"},
      {"weak_test_set",
       "--out " + (d.root / "weak" / "weak-images-idx3-ubyte").string() + " --json"},
      {"mutate_model", "--mut neurons_freezing --param 0.5 --instances 0-1" + serial},
      {"mutation_search",
       "--mut change_activation_function --instances 2 --set both --jobs 1 --no-progress --json"},
      {"embed", "--epochs 2 --latent 2 --proc 1 --json"},
      {"cluster",
       "--classes 0 --scalings max --thresholds off --algorithms kmeans "
       "--components 3 --no-plot --proc 1 --json"},
      {"tmr", "--classes 0 --cluster 0 --instances 0-1 --epochs 1" + serial},
      {"arachne", "--classes 0 --cluster 0 --instances 0 --method gn --layer 1" + serial}};
  for (const auto& [tool, args] : runs) {
    INFO(tool << " " << args);
    std::string out, err;
    const int code = run_exe(tool, args + s, &out, &err);
    INFO(err);
    REQUIRE(code == 0);
    const auto j = nlohmann::json::parse(pmt::test::replace_all(out, d.root.string(), "<root>"));
    if (tool == "cluster") continue;  // its golden run is tools/harness_test.cpp's (text, exact)
    pmt::test::check_golden(tool + ".json", pmt::test::mask_floats(j, kOutcomes).dump(1) + "\n");
  }
  // mutation_score (no LibTorch) on mutation_search's results
  std::string out, err;
  const int code = run_exe("mutation_score",
                           "--model harness --json --data-root " + d.root.string(), &out, &err);
  INFO(err);
  REQUIRE(code == 0);
  const auto j = nlohmann::json::parse(pmt::test::replace_all(out, d.root.string(), "<root>"));
  pmt::test::check_golden("mutation_score.json",
                          pmt::test::mask_floats(j, kOutcomes).dump(1) + "\n");
}
