#include "pmt/io/layout.hpp"

#include <fmt/format.h>

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

fs::path Layout::plot_dir(const std::string& model) const { return root_ / "plot_results" / model; }

}  // namespace pmt::io
