// PCA, k-means and the silhouette score as scikit-learn 1.2 computes them (see cluster.hpp).
#include "pmt/cluster/cluster.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <utility>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

#include "names.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/rng.hpp"

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
  Matrix vt;                 // the right singular vectors, as rows, largest first
  Eigen::VectorXd variance;  // S^2 / (n - 1) of every component
  double total = 0;          // the sum of all of them
  if (n >= d) {
    // Tall data (a split of images): the eigenvectors of the d x d scatter matrix centred^T
    // centred are the right singular vectors, its eigenvalues S^2; ~10x cheaper than the SVD of
    // the n x d data when n >> d, and the same to ~1e-12 where the spectrum is not degenerate.
    Eigen::MatrixXd scatter = Eigen::MatrixXd::Zero(d, d);
    scatter.selfadjointView<Eigen::Lower>().rankUpdate(centred.transpose());
    total = scatter.trace() / static_cast<double>(n - 1);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(scatter);
    PMT_THROW_IF(es.info() != Eigen::Success, kData, "PCA: the eigendecomposition failed");
    vt = es.eigenvectors().rowwise().reverse().transpose();
    variance = es.eigenvalues().reverse().cwiseMax(0.0) / static_cast<double>(n - 1);
  } else {
    Eigen::BDCSVD<Matrix> svd(centred, Eigen::ComputeThinV);
    vt = svd.matrixV().transpose();
    variance = svd.singularValues().array().square() / static_cast<double>(n - 1);
    total = variance.sum();
  }
  // svd_flip (u-based): the largest |u| of each column of U = centred V / S positive (the first
  // on ties, as argmax), i.e. the largest |projection| on each component.
  for (Eigen::Index k = 0; k < n_components; ++k) {
    const Eigen::VectorXd u = centred * vt.row(k).transpose();
    Eigen::Index at = 0;
    u.cwiseAbs().maxCoeff(&at);
    if (u(at) < 0) vt.row(k) *= -1;
  }
  p.components = vt.topRows(n_components);
  p.explained_variance = variance.head(n_components);
  p.explained_variance_ratio = p.explained_variance / total;
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

namespace {
constexpr detail::NameTable<Linkage, 3> kLinkages{
    {{Linkage::kWard, "ward"}, {Linkage::kComplete, "complete"}, {Linkage::kAverage, "average"}}};
constexpr detail::NameTable<Covariance, 4> kCovariances{{{Covariance::kFull, "full"},
                                                         {Covariance::kTied, "tied"},
                                                         {Covariance::kDiag, "diag"},
                                                         {Covariance::kSpherical, "spherical"}}};
}  // namespace

Linkage parse_linkage(const std::string& name) {
  return detail::parse_name(kLinkages, name, "linkage");
}
const char* to_string(Linkage l) { return detail::name_of(kLinkages, l); }
Covariance parse_covariance(const std::string& name) {
  return detail::parse_name(kCovariances, name, "covariance type");
}
const char* to_string(Covariance c) { return detail::name_of(kCovariances, c); }

namespace {

// Python's heapq on a min-heap of ints (heappush, heappushpop), so that the heap's array order,
// which numbers sklearn's clusters, is the same.
void sift_down(std::vector<long>& heap, std::size_t start, std::size_t pos) {
  const long item = heap[pos];
  while (pos > start) {
    const std::size_t parent = (pos - 1) >> 1;
    if (item < heap[parent]) {
      heap[pos] = heap[parent];
      pos = parent;
      continue;
    }
    break;
  }
  heap[pos] = item;
}
void sift_up(std::vector<long>& heap, std::size_t pos) {
  const std::size_t end = heap.size(), start = pos;
  const long item = heap[pos];
  std::size_t child = 2 * pos + 1;
  while (child < end) {
    const std::size_t right = child + 1;
    if (right < end && !(heap[child] < heap[right])) child = right;
    heap[pos] = heap[child];
    pos = child;
    child = 2 * pos + 1;
  }
  heap[pos] = item;
  sift_down(heap, start, pos);
}
void heap_push(std::vector<long>& heap, long item) {
  heap.push_back(item);
  sift_down(heap, 0, heap.size() - 1);
}
void heap_push_pop(std::vector<long>& heap, long item) {
  if (!heap.empty() && heap[0] < item) {
    heap[0] = item;
    sift_up(heap, 0);
  }
}

}  // namespace

