// Work distribution: parallel_for runs fn(i) for i in [0, n) on `proc` threads (dynamic
// scheduling). Each task must derive its randomness from its index (rng.hpp), never from the
// thread, so that results do not depend on `proc`. A Progress bar reports on stderr.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

namespace pmt::stats {

// Number of worker threads for --proc value `proc` (0 = all hardware threads).
unsigned resolve_proc(int proc);

// Progress on stderr: a bar with count, rate and ETA, redrawn at most 5 times a second, shown
// only when stderr is a terminal and the work has lasted more than two seconds. Thread-safe.
// A duration for progress lines: "42s", "3m05s", "2h07m"; "?" when unknown (negative, NaN).
std::string format_duration(double secs);

class Progress {
 public:
  Progress(std::string label, std::size_t total);
  ~Progress();
  void advance(std::size_t n = 1);

 private:
  void draw(bool final);
  std::string label_;
  std::size_t total_;
  std::atomic<std::size_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex mutex_;
  bool enabled_;
  bool drawn_ = false;
};

// Runs fn(i) for every i in [0, n) on resolve_proc(proc) threads. The first exception thrown by
// a task is rethrown after all threads stop. `progress` (optional) advances once per task.
// After a SIGINT/SIGTERM (pmt/interrupt.hpp; only tools that install the handlers) no new task
// starts and pmt::Interrupted is thrown once the running ones have finished.
void parallel_for(std::size_t n, int proc, const std::function<void(std::size_t)>& fn,
                  Progress* progress = nullptr);

}  // namespace pmt::stats
