// mutation_search end to end with real training (LibTorch) on a tiny generated subject: a binary
// search of delete_training_data (4 instances per configuration, 2 epochs) finds a killable
// magnitude and writes DeepCrime's CSV; a rerun resumes (nothing trained) and writes the same
// CSV; an exhaustive search of change_activation_function over a short values list (the
// subject's mutation_search override) at each layer on both sets; a single run (no search) at
// each layer; an operator that does not apply exits 2.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/tools/mutation_search.hpp"
#include "support/tiny_data.hpp"

namespace fs = std::filesystem;

namespace {

struct Search {
  fs::path root =
      fs::temp_directory_path() / ("pmt_mutation_search_test_" + std::to_string(getpid()));
  fs::path subject = root / "tiny.json";
  Search() {
    fs::remove_all(root);
    pmt::test::write_split(root / "datasets" / "tiny", "train", 256, 1);
    pmt::test::write_split(root / "datasets" / "tiny", "t10k", 64, 2);
    // precision 30: three or four configurations in all
    pmt::io::write_file_atomic(subject, pmt::test::tiny_subject(R"(,
      "mutation_search": {"delete_training_data": {"precision": 30},
                          "change_activation_function": {"values": ["relu", "linear"]}})"));
  }
  ~Search() { fs::remove_all(root); }
  pmt::tools::MutationSearchOptions options(const std::string& mut) const {
    pmt::tools::MutationSearchOptions o;
    o.subject_file = subject.string();
    o.mut = mut;
    o.instances = 4;
    o.common.data_root = root.string();
    o.progress = false;
    return o;
  }
};

}  // namespace

TEST_CASE_METHOD(Search, "mutation_search: binary search of delete_training_data end to end",
                 "[search][tools]") {
  auto o = options("delete_training_data");
  o.sets = "test";
  int lines = 0;
  o.log = [&](const std::string&) { ++lines; };
  const auto s = pmt::tools::run_mutation_search(o);
  REQUIRE(s.result.sets.size() == 1);
  const auto& t = s.result.sets[0];
  CHECK(t.steps.front().param == "99");
  REQUIRE(t.killable);  // 99% of the data deleted: 2 samples, chance level
  CHECK(t.steps.size() >= 3);
  CHECK(t.steps[1].param == "49.5");
  CHECK(lines == static_cast<int>(t.steps.size()));
  const fs::path csv = root / "search" / "tiny" / "delete_training_data_test.csv";
  REQUIRE(s.csv_files == std::vector<fs::path>{csv});
  const std::string text = pmt::io::read_file(csv);
  CHECK(text.rfind("0,99,,", 0) == 0);
  CHECK(text.find("\n" + t.killable_param + "," + t.not_killed_param + "\n") != std::string::npos);
  CHECK(fs::exists(root / "search" / "tiny" / "delete_training_data.json"));
  CHECK(fs::exists(root / "raw_data" / "tiny" / "results_tiny_original.csv"));
  CHECK(
      fs::exists(root / "trained_models" / "tiny" / "delete_training_data_49.5" / "instance_3.pt"));

  // A rerun resumes every instance and gives the same CSV.
  const auto again = pmt::tools::run_mutation_search(o);
  CHECK(pmt::io::read_file(csv) == text);
  CHECK(again.result.sets[0].killable_param == t.killable_param);
}

TEST_CASE_METHOD(Search,
                 "mutation_search: exhaustive search on the test and training sets, each layer "
                 "in turn",
                 "[search][tools][fidelity]") {
  const auto s = pmt::tools::run_mutation_search(options("change_activation_function"));
  REQUIRE(s.result.sets.size() == 2);
  for (const auto& r : s.result.sets) {
    REQUIRE(r.steps.size() == 4);  // both values at both dense layers
    CHECK(r.steps[0].param == "relu_layer1");
    CHECK(r.steps[1].param == "linear_layer1");
    CHECK(r.steps[2].param == "relu_layer2");
    CHECK(r.steps[0].n_mutant == 4);
    CHECK_FALSE(r.steps[0].outcome.killed);  // relu is the layer's own activation
  }
  CHECK(s.result.configurations == 5);
  CHECK(fs::exists(root / "search" / "tiny" / "change_activation_function_train.csv"));
  CHECK(fs::exists(root / "train_set" / "raw_data" / "tiny" /
                   "results_tiny_change_activation_function_mutated0_MP_linear_layer1.csv"));
  // --layer: that layer's values only, in a file of its own
  auto o = options("change_activation_function");
  o.layer = 2;
  o.sets = "test";
  const auto one = pmt::tools::run_mutation_search(o);
  CHECK(one.result.sets[0].steps.size() == 2);
  CHECK(one.json_file.filename() == "change_activation_function_layer2.json");
}

TEST_CASE_METHOD(
    Search,
    "mutation_search: DeepCrime's single runs at each layer, and an operator that does "
    "not apply is a usage error",
    "[search][tools][fidelity]") {
  auto o = options("remove_bias");
  o.sets = "test";
  const auto s = pmt::tools::run_mutation_search(o);
  REQUIRE(s.result.sets[0].steps.size() == 2);
  CHECK(s.result.sets[0].kind == pmt::mutate::SearchKind::kNone);
  CHECK(s.result.sets[0].steps[1].param == "2");
  CHECK(fs::exists(root / "trained_models" / "tiny" / "remove_bias_1" / "instance_3.pt"));

  fs::remove_all(root / "trained_models");
  CHECK_THROWS_AS(pmt::tools::run_mutation_search(options("add_bias")), pmt::Error);
  const std::string cmd = std::string(PMT_BINARY_DIR) + "/tools/mutation_search --subject " +
                          subject.string() + " --mut add_bias --data-root " + root.string() +
                          " 2>/dev/null";
  const int status = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
  CHECK_FALSE(fs::exists(root / "trained_models"));
}
