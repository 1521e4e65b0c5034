// UMAP as umap-learn 0.5.3 computes it (see umap.hpp): umap_.py's fuzzy_simplicial_set,
// smooth_knn_dist, compute_membership_strengths, simplicial_set_embedding, make_epochs_per_sample;
// spectral.py's spectral_layout and multi_component_layout; layouts.py's
// optimize_layout_euclidean (single-threaded, move_other=True).
#include "pmt/cluster/umap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include <fmt/format.h>
#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <Eigen/SparseCore>

#include "pmt/core/error.hpp"
#include "pmt/core/rng.hpp"

namespace pmt::cluster {

bool UmapOptions::IsValid(std::string* error) const {
  const auto fail = [&](std::string m) {
    if (error) *error = std::move(m);
    return false;
  };
  if (n_components < 1) return fail(fmt::format("UMAP: n_components {} < 1", n_components));
  if (n_neighbors < 2) return fail(fmt::format("UMAP: n_neighbors {} < 2", n_neighbors));
  if (!(min_dist >= 0) || !(spread > 0) || min_dist > spread)
    return fail(fmt::format("UMAP: min_dist {} must be in [0, spread {}]", min_dist, spread));
  if (n_epochs < 0) return fail(fmt::format("UMAP: n_epochs {} < 0", n_epochs));
  if (!(learning_rate > 0) || negative_sample_rate < 0 || !(repulsion_strength >= 0))
    return fail("UMAP: learning_rate > 0, negative_sample_rate >= 0, repulsion_strength >= 0");
  return true;
}

std::pair<double, double> umap_ab(double spread, double min_dist) {
  constexpr int kPoints = 300;
  Eigen::ArrayXd x = Eigen::ArrayXd::LinSpaced(kPoints, 0, 3 * spread), y(kPoints);
  for (int i = 0; i < kPoints; ++i)
    y(i) = x(i) < min_dist ? 1.0 : std::exp(-(x(i) - min_dist) / spread);
  // Levenberg-Marquardt from curve_fit's start (1, 1); x = 0 contributes nothing to the Jacobian.
  const auto residuals = [&](double a, double b) {
    const Eigen::ArrayXd p = (2 * b * x.max(1e-300).log()).exp();
    return Eigen::ArrayXd((1.0 / (1.0 + a * p)) - y);
  };
  double a = 1, b = 1, lambda = 1e-3;
  double cost = residuals(a, b).square().sum();
  for (int it = 0; it < 1000; ++it) {
    const Eigen::ArrayXd logx = x.max(1e-300).log();
    const Eigen::ArrayXd p = (2 * b * logx).exp();
    const Eigen::ArrayXd f = 1.0 / (1.0 + a * p), r = f - y;
    Eigen::MatrixXd j(kPoints, 2);
    j.col(0) = (-f.square() * p).matrix();
    j.col(1) = (-f.square() * a * p * 2 * logx).matrix();
    for (int i = 0; i < kPoints; ++i)
      if (x(i) == 0) j.row(i).setZero();
    const Eigen::Matrix2d jtj = j.transpose() * j;
    const Eigen::Vector2d g = j.transpose() * r.matrix();
    bool improved = false;
    for (int tries = 0; tries < 50 && !improved; ++tries) {
      Eigen::Matrix2d h = jtj;
      h.diagonal() *= 1 + lambda;
      const Eigen::Vector2d step = -h.inverse() * g;
      const double c = residuals(a + step(0), b + step(1)).square().sum();
      if (c < cost) {
        const double change = cost - c;
        a += step(0);
        b += step(1);
        cost = c;
        lambda = std::max(lambda / 10, 1e-12);
        improved = true;
        if (change <= 1e-15 * std::max(cost, 1e-300) && step.norm() < 1e-12) return {a, b};
      } else {
        lambda *= 10;
      }
    }
    if (!improved) break;
  }
  return {a, b};
}

namespace {

struct Knn {
  Eigen::Index k = 0;
  std::vector<Eigen::Index> index;  // n x k, row-major, the sample itself first
  std::vector<double> dist;
};

// Exact k nearest neighbours (Euclidean), in blocks of rows (memory O(block x n)).
Knn nearest_neighbours(const Matrix& x, Eigen::Index k) {
  const Eigen::Index n = x.rows();
  Knn r;
  r.k = k;
  r.index.resize(static_cast<std::size_t>(n * k));
  r.dist.resize(static_cast<std::size_t>(n * k));
  const Eigen::VectorXd sq = x.rowwise().squaredNorm();
  constexpr Eigen::Index kBlock = 256;
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  for (Eigen::Index start = 0; start < n; start += kBlock) {
    const Eigen::Index rows = std::min(kBlock, n - start);
    Matrix d2 = -2.0 * (x.middleRows(start, rows) * x.transpose());
    d2.colwise() += sq.segment(start, rows);
    d2.rowwise() += sq.transpose();
    for (Eigen::Index i = 0; i < rows; ++i) {
      const Eigen::Index gi = start + i;
      d2(i, gi) = 0;  // exactly: the sample is its own first neighbour
      std::iota(order.begin(), order.end(), 0);
      const auto less = [&](Eigen::Index a, Eigen::Index b) {
        const double da = std::max(d2(i, a), 0.0), db = std::max(d2(i, b), 0.0);
        return da < db || (da == db && (a == gi ? b != gi : (b != gi && a < b)));
      };
      std::partial_sort(order.begin(), order.begin() + k, order.end(), less);
      for (Eigen::Index j = 0; j < k; ++j) {
        const Eigen::Index other = order[static_cast<std::size_t>(j)];
        r.index[static_cast<std::size_t>(gi * k + j)] = other;
        // the exact distance of the chosen neighbour (the expansion above loses digits)
        r.dist[static_cast<std::size_t>(gi * k + j)] =
            other == gi ? 0.0 : (x.row(gi) - x.row(other)).norm();
      }
    }
  }
  return r;
}

// smooth_knn_dist with local_connectivity 1, bandwidth 1: (sigma, rho) per sample.
void smooth_knn_dist(const Knn& knn, std::vector<double>& sigma, std::vector<double>& rho) {
  const auto n = knn.index.size() / static_cast<std::size_t>(knn.k);
  const auto k = static_cast<std::size_t>(knn.k);
  const double target = std::log2(static_cast<double>(k));
  const double mean_all =
      std::accumulate(knn.dist.begin(), knn.dist.end(), 0.0) / static_cast<double>(knn.dist.size());
  sigma.assign(n, 0);
  rho.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const double* d = &knn.dist[i * k];
    for (std::size_t j = 0; j < k; ++j)
      if (d[j] > 0) {
        rho[i] = d[j];  // the first non-zero distance (they are sorted)
        break;
      }
    double lo = 0, hi = std::numeric_limits<double>::infinity(), mid = 1;
    for (int it = 0; it < 64; ++it) {
      double psum = 0;
      for (std::size_t j = 1; j < k; ++j) {
        const double v = d[j] - rho[i];
        psum += v > 0 ? std::exp(-(v / mid)) : 1.0;
      }
      if (std::fabs(psum - target) < 1e-5) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = std::isinf(hi) ? mid * 2 : (lo + hi) / 2;
      }
    }
    const double mean_i = std::accumulate(d, d + k, 0.0) / static_cast<double>(k);
    sigma[i] = std::max(mid, 1e-3 * (rho[i] > 0 ? mean_i : mean_all));
  }
}

