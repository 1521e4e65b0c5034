// The training tools as processes under signals: SIGINT/SIGTERM stop train_mutants and
// mutation_search cleanly (exit 130/143, one line, no temporary file), and a run killed with
// SIGKILL then rerun ends with the same models, accuracy files and search results as an
// uninterrupted run (same seed), for train_mutants, gen_acc, weak_test_set and mutation_search;
// mutate_model likewise, with its exit codes (2 usage, 1 data, 1 when the filter gives up).
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/io/atomic_file.hpp"
#include "support/process.hpp"
#include "support/tiny_data.hpp"

namespace fs = std::filesystem;
using pmt::test::poll;
using pmt::test::run;
using pmt::test::slurp;
using pmt::test::spawn;
using pmt::test::wait_for;

namespace {

// A data root with the tiny dataset and a tiny subject training `epochs` epochs.
struct Root {
  fs::path root;
  explicit Root(const std::string& tag, int epochs) {
    root = fs::temp_directory_path() / ("pmt_signals_test_" + tag + std::to_string(getpid()));
    fs::remove_all(root);
    pmt::test::write_split(root / "datasets" / "tiny", "train", 256, 1);
    pmt::test::write_split(root / "datasets" / "tiny", "t10k", 64, 2);
    pmt::io::write_file_atomic(root / "tiny.json", R"({
      "name": "tiny", "dataset": "tiny", "input_shape": [1, 4, 4], "num_classes": 2,
      "layers": [{"type": "flatten"}, {"type": "dense", "units": 8, "activation": "relu"},
                 {"type": "dropout", "rate": 0.1},
                 {"type": "dense", "units": 2, "activation": "softmax"}],
      "optimizer": {"name": "adam", "learning_rate": 0.02}, "batch_size": 32, "epochs": )" +
                                                       std::to_string(epochs) + R"(,
      "validation": "test",
      "mutation_search": {"delete_training_data": {"precision": 30}}})");
  }
  ~Root() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  fs::path folder() const { return root / "trained_models" / "tiny" / "original"; }
  std::vector<std::string> args(const std::string& tool, const std::string& extra = "") const {
    std::vector<std::string> a{std::string(PMT_BINARY_DIR) + "/tools/" + tool,
                               "--subject",
                               (root / "tiny.json").string(),
                               "--data-root",
                               root.string(),
                               "--jobs",
                               "1"};
    if (tool == "train_mutants")
      for (const char* s : {"--threads", "1", "--instances", "0-5"}) a.emplace_back(s);
    if (tool == "mutation_search")  // 3 or 4 configurations of 3 instances, test set only
      for (const char* s : {"--mut", "delete_training_data", "--instances", "3", "--set", "test"})
        a.emplace_back(s);
    if (!extra.empty()) a.push_back(extra);
    return a;
  }
  std::size_t count(const std::string& needle) const {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(root, ec))
      n += e.path().filename().string().find(needle) != std::string::npos ? 1 : 0;
    return n;
  }
};

}  // namespace

TEST_CASE(
    "SIGINT and SIGTERM stop train_mutants and mutation_search cleanly with exit 128 + signal",
    "[tools][signals]") {
  const std::string tool = GENERATE(as<std::string>{}, "train_mutants", "mutation_search");
  const int sig = GENERATE(SIGTERM, SIGINT);
  Root r("term_" + tool, 100000);  // never finishes by itself
  const fs::path err = r.root / "stderr.txt";
  const pid_t pid = spawn(r.args(tool), err);
  // training has started (a progress line is out) and the handlers are in place
  REQUIRE(poll([&] { return slurp(err).find(" epoch ") != std::string::npos; }));
  REQUIRE(pmt::test::catches_interrupts(pid));
  kill(pid, sig);
  CHECK(wait_for(pid) == 128 + sig);
  CHECK(pmt::test::last_line(slurp(err)) == tool + ": interrupted (signal " + std::to_string(sig) +
                                                "): 0 instance(s) saved, rerun to resume");
  CHECK(r.count(".tmp.") == 0);
  CHECK(r.count("instance_") == 0);
  CHECK_FALSE(fs::exists(r.root / "search"));
}

