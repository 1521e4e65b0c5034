// Clustering of a class's inputs (the `cluster` tool's algorithms): PCA, k-means and the
// silhouette score, each reproducing scikit-learn 1.2 (Debian bookworm's python3-sklearn) to
// floating-point summation order: same centring, same SVD sign convention, same Lloyd
// iterations and stopping rule, same tie-breaking. Eigen only (no LibTorch): rows are samples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace pmt::cluster {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Labels = std::vector<int>;

// sklearn.decomposition.PCA(n_components, svd_solver="full"): the centred data's SVD U S V^T
// with svd_flip's signs (the largest-magnitude entry of each column of U positive); components =
// the first rows of V^T, explained variance S^2 / (n - 1). For data with at least as many
// samples as features, V and S^2 come from the eigendecomposition of the d x d scatter matrix
// (the thin SVD of the 8,004 x 784 npm digits made most of a class's search: the search of
// scripts/bench_cluster.sh fell from 63 s to 18 s; the projections agree with sklearn's to
// 3e-12 relative there), otherwise from Eigen's BDCSVD.
struct Pca {
  Eigen::RowVectorXd mean;
  Matrix components;                   // n_components x features
  Eigen::VectorXd explained_variance;  // n_components
  Eigen::VectorXd explained_variance_ratio;
  Matrix transform(const Matrix& x) const;  // (x - mean) components^T
};
// Throws pmt::Error (usage) unless 1 <= n_components <= min(samples, features).
Pca fit_pca(const Matrix& x, int n_components);

// sklearn.cluster.KMeans(n_clusters = init.rows(), init=init, n_init=1, algorithm="lloyd",
// max_iter, tol): the data are centred first (as sklearn does for dense input); each iteration
// assigns every sample to its nearest centre (the first on ties), moves each centre to the mean
// of its samples (an empty cluster takes the sample farthest from its centre, as sklearn's
// _relocate_empty_clusters); stops when the labels repeat, or when the squared centre shift is
// <= tol x the mean feature variance; after a non-strict stop the labels are reassigned to the
// final centres.
struct KMeansResult {
  Labels labels;
  Matrix centers;
  double inertia = 0;  // sum of squared distances to the assigned centre
  int iterations = 0;
};
KMeansResult kmeans(const Matrix& x, const Matrix& init, int max_iter = 300, double tol = 1e-4);

// k-means with scikit-learn's default initialisation: greedy k-means++ (the first centre uniform,
// then the best of 2 + floor(ln k) candidates drawn in proportion to the squared distance to the
// nearest centre) from the stream (seed, run), n_init runs, the lowest inertia kept (the first on
// ties). Not bit-equal to sklearn's (another random generator), the same algorithm.
KMeansResult kmeans_plus_plus(const Matrix& x, int k, int n_init, std::uint64_t seed);

// sklearn.metrics.silhouette_score(x, labels) (Euclidean): the mean over samples of
// (b - a) / max(a, b), a the mean distance to the other members of its cluster, b the smallest
// mean distance to another cluster; 0 for a sample alone in its cluster. Throws pmt::Error
// (usage) unless 2 <= number of labels <= samples - 1 (sklearn's condition).
double silhouette_score(const Matrix& x, const Labels& labels);

enum class Linkage { kWard, kComplete, kAverage };
Linkage parse_linkage(const std::string& name);  // "ward", "complete", "average"
const char* to_string(Linkage l);

// sklearn.cluster.AgglomerativeClustering(n_clusters, linkage) without connectivity: SciPy's
// hierarchy.linkage(x, method) (nearest-neighbour chain on the Euclidean distances, Lance-Williams
// updates, merges sorted by distance, stable, and relabelled by union-find), then sklearn's
// _hc_cut (the tree cut with Python's heapq, which fixes the label numbering).
Labels agglomerative(const Matrix& x, int n_clusters, Linkage linkage);

enum class Covariance { kFull, kTied, kDiag, kSpherical };
Covariance parse_covariance(const std::string& name);  // "full", "tied", "diag", "spherical"
const char* to_string(Covariance c);

// sklearn.mixture.GaussianMixture(n_components, covariance_type, tol, reg_covar, max_iter) fitted
// by EM from a given start (weights_init, means_init and precisions_init: for full one precision
// matrix per component, for tied one, for diag one row of per-feature precisions per component,
// for spherical one precision per component): E-step, M-step (responsibilities + 10 eps,
// reg_covar on the diagonal, Cholesky of the precisions), until the mean log-likelihood changes
// by less than tol; then a last E-step for the labels.
struct GaussianMixtureStart {
  Eigen::VectorXd weights;
  Matrix means;
  std::vector<Matrix> precisions;  // as sklearn's precisions_init, see above
};
struct GaussianMixtureResult {
  Labels labels;  // the most probable component of each sample
  Eigen::VectorXd weights;
  Matrix means;
  double lower_bound = 0;     // the last iteration's mean log-likelihood (sklearn's lower_bound_)
  double log_likelihood = 0;  // the mean log-likelihood of the fitted model (sklearn's score(X))
  int iterations = 0;
  bool converged = false;
};
// sklearn's init_params="kmeans" start from a hard assignment (labels 0..k-1): weights, means and
// covariances of the assigned samples (+ reg_covar), as precisions.
GaussianMixtureStart mixture_start(const Matrix& x, const Labels& labels, int k, Covariance type,
                                   double reg_covar = 1e-6);

GaussianMixtureResult gaussian_mixture(const Matrix& x, Covariance type,
                                       const GaussianMixtureStart& start, int max_iter = 100,
                                       double tol = 1e-3, double reg_covar = 1e-6);

// HDBSCAN (Campello, Moulavi, Sander 2013; as the hdbscan library computes it by default):
// core distance = the distance to the min_samples-th nearest neighbour (the point itself counted
// first; min_samples defaults to min_cluster_size), mutual reachability max(core a, core b,
// d(a, b)), its minimum spanning tree, the single-linkage tree, condensed with
// min_cluster_size, clusters chosen by excess of mass (the root never: allow_single_cluster
// false). Labels 0.. in the order of the condensed tree's clusters, -1 for noise.
struct HdbscanResult {
  Labels labels;
  std::vector<double> probabilities;  // membership strength in [0, 1], 0 for noise
  int clusters = 0;
};
HdbscanResult hdbscan(const Matrix& x, int min_cluster_size, int min_samples = 0);

// The density-based clustering validation index DBCV (Moulavi et al., SDM 2014), as the hdbscan
// library's validity_index computes it (Euclidean, d = the number of features): per cluster, the
// all-points core distances, the minimum spanning tree of the mutual reachability distances and
// its largest internal edge (density sparseness); per pair of clusters, the smallest mutual
// reachability distance between their internal vertices (density separation); the clusters'
// (sep - sparse) / max(sep, sparse) weighted by size over ALL samples (noise, -1, counts in the
// total but in no cluster). In [-1, 1], higher is better; needs at least 2 clusters.
double dbcv(const Matrix& x, const Labels& labels);

// sklearn.metrics.adjusted_rand_score (noise -1 is a label like any other).
double adjusted_rand_score(const Labels& truth, const Labels& predicted);

}  // namespace pmt::cluster
