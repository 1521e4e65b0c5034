// k-means (Lloyd, k-means++ starts) as scikit-learn 1.2 computes it (cluster.hpp).
#include "pmt/cluster/cluster.hpp"

#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <utility>

#include "pmt/core/error.hpp"
#include "pmt/core/rng.hpp"

namespace pmt::cluster {

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

KMeansResult kmeans_plus_plus(const Matrix& x, int k, int n_init, std::uint64_t seed) {
  const auto n = x.rows();
  PMT_THROW_IF(k < 1 || n < k, kUsage, "k-means: {} samples for {} clusters", n, k);
  PMT_THROW_IF(n_init < 1, kUsage, "k-means: n_init must be at least 1");
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
  std::optional<KMeansResult> best;
  for (int run = 0; run < n_init; ++run) {
    pmt::Rng rng =
        pmt::make_stream(seed, {pmt::key_of("kmeans++"), static_cast<std::uint64_t>(run)});
    const auto uniform = [&] { return (rng() >> 8) * (1.0 / 16777216.0); };
    Matrix centers(k, x.cols());
    centers.row(0) = x.row(pmt::bounded(rng, static_cast<std::uint32_t>(n)));
    // squared distance of every sample to its nearest centre so far
    Eigen::VectorXd closest = (x.rowwise() - centers.row(0)).rowwise().squaredNorm();
    for (int c = 1; c < k; ++c) {
      const double potential = closest.sum();
      Eigen::Index chosen = 0;
      Eigen::VectorXd chosen_closest;
      double chosen_potential = std::numeric_limits<double>::infinity();
      for (int t = 0; t < trials; ++t) {
        // a candidate drawn in proportion to `closest` (the last sample if rounding overshoots)
        double r = uniform() * potential, acc = 0;
        Eigen::Index cand = n - 1;
        for (Eigen::Index i = 0; i < n; ++i) {
          acc += closest(i);
          if (acc > r) {
            cand = i;
            break;
          }
        }
        const Eigen::VectorXd d = (x.rowwise() - x.row(cand)).rowwise().squaredNorm();
        const Eigen::VectorXd merged = closest.cwiseMin(d);
        const double pot = merged.sum();
        if (pot < chosen_potential) {
          chosen_potential = pot;
          chosen = cand;
          chosen_closest = merged;
        }
      }
      centers.row(c) = x.row(chosen);
      closest = chosen_closest;
    }
    KMeansResult r = kmeans(x, centers);
    if (!best || r.inertia < best->inertia) best = std::move(r);
  }
  return *best;
}

}  // namespace pmt::cluster
