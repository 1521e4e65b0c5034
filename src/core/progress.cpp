#include "pmt/core/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace pmt {

Progress::Progress(std::string label, std::size_t total)
    : label_(std::move(label)),
      total_(total),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_),
      enabled_(::isatty(2) != 0) {}

Progress::~Progress() {
  if (drawn_) draw(true);
}

std::string format_duration(double secs) {
  if (!std::isfinite(secs) || secs < 0) return "?";
  const long s = std::lround(secs);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

void Progress::advance(std::size_t n) {
  done_ += n;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  if (now - start_ < std::chrono::seconds(2) || now - last_draw_ < std::chrono::milliseconds(200))
    return;
  last_draw_ = now;
  draw(false);
}

void Progress::draw(bool final) {
  const std::size_t done = done_.load();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const int width = 30;
  const int filled = static_cast<int>(frac * width);
  const double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0.0;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r%s [%s] %zu/%zu %5.1f%% %6.1fs elapsed, ETA %6.1fs%s", label_.c_str(),
               bar.c_str(), done, total_, 100 * frac, elapsed, eta, final ? "\n" : "");
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace pmt
