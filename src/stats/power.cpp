// Two-sided two-sample t-test power through Boost.Math's noncentral t (see power.hpp).
#include "pmt/stats/power.hpp"

#include <boost/math/distributions/non_central_t.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

#include "pmt/core/error.hpp"

namespace pmt::stats {

double ttest_power(double d, std::size_t n1, std::size_t n2, double alpha) {
  PMT_THROW_IF(n1 < 2 || n2 < 2, kData, "power needs at least 2 instances per group, got {} and {}",
               n1, n2);
  if (std::isnan(d)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(d)) return 1.0;
  const double a = static_cast<double>(n1), b = static_cast<double>(n2);
  const double df = a + b - 2;
  const double nc = std::fabs(d) * std::sqrt(a * b / (a + b));
  const double crit = boost::math::quantile(boost::math::students_t(df), 1 - alpha / 2);
  const boost::math::non_central_t dist(df, nc);
  return boost::math::cdf(boost::math::complement(dist, crit)) + boost::math::cdf(dist, -crit);
}

double mutation_power(double d, std::size_t n1, std::size_t n2, PowerKind kind, double alpha) {
  return ttest_power(kind == PowerKind::kDeepCrime ? 2 * d : d, n1, n2, alpha);
}

}  // namespace pmt::stats