using Sparse = Eigen::SparseMatrix<double, Eigen::RowMajor>;

// The symmetric fuzzy simplicial set (set_op_mix_ratio 1: fuzzy union).
Sparse fuzzy_simplicial_set(const Knn& knn) {
  std::vector<double> sigma, rho;
  smooth_knn_dist(knn, sigma, rho);
  const auto k = static_cast<std::size_t>(knn.k);
  const auto n = static_cast<Eigen::Index>(knn.index.size() / k);
  std::vector<Eigen::Triplet<double>> t;
  for (Eigen::Index i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      const auto at = static_cast<std::size_t>(i) * k + j;
      const Eigen::Index other = knn.index[at];
      if (other == i) continue;
      const double v = knn.dist[at] - rho[static_cast<std::size_t>(i)];
      const double s = sigma[static_cast<std::size_t>(i)];
      const double w = v <= 0 || s == 0 ? 1.0 : std::exp(-(v / s));
      if (w != 0) t.emplace_back(i, other, w);
    }
  Sparse p(n, n);
  p.setFromTriplets(t.begin(), t.end());
  const Sparse pt = p.transpose();
  Sparse g = p + pt - Sparse(p.cwiseProduct(pt));
  g.prune(0.0);
  return g;
}

// Eigenvectors 2..dim+1 (by ascending eigenvalue) of I - D^-1/2 W D^-1/2, W dense symmetric.
Matrix laplacian_eigenmap(const Eigen::MatrixXd& w, int dim) {
  const Eigen::VectorXd deg = w.colwise().sum().transpose();
  const Eigen::VectorXd inv =
      deg.unaryExpr([](double v) { return v > 0 ? 1 / std::sqrt(v) : 0.0; });
  Eigen::MatrixXd l = -(inv.asDiagonal() * w * inv.asDiagonal());
  l.diagonal().array() += 1.0;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(l);
  PMT_THROW_IF(es.info() != Eigen::Success, kData, "UMAP: the spectral initialisation failed");
  return es.eigenvectors().middleCols(1, dim);
}

