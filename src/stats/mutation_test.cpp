#include "pmt/stats/mutation_test.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include <boost/math/special_functions/erf.hpp>

#include "pmt/core/error.hpp"

namespace pmt::stats {

namespace {

struct Moments {
  double mean;
  double ss;  // sum of squared deviations
};

// Two passes: accuracies are ~0.99 with tiny spread, so a one-pass sum of squares would cancel.
inline Moments moments(const double* x, std::size_t n) {
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) sum += x[i];
  const double mean = sum / static_cast<double>(n);
  double ss = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = x[i] - mean;
    ss += d * d;
  }
  // A constant list must have zero spread exactly (its computed mean may be off by an ulp).
  if (ss != 0.0 && ss <= 1e-24 * mean * mean) {
    bool constant = true;
    for (std::size_t i = 1; i < n && constant; ++i) constant = x[i] == x[0];
    if (constant) return {x[0], 0.0};
  }
  return {mean, ss};
}

// Fast moments for the resampling loops: one pass over the values shifted by their first one
// (close to the mean, so little cancellation), four independent accumulators. Falls back to the
// two-pass moments() when the shift is far from the mean relative to the spread.
inline Moments fast_moments(const double* x, std::size_t n) {
  const double c = x[0];
  double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) {
      const double d = x[i + static_cast<std::size_t>(k)] - c;
      s[k] += d;
      q[k] += d * d;
    }
  }
  for (; i < n; ++i) {
    const double d = x[i] - c;
    s[0] += d;
    q[0] += d * d;
  }
  const double s1 = (s[0] + s[1]) + (s[2] + s[3]);
  const double s2 = (q[0] + q[1]) + (q[2] + q[3]);
  const double nn = static_cast<double>(n);
  const double ss = s2 - s1 * s1 / nn;
  if (!(ss > 1e-4 * s2)) return moments(x, n);  // cancellation: recompute carefully
  return {c + s1 / nn, ss};
}

// Smallest p (as compared) that is NOT significant, as an unrounded p-value: with rounding to 3
// decimals, p is significant iff p < alpha - 0.0005 (for alpha = 0.05: p < 0.0495).
double p_cut(const TestOptions& o) { return o.round_p ? o.alpha - 0.0005 : o.alpha; }

}  // namespace

EffectRule TestOptions::parse_effect(const std::string& name) {
  if (name == "abs") return EffectRule::kAbsolute;
  if (name == "positive") return EffectRule::kPositive;
  if (name == "negative") return EffectRule::kNegative;
  PMT_THROW(kUsage, "unknown effect rule '{}' (abs, positive, negative)", name);
}

TestKind TestOptions::parse_kind(const std::string& name) {
  if (name == "glm") return TestKind::kGlm;
  if (name == "wilcoxon") return TestKind::kWilcoxon;
  PMT_THROW(kUsage, "unknown test '{}' (glm, wilcoxon)", name);
}

const char* to_string(PMethod m) {
  switch (m) {
    case PMethod::kWald:
      return "wald";
    case PMethod::kExact:
      return "exact";
    case PMethod::kAsymptotic:
      return "asymptotic";
  }
  return "";
}

double round3(double p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", p);
  return std::strtod(buf, nullptr);
}

