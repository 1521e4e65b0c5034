// DeepCrime's binary and exhaustive search of the killable magnitude (see search.hpp and
// deepcrime_facts section 4.2: DC:utils/execute_mutants.py:275-348, search_for_bs_conf).
#include "pmt/search/search.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/core/parallel.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/io/number.hpp"

namespace pmt::search {

using mutate::SearchKind;
using nlohmann::json;

const char* to_string(Set s) { return s == Set::kTest ? "test" : "train"; }

std::vector<Set> parse_sets(const std::string& text) {
  if (text == "test") return {Set::kTest};
  if (text == "train") return {Set::kTrain};
  if (text == "both") return {Set::kTest, Set::kTrain};
  PMT_THROW(kUsage, "--set must be test, train or both, got '{}'", io::shorten(text));
}

double py_round(double x, int decimals) {
  if (!std::isfinite(x)) return x;
  // glibc's printf converts the exact binary value and rounds ties to even, as CPython's
  // round(x, n) does (_Py_dg_dtoa mode 3).
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return io::parse_double(buf, "rounded value", ErrorKind::kData);
}

std::string format_param(double v) { return fmt::format("{}", v); }

int search_decimals(const mutate::OperatorInfo& op, const mutate::SearchSpace& space) {
  if (op.kind == mutate::ParamKind::kPercent) return 2;
  if (op.kind == mutate::ParamKind::kInteger) return 0;
  const int from_precision =
      space.precision > 0 ? static_cast<int>(std::ceil(-std::log10(space.precision) - 1e-9)) + 1
                          : 3;
  return std::clamp(from_precision, 3, 5);
}

mutate::SearchSpace plan(const mutate::OperatorInfo& op, const model::SubjectSpec& spec,
                         int layer) {
  const std::string who = fmt::format("subject '{}', operator {}", spec.name, op.name);
  // The registry's applicability check (subject, layer), with its message.
  PMT_THROW_IF(!op.targets_layer() && layer >= 0, kUsage,
               "--mut {} does not target a layer (no --layer)", op.name);
  const std::string why = mutate::not_applicable(op, spec, layer);
  PMT_THROW_IF(!why.empty(), kUsage, "--mut {} does not apply to subject '{}': {}", op.name,
               spec.name, why);
  mutate::SearchSpace s = mutate::search_space(op, spec, layer);
  if (s.kind == SearchKind::kBinary) {
    PMT_THROW_IF(
        !(s.precision > 0) || s.from == s.to || !std::isfinite(s.from) || !std::isfinite(s.to),
        kUsage, "{}: no binary search from {} to {} with precision {}", who, s.from, s.to,
        s.precision);
  } else {
    // DeepCrime's operators without a search ("nosearch") run their one value (or each layer)
    PMT_THROW_IF(s.values.empty(), kUsage, "{}: the {} has no values", who,
                 s.kind == SearchKind::kNone ? "operator's single run" : "exhaustive search");
  }
  return s;
}

stats::TestOptions deepcrime_test() {
  stats::TestOptions t;
  t.kind = stats::TestKind::kGlm;
  t.round_p = true;
  t.alpha = 0.05;
  t.min_effect = 0.5;
  t.effect = stats::EffectRule::kPositive;
  return t;
}

int max_configurations(const mutate::SearchSpace& space) {
  if (space.kind != SearchKind::kBinary) return static_cast<int>(space.values.size());
  const double ratio = std::fabs(space.from - space.to) / space.precision;
  return 1 + (ratio > 1 ? static_cast<int>(std::ceil(std::log2(ratio))) : 1);
}

json Step::to_json() const {
  return {{"param", param},
          {"lower", format_param(lower)},
          {"upper", format_param(upper)},
          {"middle", has_middle ? json(param) : json()},
          {"p_value", io::json_number(outcome.p_value)},
          {"p_value_exact", io::json_number(outcome.p_value_exact)},
          {"cohen_d", io::json_number(outcome.cohen_d)},
          {"killed", outcome.killed},
          {"power", io::json_number(power)},
          {"instances", {n_original, n_mutant}}};
}

std::string SetResult::csv() const {
  std::string out;
  auto tail = [](const Step& s) {
    return fmt::format("{},{},{},{}\n", io::py_repr(s.outcome.p_value),
                       io::py_repr(s.outcome.cohen_d), s.outcome.killed ? "True" : "False",
                       io::py_repr(s.power));
  };
  for (const Step& s : steps) {
    if (kind == SearchKind::kBinary)
      out += fmt::format("{},{},{},", format_param(s.lower), format_param(s.upper),
                         s.has_middle ? s.param : "");
    else
      out += s.param + ",";
    out += tail(s);
  }
  if (kind == SearchKind::kBinary && killable)
    out += fmt::format("{},{}\n", killable_param, not_killed_param);
  return out;
}

json SetResult::to_json() const {
  json j = {{"set", to_string(set)}, {"killable", killable}};
  if (kind == SearchKind::kBinary) {
    j["killable_param"] = killable ? json(killable_param) : json();
    j["not_killed_param"] = killable ? json(not_killed_param) : json();
  } else {
    j["killed_params"] = killed_params;
  }
  json rows = json::array();
  for (const Step& s : steps) {
    json r = s.to_json();
    if (kind != SearchKind::kBinary) {
      r.erase("lower");
      r.erase("upper");
      r.erase("middle");
    }
    rows.push_back(std::move(r));
  }
  j["steps"] = std::move(rows);
  return j;
}

json SearchResult::to_json() const {
  json j = {{"mut", mut},
            {"space", space.to_json()},
            {"decimals", decimals},
            {"configurations", configurations},
            {"wall_time_s", seconds}};
  json s = json::array();
  for (const auto& r : sets) s.push_back(r.to_json());
  j["sets"] = std::move(s);
  return j;
}

namespace {

// Evaluates configurations once (memo), times the trainer and writes the progress lines.
class Runner {
 public:
  Runner(const SearchOptions& o, const Trainer& trainer) : o_(o), trainer_(trainer) {
    remaining_ = static_cast<int>(o.sets.size()) * max_configurations(o.space);
  }