// spectral_layout (one component) or multi_component_layout (several), before the expansion.
Matrix spectral_layout(const Matrix& x, const Sparse& g, int dim, pmt::Rng& rng) {
  const Eigen::Index n = g.rows();
  // connected components (union-find over the edges)
  std::vector<Eigen::Index> parent(static_cast<std::size_t>(n));
  std::iota(parent.begin(), parent.end(), 0);
  const auto find = [&](Eigen::Index v) {
    while (parent[static_cast<std::size_t>(v)] != v)
      v = parent[static_cast<std::size_t>(v)] =
          parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(v)])];
    return v;
  };
  for (Eigen::Index i = 0; i < n; ++i)
    for (Sparse::InnerIterator it(g, i); it; ++it) {
      const Eigen::Index a = find(i), b = find(it.col());
      if (a != b) parent[static_cast<std::size_t>(std::max(a, b))] = std::min(a, b);
    }
  std::vector<int> label(static_cast<std::size_t>(n));
  std::vector<Eigen::Index> root_label(static_cast<std::size_t>(n), -1);
  int comps = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index r = find(i);
    if (root_label[static_cast<std::size_t>(r)] < 0)
      root_label[static_cast<std::size_t>(r)] = comps++;
    label[static_cast<std::size_t>(i)] = static_cast<int>(root_label[static_cast<std::size_t>(r)]);
  }
  const auto dense_of = [&](const std::vector<Eigen::Index>& members) {
    std::vector<Eigen::Index> pos(static_cast<std::size_t>(n), -1);
    for (std::size_t m = 0; m < members.size(); ++m)
      pos[static_cast<std::size_t>(members[m])] = static_cast<Eigen::Index>(m);
    const auto m = static_cast<Eigen::Index>(members.size());
    Eigen::MatrixXd w = Eigen::MatrixXd::Zero(m, m);
    for (Eigen::Index a = 0; a < m; ++a)
      for (Sparse::InnerIterator it(g, members[static_cast<std::size_t>(a)]); it; ++it)
        if (pos[static_cast<std::size_t>(it.col())] >= 0)
          w(a, pos[static_cast<std::size_t>(it.col())]) = it.value();
    return w;
  };
  if (comps == 1) {
    std::vector<Eigen::Index> all(static_cast<std::size_t>(n));
    std::iota(all.begin(), all.end(), 0);
    return laplacian_eigenmap(dense_of(all), dim);
  }
  // the meta-embedding of the components (component_layout)
  Matrix meta = Matrix::Zero(comps, dim);
  if (comps > 2 * dim) {
    Matrix centroid = Matrix::Zero(comps, x.cols());
    Eigen::VectorXd count = Eigen::VectorXd::Zero(comps);
    for (Eigen::Index i = 0; i < n; ++i) {
      centroid.row(label[static_cast<std::size_t>(i)]) += x.row(i);
      count(label[static_cast<std::size_t>(i)]) += 1;
    }
    centroid.array().colwise() /= count.array();
    Eigen::MatrixXd affinity(comps, comps);
    for (int a = 0; a < comps; ++a)
      for (int b = 0; b < comps; ++b)
        affinity(a, b) =
            a == b ? 0.0 : std::exp(-(centroid.row(a) - centroid.row(b)).squaredNorm());
    // sklearn's SpectralEmbedding (normalised Laplacian, vectors divided by sqrt(degree))
    const Eigen::VectorXd deg = affinity.colwise().sum().transpose();
    Matrix e = laplacian_eigenmap(affinity, dim);
    for (int a = 0; a < comps; ++a) e.row(a) /= std::sqrt(std::max(deg(a), 1e-300));
    meta = e / e.maxCoeff();
  } else {
    const int half = (comps + 1) / 2;
    for (int c = 0; c < comps; ++c) meta(c, c % half) = c < half ? 1.0 : -1.0;
  }
  Matrix result(n, dim);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int c = 0; c < comps; ++c) {
    std::vector<Eigen::Index> members;
    for (Eigen::Index i = 0; i < n; ++i)
      if (label[static_cast<std::size_t>(i)] == c) members.push_back(i);
    double range = std::numeric_limits<double>::infinity();
    for (int o = 0; o < comps; ++o) {
      const double d = (meta.row(o) - meta.row(c)).norm();
      if (d > 0) range = std::min(range, d);
    }
    range /= 2;
    const auto m = static_cast<Eigen::Index>(members.size());
    if (m < 2 * dim || m <= dim + 1) {
      for (Eigen::Index i : members)
        for (int d = 0; d < dim; ++d) result(i, d) = meta(c, d) - range + 2 * range * unit(rng);
      continue;
    }
    Matrix e = laplacian_eigenmap(dense_of(members), dim);
    e *= range / e.cwiseAbs().maxCoeff();
    for (Eigen::Index a = 0; a < m; ++a)
      result.row(members[static_cast<std::size_t>(a)]) = e.row(a) + meta.row(c);
  }
  return result;
}

