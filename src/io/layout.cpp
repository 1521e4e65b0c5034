// Paths of the replication package's layout (see layout.hpp), and the discovery of the
// accuracy files present for a model.
#include "pmt/io/layout.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "pmt/io/number.hpp"

namespace pmt::io {

namespace fs = std::filesystem;

namespace {
// "<model>_original" for the sound instances, "<model>_<mut>_<param>" for a mutant.
std::string stem(const std::string& model, const std::string& mut, const std::string& param) {
  return mut == "original" ? model + "_original" : fmt::format("{}_{}_{}", model, mut, param);
}
}  // namespace

fs::path Layout::accuracy_csv(const std::string& model, const std::string& mut,
                              const std::string& param, bool dc) const {
  const std::string name = mut == "original"
                               ? fmt::format("results_{}_original", model)
                               : fmt::format("results_{}_{}_mutated0_MP_{}", model, mut, param);
  if (dc) return root_ / "raw_data" / "deepcrime_comp" / (name + "_dc.csv");
  return root_ / "raw_data" / model / (name + ".csv");
}

std::string Layout::tagged(const std::string& stem) const {
  return variant_.empty() ? stem : stem + "_" + variant_;
}

fs::path Layout::rep_mce(const std::string& model, const std::string& mut,
                         const std::string& param) const {
  return root_ / "rep_mce" / model / (tagged(stem(model, mut, param) + "_200_pop_size") + ".npy");
}

fs::path Layout::rep_practicality(const std::string& model, const std::string& mut,
                                  const std::string& param, int size) const {
  return root_ / "rep_practicality" / model /
         (tagged(fmt::format("{}_30_rep_{}_size_pop", stem(model, mut, param), size)) + ".npy");
}

fs::path Layout::l_std(const std::string& model, const std::string& mut,
                       const std::string& param) const {
  return root_ / "rep_practicality" / model / "data_plot" /
         (tagged("l_std_" + stem(model, mut, param)) + ".npy");
}

fs::path Layout::orig_kill_rates(const std::string& model, bool same) const {
  return root_ / (tagged(model + (same ? "_orig_same" : "_orig")) + ".npy");
}

fs::path Layout::mutant_kill_rates(const std::string& model, const std::string& mut) const {
  return root_ / "plot_results" / model / (model + "_" + mut + "_param") /
         (tagged("list_mut") + ".npy");
}

bool all_numeric(const std::vector<std::string>& params) {
  return std::all_of(params.begin(), params.end(), [](const std::string& p) {
    const auto v = to_double(p);
    return v && std::isfinite(*v);
  });
}

void sort_params(std::vector<std::string>& params) {
  if (!all_numeric(params)) {
    std::sort(params.begin(), params.end());
    return;
  }
  std::sort(params.begin(), params.end(), [](const std::string& a, const std::string& b) {
    const double x = *to_double(a), y = *to_double(b);
    return x < y || (!(y < x) && a < b);  // "50" and "50.0": both, in a fixed order
  });
}

AccuracyFiles Layout::find_accuracy_files(const std::string& model) const {
  AccuracyFiles found;
  const std::string prefix = "results_" + model + "_", suffix = ".csv";
  const std::string sep = "_mutated0_MP_";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_ / "raw_data" / model, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() < prefix.size() + suffix.size() ||
        name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string middle =
        name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (middle == "original") {
      found.original = true;
      continue;
    }
    const auto pos = middle.find(sep);
    if (pos == std::string::npos || pos == 0 || pos + sep.size() == middle.size()) continue;
    found.params[middle.substr(0, pos)].push_back(middle.substr(pos + sep.size()));
  }
  for (auto& [mut, params] : found.params) sort_params(params);
  return found;
}

fs::path Layout::plot_dir(const std::string& model) const { return root_ / "plot_results" / model; }

}  // namespace pmt::io
