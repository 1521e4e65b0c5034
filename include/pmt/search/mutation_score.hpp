// DeepCrime's mutation score (Humbatova et al., ISSTA 2021, section 5; DC:mutation_score.py,
// calculate_dc_ms; deepcrime_facts section 4.3) from mutation_search's results: how much of what
// the training set kills a test set kills too, per operator and in total. Torch-free.
//
// Inputs: mutation_search's <mut>.json files; the "train" set of the training results and the
// "test" set of the test results (one folder may hold both). Power is recomputed from each step's
// Cohen's d and instance counts (stats::mutation_power: t-test power at d, or DeepCrime's f = d).
// A configuration kills only when it is killed AND stable (power >= min_power) on that set.
//   binary: kc = the least aggressive stably killed value on each set; none on the training set ->
//     operator excluded; none on the test set -> score 0; equal -> 1; else
//     round((upper - test_kc) / (upper - train_kc), 2) capped at 1 (upper = the search's `from`).
//   exhaustive, and DeepCrime's single runs (search "none"): round(|train_killed & test_killed| /
//     |train_killed|, 2) over the configurations (a layer operator's: every value at every
//     layer, as DeepCrime pools an operator's layers in one stats file); none killed on the
//     training set -> excluded.
//   total: mean of the scores of the operators not excluded.
// Differences from DeepCrime (its bugs fixed, its instability score simplified): see
// docs/search.md, "Mutation score".
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/mutate/registry.hpp"
#include "pmt/stats/power.hpp"

namespace pmt::search {

struct ScoreOptions {
  stats::PowerKind power = stats::PowerKind::kTTest;
  double min_power = 0.8;  // DeepCrime's stability threshold
};

struct OperatorScore {
  std::string name;  // the results' file stem: the operator (with _layer<N> when searched so)
  mutate::SearchKind kind = mutate::SearchKind::kBinary;
  bool counted = false;  // in the total
  std::string note;      // why not counted
  double score = 0;      // NaN when not counted
  // binary: the killable magnitudes ("" = not killable stably) and the search's upper bound
  std::string train_kc, test_kc;
  double upper = 0;
  // exhaustive and none: the stably killed configurations on each set
  std::vector<std::string> train_killed, test_killed;
  // values killed with power < min_power, per set (not counted as kills)
  std::vector<std::string> train_unstable, test_unstable;
  nlohmann::json to_json() const;
};

struct MutationScore {
  std::vector<OperatorScore> operators;
  double total = 0;  // NaN when no operator counts
  int counted = 0;
  std::string train_dir, test_dir;
  nlohmann::json to_json() const;
  std::string table() const;  // one line per operator, then the total
};

// One operator from its training-set and test-set search results (the JSON mutation_search
// writes; `where` names the files in errors). Throws pmt::Error (data) on malformed results.
OperatorScore score_operator(const std::string& name, const nlohmann::json& train,
                             const nlohmann::json& test, const ScoreOptions& options,
                             const std::string& where);

// Every <mut>.json of test_dir with a test set, paired with the same file of train_dir (its train
// set). Throws pmt::Error (data) naming the file on a missing or malformed result.
MutationScore mutation_score(const std::filesystem::path& train_dir,
                             const std::filesystem::path& test_dir, const ScoreOptions& options);

}  // namespace pmt::search
