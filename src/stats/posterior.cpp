#include "pmt/stats/posterior.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/tools/minima.hpp>

#include "pmt/core/error.hpp"
#include "pmt/stats/trf.hpp"

namespace pmt::stats {

double BetaFit::mean() const { return alpha / (alpha + beta); }

double BetaFit::variance() const {
  const double s = alpha + beta;
  return alpha * beta / (s * s * (s + 1.0));
}

std::pair<double, double> BetaFit::ci95() const {
  const double m = mean();
  const double sd = std::sqrt(variance());
  return {std::clamp(m - 1.96 * sd, 0.0, 1.0), std::clamp(m + 1.96 * sd, 0.0, 1.0)};
}

std::pair<double, double> BetaFit::hdi95() const {
  // Minimise the width of [q(t), q(t + 0.95)] over the lower tail mass t in [0, 0.05].
  const boost::math::beta_distribution<double> dist(alpha, beta);
  auto width = [&](double t) { return quantile(dist, t + 0.95) - quantile(dist, t); };
  const auto best = boost::math::tools::brent_find_minima(width, 0.0, 0.05, 40);
  return {boost::math::quantile(dist, best.first), boost::math::quantile(dist, best.first + 0.95)};
}

double log_beta(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

double beta_pdf(double x, double a, double b) {
  if (x <= 0.0 || x >= 1.0) return 0.0;
  return std::exp((a - 1.0) * std::log(x) + (b - 1.0) * std::log1p(-x) - log_beta(a, b));
}

double hellinger(double a1, double b1, double a2, double b2) {
  const double bc = std::exp(log_beta(0.5 * (a1 + a2), 0.5 * (b1 + b2)) -
                             0.5 * (log_beta(a1, b1) + log_beta(a2, b2)));
  return std::sqrt(std::clamp(1.0 - bc, 0.0, 1.0));
}

Distances ideal_distances(const BetaFit& fit, int N) {
  Distances d{};
  d.to_sound = hellinger(fit.alpha, fit.beta, 1.0, N + 1.0);
  d.to_mutant = hellinger(fit.alpha, fit.beta, N + 1.0, 1.0);
  d.ratio = d.to_mutant == 0.0 ? (d.to_sound == 0.0 ? std::numeric_limits<double>::quiet_NaN()
                                                    : std::numeric_limits<double>::infinity())
                               : d.to_sound / d.to_mutant;
  return d;
}

PosteriorFitter::PosteriorFitter(int N, double h) : N_(N) {
  PMT_THROW_IF(N < 1 || !(h > 0 && h < 1), kUsage, "invalid posterior grid (N = {}, h = {})", N, h);
  // numpy.arange(1e-8, 1, h): ceil((stop - start) / step) points, start + i * step.
  const double start = 1e-8;
  const auto n = static_cast<std::size_t>(std::ceil((1.0 - start) / h));
  for (std::size_t i = 0; i < n; ++i) {
    const double x = start + static_cast<double>(i) * h;
    x_.push_back(x);
    log_x_.push_back(std::log(x));
    log_1mx_.push_back(std::log1p(-x));
  }
  table_.resize(static_cast<std::size_t>(N) + 1);
  for (int c = 0; c <= N; ++c) {
    const double a = c + 1.0, b = N - c + 1.0, lb = log_beta(a, b);
    auto& row = table_[static_cast<std::size_t>(c)];
    row.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      row[i] = std::exp((a - 1.0) * log_x_[i] + (b - 1.0) * log_1mx_[i] - lb);
  }
}

std::vector<double> PosteriorFitter::bagged_pdf(const double* rates, std::size_t B) const {
  PMT_THROW_IF(B == 0, kData, "no kill rates to fit a posterior to");
  const std::size_t n = x_.size();
  std::vector<double> counts(static_cast<std::size_t>(N_) + 1, 0.0);
  std::vector<double> y(n, 0.0);
  for (std::size_t r = 0; r < B; ++r) {
    const double p = rates[r];
    PMT_THROW_IF(!(p >= 0.0 && p <= 1.0), kData, "kill rate {} is not in [0, 1]", p);
    const double c = p * N_;
    const double rc = std::round(c);
    if (std::fabs(c - rc) < 1e-9) {
      counts[static_cast<std::size_t>(rc)] += 1.0;  // a whole number of kills: tabulated
    } else {
      for (std::size_t i = 0; i < n; ++i)
        y[i] += std::exp(c * log_x_[i] + (N_ - c) * log_1mx_[i] - log_beta(c + 1, N_ - c + 1));
    }
  }
  for (std::size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] == 0.0) continue;
    const auto& row = table_[c];
    for (std::size_t i = 0; i < n; ++i) y[i] += counts[c] * row[i];
  }
  for (double& v : y) v /= static_cast<double>(B);
  return y;
}

BetaFit PosteriorFitter::fit(const double* rates, std::size_t B) const {
  const std::vector<double> y = bagged_pdf(rates, B);
  double a = 0, b = 0;
  for (std::size_t r = 0; r < B; ++r) {
    a += rates[r] * N_ + 1.0;
    b += N_ - rates[r] * N_ + 1.0;
  }
  a /= static_cast<double>(B);
  b /= static_cast<double>(B);

  const TrfResult r = fit_beta_trf(log_x_, log_1mx_, y, a, b);
  BetaFit out;
  out.alpha = r.alpha;
  out.beta = r.beta;
  out.evaluations = r.nfev;
  out.converged = r.status != 0;
  return out;
}

double quantile(std::vector<double> values, double q) {
  PMT_THROW_IF(values.empty(), kData, "quantile of an empty list");
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  if (frac == 0.0 || values[lo] == values[hi]) return values[lo];  // also for infinite values
  return values[lo] + (values[hi] - values[lo]) * frac;
}

}  // namespace pmt::stats