Labels agglomerative(const Matrix& x, int n_clusters, Linkage linkage) {
  const auto n = static_cast<std::size_t>(x.rows());
  PMT_THROW_IF(n < 2, kUsage, "agglomerative clustering needs at least 2 samples");
  PMT_THROW_IF(n_clusters < 1 || static_cast<std::size_t>(n_clusters) > n, kUsage,
               "agglomerative clustering: {} clusters of {} samples", n_clusters, n);
  // SciPy's nn_chain on the full distance matrix.
  std::vector<double> d(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      d[i * n + j] = d[j * n + i] =
          std::sqrt((x.row(static_cast<Eigen::Index>(i)) - x.row(static_cast<Eigen::Index>(j)))
                        .squaredNorm());
  struct Merge {
    std::size_t a, b;
    double dist;
  };
  std::vector<Merge> z;
  std::vector<std::size_t> size(n, 1), chain;
  for (std::size_t k = 0; k + 1 < n; ++k) {
    if (chain.empty())
      for (std::size_t i = 0; i < n; ++i)
        if (size[i] > 0) {
          chain.push_back(i);
          break;
        }
    std::size_t a = 0, b = 0;
    double best = 0;
    while (true) {
      a = chain.back();
      if (chain.size() > 1) {
        b = chain[chain.size() - 2];
        best = d[a * n + b];
      } else {
        best = std::numeric_limits<double>::infinity();
      }
      for (std::size_t i = 0; i < n; ++i) {
        if (size[i] == 0 || i == a) continue;
        if (d[a * n + i] < best) {
          best = d[a * n + i];
          b = i;
        }
      }
      if (chain.size() > 1 && b == chain[chain.size() - 2]) break;
      chain.push_back(b);
    }
    chain.resize(chain.size() - 2);
    if (a > b) std::swap(a, b);
    const double na = static_cast<double>(size[a]), nb = static_cast<double>(size[b]);
    z.push_back({a, b, best});
    size[a] = 0;
    size[b] += static_cast<std::size_t>(na);
    for (std::size_t i = 0; i < n; ++i) {
      if (size[i] == 0 || i == b) continue;
      const double ni = static_cast<double>(size[i]), dai = d[i * n + a], dbi = d[i * n + b];
      double v = 0;
      switch (linkage) {
        case Linkage::kWard: {
          const double t = 1.0 / (na + nb + ni);
          v = std::sqrt((ni + na) * t * dai * dai + (ni + nb) * t * dbi * dbi -
                        ni * t * best * best);
          break;
        }
        case Linkage::kComplete:
          v = std::max(dai, dbi);
          break;
        case Linkage::kAverage:
          v = (na * dai + nb * dbi) / (na + nb);
          break;
      }
      d[i * n + b] = d[b * n + i] = v;
    }
  }
  std::stable_sort(z.begin(), z.end(),
                   [](const Merge& p, const Merge& q) { return p.dist < q.dist; });
  // SciPy's label(): union-find relabelling, the smaller root first.
  std::vector<std::size_t> parent(2 * n - 1);
  std::iota(parent.begin(), parent.end(), 0);
  const auto find = [&](std::size_t v) {
    std::size_t root = v;
    while (parent[root] != root) root = parent[root];
    while (parent[v] != root) v = std::exchange(parent[v], root);
    return root;
  };
  std::vector<std::array<std::size_t, 2>> children;
  for (std::size_t i = 0; i < z.size(); ++i) {
    const std::size_t ra = find(z[i].a), rb = find(z[i].b);
    children.push_back({std::min(ra, rb), std::max(ra, rb)});
    parent[ra] = parent[rb] = n + i;
  }
  // sklearn's _hc_cut.
  std::vector<long> nodes{-static_cast<long>(std::max(children.back()[0], children.back()[1]) + 1)};
  for (int c = 0; c + 1 < n_clusters; ++c) {
    const auto& these = children[static_cast<std::size_t>(-nodes[0]) - n];
    heap_push(nodes, -static_cast<long>(these[0]));
    heap_push_pop(nodes, -static_cast<long>(these[1]));
  }
  Labels labels(n, 0);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    std::vector<std::size_t> stack{static_cast<std::size_t>(-nodes[i])};
    while (!stack.empty()) {
      const std::size_t v = stack.back();
      stack.pop_back();
      if (v < n) {
        labels[v] = static_cast<int>(i);
      } else {
        stack.push_back(children[v - n][0]);
        stack.push_back(children[v - n][1]);
      }
    }
  }
  return labels;
}

