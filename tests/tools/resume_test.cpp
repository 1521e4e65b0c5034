// mce and practicality as processes under signals: killed with SIGKILL at a random point then
// rerun, they end with the files and the output of an uninterrupted run (same seed), with no
// temporary file left behind, also when the kill came mid-write; SIGINT/SIGTERM stop them with
// one line and exit 128 + signal, leaving no partial file.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "support/process.hpp"
#include "tools/fixture.hpp"

namespace {

using pmt::test::slurp;

std::vector<std::string> args(const std::string& tool, const DataRoot& d,
                              const std::vector<std::string>& extra) {
  std::vector<std::string> a{std::string(PMT_BINARY_DIR) + "/tools/" + tool,
                             "--model",
                             "mnist",
                             "--mut",
                             "delete_training_data",
                             "--param",
                             "9.29",
                             "--proc",
                             "2",
                             "--data-root",
                             d.root.string()};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// Every file below `dir` (relative path -> bytes), but the run's own stdout/stderr captures.
std::map<std::string, std::string> files(const fs::path& dir) {
  std::map<std::string, std::string> all;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().parent_path() != dir)
      all[fs::relative(e.path(), dir).string()] = slurp(e.path());
  return all;
}

std::size_t count_tmp(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    n += e.path().filename().string().find(".tmp.") != std::string::npos ? 1 : 0;
  return n;
}

// A pid that no process has any more (a child that has exited and been reaped).
pid_t dead_pid() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  pmt::test::wait_for(pid);
  return pid;
}

// Runs `tool extra` uninterrupted in one data root, and killed at random points (SIGKILL within
// the first `window_ms`) then rerun to the end in another; the files and the final output must
// be the same bytes. Before the rerun, the files `mid_write` are put in the state a kill in the
// middle of their write leaves: absent, with a temporary sibling of a dead process.
void check_kill_and_rerun(const std::string& tool, const std::vector<std::string>& extra,
                          int window_ms, const std::vector<std::string>& mid_write) {
  DataRoot a, b;
  a.with_raw_data();
  b.with_raw_data();
  REQUIRE(pmt::test::run(args(tool, a, extra), a.root / "err", a.root / "out") == 0);
  std::mt19937 gen(std::random_device{}());
  for (int attempt = 0; attempt < 3; ++attempt) {
    const pid_t pid = pmt::test::spawn(args(tool, b, extra), b.root / "err", b.root / "out");
    const int ms = static_cast<int>(gen() % static_cast<unsigned>(window_ms));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    kill(pid, SIGKILL);
    const int status = pmt::test::wait_for(pid);
    INFO("attempt " << attempt << ": killed after " << ms << " ms");
    CHECK((status == 1000 + SIGKILL || status == 0));  // it may have finished first
  }
  const pid_t dead = dead_pid();
  for (const auto& rel : mid_write) {
    fs::create_directories((b.root / rel).parent_path());
    fs::remove(b.root / rel);
    std::ofstream(b.root / (rel + ".tmp." + std::to_string(dead))) << "half written";
  }
  REQUIRE(pmt::test::run(args(tool, b, extra), b.root / "err", b.root / "out") == 0);
  CHECK(count_tmp(b.root) == 0);
  CHECK(slurp(a.root / "out") == slurp(b.root / "out"));
  const auto want = files(a.root), got = files(b.root);
  for (const auto& rel : mid_write) CHECK(want.count(rel) == 1);
  CHECK(got.size() == want.size());
  for (const auto& [rel, bytes] : want) {
    INFO(rel);
    CHECK(got.count(rel) == 1);
    if (got.count(rel)) CHECK(got.at(rel) == bytes);
  }
}

// SIGINT or SIGTERM once the tool has installed its handlers (and after `delay`): exit
// 128 + signal, the last line of stderr is `tool: interrupted (signal N): <message>`.
void check_clean_stop(const std::string& tool, const std::vector<std::string>& extra, int sig,
                      std::chrono::milliseconds delay, const std::string& message) {
  DataRoot d;
  d.with_raw_data();
  const std::size_t before = d.file_count();
  const pid_t pid = pmt::test::spawn(args(tool, d, extra), d.root / "err", d.root / "out");
  REQUIRE(pmt::test::poll([&] { return pmt::test::catches_interrupts(pid); }));
  std::this_thread::sleep_for(delay);
  kill(pid, sig);
  CHECK(pmt::test::wait_for(pid) == 128 + sig);
  CHECK(pmt::test::last_line(slurp(d.root / "err")) ==
        tool + ": interrupted (signal " + std::to_string(sig) + "): " + message);
  CHECK(count_tmp(d.root) == 0);
  CHECK(d.file_count() == before + 2);  // nothing but the captured stdout and stderr
}

}  // namespace

TEST_CASE("mce killed at a random point and rerun gives an uninterrupted run's results",
          "[tools][signals][mce]") {
  // About 0.4 s on two threads: the kills land before, during or after the computation.
  check_kill_and_rerun("mce", {}, 600,
                       {"rep_mce/mnist/mnist_delete_training_data_9.29_200_pop_size.npy"});
}

TEST_CASE("practicality killed at a random point and rerun gives an uninterrupted run's results",
          "[tools][signals][practicality]") {
  // Eight sizes of 3 x 10 repetitions, about 1 s: the kills land between and within sizes.
  check_kill_and_rerun(
      "practicality", {"--n-pop", "3", "--reps", "10", "--no-plot"}, 1500,
      {"rep_practicality/mnist/mnist_delete_training_data_9.29_30_rep_190_size_pop.npy",
       "rep_practicality/mnist/data_plot/l_std_mnist_delete_training_data_9.29.npy"});
}

TEST_CASE("SIGINT and SIGTERM stop mce and practicality cleanly with exit 128 + signal",
          "[tools][signals]") {
  const int sig = GENERATE(SIGTERM, SIGINT);
  using std::chrono::milliseconds;
  // Large enough to run for a minute: stopped between repetitions.
  check_clean_stop("mce", {"--reps", "1000", "--bootstraps", "1000"}, sig, milliseconds(200),
                   "mnist_delete_training_data_9.29_200_pop_size.npy not written, rerun to start "
                   "over");
  check_clean_stop("practicality", {"--no-plot"}, sig, milliseconds(200),
                   "0 of 8 population size(s) saved, rerun to resume");
}
