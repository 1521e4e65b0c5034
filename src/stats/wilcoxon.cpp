// Wilcoxon rank tests as scipy 1.10 computes them (formulas and method choices: wilcoxon.hpp).
// Average ranks for ties, as scipy.stats.rankdata. Mann-Whitney: both samples sorted (sorting
// networks), then merged; signed-rank: one sort of keys (|d| bits, sign bit) and a linear pass.
// The exact null distributions are counted once per sample size by dynamic programming.
#include "pmt/stats/wilcoxon.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "pmt/core/error.hpp"

namespace pmt::stats {

namespace {

struct MergedRanks {
  double rank_sum_a;  // sum of the (average) ranks of a's values in the pooled sample
  double tie_term;    // sum over groups of tied values of t^3 - t
};

// a[0..na) and b[0..nb) sorted ascending; ranks 1..na+nb of the pooled sample.
MergedRanks merge_ranks(const double* a, std::size_t na, const double* b, std::size_t nb) {
  std::size_t i = 0, j = 0;
  double before = 0, rank_sum = 0, tie_term = 0;
  while (i < na || j < nb) {
    const double v = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
    std::size_t ca = 0, cb = 0;
    while (i < na && a[i] == v) ++i, ++ca;
    while (j < nb && b[j] == v) ++j, ++cb;
    const auto t = static_cast<double>(ca + cb);
    rank_sum += static_cast<double>(ca) * (before + (t + 1) / 2);
    tie_term += t * t * t - t;
    before += t;
  }
  return {rank_sum, tie_term};
}

constexpr double kSqrt1_2 = 0.70710678118654752440;  // cephes' NPY_SQRT1_2

// Sorting networks: Batcher's odd-even merge sort (Knuth 5.2.2, Algorithm M), generated at
// compile time for each n <= kNetworkMax and unrolled, so that the values stay in registers and
// every comparator is branch-free; larger samples use std::sort.
constexpr std::size_t kNetworkMax = 32;

// Walks the comparators (i, j), i < j, of the network for n elements; stores them as i << 8 | j
// when `out` is given; returns their count.
template <std::size_t N, std::size_t Cap>
constexpr std::size_t batcher(std::array<std::uint16_t, Cap>* out) {
  std::size_t c = 0;
  if (N < 2) return 0;
  std::size_t t = 1;
  while ((std::size_t{1} << t) < N) ++t;
  for (std::size_t p = std::size_t{1} << (t - 1); p > 0; p >>= 1) {
    std::size_t q = std::size_t{1} << (t - 1), r = 0, d = p;
    for (;;) {
      for (std::size_t i = 0; i + d < N; ++i) {
        if ((i & p) != r) continue;
        if (out) (*out)[c] = static_cast<std::uint16_t>(i << 8 | (i + d));
        ++c;
      }
      if (q == p) break;
      d = q - p;
      q >>= 1;
      r = p;
    }
  }
  return c;
}

template <std::size_t N>
struct Network {
  static constexpr std::size_t size = batcher<N, 1>(nullptr);
  static constexpr std::array<std::uint16_t, size + 1> make() {
    std::array<std::uint16_t, size + 1> out{};
    batcher<N>(&out);
    return out;
  }
  static constexpr std::array<std::uint16_t, size + 1> pairs = make();
};

inline void compare_exchange(double& x, double& y) {
  const double lo = std::min(x, y), hi = std::max(x, y);  // minsd / maxsd
  x = lo;
  y = hi;
}
inline void compare_exchange(std::uint64_t& x, std::uint64_t& y) {
  const std::uint64_t swap = (x ^ y) & (0 - static_cast<std::uint64_t>(y < x));  // no branch
  x ^= swap;
  y ^= swap;
}

template <typename T, std::size_t N, std::size_t... I>
inline void apply_network([[maybe_unused]] T* v, std::index_sequence<I...>) {
  (compare_exchange(v[Network<N>::pairs[I] >> 8], v[Network<N>::pairs[I] & 0xff]), ...);
}

template <typename T, std::size_t N>
void sort_fixed(T* a, std::size_t) {
  T v[N + 1];  // a local copy the compiler can keep in registers
  for (std::size_t i = 0; i < N; ++i) v[i] = a[i];
  apply_network<T, N>(v, std::make_index_sequence<Network<N>::size>{});
  for (std::size_t i = 0; i < N; ++i) a[i] = v[i];
}

template <typename T>
void sort_any(T* a, std::size_t n) {
  std::sort(a, a + n);
}

template <typename T, std::size_t... N>
constexpr std::array<void (*)(T*, std::size_t), sizeof...(N)> network_table(
    std::index_sequence<N...>) {
  return {&sort_fixed<T, N>...};
}

// The sorting function for n values.
template <typename T>
void (*sorter(std::size_t n))(T*, std::size_t) {
  static constexpr auto table = network_table<T>(std::make_index_sequence<kNetworkMax + 1>{});
  return n <= kNetworkMax ? table[n] : &sort_any<T>;
}

// scipy.special.binom(n, k) for integers, as it computes it when k (after symmetry) < 20: the
// product formula. The exact Mann-Whitney test only needs min(nx, ny) <= 8.
double binom_small(double n, double k) {
  double kx = k;
  if (kx > n / 2 && n > 0) kx = n - kx;
  double num = 1.0, den = 1.0;
  for (int i = 1; i <= static_cast<int>(kx); ++i) {
    num *= i + n - kx;
    den *= i;
    if (std::fabs(num) > 1e50) {
      num /= den;
      den = 1.0;
    }
  }
  return num / den;
}

}  // namespace

double ndtr(double a) {
  if (std::isnan(a)) return a;
  const double x = a * kSqrt1_2;
  const double z = std::fabs(x);
  if (z < kSqrt1_2) return 0.5 + 0.5 * std::erf(x);
  const double y = 0.5 * std::erfc(z);
  return x > 0 ? 1.0 - y : y;
}

MannWhitneyU::MannWhitneyU(std::size_t nx, std::size_t ny)
    : nx_(nx), ny_(ny), sx_(nx), sy_(ny), sort_x_(sorter<double>(nx)), sort_y_(sorter<double>(ny)) {
  PMT_THROW_IF(nx < 1 || ny < 1, kUsage, "the Mann-Whitney U test needs at least 1 value per side");
  if (nx > 8 && ny > 8) return;  // scipy never uses the exact distribution then
  // Counts f(i, j, k) of arrangements with U = k (Di Bucchianico 1999, Theorem 2.5):
  // f(i, j, k) = f(i - 1, j, k - j) + f(i, j - 1, k); rows i = 0..small, columns j = 0..big.
  const std::size_t small = std::min(nx, ny), big = std::max(nx, ny), top = nx * ny;
  std::vector<std::vector<double>> f(small + 1, std::vector<double>(top + 1, 0.0));
  for (auto& row : f) row[0] = 1.0;  // j = 0: only k = 0
  for (std::size_t j = 1; j <= big; ++j) {
    for (std::size_t i = 1; i <= small; ++i) {
      // f(i, j, .) = f(i, j-1, .) (already in f[i]) + f(i-1, j, . - j) (f[i-1], updated for j).
      for (std::size_t k = std::min(i * j, top); k >= j; --k) f[i][k] += f[i - 1][k - j];
    }
  }
  // scipy: sf(U) = cdf(nx ny - U) = cumsum(f / binom(nx + ny, nx)); p = min(1, 2 sf(U)).
  const double total = binom_small(static_cast<double>(nx + ny), static_cast<double>(nx));
  std::vector<double> cdf(top + 1);
  double acc = 0;
  for (std::size_t k = 0; k <= top; ++k) cdf[k] = acc += f[small][k] / total;
  exact_p_.resize(top + 1);
  for (std::size_t u = 0; u <= top; ++u) exact_p_[u] = std::clamp(2 * cdf[top - u], 0.0, 1.0);
}

RankTestResult MannWhitneyU::test(const double* x, const double* y) {
  std::copy(x, x + nx_, sx_.begin());
  std::copy(y, y + ny_, sy_.begin());
  sort_x_(sx_.data(), nx_);
  sort_y_(sy_.data(), ny_);
  const MergedRanks m = merge_ranks(sx_.data(), nx_, sy_.data(), ny_);
  const auto n1 = static_cast<double>(nx_), n2 = static_cast<double>(ny_);
  const double u1 = m.rank_sum_a - n1 * (n1 + 1) / 2;
  const double u = std::max(u1, n1 * n2 - u1);
  if (!exact_p_.empty() && m.tie_term == 0)
    return {u1, exact_p_[static_cast<std::size_t>(u)], true};
  // Asymptotic, tie- and continuity-corrected (scipy's _get_mwu_z, same operation order).
  const double n = n1 + n2;
  const double s = std::sqrt(n1 * n2 / 12 * ((n + 1) - m.tie_term / (n * (n - 1))));
  const double z = (u - n1 * n2 / 2 - 0.5) / s;  // s = 0 (all tied): -0.5 / 0 = -inf, p = 1
  return {u1, std::clamp(2 * ndtr(-z), 0.0, 1.0), false};
}

SignedRank::SignedRank(std::size_t n) : n_(n), keys_(n), sort_keys_(sorter<std::uint64_t>(n)) {
  PMT_THROW_IF(n < 1, kUsage, "the signed-rank test needs at least 1 pair");
  if (n > 50) return;  // scipy 1.10's 'auto' uses the normal approximation
  // Counts of subsets of {1..n} with rank sum r: coefficients of prod_i (1 + q^i), exact in a
  // double (< 2^50), as scipy's probabilities (halved at each step) are exact dyadic numbers.
  const std::size_t top = n * (n + 1) / 2;
  std::vector<double> c(top + 1, 0.0);
  c[0] = 1;
  for (std::size_t i = 1; i <= n; ++i)
    for (std::size_t r = i * (i + 1) / 2; r >= i; --r) c[r] += c[r - i];
  std::vector<double> cum(top + 1);
  double acc = 0;
  for (std::size_t r = 0; r <= top; ++r) cum[r] = acc += c[r];
  const double all = acc;
  exact_p_.resize(top + 1);
  for (std::size_t r = 0; r <= top; ++r) {
    if (r == top / 2) {  // the centre of the distribution (scipy: (len(pmf) - 1) // 2)
      exact_p_[r] = 1.0;
      continue;
    }
    const double less = std::ldexp(cum[r], -static_cast<int>(n));
    const double greater = std::ldexp(all - (r ? cum[r - 1] : 0.0), -static_cast<int>(n));
    exact_p_[r] = std::clamp(2 * std::min(greater, less), 0.0, 1.0);
  }
}

RankTestResult SignedRank::test(const double* x, const double* y) {
  // Keys ordered as |d| (the bits of a non-negative double order like the double), the sign in
  // the lowest bit: one sort ranks both signs, zeros (|d| = 0) come first.
  for (std::size_t i = 0; i < n_; ++i) {
    const double d = x[i] - y[i];
    const double ad = std::fabs(d) + 0.0;  // + 0.0: -0.0 -> +0.0
    std::uint64_t bits;
    std::memcpy(&bits, &ad, sizeof bits);
    keys_[i] = bits << 1 | (d > 0 ? 1u : 0u);
  }
  sort_keys_(keys_.data(), n_);
  std::size_t i = 0;
  while (i < n_ && keys_[i] >> 1 == 0) ++i;  // zeros dropped ('wilcox')
  const std::size_t zeros = i, count = n_ - zeros;
  if (count == 0) return {0.0, 1.0, false};  // scipy raises; nothing to detect
  // Average ranks among the non-zero |d| (ties: same |d| whatever the sign).
  double before = 0, r_plus = 0, tie_term = 0;
  while (i < n_) {
    const std::uint64_t v = keys_[i] >> 1;
    std::size_t t = 0, plus = 0;
    for (; i < n_ && keys_[i] >> 1 == v; ++i, ++t) plus += keys_[i] & 1u;
    const auto tt = static_cast<double>(t);
    r_plus += static_cast<double>(plus) * (before + (tt + 1) / 2);
    tie_term += tt * tt * tt - tt;
    before += tt;
  }
  const auto c = static_cast<double>(count);
  const double r_minus = c * (c + 1) / 2 - r_plus;
  const double t = std::min(r_plus, r_minus);
  if (!exact_p_.empty() && count == n_) {
    // Exact even with ties: scipy truncates the (half-integer) rank sum.
    return {t, exact_p_[static_cast<std::size_t>(r_plus)], true};
  }
  const double mn = c * (c + 1.) * 0.25;
  const double se = std::sqrt((c * (c + 1.) * (2. * c + 1.) - 0.5 * tie_term) / 24);
  const double z = (t - mn) / se;
  return {t, 2. * ndtr(-std::fabs(z)), false};
}

RankTestResult mann_whitney_u(const double* x, std::size_t nx, const double* y, std::size_t ny) {
  return MannWhitneyU(nx, ny).test(x, y);
}

RankTestResult wilcoxon_signed_rank(const double* x, const double* y, std::size_t n) {
  return SignedRank(n).test(x, y);
}

}  // namespace pmt::stats