namespace {

// The Cholesky factors of the precisions, as sklearn keeps them (precisions_cholesky_): full:
// one d x d matrix P per component with P P^T = precision; tied: one; diag: a k x d matrix of
// 1 / sqrt(variance); spherical: a k x 1 matrix.
struct GmmState {
  Eigen::VectorXd weights;
  Matrix means;
  std::vector<Matrix> chol;
};

Matrix lower_cholesky(const Matrix& m, const char* what) {
  Eigen::LLT<Matrix> llt(m);
  PMT_THROW_IF(llt.info() != Eigen::Success, kData,
               "Gaussian mixture: a {} matrix is not positive definite (ill-defined empirical "
               "covariance: raise reg_covar, or use fewer components or another covariance type)",
               what);
  return llt.matrixL();
}

// _compute_precision_cholesky of one full covariance: (C^-1)^T with C C^T = covariance.
Matrix precision_cholesky(const Matrix& cov) {
  const Matrix c = lower_cholesky(cov, "covariance");
  const Matrix inv =
      c.triangularView<Eigen::Lower>().solve(Matrix::Identity(cov.rows(), cov.cols()));
  return inv.transpose();
}

// _estimate_weighted_log_prob: log N(x | mean_k, precision_k) + log weight_k, n x k.
Matrix weighted_log_prob(const Matrix& x, Covariance type, const GmmState& g) {
  const auto n = x.rows(), d = x.cols(), k = g.means.rows();
  Matrix logp(n, k);
  Eigen::VectorXd log_det(k);
  switch (type) {
    case Covariance::kFull:
    case Covariance::kTied:
      for (Eigen::Index c = 0; c < k; ++c) {
        const Matrix& p = g.chol[type == Covariance::kFull ? static_cast<std::size_t>(c) : 0];
        const Matrix y = (x * p).rowwise() - g.means.row(c) * p;
        logp.col(c) = y.rowwise().squaredNorm();
        log_det(c) = p.diagonal().array().log().sum();
      }
      break;
    case Covariance::kDiag: {
      const Matrix prec = g.chol[0].array().square();
      const Eigen::VectorXd mp = (g.means.array().square() * prec.array()).rowwise().sum();
      logp = (-2.0 * (x * (g.means.array() * prec.array()).matrix().transpose())).rowwise() +
             mp.transpose();
      logp += x.array().square().matrix() * prec.transpose();
      log_det = g.chol[0].array().log().rowwise().sum();
      break;
    }
    case Covariance::kSpherical: {
      const Eigen::VectorXd prec = g.chol[0].col(0).array().square();
      const Eigen::VectorXd m2 = g.means.rowwise().squaredNorm();
      const Eigen::VectorXd x2 = x.rowwise().squaredNorm();
      const Matrix xm = x * g.means.transpose();
      for (Eigen::Index c = 0; c < k; ++c)
        logp.col(c) =
            (m2(c) * prec(c) - 2.0 * xm.col(c).array() * prec(c) + x2.array() * prec(c)).matrix();
      log_det = static_cast<double>(d) * g.chol[0].col(0).array().log();
      break;
    }
  }
  const double log2pi = std::log(2 * M_PI);
  Matrix out(n, k);
  for (Eigen::Index c = 0; c < k; ++c)
    out.col(c) = (-0.5 * (static_cast<double>(d) * log2pi + logp.col(c).array()) + log_det(c) +
                  std::log(g.weights(c)))
                     .matrix();
  return out;
}

// scipy.special.logsumexp of each row.
Eigen::VectorXd row_logsumexp(const Matrix& a) {
  Eigen::VectorXd out(a.rows());
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    const double m = a.row(i).maxCoeff();
    out(i) = std::log((a.row(i).array() - m).exp().sum()) + m;
  }
  return out;
}

