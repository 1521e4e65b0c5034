// Where the replication package keeps each file, under a data root (DESIGN.md, "File layout").
// Every tool builds its paths here so that the layout is written down once.
// A variant (e.g. "wilcoxon": kill rates computed with another killing test) is appended to the
// names of the files that depend on it (kill-rate caches, repetition arrays, summaries, figures:
// "<name>_<variant>.npy"), so that they never mix with the reference's (GLM) files.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pmt::io {

// What raw_data/<model>/ holds: whether the sound instances' accuracy file is there, and for
// each mutation the parameters of its files (results_<model>_<mut>_mutated0_MP_<param>.csv,
// split on the literal "_mutated0_MP_", since mutation names and parameters contain '_').
struct AccuracyFiles {
  bool original = false;
  std::map<std::string, std::vector<std::string>> params;  // mutation -> sort_params() order
};

// Numeric ascending when every parameter reads as a finite number ("3.12", "50.0": all_numeric),
// else lexicographic ("0.05_1").
bool all_numeric(const std::vector<std::string>& params);
void sort_params(std::vector<std::string>& params);

class Layout {
 public:
  explicit Layout(std::filesystem::path root, std::string variant = "")
      : root_(std::move(root)), variant_(std::move(variant)) {}
  const std::filesystem::path& root() const { return root_; }
  // "<stem>" without a variant, "<stem>_<variant>" with one.
  std::string tagged(const std::string& stem) const;

  // raw_data/<model>/results_<model>_original.csv or ..._<mut>_mutated0_MP_<param>.csv;
  // with dc: raw_data/deepcrime_comp/results_<model>_..._dc.csv. mut "original" = sound.
  std::filesystem::path accuracy_csv(const std::string& model, const std::string& mut,
                                     const std::string& param, bool dc = false) const;
  // The paths below carry the variant, if any (tagged()).
  // rep_mce/<model>/<model>_<mut>_<param>_200_pop_size.npy (original: <model>_original_...).
  std::filesystem::path rep_mce(const std::string& model, const std::string& mut,
                                const std::string& param) const;
  // rep_practicality/<model>/<model>_<mut>_<param>_30_rep_<size>_size_pop.npy
  std::filesystem::path rep_practicality(const std::string& model, const std::string& mut,
                                         const std::string& param, int size) const;
  // rep_practicality/<model>/data_plot/l_std_<model>_<mut>_<param>.npy (original:
  // l_std_<m>_original)
  std::filesystem::path l_std(const std::string& model, const std::string& mut,
                              const std::string& param) const;
  // <model>_orig.npy / <model>_orig_same.npy at the root.
  std::filesystem::path orig_kill_rates(const std::string& model, bool same) const;
  // plot_results/<model>/<model>_<mut>_param/list_mut.npy
  std::filesystem::path mutant_kill_rates(const std::string& model, const std::string& mut) const;
  // Scans raw_data/<model>/ (no error when it is missing: nothing found).
  AccuracyFiles find_accuracy_files(const std::string& model) const;
  // plot_results/<model>/<stem>.png etc.
  std::filesystem::path plot_dir(const std::string& model) const;

 private:
  std::filesystem::path root_;
  std::string variant_;
};

}  // namespace pmt::io
