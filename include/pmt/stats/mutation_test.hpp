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
//
// TestKind::kWilcoxon replaces the GLM p-value by DeepCrime's alternative (`WLX`), computed as
// scipy 1.10 does (wilcoxon.hpp): Mann-Whitney U for independent instances, the signed-rank test
// on the differences a[i] - b[i] when the instances are paired (--same). Its p-value is compared
// with alpha unrounded (DeepCrime reads scipy's p directly); the effect-size rule is the GLM's.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "pmt/stats/wilcoxon.hpp"

namespace pmt::stats {

enum class EffectRule { kAbsolute, kPositive, kNegative };
enum class TestKind { kGlm, kWilcoxon };

// How a p-value was obtained.
enum class PMethod { kWald, kExact, kAsymptotic };
const char* to_string(PMethod m);  // "wald", "exact", "asymptotic"

struct TestOptions {
  TestKind kind = TestKind::kGlm;
  double alpha = 0.05;      // significance level for the (rounded) p-value
  double min_effect = 0.5;  // threshold on the effect size
  bool round_p = true;      // reference: p rounded to 3 decimals before comparing (GLM only)
  EffectRule effect = EffectRule::kAbsolute;
  // Parses "abs" | "positive" | "negative"; throws pmt::Error (usage) otherwise.
  static EffectRule parse_effect(const std::string& name);
  // Parses "glm" | "wilcoxon"; throws pmt::Error (usage) otherwise.
  static TestKind parse_kind(const std::string& name);
};

struct TestOutcome {
  double p_value;        // as compared (GLM: rounded to 3 decimals unless round_p is false)
  double p_value_exact;  // unrounded
  double cohen_d;        // signed: (mean(a) - mean(b)) / pooled sd
  double effect_size;    // the effect compared with min_effect (|d|, d or -d)
  bool killed;
  PMethod method;         // Wald z (GLM), or the rank test's exact / asymptotic distribution
  double rank_statistic;  // Wilcoxon: U1 (Mann-Whitney) or T (signed-rank); GLM: NaN
};

// The full test on sound accuracies a[0..na) and mutant accuracies b[0..nb) (na, nb >= 2).
// `paired` (instance i of a and of b share an id, na == nb) selects the signed-rank test when
// options.kind is kWilcoxon; the GLM ignores it (the reference's GLM treats them as independent).
TestOutcome mutation_test(const double* a, std::size_t na, const double* b, std::size_t nb,
                          const TestOptions& options = {}, bool paired = false);

// The kill decision of the resampling loops, one interface for every test kind: decisions are
// exactly those of mutation_test() with the same arguments.
//   GLM: thresholds on diff^2 / scale precomputed for the sample sizes, so a decision is a few
//   multiplications; only a sample within 1e-9 (relative) of a threshold falls back to the full
//   computation.
//   Wilcoxon: the effect size is checked first the same way (no ranking when it fails), then the
//   rank test with its exact tables precomputed for these sizes.
// Holds scratch buffers: one object per thread. killed() does not allocate.
class KillDecision {
 public:
  KillDecision(std::size_t na, std::size_t nb, const TestOptions& options = {},
               bool paired = false);
  bool killed(const double* a, const double* b);
  std::size_t na() const { return na_; }
  std::size_t nb() const { return nb_; }

 private:
  std::size_t na_, nb_;
  TestOptions options_;
  bool paired_;
  double p_threshold_;       // GLM: kill needs diff^2 > p_threshold_ * scale (significance)
  double effect_threshold_;  // and diff^2 >= effect_threshold_ * scale (effect size)
  std::optional<MannWhitneyU> mann_whitney_;
  std::optional<SignedRank> signed_rank_;
};

// Rounds like Python's "%.3f" formatting then float(): correctly rounded to 3 decimals.
double round3(double p);

}  // namespace pmt::stats