// _e_step: the mean log-likelihood and the log responsibilities.
double e_step(const Matrix& x, Covariance type, const GmmState& g, Matrix& log_resp) {
  const Matrix w = weighted_log_prob(x, type, g);
  const Eigen::VectorXd norm = row_logsumexp(w);
  log_resp = w.colwise() - norm;
  return norm.mean();
}

// _estimate_gaussian_parameters: nk (+ 10 eps), the means and the covariances of the
// responsibilities `resp` (n x k): full: k d x d matrices; tied: one; diag: one k x d matrix of
// variances; spherical: one k x 1 matrix.
struct GaussianParameters {
  Eigen::VectorXd nk;
  Matrix means;
  std::vector<Matrix> covariances;
};
GaussianParameters estimate_parameters(const Matrix& x, Covariance type, const Matrix& resp,
                                       double reg) {
  const auto k = resp.cols();
  GaussianParameters g;
  g.nk = resp.colwise().sum().transpose().array() + 10 * std::numeric_limits<double>::epsilon();
  g.means = (resp.transpose() * x).array().colwise() / g.nk.array();
  switch (type) {
    case Covariance::kFull:
      for (Eigen::Index c = 0; c < k; ++c) {
        const Matrix diff = x.rowwise() - g.means.row(c);
        Matrix cov =
            (diff.array().colwise() * resp.col(c).array()).matrix().transpose() * diff / g.nk(c);
        cov.diagonal().array() += reg;
        g.covariances.push_back(std::move(cov));
      }
      break;
    case Covariance::kTied: {
      Matrix cov = x.transpose() * x -
                   (g.means.array().colwise() * g.nk.array()).matrix().transpose() * g.means;
      cov /= g.nk.sum();
      cov.diagonal().array() += reg;
      g.covariances.push_back(std::move(cov));
      break;
    }
    case Covariance::kDiag:
    case Covariance::kSpherical: {
      const Matrix avg_x2 =
          (resp.transpose() * x.array().square().matrix()).array().colwise() / g.nk.array();
      const Matrix avg_xm =
          g.means.array() * ((resp.transpose() * x).array().colwise() / g.nk.array());
      Matrix var = avg_x2.array() - 2 * avg_xm.array() + g.means.array().square() + reg;
      if (type == Covariance::kSpherical) var = var.rowwise().mean().eval();
      g.covariances.push_back(std::move(var));
      break;
    }
  }
  return g;
}

// _m_step: the parameters, the weights normalised, the Cholesky factors of the precisions.
void m_step(const Matrix& x, Covariance type, const Matrix& log_resp, double reg, GmmState& g) {
  GaussianParameters p = estimate_parameters(x, type, log_resp.array().exp(), reg);
  g.means = std::move(p.means);
  g.chol.clear();
  if (type == Covariance::kFull || type == Covariance::kTied)
    for (const Matrix& cov : p.covariances) g.chol.push_back(precision_cholesky(cov));
  else
    g.chol.push_back(p.covariances[0].array().rsqrt());
  g.weights = p.nk / p.nk.sum();
}

}  // namespace