TestOutcome mutation_test(const double* a, std::size_t na, const double* b, std::size_t nb,
                          const TestOptions& options, bool paired) {
  const bool wilcoxon = options.kind == TestKind::kWilcoxon;
  PMT_THROW_IF(wilcoxon && paired && na != nb, kUsage,
               "the signed-rank test pairs instance i of both sides, but they hold {} and {}", na,
               nb);
  const Moments ma = moments(a, na);
  const Moments mb = moments(b, nb);
  const double scale = (ma.ss + mb.ss) / static_cast<double>(na + nb - 2);
  const double diff = mb.mean - ma.mean;
  TestOutcome out{};
  out.method = PMethod::kWald;
  out.rank_statistic = std::numeric_limits<double>::quiet_NaN();
  if (scale == 0.0) {
    // Defined here (the reference divides by zero): identical constants -> nothing to detect.
    out.p_value_exact = diff == 0.0 ? 1.0 : 0.0;
    out.cohen_d = diff == 0.0 ? 0.0
                              : (diff < 0 ? std::numeric_limits<double>::infinity()
                                          : -std::numeric_limits<double>::infinity());
  } else {
    const double se =
        std::sqrt(scale * (1.0 / static_cast<double>(na) + 1.0 / static_cast<double>(nb)));
    out.p_value_exact = std::erfc(std::fabs(diff / se) / std::sqrt(2.0));
    out.cohen_d = (ma.mean - mb.mean) / std::sqrt(scale);
  }
  out.p_value = options.round_p ? round3(out.p_value_exact) : out.p_value_exact;
  if (wilcoxon) {
    const RankTestResult r = paired ? wilcoxon_signed_rank(a, b, na) : mann_whitney_u(a, na, b, nb);
    out.p_value = out.p_value_exact = r.p_value;  // compared unrounded, as DeepCrime's WLX
    out.method = r.exact ? PMethod::kExact : PMethod::kAsymptotic;
    out.rank_statistic = r.statistic;
  }
  switch (options.effect) {
    case EffectRule::kAbsolute:
      out.effect_size = std::fabs(out.cohen_d);
      break;
    case EffectRule::kPositive:
      out.effect_size = out.cohen_d;
      break;
    case EffectRule::kNegative:
      out.effect_size = -out.cohen_d;
      break;
  }
  out.killed = out.p_value < options.alpha && out.effect_size >= options.min_effect;
  return out;
}

KillDecision::KillDecision(std::size_t na, std::size_t nb, const TestOptions& options, bool paired)
    : na_(na), nb_(nb), options_(options), paired_(paired) {
  PMT_THROW_IF(na < 2 || nb < 2, kUsage, "the mutation test needs at least 2 instances per side");
  // p = erfc(|z| / sqrt 2) < cut  <=>  |z| > z* = sqrt 2 erfc^-1(cut);
  // z^2 = diff^2 / (scale (1/na + 1/nb))  =>  diff^2 > z*^2 (1/na + 1/nb) scale.
  const double z = std::sqrt(2.0) * boost::math::erfc_inv(p_cut(options));
  p_threshold_ = z * z * (1.0 / static_cast<double>(na) + 1.0 / static_cast<double>(nb));
  effect_threshold_ = options.min_effect > 0 ? options.min_effect * options.min_effect : 0.0;
  if (options.kind == TestKind::kWilcoxon) {
    PMT_THROW_IF(paired && na != nb, kUsage,
                 "the signed-rank test pairs instance i of both sides, but they hold {} and {}", na,
                 nb);
    if (paired) {
      signed_rank_.emplace(na);
    } else {
      mann_whitney_.emplace(na, nb);
    }
  }
}

bool KillDecision::killed(const double* a, const double* b) {
  // Approximate moments suffice: a sample within 1e-9 of a threshold is decided by the full test.
  const Moments ma = fast_moments(a, na_);
  const Moments mb = fast_moments(b, nb_);
  const double scale = (ma.ss + mb.ss) / static_cast<double>(na_ + nb_ - 2);
  const double diff = mb.mean - ma.mean;
  const double d2 = diff * diff;
  if (scale == 0.0 || options_.min_effect <= 0)
    return mutation_test(a, na_, b, nb_, options_, paired_).killed;
  // d = -diff / sd: a positive effect needs diff < 0, a negative one diff > 0.
  if (options_.effect == EffectRule::kPositive && diff >= 0) return false;
  if (options_.effect == EffectRule::kNegative && diff <= 0) return false;
  if (options_.kind == TestKind::kGlm) {
    const double need = std::max(p_threshold_, effect_threshold_) * scale;
    if (std::fabs(d2 - need) <= 1e-9 * need)
      return mutation_test(a, na_, b, nb_, options_, paired_).killed;
    return d2 > need;
  }
  // Wilcoxon: the effect size first (cheap), then the rank test only when it passes.
  const double need = effect_threshold_ * scale;
  if (std::fabs(d2 - need) <= 1e-9 * need)
    return mutation_test(a, na_, b, nb_, options_, paired_).killed;
  if (d2 < need) return false;
  const RankTestResult r = paired_ ? signed_rank_->test(a, b) : mann_whitney_->test(a, b);
  return r.p_value < options_.alpha;
}

}  // namespace pmt::stats
