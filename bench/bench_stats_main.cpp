// bench_stats: throughput of the statistics engine on the bundled MNIST accuracies.
//  1. mutation tests per second on one core (bootstrap kill rates, B = N = 100, k = 20);
//  2. the same on --proc threads, per core, and that the kill rates are bit-identical;
//  3. the killing tests side by side on one thread, same draws: GLM, Wilcoxon Mann-Whitney U
//     (independent instances) and Wilcoxon signed-rank (instances paired by column, as --same);
//     the rank tests run only when the effect size passes, so their cost depends on the data;
//     also the bare rank tests (every draw ranked) per second;
//  4. the full sampling-effect sweep of one parameter (8 sizes x 30 x 100 x 100 x 100 tests,
//     then 24,000 posterior fits) as `practicality` runs it, wall time.
// Prints one JSON object on stdout (progress on stderr).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "pmt/cli/common.hpp"
#include "pmt/core/parallel.hpp"
#include "pmt/io/accuracy_csv.hpp"
#include "pmt/stats/resampling.hpp"
#include "pmt/stats/wilcoxon.hpp"
#include "pmt/tools/analysis.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Runs `reps` repetitions of B bootstrap kill rates on `proc` threads; returns (seconds, rates).
std::pair<double, std::vector<double>> kill_rates(
    const pmt::stats::Population& pop, int reps, int proc,
    pmt::stats::TestKind kind = pmt::stats::TestKind::kGlm) {
  pmt::stats::BootstrapOptions b;
  b.test.kind = kind;
  std::vector<double> out(static_cast<std::size_t>(reps) * b.B);
  const auto t0 = Clock::now();
  pmt::parallel_for(static_cast<std::size_t>(reps), proc, [&](std::size_t r) {
    auto rng = pmt::make_stream(42, {r});
    const auto rates = pmt::stats::bootstrap_kill_rates(pop, b, rng);
    std::copy(rates.begin(), rates.end(), out.begin() + static_cast<long>(r) * b.B);
  });
  return {seconds_since(t0), out};
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// Bare rank tests per second: `n` tests of k = 20 vs 20 drawn from the population (one thread).
template <typename Test>
double rank_tests_per_second(const pmt::stats::Population& pop, Test&& test, int n) {
  auto rng = pmt::make_stream(42, {99});
  std::vector<double> a(20), b(20);
  const auto ns = static_cast<std::uint32_t>(pop.sound.size());
  double sink = 0;
  const auto t0 = Clock::now();
  for (int t = 0; t < n; ++t) {
    for (std::size_t i = 0; i < 20; ++i) {
      const auto id = pmt::bounded(rng, ns);
      a[i] = pop.sound[id];
      b[i] = pop.mutant[id];
    }
    sink += test(a.data(), b.data()).p_value;
  }
  const double secs = seconds_since(t0);
  if (sink < 0) std::fprintf(stderr, "impossible\n");
  return n / secs;
}

}  // namespace

int main(int argc, char** argv) {
  pmt::tools::CommonOptions common;
  std::string data_root = ".";
  int reps = 400;
  bool sweep = true;
  CLI::App app;
  pmt::cli::setup_app(app, "bench_stats", common, pmt::cli::kProc);
  app.add_option("--data-root", data_root, "Folder holding raw_data/mnist (the project root)");
  app.add_option("--reps", reps, "Repetitions of B x N = 10,000 tests per measurement");
  app.add_flag_callback(
      "--no-sweep", [&] { sweep = false; }, "Skip the sweep timing");
  return pmt::cli::run_main(app, argc, argv, common, [&] {
    pmt::stats::Population pop;
    const fs::path raw = fs::path(data_root) / "raw_data" / "mnist";
    pop.sound = pmt::io::read_accuracy_csv(raw / "results_mnist_original.csv").accuracy;
    pop.mutant =
        pmt::io::read_accuracy_csv(raw / "results_mnist_delete_training_data_mutated0_MP_9.29.csv")
            .accuracy;
    const double tests = static_cast<double>(reps) * 100 * 100;
    const unsigned threads = pmt::resolve_proc(common.proc);
    kill_rates(pop, 20, 1);  // warm-up
    const auto [t1, r1] = kill_rates(pop, reps, 1);
    const auto [tn, rn] = kill_rates(pop, reps, static_cast<int>(threads));
    nlohmann::json j = {{"tests", tests},
                        {"one_thread", {{"seconds", t1}, {"tests_per_second", tests / t1}}},
                        {"threads", threads},
                        {"n_threads",
                         {{"seconds", tn},
                          {"tests_per_second", tests / tn},
                          {"tests_per_second_per_core", tests / tn / threads},
                          {"speedup_over_one_thread", t1 / tn}}},
                        {"bit_identical_across_threads", r1 == rn}};
    // The killing tests side by side (one thread, the same bootstrap draws).
    {
      using pmt::stats::TestKind;
      auto paired = pop;
      paired.same = true;
      const auto n = std::min(paired.sound.size(), paired.mutant.size());
      paired.sound.resize(n);
      paired.mutant.resize(n);
      nlohmann::json by_test;
      for (const auto& [name, p, kind] :
           {std::tuple<const char*, const pmt::stats::Population*, TestKind>{"glm", &pop,
                                                                             TestKind::kGlm},
            {"mann_whitney", &pop, TestKind::kWilcoxon},
            {"glm_paired_draws", &paired, TestKind::kGlm},
            {"signed_rank", &paired, TestKind::kWilcoxon}}) {
        const auto [secs, rates] = kill_rates(*p, reps, 1, kind);
        by_test[name] = {
            {"seconds", secs}, {"tests_per_second", tests / secs}, {"mean_kill_rate", mean(rates)}};
      }
      pmt::stats::MannWhitneyU mw(20, 20);
      pmt::stats::SignedRank sr(20);
      const int bare = static_cast<int>(tests / 4);
      by_test["bare_mann_whitney_per_second"] = rank_tests_per_second(
          pop, [&](const double* a, const double* b) { return mw.test(a, b); }, bare);
      by_test["bare_signed_rank_per_second"] = rank_tests_per_second(
          pop, [&](const double* a, const double* b) { return sr.test(a, b); }, bare);
      j["by_test"] = by_test;
    }
    if (sweep) {
      const fs::path tmp =
          fs::temp_directory_path() / ("pmt_bench_" + std::to_string(std::random_device{}()));
      fs::create_directories(tmp);
      fs::copy(fs::path(data_root) / "raw_data", tmp / "raw_data", fs::copy_options::recursive);
      pmt::tools::PracticalityOptions o;
      o.common.data_root = tmp.string();
      o.common.settings = pmt::tools::settings_path(common);
      o.common.proc = static_cast<int>(threads);
      o.model = "mnist";
      o.mut = "change_label";
      o.param = "3.12";
      o.plot = false;
      const auto t0 = Clock::now();
      pmt::tools::run_practicality(o);
      const double ts = seconds_since(t0);
      fs::remove_all(tmp);
      j["sweep"] = {{"tests", 240e6}, {"seconds", ts}, {"threads", threads}};
    }
    std::cout << j.dump(1) << "\n";
  });
}