TEST_CASE(
    "train_mutants, gen_acc and weak_test_set killed and rerun give an uninterrupted run's "
    "results",
    "[tools][signals]") {
  Root a("a", 15), b("b", 15);
  REQUIRE(run(a.args("train_mutants", "-q"), a.root / "err") == 0);
  REQUIRE(run(a.args("gen_acc"), a.root / "err") == 0);

  // SIGKILL at a random point once some instance is saved
  std::mt19937 gen(std::random_device{}());
  const pid_t pid = spawn(b.args("train_mutants", "-q"), b.root / "err");
  REQUIRE(poll([&] { return fs::exists(b.folder() / "instance_0.pt"); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(gen() % 60));
  kill(pid, SIGKILL);
  CHECK(wait_for(pid) == 1000 + SIGKILL);
  const std::size_t saved = b.count(".json") - 1;  // instance_<i>.json (not tiny.json)
  INFO("instances saved before the kill: " << saved);
  REQUIRE(run(b.args("train_mutants", "-q"), b.root / "err") == 0);
  CHECK(b.count(".tmp.") == 0);

  // gen_acc killed at a random point (possibly before it writes anything, or after), then rerun
  const pid_t g = spawn(b.args("gen_acc"), b.root / "err");
  std::this_thread::sleep_for(std::chrono::milliseconds(gen() % 400));
  kill(g, SIGKILL);
  wait_for(g);
  REQUIRE(run(b.args("gen_acc"), b.root / "err") == 0);
  CHECK(b.count(".tmp.") == 0);

  // weak_test_set (two IDX files, each written atomically) killed at a random point, then rerun
  auto weak = [](const Root& r) {
    return std::vector<std::string>{std::string(PMT_BINARY_DIR) + "/tools/weak_test_set",
                                    "--subject",
                                    (r.root / "tiny.json").string(),
                                    "--data-root",
                                    r.root.string(),
                                    "--out",
                                    (r.root / "weak" / "weak-images-idx3-ubyte").string()};
  };
  REQUIRE(run(weak(a), a.root / "err") == 0);
  const pid_t w = spawn(weak(b), b.root / "err");
  std::this_thread::sleep_for(std::chrono::milliseconds(gen() % 400));
  kill(w, SIGKILL);
  wait_for(w);
  REQUIRE(run(weak(b), b.root / "err") == 0);
  CHECK(b.count(".tmp.") == 0);
  for (const char* f : {"weak-images-idx3-ubyte", "weak-labels-idx1-ubyte"}) {
    INFO(f);
    CHECK(slurp(a.root / "weak" / f) == slurp(b.root / "weak" / f));
    CHECK(slurp(a.root / "weak" / f).size() > 8);
  }

  for (int i = 0; i < 6; ++i) {
    const std::string name = "instance_" + std::to_string(i) + ".pt";
    INFO(name);
    CHECK(slurp(a.folder() / name) == slurp(b.folder() / name));
  }
  const fs::path csv = fs::path("raw_data") / "tiny" / "results_tiny_original.csv";
  CHECK(slurp(a.root / csv) == slurp(b.root / csv));
}

TEST_CASE("mutate_model: exit codes, and killed then rerun gives an uninterrupted run's mutants",
          "[tools][signals][post]") {
  Root a("mut_a", 1), b("mut_b", 1);
  REQUIRE(run(a.args("train_mutants", "-q"), a.root / "err") == 0);
  REQUIRE(run(b.args("train_mutants", "-q"), b.root / "err") == 0);
  const auto mutate = [](const Root& r, std::vector<std::string> extra) {
    std::vector<std::string> v = r.args("mutate_model", "-q");
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  const std::vector<std::string> gf{"--mut", "gaussian_fuzzing", "--param", "0.2"};
  REQUIRE(run(mutate(a, gf), a.root / "err") == 0);

  std::mt19937 gen(std::random_device{}());
  const pid_t pid = spawn(mutate(b, gf), b.root / "err");
  std::this_thread::sleep_for(std::chrono::milliseconds(gen() % 300));
  kill(pid, SIGKILL);
  wait_for(pid);
  REQUIRE(run(mutate(b, gf), b.root / "err") == 0);
  CHECK(b.count(".tmp.") == 0);
  const fs::path folder = fs::path("trained_models") / "tiny" / "gaussian_fuzzing_0.2";
  for (int i = 0; i < 6; ++i) {
    const std::string name = "instance_" + std::to_string(i) + ".pt";
    INFO(name);
    CHECK(!slurp(a.root / folder / name).empty());
    CHECK(slurp(a.root / folder / name) == slurp(b.root / folder / name));
  }

  // usage errors exit 2, data errors 1, each one line naming the problem
  const fs::path err = a.root / "err";
  CHECK(run(mutate(a, {"--mut", "neurons_freezing", "--param", "0.1", "--layer", "fc9"}), err) ==
        2);
  CHECK(slurp(err).find("unknown layer 'fc9'") != std::string::npos);
  CHECK(run(mutate(a, {"--mut", "neurons_freezing", "--param", "2"}), err) == 2);
  CHECK(run(mutate(a, {"--mut", "neurons_freezing", "--param", "0.1", "--instances", "0-9"}),
            err) == 1);
  CHECK(slurp(err).find("--mut original --instances 6,7,8,9") != std::string::npos);
  // every draw below the filter: exit 1 after the summary, naming the instances
  CHECK(run(mutate(a, {"--mut", "neuron_activation_inverse", "--param", "1", "--max-draws", "1"}),
            err) == 1);
  INFO(slurp(err));
  CHECK(slurp(err).find("no draw passed the filter within --max-draws 1 for instance(s) ") !=
        std::string::npos);
}

TEST_CASE("mutation_search killed and rerun gives an uninterrupted run's results",
          "[tools][signals][search]") {
  Root a("search_a", 4), b("search_b", 4);
  REQUIRE(run(a.args("mutation_search", "--no-progress"), a.root / "err") == 0);

  // SIGKILL at a random point once the first instance is saved (up to a few configurations in)
  std::mt19937 gen(std::random_device{}());
  const pid_t pid = spawn(b.args("mutation_search", "--no-progress"), b.root / "err");
  REQUIRE(poll([&] { return fs::exists(b.folder() / "instance_0.pt"); }));
  const int ms = static_cast<int>(gen() % 1500);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  kill(pid, SIGKILL);
  const int killed = wait_for(pid);
  INFO("killed after " << ms << " ms; instances saved: " << b.count(".pt"));
  CHECK((killed == 1000 + SIGKILL || killed == 0));  // it may have finished first
  REQUIRE(run(b.args("mutation_search", "--no-progress"), b.root / "err") == 0);
  CHECK(b.count(".tmp.") == 0);

  // The same models, accuracy files and search results (the JSON but for its wall time).
  std::size_t compared = 0;
  for (const auto& e : fs::recursive_directory_iterator(a.root)) {
    const fs::path rel = fs::relative(e.path(), a.root);
    const std::string ext = rel.extension().string();
    if (!e.is_regular_file() || (ext != ".pt" && ext != ".csv" && ext != ".json")) continue;
    if (rel.filename().string().rfind("instance_", 0) == 0 && ext == ".json")
      continue;  // sidecars hold wall times and memory figures
    INFO(rel.string());
    std::string x = slurp(e.path()), y = slurp(b.root / rel);
    if (rel.parent_path().filename() == "tiny" &&
        rel.parent_path().parent_path().filename() == "search" && ext == ".json") {
      auto jx = nlohmann::json::parse(x), jy = nlohmann::json::parse(y);
      jx.erase("wall_time_s");
      jy.erase("wall_time_s");
      x = jx.dump();
      y = jy.dump();
    }
    CHECK(x == y);
    ++compared;
  }
  CHECK(compared >= 3 * 3 + 2);  // instances of 3+ configurations, their CSVs, the search's
  CHECK(fs::exists(b.root / "search" / "tiny" / "delete_training_data_test.csv"));
}
