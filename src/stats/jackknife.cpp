#include "pmt/stats/jackknife.hpp"

#include <cmath>

#include "pmt/core/error.hpp"

namespace pmt::stats {

std::pair<double, double> jackknife(const std::vector<double>& x, JackknifeDivisor divisor) {
  const std::size_t R = x.size();
  PMT_THROW_IF(R < 2, kData, "the jackknife needs at least 2 repetitions (got {})", R);
  double total = 0;
  for (double v : x) total += v;
  const double denom =
      divisor == JackknifeDivisor::kReference ? static_cast<double>(R) : static_cast<double>(R - 1);
  std::vector<double> loo(R);
  double loo_mean = 0;
  for (std::size_t k = 0; k < R; ++k) {
    loo[k] = (total - x[k]) / denom;
    loo_mean += loo[k];
  }
  loo_mean /= static_cast<double>(R);
  double ss = 0;
  for (double v : loo) ss += (v - loo_mean) * (v - loo_mean);
  const double Rd = static_cast<double>(R);
  return {total / Rd, std::sqrt((Rd - 1) / Rd * ss)};
}

JackknifeEstimate jackknife_estimate(const PosteriorFitter& fitter, const double* rates,
                                     std::size_t R, std::size_t B, JackknifeDivisor divisor) {
  std::vector<double> means(R), variances(R);
  for (std::size_t r = 0; r < R; ++r) {
    const BetaFit fit = fitter.fit(rates + r * B, B);
    means[r] = fit.mean();
    variances[r] = fit.variance();
  }
  JackknifeEstimate e;
  std::tie(e.mean, e.mean_mce) = jackknife(means, divisor);
  std::tie(e.variance, e.variance_mce) = jackknife(variances, divisor);
  return e;
}

SamplingSummary summarise_sampling(const std::vector<JackknifeEstimate>& per_subpopulation) {
  std::array<std::array<std::vector<double>, 2>, 3> values;  // [est, lo, up][mean, var]
  for (const auto& e : per_subpopulation) {
    const auto mci = e.mean_ci();
    const auto vci = e.variance_ci();
    values[0][0].push_back(e.mean);
    values[0][1].push_back(e.variance);
    values[1][0].push_back(mci.first);
    values[1][1].push_back(vci.first);
    values[2][0].push_back(mci.second);
    values[2][1].push_back(vci.second);
  }
  SamplingSummary s{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      s[i][j] = {quantile(values[i][j], 0.5), quantile(values[i][j], 0.025),
                 quantile(values[i][j], 0.975)};
  return s;
}

}  // namespace pmt::stats
