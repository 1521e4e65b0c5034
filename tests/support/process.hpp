// The tools as processes, for the tests that signal, kill or measure them (signals, crash and
// resume, peak memory): start an executable with its output redirected, wait for it (exit code
// and peak resident memory), wait until it has installed its SIGINT/SIGTERM handlers.
#pragma once

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pmt::test {

// Starts argv with stdout to `out` and stderr to `err` (files; /dev/null by default). Returns
// once the child has called execv (a close-on-exec pipe tells): until then it runs the test
// process's code with its signal handlers (Catch2 catches SIGINT and SIGTERM), which would
// mislead catches_interrupts().
inline pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& err,
                   const std::filesystem::path& out = "/dev/null") {
  int exec_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(exec_pipe[0]);
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execv(a[0], a.data());
    _exit(127);
  }
  close(exec_pipe[1]);
  char byte;
  while (read(exec_pipe[0], &byte, 1) < 0 && errno == EINTR) {
  }
  close(exec_pipe[0]);
  return pid;
}

// Exit status of a finished child: its code, or 1000 + signal when a signal ended it. When
// `peak_rss_kb` is given, the child's peak resident set size (getrusage's ru_maxrss, KB).
inline int wait_for(pid_t pid, long* peak_rss_kb = nullptr) {
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (peak_rss_kb) *peak_rss_kb = usage.ru_maxrss;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

inline int run(const std::vector<std::string>& argv, const std::filesystem::path& err,
               const std::filesystem::path& out = "/dev/null") {
  return wait_for(spawn(argv, err, out));
}

// Polls (up to 20 s) until pred() holds.
template <typename Pred>
bool poll(Pred pred) {
  using namespace std::chrono_literals;
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

// The file's bytes; empty when it does not exist (yet).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Whether process `pid` catches SIGINT and SIGTERM (the SigCgt mask of /proc/<pid>/status): the
// tool has installed pmt::install_interrupt_handlers, so a signal now tests the clean stop.
inline bool catches_interrupts(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("SigCgt:", 0) == 0) {
      const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
      return (mask >> (SIGINT - 1) & 1) && (mask >> (SIGTERM - 1) & 1);
    }
  return false;
}

// The last line of a text (without its newline).
inline std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
}

}  // namespace pmt::test
