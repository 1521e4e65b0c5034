// Work distribution: parallel_for runs fn(i) for i in [0, n) on `proc` threads (dynamic
// scheduling). Each task must derive its randomness from its index (rng.hpp), never from the
// thread, so that results do not depend on `proc`. A Progress (progress.hpp) reports on stderr.
#pragma once

#include <cstddef>
#include <functional>

#include "pmt/core/progress.hpp"

namespace pmt {

// Number of worker threads for --proc value `proc` (0 = all hardware threads).
unsigned resolve_proc(int proc);

// Runs fn(i) for every i in [0, n) on resolve_proc(proc) threads. The first exception thrown by
// a task is rethrown after all threads stop. `progress` (optional) advances once per task.
// After a SIGINT/SIGTERM (interrupt.hpp; only tools that install the handlers) no new task
// starts and pmt::Interrupted is thrown once the running ones have finished.
void parallel_for(std::size_t n, int proc, const std::function<void(std::size_t)>& fn,
                  Progress* progress = nullptr);

}  // namespace pmt
