#include "pmt/cli/common.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/io/number.hpp"

#ifndef PMT_VERSION
#define PMT_VERSION "0.1.0"
#endif

namespace pmt::cli {

namespace {

// Wraps each line of text at `width` columns on word boundaries (help text).
std::string wrap_line(const std::string& text, std::size_t width) {
  std::string out, line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    pos = end + 1;
  }
  return out + line;
}

std::string wrap(const std::string& text, std::size_t width = 100) {
  std::string out;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    out += wrap_line(text.substr(start, end - start), width) + "\n";
  return out + wrap_line(text.substr(start), width);
}

class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter(ToolInfo info) : info_(std::move(info)) {}
  std::string make_footer(const CLI::App*) const override {
    return fmt::format(
        "\nExample:\n{}\n\nCitation:\n{}\n\nEnvironment:\n{}\n\nExit status: 0 ok, 1 data or "
        "runtime error, 2 usage error, 128 + N stopped by signal N (130 SIGINT, 143 SIGTERM: "
        "train_mutants, gen_acc, mutation_search, mce, practicality).\n",
        info_.example, wrap(info_.citation),
        wrap("PMT_DATA_DIR: the project's data/ folder (settings.json, subjects/), when not found "
             "beside the executable. PMT_NPY_MAX_HEADER_SIZE: largest .npy header read, in bytes "
             "(default 10000, numpy's max_header_size); raise it only for files you trust."));
  }

 private:
  ToolInfo info_;
};

}  // namespace

void setup_app(CLI::App& app, const std::string& tool, tools::CommonOptions& common,
               unsigned flags) {
  const ToolInfo& info = about(tool);
  app.name(info.name);
  app.description(wrap(info.purpose));
  app.formatter(std::make_shared<HelpFormatter>(info));
  app.get_formatter()->column_width(30);
  app.set_version_flag("--version", std::string("pmt ") + PMT_VERSION);
  app.option_defaults()->always_capture_default();
  if (flags & kDataRoot)
    app.add_option(
        "--data-root", common.data_root,
        "Root of the replication package's layout: raw_data/, rep_mce/, rep_practicality/, "
        "plot_results/, trained_models/");
  if (flags & kSettings)
    app.add_option("--settings", common.settings,
                   "Mutation/parameter table (JSON) [default: the project's data/settings.json]")
        ->check(CLI::ExistingFile);
  if (flags & kSeed)
    app.add_option("--seed", common.seed,
                   "Seed of all random streams (results do not depend on the number of threads)")
        ->check(uint64_value());
  if (flags & kProc)
    app.add_option("--proc", common.proc, "Worker threads (0 = all cores)")->check(non_negative());
  if (flags & kJson)
    app.add_flag("--json", common.json,
                 "Print one JSON object on stdout instead of text lines (inf/nan as strings)");
  app.add_flag("-v,--verbose", common.verbose,
               "At the end, print the resolved flags and the wall time on stderr");
}

int run_main(CLI::App& app, int argc, char** argv, const tools::CommonOptions& common,
             const std::function<void()>& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "%s: %s (see --help)\n", app.get_name().c_str(), e.what());
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  int code = 0;
  try {
    body();
  } catch (const pmt::Interrupted& e) {
    std::fprintf(stderr, "%s: interrupted (signal %d): %s\n", app.get_name().c_str(), e.signal(),
                 e.what());
    code = e.interrupt_exit_code();
  } catch (const pmt::Error& e) {
    std::fprintf(stderr, "%s: error: %s\n", app.get_name().c_str(), e.what());
    if (common.verbose)
      std::fprintf(stderr, "  (thrown at %s:%d)\n", e.source_file(), e.source_line());
    code = e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", app.get_name().c_str(), e.what());
    code = 1;
  }
  // Results that did not reach stdout (a full disk, /dev/full) are a failure, not exit 0.
  std::cout.flush();
  bool lost = std::fflush(stdout) != 0;
  int reason = lost ? errno : 0;
  if (!lost && (std::ferror(stdout) || !std::cout)) {
    // An earlier flush failed (its errno is gone): probe the descriptor for the reason.
    lost = true;
    if (::write(STDOUT_FILENO, "\n", 1) < 0) reason = errno;
  }
  if (lost && code == 0) {
    std::fprintf(stderr, "%s: error: standard output: write failed: %s\n", app.get_name().c_str(),
                 reason ? std::strerror(reason) : "stream error");
    code = 1;
  }
  if (common.verbose) {
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "%s: resolved flags:\n%s", app.get_name().c_str(),
                 app.config_to_str(true, false).c_str());
    std::fprintf(stderr, "%s: wall time %.3f s, exit %d\n", app.get_name().c_str(), secs, code);
  }
  return code;
}

CLI::Validator integer_in(std::int64_t min, std::int64_t max) {
  std::string desc = fmt::format("INT in [{} - {}]", min, max);
  if (min == 1 && max == INT_MAX) desc = "POSITIVE";
  if (min == 0 && max == INT_MAX) desc = "NONNEGATIVE";
  return CLI::Validator(
      [min, max](std::string& value) -> std::string {
        try {
          io::parse_int64(value, "", ErrorKind::kUsage, min, max);
        } catch (const pmt::Error& e) {
          return e.what();
        }
        return "";
      },
      desc);
}

CLI::Validator positive() { return integer_in(1, INT_MAX); }
CLI::Validator non_negative() { return integer_in(0, INT_MAX); }

CLI::Validator uint64_value() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        try {
          io::parse_uint64(value, "", ErrorKind::kUsage);
        } catch (const pmt::Error& e) {
          return e.what();
        }
        return "";
      },
      "");
}

}  // namespace pmt::cli
