// Gaussian mixtures (EM, four covariance types) as scikit-learn 1.2 computes them.
#include "pmt/cluster/cluster.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <Eigen/Cholesky>

#include "pmt/core/error.hpp"
#include "pmt/io/names.hpp"

namespace pmt::cluster {

namespace {
constexpr io::NameTable<Covariance, 4> kCovariances{{{Covariance::kFull, "full"},
                                                     {Covariance::kTied, "tied"},
                                                     {Covariance::kDiag, "diag"},
                                                     {Covariance::kSpherical, "spherical"}}};
}  // namespace

Covariance parse_covariance(const std::string& name) {
  return io::parse_name(kCovariances, name, "covariance type");
}
const char* to_string(Covariance c) { return io::name_of(kCovariances, c); }

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

}  // namespace pmt::cluster
