// DeepCrime's statistical power (stats/power.hpp) against statsmodels 0.13.5 / scipy 1.10.1
// (scripts/power_fixtures.py). Tolerance 1e-8 relative: statsmodels' own two routes (t-test and
// F-test) agree to ~2e-10, Boost's noncentral t is accurate to a few ulps.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "pmt/stats/power.hpp"

using pmt::stats::mutation_power;
using pmt::stats::PowerKind;
using pmt::stats::ttest_power;

TEST_CASE("t-test power matches statsmodels' TTestIndPower", "[power]") {
  const double tol = 1e-8;
  CHECK(ttest_power(0.5, 20, 20) == Approx(0.33793902869253206).epsilon(tol));
  CHECK(ttest_power(0.8, 20, 20) == Approx(0.6934041963871712).epsilon(tol));
  CHECK(ttest_power(1.0, 20, 20) == Approx(0.8689530275835382).epsilon(tol));
  CHECK(ttest_power(2.0, 20, 20) == Approx(0.9999865749367802).epsilon(tol));
  CHECK(ttest_power(0.3, 20, 20) == Approx(0.15226828031383532).epsilon(tol));
  CHECK(ttest_power(1.5, 4, 4) == Approx(0.4299975568822873).epsilon(tol));
  CHECK(ttest_power(0.5, 4, 4) == Approx(0.09228237949388304).epsilon(tol));
  CHECK(ttest_power(-0.8, 20, 20) == Approx(0.6934041963871712).epsilon(tol));  // sign ignored
}

TEST_CASE("DeepCrime's power passes d as Cohen's f (FTestAnovaPower)", "[power]") {
  const double tol = 1e-8;
  CHECK(mutation_power(0.5, 20, 20, PowerKind::kDeepCrime) ==
        Approx(0.8689530277239899).epsilon(tol));
  CHECK(mutation_power(0.8, 20, 20, PowerKind::kDeepCrime) ==
        Approx(0.9985026400990381).epsilon(tol));
  CHECK(mutation_power(0.5, 20, 20, PowerKind::kTTest) == ttest_power(0.5, 20, 20));
}

TEST_CASE("power at infinite and undefined effect sizes", "[power]") {
  CHECK(ttest_power(std::numeric_limits<double>::infinity(), 20, 20) == 1.0);
  CHECK(std::isnan(ttest_power(std::nan(""), 20, 20)));
  CHECK(ttest_power(0.0, 20, 20) == Approx(0.05).epsilon(1e-12));  // size of the test
}
