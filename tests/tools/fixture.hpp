// Test fixture for the analysis tools: a fresh data root per test (removed afterwards) filled
// from the project's bundled data, in-process runs of run_<tool>() capturing stdout, and runs of
// the built executables for exit codes.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "pmt/tools/analysis.hpp"

namespace fs = std::filesystem;

struct DataRoot {
  fs::path root;
  DataRoot() {
    std::random_device rd;
    root = fs::temp_directory_path() / ("pmt_test_" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(root);
  }
  ~DataRoot() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  // raw_data/ of the project (mnist + deepcrime_comp).
  void with_raw_data() const {
    fs::copy(fs::path(PMT_SOURCE_DIR) / "raw_data", root / "raw_data",
             fs::copy_options::recursive | fs::copy_options::skip_existing);
  }
  // The reference's cached kill rates, where the reference keeps them.
  void with_reference_caches() const {
    const fs::path cache = fs::path(PMT_TEST_DATA_DIR) / "pmt" / "cache" / "mnist";
    fs::copy_file(cache / "mnist_orig.npy", root / "mnist_orig.npy");
    fs::copy_file(cache / "mnist_orig_same.npy", root / "mnist_orig_same.npy");
    for (const auto& e : fs::directory_iterator(cache)) {
      const std::string name = e.path().filename().string();
      const auto pos = name.find("_list_mut.npy");
      if (pos == std::string::npos) continue;
      const std::string mut = name.substr(6, pos - 6);  // after "mnist_"
      const fs::path dir = root / "plot_results" / "mnist" / ("mnist_" + mut + "_param");
      fs::create_directories(dir);
      fs::copy_file(e.path(), dir / "list_mut.npy");
    }
  }
  void with(const std::string& rel) const {  // a file or folder of tests/data/pmt
    const fs::path src = fs::path(PMT_TEST_DATA_DIR) / "pmt" / rel;
    fs::create_directories((root / rel).parent_path());
    fs::copy(src, root / rel, fs::copy_options::recursive | fs::copy_options::skip_existing);
  }
  void write(const std::string& rel, const std::string& content) const {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << content;
  }
  // Every file below the root (to check that a failed run left nothing behind).
  std::size_t file_count() const {
    std::size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(root)) n += e.is_regular_file() ? 1 : 0;
    return n;
  }
  template <typename Options>
  void setup(Options& o, const std::string& mut, const std::string& param = "") const {
    o.common.data_root = root.string();
    o.common.settings = std::string(PMT_SOURCE_DIR) + "/data/settings.json";
    o.model = "mnist";
    o.mut = mut;
    o.param = param;
  }
};

// Whether the tool's main prints the result: not a shard's (mce, practicality), which only
// writes its part of the arrays.
template <typename Result>
bool prints(const Result&) {
  return true;
}
inline bool prints(const pmt::tools::MceResult& r) { return r.summarised; }
inline bool prints(const pmt::tools::PracticalityResult& r) { return r.summarised; }

// What the tool prints: its result's JSON with --json, else its text (cli::print).
template <typename Options, typename Fn>
std::string run_tool(Fn fn, const Options& o) {
  const auto r = fn(o);
  if (!prints(r)) return "";
  return o.common.json ? r.to_json().dump() + "\n" : r.text();
}

inline nlohmann::json oracles() {
  std::ifstream in(PMT_TEST_DATA_DIR "/pmt/oracles_mnist.json");
  return nlohmann::json::parse(in);
}

// Runs a built executable; returns its exit status, stdout in `out`, stderr in `err`.
inline int run_exe(const std::string& tool, const std::string& args, std::string* out = nullptr,
                   std::string* err = nullptr) {
  const fs::path dir = fs::temp_directory_path();
  const std::string tag = std::to_string(std::random_device{}());
  const fs::path o = dir / ("pmt_out_" + tag), e = dir / ("pmt_err_" + tag);
  const std::string cmd = std::string(PMT_BINARY_DIR) + "/tools/" + tool + " " + args + " >" +
                          o.string() + " 2>" + e.string();
  const int status = std::system(cmd.c_str());
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  if (out) *out = slurp(o);
  if (err) *err = slurp(e);
  fs::remove(o);
  fs::remove(e);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// An accuracy file's header row (true_label, then n instance columns) and its accuracy row (n
// values near `value`), in the replication package's layout.
inline std::string accuracy_header(int n = 30) {
  std::string h = "true_label";
  for (int i = 0; i < n; ++i) h += ";pred_label_model_" + std::to_string(i);
  return h + "\n";
}
inline std::string accuracy_row(double value, int n = 30) {
  std::string r;
  for (int i = 0; i < n; ++i) r += ";" + std::to_string(value + 1e-4 * (i % 7));
  return r + "\n";
}

// A .npy file (version 1.0, or 2.0 when the header needs 4 length bytes) with the given header
// dictionary text and `data_bytes` bytes of zeros after it; npy_dict writes that dictionary.
inline std::string npy_bytes(const std::string& dict, std::size_t data_bytes) {
  std::string header = dict + "\n";
  const bool v2 = header.size() > 65535;
  std::string b = std::string("\x93NUMPY", 6) + (v2 ? '\x02' : '\x01') + '\0';
  for (int i = 0; i < (v2 ? 4 : 2); ++i) b += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return b + header + std::string(data_bytes, '\0');
}
inline std::string npy_dict(const std::string& descr, const std::string& shape,
                            const std::string& fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

// 1e-6 relative for the deterministic reference values; "inf" strings for infinities.
inline bool close(const nlohmann::json& got, const nlohmann::json& want, double rel = 1e-6) {
  if (want.is_string() || got.is_string()) return got == want;
  const double g = got.get<double>(), w = want.get<double>();
  return std::fabs(g - w) <= rel * std::fabs(w) + 1e-12;
}