  const Evaluation& evaluate(const std::string& mut, const std::string& param) {
    const auto key = std::make_pair(mut, param);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    const auto t0 = std::chrono::steady_clock::now();
    Evaluation e = trainer_(mut, param);
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++trained_;
    return memo_.emplace(key, std::move(e)).first->second;
  }

  // The mutant `param` against the original on `set`: one Step.
  Step step(Set set, const std::string& param) {
    const std::vector<double>& a = evaluate("original", "").on(set);
    const std::vector<double>& b = evaluate(o_.mut, param).on(set);
    PMT_THROW_IF(a.size() < 2 || b.size() < 2, kData,
                 "{} set: the original has {} and {} {} has {} instance value(s): 2 or more each "
                 "are needed",
                 to_string(set), a.size(), o_.mut, param, b.size());
    Step s;
    s.param = param;
    s.outcome = stats::mutation_test(a.data(), a.size(), b.data(), b.size(), o_.test);
    s.power = stats::mutation_power(s.outcome.cohen_d, a.size(), b.size(), o_.power);
    s.n_original = a.size();
    s.n_mutant = b.size();
    return s;
  }

  void report(Set set, const Step& s, int step, bool binary, int left_in_set) {
    remaining_ = std::max(0, remaining_ - 1);
    if (!o_.log) return;
    const double per = trained_ > 1 ? seconds_ / trained_ : seconds_;
    const std::string bounds =
        binary ? fmt::format(" [lower {} upper {}]", format_param(s.lower), format_param(s.upper))
               : "";
    o_.log(fmt::format(
        "mutation_search: {} {} {}{} step {} (<= {} more): p {} d {:.3f} power {:.3f} -> {} "
        "({:.1f} s per configuration, ETA <= {})",
        to_string(set), o_.mut, s.param, bounds, step, left_in_set, io::py_repr(s.outcome.p_value),
        s.outcome.cohen_d, s.power, s.outcome.killed ? "killed" : "not killed", per,
        pmt::format_duration(per * remaining_)));
  }
  // After a set's search ends early, its unused steps leave the ETA.
  void finish_set(int unused) { remaining_ = std::max(0, remaining_ - unused); }

  int configurations() const { return static_cast<int>(memo_.size()); }

 private:
  const SearchOptions& o_;
  const Trainer& trainer_;
  std::map<std::pair<std::string, std::string>, Evaluation> memo_;
  double seconds_ = 0;
  int trained_ = 0;
  int remaining_ = 0;
};

SetResult binary(Set set, const SearchOptions& o, Runner& run) {
  SetResult r;
  r.set = set;
  r.kind = SearchKind::kBinary;
  const int bound = max_configurations(o.space);
  double lower = o.space.to, upper = o.space.from;
  Step first = run.step(set, format_param(upper));
  first.lower = lower;
  first.upper = upper;
  r.steps.push_back(first);
  run.report(set, first, 1, true, bound - 1);
  if (!first.outcome.killed) {
    run.finish_set(bound - 1);
    return r;
  }
  r.killable = true;
  for (int k = 0; k < o.max_steps; ++k) {
    const double middle = py_round((upper + lower) / 2, o.decimals);
    if (middle == upper || middle == lower) break;  // rounding stalls: nothing left to refine
    Step s = run.step(set, format_param(middle));
    s.lower = lower;
    s.upper = upper;
    s.has_middle = true;
    r.steps.push_back(s);
    (s.outcome.killed ? upper : lower) = middle;
    const int done = static_cast<int>(r.steps.size());
    run.report(set, s, done, true, std::max(0, bound - done));
    if (std::fabs(upper - lower) <= o.space.precision) break;
  }
  run.finish_set(std::max(0, bound - static_cast<int>(r.steps.size())));
  // DeepCrime: perfect = middle if killed else upper; conf_nk = lower if killed else middle;
  // after the update these are upper and lower.
  r.killable_param = format_param(upper);
  r.not_killed_param = format_param(lower);
  return r;
}

SetResult exhaustive(Set set, const SearchOptions& o, Runner& run) {
  SetResult r;
  r.set = set;
  r.kind = o.space.kind;  // exhaustive, or none: DeepCrime's single run (each layer's)
  const int n = static_cast<int>(o.space.values.size());
  for (int k = 0; k < n; ++k) {
    Step s = run.step(set, o.space.values[static_cast<std::size_t>(k)]);
    r.steps.push_back(s);
    run.report(set, s, k + 1, false, n - k - 1);
    if (s.outcome.killed) r.killed_params.push_back(s.param);
  }
  r.killable = !r.killed_params.empty();
  return r;
}

}  // namespace

SearchResult run_search(const SearchOptions& o, const Trainer& trainer) {
  PMT_THROW_IF(o.space.kind != SearchKind::kBinary && o.space.values.empty(), kUsage,
               "{}: no configuration to evaluate", o.mut);
  PMT_THROW_IF(o.sets.empty(), kUsage, "no set to search on");
  const auto t0 = std::chrono::steady_clock::now();
  SearchResult result;
  result.mut = o.mut;
  result.space = o.space;
  result.decimals = o.decimals;
  Runner run(o, trainer);
  for (Set set : o.sets)
    result.sets.push_back(o.space.kind == SearchKind::kBinary ? binary(set, o, run)
                                                              : exhaustive(set, o, run));
  result.configurations = run.configurations();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace pmt::search
