// The silhouette score and the adjusted Rand index as scikit-learn 1.2 computes them.
#include "pmt/cluster/cluster.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include "pmt/core/error.hpp"

namespace pmt::cluster {

double silhouette_score(const Matrix& x, const Labels& labels) {
  const auto n = x.rows();
  PMT_THROW_IF(static_cast<Eigen::Index>(labels.size()) != n, kUsage,
               "silhouette: {} labels for {} samples", labels.size(), n);
  int k = 0;
  for (int l : labels) {
    PMT_THROW_IF(l < 0, kUsage, "silhouette: negative label {}", l);
    k = std::max(k, l + 1);
  }
  std::vector<double> size(static_cast<std::size_t>(k), 0.0);
  for (int l : labels) size[static_cast<std::size_t>(l)] += 1;
  const auto used = std::count_if(size.begin(), size.end(), [](double s) { return s > 0; });
  PMT_THROW_IF(used < 2 || used > n - 1, kUsage,
               "silhouette: {} clusters of {} samples (2 to n - 1 needed)", used, n);
  double total = 0;
  std::vector<double> sums(static_cast<std::size_t>(k));
  for (Eigen::Index i = 0; i < n; ++i) {
    std::fill(sums.begin(), sums.end(), 0.0);
    for (Eigen::Index j = 0; j < n; ++j)
      if (j != i)
        sums[static_cast<std::size_t>(labels[static_cast<std::size_t>(j)])] +=
            (x.row(i) - x.row(j)).norm();
    const auto own = static_cast<std::size_t>(labels[static_cast<std::size_t>(i)]);
    if (size[own] <= 1) continue;  // alone in its cluster: 0
    const double a = sums[own] / (size[own] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < sums.size(); ++c)
      if (c != own && size[c] > 0) b = std::min(b, sums[c] / size[c]);
    const double m = std::max(a, b);
    if (m > 0) total += (b - a) / m;  // all-identical points: sklearn's nan_to_num gives 0
  }
  return total / static_cast<double>(n);
}

double adjusted_rand_score(const Labels& truth, const Labels& predicted) {
  PMT_THROW_IF(truth.size() != predicted.size(), kUsage, "adjusted Rand index: {} and {} labels",
               truth.size(), predicted.size());
  // sklearn 1.2: the pair confusion matrix (tn, fp; fn, tp) and its formula.
  std::map<std::pair<int, int>, double> table;
  std::map<int, double> a, b;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    table[{truth[i], predicted[i]}] += 1;
    a[truth[i]] += 1;
    b[predicted[i]] += 1;
  }
  const auto n = static_cast<double>(truth.size());
  double squares = 0, by_pred = 0, by_true = 0;
  for (const auto& [key, c] : table) {
    squares += c * c;
    by_pred += c * b[key.second];
    by_true += c * a[key.first];
  }
  const double tp = squares - n, fp = by_pred - squares, fn = by_true - squares;
  const double tn = n * n - fp - fn - squares;
  if (fn == 0 && fp == 0) return 1.0;
  return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

}  // namespace pmt::cluster
