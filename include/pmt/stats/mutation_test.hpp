// DeepCrime's statistical mutation test (Humbatova et al., ISSTA 2021) as the PMT replication
// package runs it (utils.p_value_glm, utils.cohen_d; DESIGN.md "The mathematics").
//
// GLM p-value: statsmodels GLM Gaussian `Acc ~ Mod` = Wald z-test with pooled scale:
//   diff = mean(b) - mean(a), scale = (SS(a) + SS(b)) / (n_a + n_b - 2),
//   se = sqrt(scale (1/n_a + 1/n_b)), p = erfc(|diff / se| / sqrt 2).
// The reference reads p from the printed summary, i.e. ROUNDED TO 3 DECIMALS ("%.3f"), before
// comparing with 0.05 (0.0496 -> 0.050 -> not significant); that is the default here.
// Cohen's d = (mean(a) - mean(b)) / pooled sd (ddof 1). Killed when p < 0.05 and effect >= 0.5
// where the effect is |d| (PMT, default), d (DeepCrime, classification) or -d (regression).
// Zero pooled variance (the reference crashes): equal means -> p = 1, d = 0, not killed;
// different means -> p = 0, |d| = inf, killed (sign of d as the difference).
#pragma once

#include <cstddef>
#include <string>

namespace pmt::stats {

enum class EffectRule { kAbsolute, kPositive, kNegative };

struct TestOptions {
  double alpha = 0.05;      // significance level for the (rounded) p-value
  double min_effect = 0.5;  // threshold on the effect size
  bool round_p = true;      // reference: p rounded to 3 decimals before comparing
  EffectRule effect = EffectRule::kAbsolute;
  // Parses "abs" | "positive" | "negative"; throws pmt::Error (usage) otherwise.
  static EffectRule parse_effect(const std::string& name);
};

struct TestOutcome {
  double p_value;        // as compared (rounded to 3 decimals unless round_p is false)
  double p_value_exact;  // unrounded
  double cohen_d;        // signed: (mean(a) - mean(b)) / pooled sd
  double effect_size;    // the effect compared with min_effect (|d|, d or -d)
  bool killed;
};

// The full test on sound accuracies a[0..na) and mutant accuracies b[0..nb) (na, nb >= 2).
TestOutcome mutation_test(const double* a, std::size_t na, const double* b, std::size_t nb,
                          const TestOptions& options = {});

// The kill decision alone, for the resampling loops: precomputes the thresholds on
// diff^2 / scale for given sample sizes and decides with a few multiplications; only a sample
// within 1e-9 (relative) of a threshold falls back to the full computation above, so decisions
// are exactly those of mutation_test().
class KillDecision {
 public:
  KillDecision(std::size_t na, std::size_t nb, const TestOptions& options = {});
  bool killed(const double* a, const double* b) const;
  std::size_t na() const { return na_; }
  std::size_t nb() const { return nb_; }

 private:
  std::size_t na_, nb_;
  TestOptions options_;
  double p_threshold_;       // kill needs diff^2 > p_threshold_ * scale (significance)
  double effect_threshold_;  // and diff^2 >= effect_threshold_ * scale (effect size)
};

// Rounds like Python's "%.3f" formatting then float(): correctly rounded to 3 decimals.
double round3(double p);

}  // namespace pmt::stats