double clip(double v) { return std::clamp(v, -4.0, 4.0); }

}  // namespace

Matrix umap(const Matrix& x, const UmapOptions& o) {
  std::string error;
  PMT_THROW_IF(!o.IsValid(&error), kUsage, "{}", error);
  const Eigen::Index n = x.rows();
  PMT_THROW_IF(n < 3, kUsage, "UMAP needs at least 3 samples, got {}", n);
  PMT_THROW_IF(!x.allFinite(), kData, "UMAP: the data hold NaN or infinite values");
  PMT_THROW_IF(o.n_components >= n - 1, kUsage, "UMAP: {} components of {} samples", o.n_components,
               n);
  const Eigen::Index k = std::min<Eigen::Index>(o.n_neighbors, n - 1);
  Sparse g = fuzzy_simplicial_set(nearest_neighbours(x, k));
  const int epochs = o.n_epochs > 0 ? o.n_epochs : (n <= 10000 ? 500 : 200);
  const double wmax = g.coeffs().size() ? g.coeffs().maxCoeff() : 0.0;
  const double floor = wmax / (epochs > 10 ? epochs : (n <= 10000 ? 500 : 200));
  g.prune([&](Eigen::Index, Eigen::Index, double v) { return v >= floor; });
  pmt::Rng rng = pmt::make_stream(o.seed, {pmt::key_of("umap")});
  const int dim = o.n_components;
  Matrix emb = spectral_layout(x, g, dim, rng);
  emb *= 10.0 / emb.cwiseAbs().maxCoeff();
  std::normal_distribution<double> jitter(0, 1e-4);
  for (Eigen::Index i = 0; i < emb.size(); ++i) emb.data()[i] += jitter(rng);
  const Eigen::RowVectorXd lo = emb.colwise().minCoeff(), hi = emb.colwise().maxCoeff();
  const Eigen::RowVectorXd range = (hi - lo).array().max(1e-300).matrix();
  for (Eigen::Index i = 0; i < n; ++i)
    emb.row(i) = 10.0 * (emb.row(i) - lo).array() / range.array();
  // the edges (both directions of every pair, as the symmetric COO graph)
  std::vector<Eigen::Index> head, tail;
  std::vector<double> eps;  // epochs per sample
  const double gmax = g.coeffs().size() ? g.coeffs().maxCoeff() : 0.0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Sparse::InnerIterator it(g, i); it; ++it) {
      head.push_back(i);
      tail.push_back(it.col());
      eps.push_back(gmax / it.value());  // n_epochs / (n_epochs * w / w_max)
    }
  const auto [a, b] = umap_ab(o.spread, o.min_dist);
  const double gamma = o.repulsion_strength;
  std::vector<double> eps_neg(eps.size()), next_neg(eps.size()), next(eps);
  for (std::size_t e = 0; e < eps.size(); ++e)
    next_neg[e] = eps_neg[e] = eps[e] / o.negative_sample_rate;
  const auto vertices = static_cast<std::uint32_t>(n);
  double alpha = o.learning_rate;
  std::vector<double> current(static_cast<std::size_t>(dim));
  for (int epoch = 0; epoch < epochs; ++epoch) {
    for (std::size_t e = 0; e < eps.size(); ++e) {
      if (next[e] > epoch) continue;
      const Eigen::Index j = head[e];
      double* cur = &emb(j, 0);
      double* other = &emb(tail[e], 0);
      double d2 = 0;
      for (int d = 0; d < dim; ++d) d2 += (cur[d] - other[d]) * (cur[d] - other[d]);
      double coeff = 0;
      if (d2 > 0) {
        const double pb = std::pow(d2, b);  // d2^(b - 1) = pb / d2
        coeff = -2.0 * a * b * (pb / d2) / (a * pb + 1.0);
      }
      for (int d = 0; d < dim; ++d) {
        const double grad = clip(coeff * (cur[d] - other[d]));
        cur[d] += grad * alpha;
        other[d] += -grad * alpha;
      }
      next[e] += eps[e];
      const int negatives =
          o.negative_sample_rate > 0 ? static_cast<int>((epoch - next_neg[e]) / eps_neg[e]) : 0;
      for (int p = 0; p < negatives; ++p) {
        const Eigen::Index kk = pmt::bounded(rng, vertices);
        other = &emb(kk, 0);
        d2 = 0;
        for (int d = 0; d < dim; ++d) d2 += (cur[d] - other[d]) * (cur[d] - other[d]);
        if (d2 > 0)
          coeff = 2.0 * gamma * b / ((0.001 + d2) * (a * std::pow(d2, b) + 1));
        else if (j == kk)
          continue;
        else
          coeff = 0;
        for (int d = 0; d < dim; ++d)
          cur[d] += (coeff > 0 ? clip(coeff * (cur[d] - other[d])) : 4.0) * alpha;
      }
      next_neg[e] += negatives * eps_neg[e];
    }
    alpha = o.learning_rate * (1.0 - static_cast<double>(epoch) / epochs);
  }
  return emb;
}

}  // namespace pmt::cluster
