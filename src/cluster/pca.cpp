// PCA as scikit-learn 1.2 computes it: centring, the SVD and its sign convention (cluster.hpp).
#include "pmt/cluster/cluster.hpp"

#include <algorithm>
#include <cmath>

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

#include "pmt/core/error.hpp"

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

}  // namespace pmt::cluster