GaussianMixtureStart mixture_start(const Matrix& x, const Labels& labels, int k, Covariance type,
                                   double reg_covar) {
  PMT_THROW_IF(static_cast<Eigen::Index>(labels.size()) != x.rows() || k < 1, kUsage,
               "Gaussian mixture start: {} labels for {} samples", labels.size(), x.rows());
  Matrix resp = Matrix::Zero(x.rows(), k);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    PMT_THROW_IF(labels[i] < 0 || labels[i] >= k, kUsage,
                 "Gaussian mixture start: label {} outside 0..{}", labels[i], k - 1);
    resp(static_cast<Eigen::Index>(i), labels[i]) = 1;
  }
  GaussianParameters p = estimate_parameters(x, type, resp, reg_covar);
  GaussianMixtureStart s;
  s.weights = p.nk / static_cast<double>(x.rows());
  s.means = std::move(p.means);
  if (type == Covariance::kFull || type == Covariance::kTied) {
    for (const Matrix& cov : p.covariances) {
      const Matrix pc = precision_cholesky(cov);
      s.precisions.push_back(pc * pc.transpose());
    }
  } else {
    s.precisions.push_back(p.covariances[0].cwiseInverse());
  }
  return s;
}

GaussianMixtureResult gaussian_mixture(const Matrix& x, Covariance type,
                                       const GaussianMixtureStart& start, int max_iter, double tol,
                                       double reg_covar) {
  const auto n = x.rows(), d = x.cols(), k = start.means.rows();
  PMT_THROW_IF(k < 1 || start.means.cols() != d || start.weights.size() != k, kUsage,
               "Gaussian mixture: a start of {} means of {} features and {} weights for data of {} "
               "features",
               k, start.means.cols(), start.weights.size(), d);
  PMT_THROW_IF(n < 2 || n < k, kUsage, "Gaussian mixture: {} samples for {} components", n, k);
  PMT_THROW_IF(max_iter < 1, kUsage, "Gaussian mixture: max_iter must be at least 1");
  GmmState g{start.weights, start.means, {}};
  switch (type) {
    case Covariance::kFull:
      PMT_THROW_IF(static_cast<Eigen::Index>(start.precisions.size()) != k, kUsage,
                   "Gaussian mixture (full): {} precision matrices for {} components",
                   start.precisions.size(), k);
      for (const Matrix& p : start.precisions) {
        PMT_THROW_IF(p.rows() != d || p.cols() != d, kUsage,
                     "Gaussian mixture: a precision matrix must be {} x {}", d, d);
        g.chol.push_back(lower_cholesky(p, "precision"));
      }
      break;
    case Covariance::kTied:
      PMT_THROW_IF(start.precisions.size() != 1 || start.precisions[0].rows() != d ||
                       start.precisions[0].cols() != d,
                   kUsage, "Gaussian mixture (tied): one {} x {} precision matrix", d, d);
      g.chol.push_back(lower_cholesky(start.precisions[0], "precision"));
      break;
    case Covariance::kDiag:
    case Covariance::kSpherical: {
      const Eigen::Index cols = type == Covariance::kDiag ? d : 1;
      PMT_THROW_IF(start.precisions.size() != 1 || start.precisions[0].rows() != k ||
                       start.precisions[0].cols() != cols ||
                       (start.precisions[0].array() <= 0).any(),
                   kUsage, "Gaussian mixture ({}): one {} x {} matrix of positive precisions",
                   to_string(type), k, cols);
      g.chol.push_back(start.precisions[0].array().sqrt());
      break;
    }
  }
  GaussianMixtureResult r;
  Matrix log_resp;
  double lower = -std::numeric_limits<double>::infinity();
  for (int it = 1; it <= max_iter; ++it) {
    const double prev = lower;
    lower = e_step(x, type, g, log_resp);
    m_step(x, type, log_resp, reg_covar, g);
    r.iterations = it;
    if (std::abs(lower - prev) < tol) {
      r.converged = true;
      break;
    }
  }
  r.lower_bound = lower;
  r.log_likelihood = e_step(x, type, g, log_resp);
  r.labels.resize(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    Eigen::Index best = 0;
    log_resp.row(i).maxCoeff(&best);
    r.labels[static_cast<std::size_t>(i)] = static_cast<int>(best);
  }
  r.weights = g.weights;
  r.means = g.means;
  return r;
}

