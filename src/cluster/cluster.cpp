// PCA, k-means and the silhouette score as scikit-learn 1.2 computes them (see cluster.hpp).
#include "pmt/cluster/cluster.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <Eigen/SVD>

#include "pmt/error.hpp"

namespace pmt::cluster {

Matrix Pca::transform(const Matrix& x) const {
  return (x.rowwise() - mean) * components.transpose();
}

Pca fit_pca(const Matrix& x, int n_components) {
  const auto n = x.rows(), d = x.cols();
  PMT_THROW_IF(n_components < 1 || n_components > std::min(n, d), kUsage,
               "PCA: {} components asked of {} samples x {} features (1 to {})", n_components, n, d,
               std::min(n, d));
  PMT_THROW_IF(n < 2, kUsage, "PCA needs at least 2 samples");
  Pca p;
  p.mean = x.colwise().mean();
  const Matrix centred = x.rowwise() - p.mean;
  Eigen::BDCSVD<Matrix> svd(centred, Eigen::ComputeThinU | Eigen::ComputeThinV);
  Matrix u = svd.matrixU();
  Matrix vt = svd.matrixV().transpose();
  const Eigen::VectorXd s = svd.singularValues();
  // svd_flip (u-based): the largest |u| of each column positive (the first on ties, as argmax).
  for (Eigen::Index k = 0; k < u.cols(); ++k) {
    Eigen::Index at = 0;
    u.col(k).cwiseAbs().maxCoeff(&at);
    if (u(at, k) < 0) {
      u.col(k) *= -1;
      vt.row(k) *= -1;
    }
  }
  p.components = vt.topRows(n_components);
  const Eigen::VectorXd variance = s.array().square() / static_cast<double>(n - 1);
  p.explained_variance = variance.head(n_components);
  p.explained_variance_ratio = p.explained_variance / variance.sum();
  return p;
}

namespace {

// Nearest centre of every sample by ||c||^2 - 2 x.c (sklearn's dense Lloyd step; the first
// centre on ties); returns the labels.
Labels assign(const Matrix& x, const Matrix& centers) {
  const Eigen::RowVectorXd norms = centers.rowwise().squaredNorm().transpose();
  const Matrix dist = (-2.0 * (x * centers.transpose())).rowwise() + norms;
  Labels labels(static_cast<std::size_t>(x.rows()));
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    Eigen::Index best = 0;
    for (Eigen::Index j = 1; j < dist.cols(); ++j)
      if (dist(i, j) < dist(i, best)) best = j;
    labels[static_cast<std::size_t>(i)] = static_cast<int>(best);
  }
  return labels;
}

}  // namespace

KMeansResult kmeans(const Matrix& x_in, const Matrix& init, int max_iter, double tol) {
  const auto n = x_in.rows(), k = init.rows();
  PMT_THROW_IF(k < 1 || init.cols() != x_in.cols(), kUsage,
               "k-means: {} initial centres of {} features for data of {} features", k, init.cols(),
               x_in.cols());
  PMT_THROW_IF(n < k, kUsage, "k-means: {} samples for {} clusters", n, k);
  PMT_THROW_IF(max_iter < 1, kUsage, "k-means: max_iter must be at least 1");
  const Eigen::RowVectorXd mean = x_in.colwise().mean();
  const Matrix x = x_in.rowwise() - mean;
  // _tolerance: tol x the mean of the features' variances
  const double tolerance =
      tol * (x.array().square().colwise().sum() / static_cast<double>(n)).mean();
  Matrix centers = init.rowwise() - mean;
  Labels labels, old;
  bool strict = false;
  int it = 0;
  for (; it < max_iter; ++it) {
    labels = assign(x, centers);
    Matrix next = Matrix::Zero(k, x.cols());
    std::vector<double> weight(static_cast<std::size_t>(k), 0.0);
    for (Eigen::Index i = 0; i < n; ++i) {
      const int c = labels[static_cast<std::size_t>(i)];
      next.row(c) += x.row(i);
      weight[static_cast<std::size_t>(c)] += 1;
    }
    // Empty clusters take the samples farthest from their centres (sklearn's relocation).
    std::vector<Eigen::Index> empty;
    for (Eigen::Index c = 0; c < k; ++c)
      if (weight[static_cast<std::size_t>(c)] == 0) empty.push_back(c);
    if (!empty.empty()) {
      std::vector<double> far(static_cast<std::size_t>(n));
      for (Eigen::Index i = 0; i < n; ++i)
        far[static_cast<std::size_t>(i)] =
            (x.row(i) - centers.row(labels[static_cast<std::size_t>(i)])).squaredNorm();
      std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
        return far[static_cast<std::size_t>(a)] > far[static_cast<std::size_t>(b)];
      });
      for (std::size_t e = 0; e < empty.size(); ++e) {
        const Eigen::Index i = order[e];
        const int from = labels[static_cast<std::size_t>(i)];
        next.row(from) -= x.row(i);
        next.row(empty[e]) = x.row(i);
        weight[static_cast<std::size_t>(empty[e])] = 1;
        weight[static_cast<std::size_t>(from)] -= 1;
      }
    }
    for (Eigen::Index c = 0; c < k; ++c)
      if (weight[static_cast<std::size_t>(c)] > 0)
        next.row(c) /= weight[static_cast<std::size_t>(c)];
    const double shift = (next - centers).rowwise().squaredNorm().sum();
    centers = std::move(next);
    if (labels == old) {
      strict = true;
      ++it;
      break;
    }
    if (shift <= tolerance) {
      ++it;
      break;
    }
    old = labels;
  }
  if (!strict) labels = assign(x, centers);
  KMeansResult r;
  r.iterations = it;
  for (Eigen::Index i = 0; i < n; ++i)
    r.inertia += (x.row(i) - centers.row(labels[static_cast<std::size_t>(i)])).squaredNorm();
  r.labels = std::move(labels);
  r.centers = centers.rowwise() + mean;
  return r;
}

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

}  // namespace pmt::cluster
