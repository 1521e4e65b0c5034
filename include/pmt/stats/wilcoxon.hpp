// Wilcoxon rank tests, DeepCrime's alternative killing test (its `WLX` option), two-sided, with
// exactly the defaults and the method choices of scipy 1.10 (Debian bookworm's python3-scipy),
// so that p-values agree with scipy's to 1e-12 (tests/stats/wilcoxon_test.cpp, fixtures from
// scripts/wilcoxon_fixtures.py).
//
// Mann-Whitney U (independent samples): scipy.stats.mannwhitneyu(x, y, use_continuity=True,
// alternative='two-sided', method='auto'). Average ranks of the pooled sample, U1 = R1 -
// nx(nx+1)/2, U = max(U1, nx ny - U1).
//   exact when NOT (nx > 8 and ny > 8) and no value is tied (scipy's _mwu_choose_method; its
//   docstring says "less than 8", the code says "<= 8"): p = 2 P(U' >= U) from the counts of the
//   null distribution (Di Bucchianico 1999, Theorem 2.5: f(m,n,k) = f(m-1,n,k-n) + f(m,n-1,k)),
//   clipped to 1;
//   otherwise asymptotic with the tie correction and the continuity correction:
//   z = (U - nx ny / 2 - 0.5) / sqrt(nx ny / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1)))),
//   p = 2 Phi(-z) clipped to 1 (all values tied: s = 0, z = -inf, p = 1).
// Signed-rank (paired samples, d = x - y): scipy.stats.wilcoxon(x, y, zero_method='wilcox',
// correction=False, alternative='two-sided', method='auto').
//   exact when len(d) <= 50 (scipy 1.10; older releases used 25) and no difference is zero. Ties
//   among |d| do NOT switch to the normal approximation: scipy ranks them by their average rank
//   and truncates r_plus to an integer, int(r_plus), before reading the exact distribution of
//   the rank sum (counts of subsets of {1..n} with sum r, i.e. prod (1 + q^i)); that quirk is
//   reproduced. p = 1 at the centre floor(n(n+1)/4), else 2 min(P(R <= r), P(R >= r)) clipped to 1;
//   otherwise (a zero, or more than 50 pairs) zeros are dropped (count = non-zero differences),
//   T = min(r_plus, r_minus), z = (T - c(c+1)/4) / sqrt((c(c+1)(2c+1) - sum t(t^2-1)/2) / 24),
//   p = 2 Phi(-|z|).
//   Every difference zero: scipy raises ValueError; here p = 1 (nothing to detect).
// Phi is computed as scipy's special.ndtr (cephes): 0.5 + 0.5 erf(x / sqrt 2) for |x| < 1, else
// from erfc.
// Speed (one test = a few hundred ns): samples of up to 32 values are sorted by branch-free
// sorting networks generated at compile time (Batcher's odd-even merge sort, Knuth 5.2.2 M).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pmt::stats {

struct RankTestResult {
  double statistic;  // U1 (Mann-Whitney: of x) or T / r_plus as scipy reports it
  double p_value;    // two-sided
  bool exact;        // exact null distribution (else the normal approximation)
};

// Mann-Whitney U for fixed sample sizes (nx, ny >= 1). The exact distribution's p-values, when
// scipy could use them (min(nx, ny) <= 8), are tabulated once at construction; test() does not
// allocate. Not thread-safe (scratch buffers): one instance per thread.
class MannWhitneyU {
 public:
  MannWhitneyU(std::size_t nx, std::size_t ny);
  RankTestResult test(const double* x, const double* y);
  std::size_t nx() const { return nx_; }
  std::size_t ny() const { return ny_; }

 private:
  std::size_t nx_, ny_;
  std::vector<double> exact_p_;  // p for U = 0..nx*ny (empty when the exact test never applies)
  std::vector<double> sx_, sy_;  // scratch: sorted copies
  void (*sort_x_)(double*, std::size_t);  // sorting networks for nx and ny values
  void (*sort_y_)(double*, std::size_t);
};

// Wilcoxon signed-rank for a fixed number of pairs n >= 1; the exact p-values (n <= 50) are
// tabulated once per n. test() does not allocate. One instance per thread.
class SignedRank {
 public:
  explicit SignedRank(std::size_t n);
  RankTestResult test(const double* x, const double* y);
  std::size_t n() const { return n_; }

 private:
  std::size_t n_;
  std::vector<double> exact_p_;      // p for integer r_plus = 0..n(n+1)/2 (empty when n > 50)
  std::vector<std::uint64_t> keys_;  // scratch: |d| bits << 1 | (d > 0), sorted
  void (*sort_keys_)(std::uint64_t*, std::size_t);  // sorting network for n keys
};

// One-off conveniences (build the tables for these sizes, then test).
RankTestResult mann_whitney_u(const double* x, std::size_t nx, const double* y, std::size_t ny);
RankTestResult wilcoxon_signed_rank(const double* x, const double* y, std::size_t n);

// scipy.special.ndtr: the standard normal CDF, as cephes computes it.
double ndtr(double x);

}  // namespace pmt::stats