namespace {

struct Edge {
  std::size_t a, b;
  double w;
};

// Prim's minimum spanning tree of the complete graph on n vertices with weights weight(a, b), in
// the order the vertices join (from vertex 0); a joining vertex's edge goes to the tree vertex
// nearest to it, the first found on ties.
std::vector<Edge> prim_mst(std::size_t n,
                           const std::function<double(std::size_t, std::size_t)>& weight) {
  std::vector<Edge> mst;
  std::vector<double> best(n, std::numeric_limits<double>::infinity());
  std::vector<std::size_t> from(n, 0);
  std::vector<bool> in(n, false);
  std::size_t current = 0;
  in[0] = true;
  for (std::size_t step = 1; step < n; ++step) {
    std::size_t next = n;
    for (std::size_t i = 0; i < n; ++i) {
      if (in[i]) continue;
      const double w = weight(current, i);
      if (w < best[i]) {
        best[i] = w;
        from[i] = current;
      }
      if (next == n || best[i] < best[next]) next = i;
    }
    mst.push_back({from[next], next, best[next]});
    in[next] = true;
    current = next;
  }
  return mst;
}

}  // namespace

HdbscanResult hdbscan(const Matrix& x, int min_cluster_size, int min_samples) {
  const auto n = static_cast<std::size_t>(x.rows());
  PMT_THROW_IF(min_cluster_size < 2, kUsage, "HDBSCAN: min_cluster_size must be at least 2");
  PMT_THROW_IF(n < 2, kUsage, "HDBSCAN needs at least 2 samples");
  if (min_samples <= 0) min_samples = min_cluster_size;
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(min_samples), n) - 1;
  // Distances, core distances (the point itself is its first neighbour), mutual reachability.
  std::vector<double> d(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      d[i * n + j] = d[j * n + i] =
          (x.row(static_cast<Eigen::Index>(i)) - x.row(static_cast<Eigen::Index>(j))).norm();
  std::vector<double> core(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> row(d.begin() + static_cast<long>(i * n),
                            d.begin() + static_cast<long>((i + 1) * n));
    std::nth_element(row.begin(), row.begin() + static_cast<long>(k), row.end());
    core[i] = row[k];
  }
  const auto reach = [&](std::size_t a, std::size_t b) {
    return std::max({core[a], core[b], d[a * n + b]});
  };
  // the minimum spanning tree of the mutual reachability graph
  std::vector<Edge> mst = prim_mst(n, reach);
  std::stable_sort(mst.begin(), mst.end(), [](const Edge& p, const Edge& q) { return p.w < q.w; });
  // The single-linkage tree: node n + i merges two roots at distance w.
  struct Node {
    std::size_t left, right, size;
    double dist;
  };
  std::vector<Node> tree;
  std::vector<std::size_t> parent(2 * n - 1), size(2 * n - 1, 1);
  std::iota(parent.begin(), parent.end(), 0);
  const auto find = [&](std::size_t v) {
    std::size_t root = v;
    while (parent[root] != root) root = parent[root];
    while (parent[v] != root) v = std::exchange(parent[v], root);
    return root;
  };
  for (const Edge& e : mst) {
    const std::size_t ra = find(e.a), rb = find(e.b), id = n + tree.size();
    tree.push_back({ra, rb, size[ra] + size[rb], e.w});
    parent[ra] = parent[rb] = id;
    size[id] = size[ra] + size[rb];
  }
  // The condensed tree (hdbscan's condense_tree): rows (parent cluster, child, lambda, size).
  struct Row {
    std::size_t parent, child;
    double lambda;
    std::size_t size;
  };
  std::vector<Row> rows;
  const std::size_t root = 2 * n - 2, mcs = static_cast<std::size_t>(min_cluster_size);
  std::vector<std::size_t> relabel(2 * n - 1, 0);
  std::size_t next_label = n + 1;
  relabel[root] = n;
  const auto count = [&](std::size_t v) { return v >= n ? tree[v - n].size : std::size_t{1}; };
  const auto fall_out = [&](std::size_t cluster, std::size_t v, double lambda) {
    std::vector<std::size_t> stack{v};
    while (!stack.empty()) {
      const std::size_t u = stack.back();
      stack.pop_back();
      if (u < n) {
        rows.push_back({cluster, u, lambda, 1});
      } else {
        stack.push_back(tree[u - n].left);
        stack.push_back(tree[u - n].right);
      }
    }
  };
  // breadth first from the root, so that parents are relabelled before their children
  std::vector<std::size_t> queue{root};
  for (std::size_t q = 0; q < queue.size(); ++q) {
    const std::size_t v = queue[q];
    if (v < n) continue;
    const Node& node = tree[v - n];
    const double lambda = node.dist > 0 ? 1.0 / node.dist : std::numeric_limits<double>::infinity();
    const std::size_t lc = count(node.left), rc = count(node.right), c = relabel[v];
    if (lc >= mcs && rc >= mcs) {
      relabel[node.left] = next_label++;
      rows.push_back({c, relabel[node.left], lambda, lc});
      relabel[node.right] = next_label++;
      rows.push_back({c, relabel[node.right], lambda, rc});
      queue.push_back(node.left);
      queue.push_back(node.right);
    } else if (lc < mcs && rc < mcs) {
      fall_out(c, node.left, lambda);
      fall_out(c, node.right, lambda);
    } else if (lc < mcs) {
      relabel[node.right] = c;
      fall_out(c, node.left, lambda);
      queue.push_back(node.right);
    } else {
      relabel[node.left] = c;
      fall_out(c, node.right, lambda);
      queue.push_back(node.left);
    }
  }
  // Stabilities (sum over children of (lambda - the cluster's birth lambda) x size), then the
  // excess-of-mass selection bottom-up (larger ids first), the root excluded.
  const std::size_t clusters_n = next_label - n;
  std::vector<double> birth(clusters_n, 0.0), stability(clusters_n, 0.0), death(clusters_n, 0.0);
  std::vector<std::size_t> cluster_parent(clusters_n, 0);
  std::vector<std::vector<std::size_t>> sub(clusters_n);
  for (const Row& r : rows)
    if (r.child >= n) {
      birth[r.child - n] = r.lambda;
      cluster_parent[r.child - n] = r.parent - n;
      sub[r.parent - n].push_back(r.child - n);
    }
  for (const Row& r : rows) {
    stability[r.parent - n] += (r.lambda - birth[r.parent - n]) * static_cast<double>(r.size);
    death[r.parent - n] = std::max(death[r.parent - n], r.lambda);
  }
  std::vector<bool> selected(clusters_n, false);
  for (std::size_t c = clusters_n; c-- > 1;) {
    double children = 0;
    for (std::size_t s : sub[c]) children += stability[s];
    if (children > stability[c]) {
      stability[c] = children;
    } else {
      selected[c] = true;
      std::vector<std::size_t> stack(sub[c]);
      while (!stack.empty()) {
        const std::size_t s = stack.back();
        stack.pop_back();
        selected[s] = false;
        stack.insert(stack.end(), sub[s].begin(), sub[s].end());
      }
    }
  }
  std::vector<int> number(clusters_n, -1);
  HdbscanResult r;
  for (std::size_t c = 1; c < clusters_n; ++c)
    if (selected[c]) number[c] = r.clusters++;
  // Each point: the selected cluster among its row's cluster and that cluster's ancestors.
  r.labels.assign(n, -1);
  r.probabilities.assign(n, 0.0);
  for (const Row& row : rows) {
    if (row.child >= n) continue;
    std::size_t c = row.parent - n;
    while (c != 0 && !selected[c]) c = cluster_parent[c];
    if (!selected[c]) continue;
    r.labels[row.child] = number[c];
    const double max_lambda = death[c];
    r.probabilities[row.child] = max_lambda == 0.0 || !std::isfinite(row.lambda)
                                     ? 1.0
                                     : std::min(row.lambda, max_lambda) / max_lambda;
  }
  return r;
}

