// DeepCrime's search of the killable magnitude of a mutation operator (Humbatova et al.,
// ISSTA 2021; utils/execute_mutants.py of its current version, deepcrime_facts section 4.2).
// Training is driven through an interface (Trainer: "train the instances of configuration
// (mut, param) and return their metric values on the test set and on the training set"), so this
// logic is plain C++, unit-tested with a fake trainer; train/search_tool.hpp plugs LibTorch in.
//
// Binary search (numeric operators): evaluate the most aggressive value `from` against the
// original's instances; not killed -> stop ("not killable"). Else bisect between lower = `to`
// (the last non-killed value) and upper = the last killed value: middle = round((upper + lower)
// / 2, decimals) (Python's round: half-even on the binary double), compared with the ORIGINAL
// instances (the current DeepCrime; PMT's older copy compared with the last non-killed mutant);
// killed -> upper = middle, else lower = middle; until |upper - lower| <= precision. Result: the
// smallest killable value (upper when the last middle survived, else that middle).
// Exhaustive search (categorical operators): every value of the search space.
// Killed: DeepCrime's test (GLM p rounded to 3 decimals < 0.05 and Cohen's d >= 0.5);
// each configuration also gets DeepCrime's statistical power (stats/power.hpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/mutate/registry.hpp"
#include "pmt/stats/mutation_test.hpp"
#include "pmt/stats/power.hpp"

namespace pmt::search {

// The data sets a killing decision is made on (DeepCrime's "test" and "train" passes).
enum class Set { kTest, kTrain };
const char* to_string(Set s);  // "test", "train"
// "test" | "train" | "both"; throws pmt::Error (usage) otherwise.
std::vector<Set> parse_sets(const std::string& text);

// One configuration's metric values (one per instance) on each set; a set not asked for may be
// left empty.
struct Evaluation {
  std::vector<double> test, train;
  const std::vector<double>& on(Set s) const { return s == Set::kTest ? test : train; }
};

// Trains (or resumes) the instances of configuration (mut, param) and evaluates them;
// ("original", "") is the sound subject.
using Trainer = std::function<Evaluation(const std::string& mut, const std::string& param)>;

// Python's round(x, decimals) on a double: the exact binary value rounded half-even to
// `decimals` decimal places (round(3.125, 2) = 3.12, round(12.375, 2) = 12.38, round(2.675, 2) =
// 2.67, round(6.5, 0) = 6).
double py_round(double x, int decimals);
// A search value as pmt writes parameters (folder and file names): the shortest string that reads
// back as the same double ("50", "3.12", "0.055"), as --param takes it.
std::string format_param(double v);
// DeepCrime's rounding of the middles: percentages 2 decimals ('float'), integers 0, other
// numbers (learning rate: 'float3'..'float5') 1 + the decimals of the precision, within 3..5.
int search_decimals(const mutate::OperatorInfo& op, const mutate::SearchSpace& space);

// The search space of `op` on `spec` (mutate::search_space), after checking that there is one:
// a usage error naming the subject, the operator and why (no search, or not applicable to the
// subject or to `layer`).
mutate::SearchSpace plan(const mutate::OperatorInfo& op, const model::SubjectSpec& spec,
                         int layer = -1);

// DeepCrime's test: GLM, p rounded to 3 decimals, killed when p < 0.05 and d >= 0.5 (signed d:
// the mutant's metric must drop).
stats::TestOptions deepcrime_test();

struct SearchOptions {
  std::string mut;  // the operator (passed to the trainer)
  mutate::SearchSpace space;
  int decimals = 2;  // rounding of the middles (search_decimals)
  std::vector<Set> sets{Set::kTest, Set::kTrain};
  stats::TestOptions test = deepcrime_test();
  stats::PowerKind power = stats::PowerKind::kTTest;
  int max_steps = 64;  // bound on the middles of one binary search (rounding may stall)
  // One line per step (progress, ETA); none when empty.
  std::function<void(const std::string&)> log;
};

// One evaluated configuration. Binary: lower/upper before the step (the first step, at `from`,
// has no middle); exhaustive: the value only.
struct Step {
  std::string param;
  double lower = 0, upper = 0;
  bool has_middle = false;
  stats::TestOutcome outcome{};
  double power = 0;
  std::size_t n_original = 0, n_mutant = 0;
  nlohmann::json to_json() const;
};

struct SetResult {
  Set set = Set::kTest;
  mutate::SearchKind kind = mutate::SearchKind::kBinary;
  std::vector<Step> steps;
  bool killable = false;
  // Binary: the smallest killable value ("perfect") and the closest value not killed; empty when
  // not killable.
  std::string killable_param, not_killed_param;
  std::vector<std::string> killed_params;  // exhaustive: every killed value
  // DeepCrime's CSV (no header, ','-separated, Python reprs, True/False). Binary: one row per
  // step [lower, upper, middle ('' at first), p, d, killed, power] and, when killable, the final
  // row [killable, not killed]; exhaustive: [value, p, d, killed, power].
  std::string csv() const;
  nlohmann::json to_json() const;
};

struct SearchResult {
  std::string mut;
  mutate::SearchSpace space;
  int decimals = 0;
  std::vector<SetResult> sets;
  int configurations = 0;  // distinct configurations evaluated, the original included
  double seconds = 0;
  nlohmann::json to_json() const;
};

// Runs the search of each set in options.sets (test first); a configuration is evaluated once and
// reused by the other set's search. Throws pmt::Error (usage) on a space without a search.
SearchResult run_search(const SearchOptions& options, const Trainer& trainer);

// An upper bound of the configurations one set's search evaluates (ETA): from + the middles.
int max_configurations(const mutate::SearchSpace& space);

}  // namespace pmt::search
