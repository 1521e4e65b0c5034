// train_mutants and gen_acc end to end on a tiny generated dataset (two classes of 4x4 images:
// bright left half vs bright right half, plus noise) with a tiny MLP: seconds in all.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "pmt/core/error.hpp"
#include "pmt/io/accuracy_csv.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/model/dataset.hpp"
#include "pmt/tools/training.hpp"
#include "support/tiny_data.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Fixture {
  // one folder per process: ctest runs the test cases of this fixture at once
  fs::path root = fs::temp_directory_path() / ("pmt_train_tools_test_" + std::to_string(getpid()));
  fs::path subject = root / "tiny.json";
  Fixture() {
    fs::remove_all(root);
    fs::create_directories(root / "datasets" / "tiny");
    pmt::test::write_split(root / "datasets" / "tiny", "train", 256, 1);
    pmt::test::write_split(root / "datasets" / "tiny", "t10k", 64, 2);
    pmt::io::write_file_atomic(subject, R"({
      "name": "tiny", "dataset": "tiny", "input_shape": [1, 4, 4], "num_classes": 2,
      "layers": [{"type": "flatten"}, {"type": "dense", "units": 8, "activation": "relu"},
                 {"type": "dropout", "rate": 0.1},
                 {"type": "dense", "units": 2, "activation": "softmax"}],
      "optimizer": {"name": "adam", "learning_rate": 0.02}, "batch_size": 32, "epochs": 3,
      "validation": "test"})");
  }
  pmt::tools::TrainMutantsOptions train(const std::string& mut = "original",
                                        const std::string& param = "") const {
    pmt::tools::TrainMutantsOptions o;
    o.subject_file = subject.string();
    o.mut = mut;
    o.param = param;
    o.instances = "0-2";
    o.common.data_root = root.string();
    o.progress = false;
    return o;
  }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "train_mutants saves instances with sidecars and resumes", "[tools]") {
  const auto s = pmt::tools::run_train_mutants(train());
  CHECK(s.trained == std::vector<int>{0, 1, 2});
  const fs::path folder = root / "trained_models" / "tiny" / "original";
  for (int i = 0; i < 3; ++i) {
    CHECK(fs::exists(folder / fmt::format("instance_{}.pt", i)));
    const json side = json::parse(pmt::io::read_file(folder / fmt::format("instance_{}.json", i)));
    CHECK(side["subject"] == "tiny");
    CHECK(side["mutation"] == "original");
    CHECK(side["epochs"] == 3);
    CHECK(side["history"].size() == 3);
    CHECK(side["history"][2]["val_accuracy"].get<double>() > 0.9);
    CHECK(side.contains("wall_time_s"));
    REQUIRE(side.contains("peak_rss_mb"));
    CHECK(side["peak_rss_mb"].get<double>() > 0);
  }
  REQUIRE(s.to_json().contains("peak_rss_mb"));
  CHECK(s.to_json()["peak_rss_mb"].get<double>() > 0);
  // different instances have different seeds
  const json a = json::parse(pmt::io::read_file(folder / "instance_0.json"));
  const json b = json::parse(pmt::io::read_file(folder / "instance_1.json"));
  CHECK(a["seed"] != b["seed"]);
  // no temporary files left behind
  for (const auto& e : fs::directory_iterator(folder))
    CHECK(e.path().string().find(".tmp.") == std::string::npos);

  // A rerun skips what exists; an instance without its sidecar (killed between the two writes)
  // and a leftover temporary file are not counted as done.
  const auto mtime = fs::last_write_time(folder / "instance_0.pt");
  fs::remove(folder / "instance_2.json");
  // a leftover of a dead process (a child that has exited) is removed; a live one's is kept
  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  const fs::path stale = folder / fmt::format("instance_3.pt.tmp.{}", dead);
  const fs::path live = folder / fmt::format("instance_4.json.tmp.{}", getppid());
  pmt::io::write_file_atomic(stale, "half");
  pmt::io::write_file_atomic(live, "half");
  auto o = train();
  o.instances = "0-3";
  const auto r = pmt::tools::run_train_mutants(o);
  CHECK(r.skipped == std::vector<int>{0, 1});
  CHECK(r.trained == std::vector<int>{2, 3});
  CHECK(fs::last_write_time(folder / "instance_0.pt") == mtime);
  CHECK(!fs::exists(stale));
  CHECK(fs::exists(live));
  fs::remove(live);

  // Same seed and index -> the same model, whatever the jobs layout.
  fs::remove(folder / "instance_1.json");
  o.instances = "1";
  o.jobs = 1;
  o.threads = 1;
  pmt::tools::run_train_mutants(o);
  const json b2 = json::parse(pmt::io::read_file(folder / "instance_1.json"));
  CHECK(b2["history"][2]["loss"] == b["history"][2]["loss"]);
}

