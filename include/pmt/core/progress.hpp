// Progress on stderr for long work (a bar with count, rate and ETA) and the duration format of
// progress lines.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace pmt {

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

}  // namespace pmt
