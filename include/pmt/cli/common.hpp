// What every pmt executable shares (mlpack's generic binding main, KenLM's one try/catch):
// the shared flags, defined once (--data-root, --settings, --seed, --proc, --json, --verbose,
// --version), the help layout (purpose, usage, flags with defaults, example, citation), and the
// error mapping: exit 0 ok, 1 data or runtime failure, 2 usage; one line on stderr per error.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "pmt/cli/about.hpp"
#include "pmt/tools/options.hpp"

namespace pmt::cli {

// Which shared flags a tool takes.
enum CommonFlags : unsigned {
  kDataRoot = 1u << 0,
  kSettings = 1u << 1,
  kSeed = 1u << 2,
  kProc = 1u << 3,
  kJson = 1u << 4,
  kAllCommon = kDataRoot | kSettings | kSeed | kProc | kJson,
};

// Creates the app of `tool` with the shared help layout and its entry of about.hpp; --help and
// --version are always there, --verbose too (prints the resolved flags and the wall time on
// stderr at the end).
void setup_app(CLI::App& app, const std::string& tool, tools::CommonOptions& common,
               unsigned flags);

// Parses argv, then runs `body`; maps pmt::Error / CLI11 errors to the exit codes above.
int run_main(CLI::App& app, int argc, char** argv, const tools::CommonOptions& common,
             const std::function<void()>& body);

// Prints a tool's result on stdout: one line of JSON with --json, else its text().
template <class Result>
void print(const Result& result, bool json) {
  std::fputs(json ? (result.to_json().dump() + "\n").c_str() : result.text().c_str(), stdout);
}

// Validators of integer flags on pmt's number parser (CLI11's own PositiveNumber and Range print
// "Value x not in range 0.000000 to 1797693...", and an unsigned option silently wraps "-1"):
// the whole value must be an integer in [min, max], else a usage error (exit 2) such as
// "--bootstraps: '1e3' is not an integer" or "--seed: '-1' is not a non-negative integer".
CLI::Validator integer_in(std::int64_t min, std::int64_t max);
CLI::Validator positive();      // 1 to INT_MAX
CLI::Validator non_negative();  // 0 to INT_MAX
CLI::Validator uint64_value();  // 0 to 2^64 - 1

}  // namespace pmt::cli
