// Statistical power of DeepCrime's killing test, as its mutation score uses it to call a
// configuration stable (power >= 0.8) or unstable (DeepCrime, stats.py `power`; deepcrime_facts
// section 4.4).
//
// t-test power (statsmodels' TTestIndPower().solve_power(effect_size=d, nobs1=n1, alpha,
// ratio=n2/n1), two-sided): df = n1 + n2 - 2, noncentrality nc = |d| sqrt(n1 n2 / (n1 + n2)),
// c = t_{1 - alpha/2}(df), power = P(T' > c) + P(T' < -c) with T' ~ noncentral t(df, nc)
// (Boost.Math's non_central_t). This equals FTestAnovaPower with Cohen's f = d / 2, which is what
// DeepCrime meant. DeepCrime passes d itself as f (FTestAnovaPower(effect_size=d,
// nobs=n1+n2)), i.e. the t-test power of 2d: PowerKind::kDeepCrime reproduces that over-estimate.
#pragma once

#include <cstddef>

namespace pmt::stats {

enum class PowerKind {
  kTTest,     // effect size d (f = d/2 in FTestAnovaPower terms): the intended power
  kDeepCrime  // DeepCrime's stats.py: FTestAnovaPower with f = d (= t-test power of 2d)
};

// Power of the two-sided two-sample t-test at |d| with n1 and n2 instances (n1, n2 >= 2).
// d = +-inf gives 1; NaN gives NaN.
double ttest_power(double d, std::size_t n1, std::size_t n2, double alpha = 0.05);
// The power DeepCrime's mutation score computes for Cohen's d (kind: see PowerKind).
double mutation_power(double d, std::size_t n1, std::size_t n2, PowerKind kind,
                      double alpha = 0.05);

}  // namespace pmt::stats
