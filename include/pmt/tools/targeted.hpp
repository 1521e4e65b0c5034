// tmr and arachne as library functions (targeted/targeted.hpp says what they make): the options,
// the per-target results and the thesis' tables. No LibTorch here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/targeted/targeted.hpp"
#include "pmt/tools/training.hpp"

namespace pmt::tools {

struct TargetedOptions : ConfigOptions {
  std::string instances;         // sound instances, "0-19"; empty: every one present
  std::string clusters;          // clusters.npy of `cluster`; empty: <data_root>/clusters/<model>/
  std::string split = "train";   // the split the clusters index (as `cluster --split`)
  std::vector<int> classes;      // empty: every clustered class
  std::vector<int> cluster_ids;  // empty: every cluster of each class
  std::string weak_test_set;     // IDX images of a weak test set (weak_test_set); optional
  std::string weak_test_labels;  // its labels; empty: beside the images
};

struct TmrOptions : TargetedOptions, targeted::TmrSettings {};
struct ArachneOptions : TargetedOptions, targeted::ArachneSettings {};

struct TargetSummary {
  int cls = 0, cluster = 0;
  std::string param, folder;
  std::vector<int> instances;                 // those with a mutant
  std::vector<std::int64_t> neg, pos;         // |I_neg|, |I_pos| per instance
  std::vector<targeted::SetComparison> sets;  // in the order above (weak_test only when given)
  const targeted::SetComparison* find(const std::string& set) const;
  nlohmann::json to_json() const;
};

struct TargetedSummary {
  std::string tool, model;
  int made = 0, skipped = 0;  // mutants made now / found done (a rerun resumes)
  std::vector<TargetSummary> targets;
  double seconds = 0;
  int jobs = 1, threads = 1;
  nlohmann::json to_json() const;
  std::string text() const;  // the summary on stdout (printed by cli::print)
  // The thesis' tables (5.10/5.13, 5.11/5.12, 5.14/5.15) as aligned text.
  std::string report() const;
};

TargetedSummary run_tmr(const TmrOptions& options);
TargetedSummary run_arachne(const ArachneOptions& options);

}  // namespace pmt::tools
