// Clean stops on SIGINT/SIGTERM for the long-running tools (train_mutants, gen_acc): the tool's
// main installs handlers that only record the signal; the library polls interrupted() between
// batches, epochs and instances and throws pmt::Interrupted, which run_main maps to exit code
// 128 + signal after printing one line. The library never exits by itself.
#pragma once

#include <atomic>
#include <csignal>
#include <string>

#include "pmt/core/error.hpp"

namespace pmt {

// The first SIGINT/SIGTERM received, 0 if none (constant-initialised: safe in a handler).
inline std::atomic<int> g_interrupt_signal{0};

inline int interrupt_signal() { return g_interrupt_signal.load(std::memory_order_relaxed); }
inline bool interrupted() { return interrupt_signal() != 0; }

// Thrown by the library when interrupted() is seen; what(): what was done, e.g.
// "3 instance(s) saved, rerun to resume". exit_code(): 128 + signal.
class Interrupted : public Error {
 public:
  Interrupted(int signal, std::string message)
      : Error(ErrorKind::kData, std::move(message)), signal_(signal) {}
  int signal() const { return signal_; }
  int interrupt_exit_code() const { return 128 + signal_; }

 private:
  int signal_;
};

inline void throw_if_interrupted(const char* what = "interrupted") {
  if (const int s = interrupt_signal()) throw Interrupted(s, what);
}

namespace detail {
inline void record_interrupt(int signal) {
  int none = 0;
  g_interrupt_signal.compare_exchange_strong(none, signal);
}
}  // namespace detail

// SIGINT and SIGTERM set the flag; the handler is one-shot (SA_RESETHAND), so a second signal of
// the same kind ends the process at once.
inline void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = detail::record_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace pmt