TEST_CASE_METHOD(Fixture, "train_mutants --shard: the union of the shards is the unsharded run",
                 "[tools][shard]") {
  // --fuse 1: shard i/n owns the instances at positions k mod n; --fuse 2: the fused blocks of
  // instances {0, 1}, {2, 3}, {4} at positions k mod n
  const int fuse = GENERATE(1, 2);
  CAPTURE(fuse);
  auto o = train("delete_training_data", "10");
  o.instances = "0-4";
  o.fuse = fuse;
  o.threads = 1;
  const auto whole = pmt::tools::run_train_mutants(o);
  const fs::path folder = root / "trained_models" / "tiny" / "delete_training_data_10";
  const fs::path moved = root / fmt::format("unsharded_{}", fuse);
  fs::rename(folder, moved);
  std::vector<int> trained;
  for (const char* shard : {"1/2", "0/2"}) {
    o.shard = pmt::tools::parse_shard(shard);
    const auto s = pmt::tools::run_train_mutants(o);
    CHECK(s.shard == shard);
    trained.insert(trained.end(), s.trained.begin(), s.trained.end());
  }
  CHECK(trained == (fuse == 1 ? std::vector<int>{1, 3, 0, 2, 4} : std::vector<int>{2, 3, 0, 1, 4}));
  for (int i = 0; i < 5; ++i) {
    const std::string pt = fmt::format("instance_{}.pt", i);
    CHECK(pmt::io::read_file(folder / pt) == pmt::io::read_file(moved / pt));
  }
  // A rerun of a shard (a requeued task) trains nothing.
  CHECK(pmt::tools::run_train_mutants(o).trained.empty());
  CHECK(whole.shard == "0/1");
}

TEST_CASE_METHOD(Fixture, "gen_acc writes the replication package's layout", "[tools]") {
  pmt::tools::run_train_mutants(train());
  pmt::tools::GenAccOptions g;
  g.subject_file = subject.string();
  g.common.data_root = root.string();
  g.progress = false;
  const auto s = pmt::tools::run_gen_acc(g);
  CHECK(s.file == root / "raw_data" / "tiny" / "results_tiny_original.csv");
  const auto table = pmt::io::read_accuracy_csv(s.file);
  CHECK(table.names ==
        std::vector<std::string>{"pred_label_model_0", "pred_label_model_1", "pred_label_model_2"});
  for (double acc : table.accuracy) CHECK(acc > 0.9);
  CHECK(table.accuracy[0] == Approx(s.accuracy[0]).margin(1e-15));
  // header + one row per test input + the accuracies
  const std::string text = pmt::io::read_file(s.file);
  CHECK(std::count(text.begin(), text.end(), '\n') == 1 + 64 + 1);
  CHECK(text.rfind("true_label;pred_label_model_0;", 0) == 0);

  // a mutant: its own file name; --test-set evaluates on another file
  pmt::tools::run_train_mutants(train("delete_training_data", "50"));
  g.mut = "delete_training_data";
  g.param = "50";
  g.test_set = (root / "datasets" / "tiny" / "train-images-idx3-ubyte.gz").string();
  const auto m = pmt::tools::run_gen_acc(g);
  CHECK(m.file.filename() == "results_tiny_delete_training_data_mutated0_MP_50.csv");
  CHECK(pmt::io::read_accuracy_csv(m.file).accuracy.size() == 3);
}

TEST_CASE_METHOD(Fixture, "bad input fails before anything is written", "[tools]") {
  REQUIRE_THROWS_WITH(pmt::tools::run_train_mutants(train("shuffle_weights", "1")),
                      Catch::Contains("unknown mutation 'shuffle_weights'"));
  auto o = train();
  o.data_dir = (root / "elsewhere").string();
  REQUIRE_THROWS_WITH(pmt::tools::run_train_mutants(o),
                      Catch::Contains("dataset 'tiny': missing train-images-idx3-ubyte"));
  CHECK(!fs::exists(root / "trained_models"));
  pmt::tools::GenAccOptions g;
  g.subject_file = subject.string();
  g.common.data_root = root.string();
  REQUIRE_THROWS_WITH(pmt::tools::run_gen_acc(g), Catch::Contains("run train_mutants first"));

  // a corrupt model file is a one-line data error naming it
  pmt::tools::run_train_mutants(train());
  pmt::io::write_file_atomic(root / "trained_models" / "tiny" / "original" / "instance_1.pt",
                             "garbage");
  g.progress = false;
  REQUIRE_THROWS_WITH(pmt::tools::run_gen_acc(g), Catch::Contains("instance_1.pt: corrupt"));
  CHECK(!fs::exists(root / "raw_data"));
}

TEST_CASE_METHOD(Fixture, "validation_split keeps floor(n (1 - v)) samples for training, as Keras",
                 "[tools][fidelity]") {
  const fs::path split_subject = root / "split.json";
  pmt::io::write_file_atomic(split_subject, pmt::test::tiny_subject(R"(, "validation": 0.1)"));
  auto o = train();
  o.subject_file = split_subject.string();
  o.instances = "0";
  pmt::tools::run_train_mutants(o);
  const json side = json::parse(
      pmt::io::read_file(root / "trained_models" / "tiny" / "original" / "instance_0.json"));
  // 256 samples: Keras trains on floor(256 * 0.9) = 230 and validates on the last 26
  CHECK(side["train_size"] == 230);
}
