#include "pmt/core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "pmt/core/interrupt.hpp"

namespace pmt {

unsigned resolve_proc(int proc) {
  if (proc > 0) return static_cast<unsigned>(proc);
  const unsigned hw = std::thread::hardware_concurrency();
  return hw ? hw : 1;
}

void parallel_for(std::size_t n, int proc, const std::function<void(std::size_t)>& fn,
                  Progress* progress) {
  const unsigned threads = std::min<std::size_t>(resolve_proc(proc), n ? n : 1);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    while (!failed) {
      const std::size_t i = next++;
      if (i >= n) break;
      try {
        throw_if_interrupted("stopped before the work was saved");
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
      if (progress) progress->advance();
    }
  };
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace pmt
