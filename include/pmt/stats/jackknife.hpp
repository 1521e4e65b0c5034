// Monte-Carlo error of the bagged posterior by the jackknife (mce_estim.py / utils.jack_estimate;
// DESIGN.md "Jackknife MCE"). Given R repetitions of B bootstrap kill rates, fit each
// repetition's bagged posterior (grid step 0.01) -> mean_r and var_r. Leave-one-out values are
// loo_k = sum_{i != k} x_i / R — the reference divides by R, not R - 1 (kReference, default;
// kTextbook divides by R - 1) — and MCE = sqrt((R - 1) / R * sum_k (loo_k - mean(loo))^2).
// The sampling-effect summary (pop_var.py) takes, over sub-populations, the median and the 2.5% /
// 97.5% quantiles of the estimates and of their bounds estimate -+ 1.96 MCE.
#pragma once

#include <array>
#include <vector>

#include "pmt/stats/posterior.hpp"

namespace pmt::stats {

enum class JackknifeDivisor { kReference, kTextbook };

struct JackknifeEstimate {
  double mean = 0, mean_mce = 0;
  double variance = 0, variance_mce = 0;
  std::pair<double, double> mean_ci() const {
    return {mean - 1.96 * mean_mce, mean + 1.96 * mean_mce};
  }
  std::pair<double, double> variance_ci() const {
    return {variance - 1.96 * variance_mce, variance + 1.96 * variance_mce};
  }
};

// Average and jackknife MCE of values x_1..x_R.
std::pair<double, double> jackknife(const std::vector<double>& x, JackknifeDivisor divisor);

// rates: R rows of B kill rates (row-major, R * B values).
JackknifeEstimate jackknife_estimate(const PosteriorFitter& fitter, const double* rates,
                                     std::size_t R, std::size_t B,
                                     JackknifeDivisor divisor = JackknifeDivisor::kReference);

// One population size of the sampling-effect study: [estimate, lower, upper] x [mean, variance]
// x [median, q2.5, q97.5] over the sub-populations' jackknife estimates (l_std's (3, 2, 3)).
using SamplingSummary = std::array<std::array<std::array<double, 3>, 2>, 3>;
SamplingSummary summarise_sampling(const std::vector<JackknifeEstimate>& per_subpopulation);

}  // namespace pmt::stats
