// UMAP (McInnes, Healy, Melville 2018, "UMAP: Uniform Manifold Approximation and Projection"), as
// umap-learn 0.5.3 (Debian bookworm's umap-learn) computes it with its defaults and a Euclidean
// metric: the exact k nearest neighbours (the sample itself first, as umap-learn's small-data
// path, n <= 4096, does), smooth_knn_dist's rho (distance to the nearest other sample) and sigma
// (binary search so that sum_j exp(-(d_j - rho) / sigma) = log2(k)), the fuzzy simplicial set
// P + P^T - P o P^T, edges below max / n_epochs dropped, the spectral initialisation (the
// eigenvectors 2..dim+1 of the normalised Laplacian, a disconnected graph laid out per component
// around umap-learn's meta-embedding), scaled to [0, 10], then n_epochs of stochastic gradient
// descent on the cross-entropy with negative sampling (gradients clipped to [-4, 4], learning
// rate decaying linearly) with the curve 1 / (1 + a d^(2b)) whose a, b are fitted to min_dist and
// spread by least squares. Eigen only; the spectral step is a dense eigendecomposition (cubic in
// the component's size: ~0.3 s for 800 samples). Not bit-equal to umap-learn's (another random
// generator, double precision, sequential SGD), the same algorithm.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "pmt/cluster/cluster.hpp"

namespace pmt::cluster {

struct UmapOptions {
  int n_components = 2;
  int n_neighbors = 15;
  double min_dist = 0.1;
  double spread = 1.0;
  int n_epochs = 0;  // 0: umap-learn's default, 500 for up to 10,000 samples, else 200
  double learning_rate = 1.0;
  int negative_sample_rate = 5;
  double repulsion_strength = 1.0;  // gamma
  std::uint64_t seed = 42;
  bool IsValid(std::string* error) const;
};

// umap-learn's find_ab_params: a, b of 1 / (1 + a x^(2b)) fitted by least squares (Levenberg-
// Marquardt) to 1 for x < min_dist and exp(-(x - min_dist) / spread) beyond, on 300 points of
// [0, 3 spread]. min_dist 0.1, spread 1: a = 1.5769, b = 0.8951.
std::pair<double, double> umap_ab(double spread, double min_dist);

// The n x n_components embedding of x (rows are samples). Throws pmt::Error (usage) for invalid
// options or fewer than 3 samples, (data) for non-finite values.
Matrix umap(const Matrix& x, const UmapOptions& options = {});

}  // namespace pmt::cluster