double dbcv(const Matrix& x, const Labels& labels) {
  const auto n = static_cast<std::size_t>(x.rows());
  PMT_THROW_IF(labels.size() != n, kUsage, "DBCV: {} labels for {} samples", labels.size(), n);
  const double dims = static_cast<double>(x.cols());
  int k = 0;
  for (int l : labels) k = std::max(k, l + 1);
  struct Cluster {
    std::vector<std::size_t> members;   // sample indices
    std::vector<double> core;           // all-points core distance of each member
    std::vector<std::size_t> internal;  // positions (in members) of the MST's internal vertices
    double sparseness = 0;
  };
  std::vector<Cluster> clusters(static_cast<std::size_t>(k));
  for (std::size_t i = 0; i < n; ++i)
    if (labels[i] >= 0) clusters[static_cast<std::size_t>(labels[i])].members.push_back(i);
  std::size_t present = 0;
  for (const auto& c : clusters) present += c.members.empty() ? 0 : 1;
  PMT_THROW_IF(present < 2, kUsage, "DBCV needs at least 2 clusters, got {}", present);
  const auto dist = [&](std::size_t a, std::size_t b) {
    return (x.row(static_cast<Eigen::Index>(a)) - x.row(static_cast<Eigen::Index>(b))).norm();
  };
  for (auto& c : clusters) {
    const std::size_t m = c.members.size();
    if (m == 0) continue;
    // all-points core distance: ((sum over the others of (1 / d)^dims) / (m - 1))^(-1 / dims),
    // zero distances left out, computed in log space (dims may be in the hundreds)
    c.core.assign(m, std::numeric_limits<double>::infinity());
    for (std::size_t i = 0; i < m; ++i) {
      std::vector<double> logs;
      for (std::size_t j = 0; j < m; ++j) {
        const double v = j == i ? 0 : dist(c.members[i], c.members[j]);
        if (v != 0) logs.push_back(-dims * std::log(v));
      }
      if (logs.empty() || m < 2) continue;
      const double top = *std::max_element(logs.begin(), logs.end());
      double sum = 0;
      for (double l : logs) sum += std::exp(l - top);
      const double log_mean = top + std::log(sum) - std::log(static_cast<double>(m - 1));
      c.core[i] = std::exp(-log_mean / dims);
    }
    // Prim's MST of the mutual reachability distances within the cluster.
    const auto reach = [&](std::size_t i, std::size_t j) {
      return std::max({dist(c.members[i], c.members[j]), c.core[i], c.core[j]});
    };
    const std::vector<Edge> edges = prim_mst(m, reach);
    std::vector<std::size_t> degree(m, 0);
    for (const Edge& e : edges) {
      ++degree[e.a];
      ++degree[e.b];
    }
    for (std::size_t i = 0; i < m; ++i)
      if (degree[i] > 1) c.internal.push_back(i);
    if (c.internal.empty()) c.internal.push_back(0);
    // density sparseness: the largest internal edge (all edges when none is internal)
    bool any = false;
    for (const Edge& e : edges)
      if (degree[e.a] > 1 && degree[e.b] > 1) {
        c.sparseness = any ? std::max(c.sparseness, e.w) : e.w;
        any = true;
      }
    if (!any)
      for (const Edge& e : edges) c.sparseness = std::max(c.sparseness, e.w);
  }
  double result = 0;
  for (std::size_t i = 0; i < clusters.size(); ++i) {
    const Cluster& a = clusters[i];
    if (a.members.empty()) continue;
    double separation = std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < clusters.size(); ++j) {
      const Cluster& b = clusters[j];
      if (j == i || b.members.empty()) continue;
      for (std::size_t p : a.internal)
        for (std::size_t q : b.internal)
          separation = std::min(separation,
                                std::max({dist(a.members[p], b.members[q]), a.core[p], b.core[q]}));
    }
    const double validity = (separation - a.sparseness) / std::max(separation, a.sparseness);
    result += static_cast<double>(a.members.size()) / static_cast<double>(n) * validity;
  }
  return result;
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
