// pmt's one error type (KenLM's UTIL_THROW_IF / Ceres style): every failure the library reports
// is a pmt::Error carrying a kind (usage vs data) that maps to the exit code, a one-line message
// naming the file or value at fault, and the source location that threw it (shown by --verbose).
#pragma once

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace pmt {

enum class ErrorKind {
  kUsage,  // bad flag value, unknown model/mutation/parameter: exit code 2
  kData,   // missing, truncated or malformed file, runtime failure: exit code 1
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message, const char* file = "", int line = 0)
      : std::runtime_error(std::move(message)), kind_(kind), file_(file), line_(line) {}
  ErrorKind kind() const { return kind_; }
  const char* source_file() const { return file_; }
  int source_line() const { return line_; }
  int exit_code() const { return kind_ == ErrorKind::kUsage ? 2 : 1; }

 private:
  ErrorKind kind_;
  const char* file_;
  int line_;
};

}  // namespace pmt

// PMT_THROW(kind, "format {}", args...): throw pmt::Error with a formatted message.
#define PMT_THROW(KIND, ...) \
  throw ::pmt::Error(::pmt::ErrorKind::KIND, ::fmt::format(__VA_ARGS__), __FILE__, __LINE__)
#define PMT_THROW_IF(COND, KIND, ...)       \
  do {                                      \
    if (COND) PMT_THROW(KIND, __VA_ARGS__); \
  } while (0)
