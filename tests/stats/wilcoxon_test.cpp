// Wilcoxon rank tests against scipy 1.10: the cases of tests/stats/wilcoxon_cases.inc were
// computed once by scripts/wilcoxon_fixtures.py (mannwhitneyu / wilcoxon with their defaults).
// Tolerance: 1e-12 relative on p (scipy's own arithmetic is reproduced operation by operation;
// only erf/erfc may differ in the last bits), statistics exactly (half-integers).
#include "pmt/stats/wilcoxon.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "pmt/core/rng.hpp"
#include "pmt/stats/mutation_test.hpp"

namespace {

struct RankCase {
  const char* name;
  bool paired;
  std::vector<double> x, y;
  double statistic;
  double p;
  int exact;  // 1 exact, 0 asymptotic, -1 both give the same p
};

const RankCase kCases[] = {
#include "wilcoxon_cases.inc"
};

pmt::stats::RankTestResult run(const RankCase& c) {
  if (c.paired) return pmt::stats::wilcoxon_signed_rank(c.x.data(), c.y.data(), c.x.size());
  return pmt::stats::mann_whitney_u(c.x.data(), c.x.size(), c.y.data(), c.y.size());
}

}  // namespace

TEST_CASE("rank tests match scipy 1.10 to 1e-12 on every fixture case", "[wilcoxon]") {
  int n_mwu = 0, n_wlx = 0, n_exact = 0, n_asym = 0;
  double worst_abs = 0, worst_rel = 0;
  for (const auto& c : kCases) {
    const auto r = run(c);
    INFO(c.name << ": p " << r.p_value << " vs scipy " << c.p);
    CHECK(r.statistic == c.statistic);
    const double err = std::fabs(r.p_value - c.p);
    CHECK(err <= 1e-12 * c.p);
    if (c.exact >= 0) CHECK(r.exact == (c.exact == 1));
    worst_abs = std::max(worst_abs, err);
    worst_rel = std::max(worst_rel, err / c.p);
    (c.paired ? n_wlx : n_mwu)++;
    (r.exact ? n_exact : n_asym)++;
  }
  // Coverage of the fixture file itself (a truncated regeneration would fail here).
  CHECK(n_mwu >= 120);
  CHECK(n_wlx >= 110);
  CHECK(n_exact >= 100);
  CHECK(n_asym >= 80);
  WARN("rank-test fixtures: " << n_mwu << " Mann-Whitney + " << n_wlx << " signed-rank (" << n_exact
                              << " exact, " << n_asym << " asymptotic); worst |dp| " << worst_abs
                              << ", worst relative " << worst_rel);
}

TEST_CASE("a test object reused across samples gives the one-off results", "[wilcoxon]") {
  // The bootstrap reuses one object per sample size: its scratch must not leak between calls.
  int reused = 0;
  for (const auto& c : kCases) {
    if (c.paired) {
      pmt::stats::SignedRank sr(c.x.size());
      const auto first = sr.test(c.y.data(), c.x.data());  // a different sample first
      (void)first;
      CHECK(sr.test(c.x.data(), c.y.data()).p_value == run(c).p_value);
    } else {
      if (c.x.size() != c.y.size()) continue;
      pmt::stats::MannWhitneyU mw(c.x.size(), c.y.size());
      (void)mw.test(c.y.data(), c.x.data());
      CHECK(mw.test(c.x.data(), c.y.data()).p_value == run(c).p_value);
    }
    ++reused;
  }
  CHECK(reused > 200);
}

TEST_CASE("signed-rank with every difference zero is p = 1 (scipy raises)", "[wilcoxon]") {
  const std::vector<double> a{0.99, 0.98, 0.97}, b = a;
  const auto r = pmt::stats::wilcoxon_signed_rank(a.data(), b.data(), a.size());
  CHECK(r.p_value == 1.0);
  CHECK_FALSE(r.exact);
  std::vector<double> c(60, 0.9);
  CHECK(pmt::stats::wilcoxon_signed_rank(c.data(), c.data(), 60).p_value == 1.0);
}

TEST_CASE("the exact null distributions are probability distributions", "[wilcoxon]") {
  // Exact Mann-Whitney with nx = 3, ny = 4: U = 12 (complete separation) has P = 1/35 per side.
  const std::vector<double> x{10, 11, 12}, y{1, 2, 3, 4};
  const auto r = pmt::stats::mann_whitney_u(x.data(), 3, y.data(), 4);
  CHECK(r.exact);
  CHECK(r.statistic == 12);
  CHECK(r.p_value == Approx(2.0 / 35).epsilon(1e-15));
  // Signed-rank n = 10, all differences positive: P(R+ = 55) = 2^-10 per side.
  std::vector<double> a(10), b(10, 0.0);
  for (int i = 0; i < 10; ++i) a[i] = i + 1;
  const auto s = pmt::stats::wilcoxon_signed_rank(a.data(), b.data(), 10);
  CHECK(s.exact);
  CHECK(s.p_value == std::ldexp(1.0, -9));
}

TEST_CASE("ndtr is scipy's on both branches", "[wilcoxon]") {
  CHECK(pmt::stats::ndtr(0.0) == 0.5);
  CHECK(pmt::stats::ndtr(-1.959963984540054) == Approx(0.025).epsilon(1e-13));
  CHECK(pmt::stats::ndtr(0.5) == Approx(0.6914624612740131).epsilon(1e-15));
  CHECK(pmt::stats::ndtr(-INFINITY) == 0.0);
  CHECK(pmt::stats::ndtr(INFINITY) == 1.0);
}
