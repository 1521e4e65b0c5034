// The training tools as processes under signals: SIGINT/SIGTERM stop train_mutants cleanly (exit
// 130/143, one line, no temporary file), and a run killed with SIGKILL then rerun ends with the
// same models and accuracy file as an uninterrupted run (same seed), for train_mutants and gen_acc;
// mutate_model likewise, with its exit codes (2 usage, 1 data, 1 when the filter gives up).
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pmt/io/atomic_file.hpp"
#include "tiny_data.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

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
      "validation": "test"})");
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

// Starts argv with stdout to /dev/null and stderr to `err`.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& err) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = open("/dev/null", O_WRONLY);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(e, 2);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  return pid;
}

// Exit status of a finished child: its code, or 1000 + signal when a signal ended it.
int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

int run(const std::vector<std::string>& argv, const fs::path& err) {
  return wait_for(spawn(argv, err));
}

// Polls (up to 20 s) until pred() holds.
template <typename Pred>
bool poll(Pred pred) {
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

// The file's bytes; empty when it does not exist (yet).
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("SIGINT and SIGTERM stop train_mutants cleanly with exit 128 + signal",
          "[tools][signals]") {
  const int sig = GENERATE(SIGTERM, SIGINT);
  Root r("term", 100000);  // never finishes by itself
  const fs::path err = r.root / "stderr.txt";
  const pid_t pid = spawn(r.args("train_mutants"), err);
  // training has started: a progress line is out
  REQUIRE(poll([&] { return slurp(err).find(" epoch ") != std::string::npos; }));
  std::this_thread::sleep_for(100ms);
  kill(pid, sig);
  CHECK(wait_for(pid) == 128 + sig);
  const std::string text = slurp(err);
  const std::string last = text.substr(text.rfind('\n', text.size() - 2) + 1);
  CHECK(last == "train_mutants: interrupted (signal " + std::to_string(sig) +
                    "): 0 instance(s) saved, rerun to resume\n");
  CHECK(r.count(".tmp.") == 0);
  CHECK(r.count("instance_") == 0);
}

TEST_CASE("train_mutants and gen_acc killed and rerun give an uninterrupted run's results",
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
