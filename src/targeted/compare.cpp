// The comparison of one set over the instances, original vs mutant (targeted.hpp): no LibTorch.
// Wilcoxon signed-rank and Cohen's d are DeepCrime's (stats.py: is_diff_sts with
// statistical_test = "WLX"), which the thesis used (section 5.6), through pmt::stats.
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "pmt/io/json_number.hpp"
#include "pmt/stats/mutation_test.hpp"
#include "pmt/targeted/targeted.hpp"

namespace pmt::targeted {

using nlohmann::json;

namespace {

double mean(const std::vector<double>& v) {
  if (v.empty()) return std::nan("");
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

}  // namespace

SetComparison compare_sets(std::string set, std::vector<double> original,
                           std::vector<double> mutant) {
  SetComparison c;
  c.set = std::move(set);
  c.original = std::move(original);
  c.mutant = std::move(mutant);
  c.mean_original = mean(c.original);
  c.mean_mutant = mean(c.mutant);
  if (c.original.size() < 2 || c.original.size() != c.mutant.size()) {
    c.p_value = c.cohen_d = std::numeric_limits<double>::quiet_NaN();
    return c;
  }
  stats::TestOptions t;
  t.kind = stats::TestKind::kWilcoxon;
  t.effect = stats::EffectRule::kPositive;  // DeepCrime: a lower mutant accuracy, d >= 0.5
  t.round_p = false;
  const stats::TestOutcome r = stats::mutation_test(c.original.data(), c.original.size(),
                                                    c.mutant.data(), c.mutant.size(), t, true);
  c.p_value = r.p_value;
  c.cohen_d = r.cohen_d;
  c.different = r.killed;
  return c;
}

json SetComparison::to_json() const {
  json o = json::array(), m = json::array();
  for (double v : original) o.push_back(io::json_number(v));
  for (double v : mutant) m.push_back(io::json_number(v));
  return {{"set", set},
          {"mean_original", io::json_number(mean_original)},
          {"mean_mutant", io::json_number(mean_mutant)},
          {"p_value", io::json_number(p_value)},
          {"cohen_d", io::json_number(cohen_d)},
          {"different", different},
          {"original", o},
          {"mutant", m}};
}

}  // namespace pmt::targeted
