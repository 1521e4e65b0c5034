// UMAP against umap-learn 0.5.3 (scripts/umap_fixtures.py -> umap_cases.inc): the curve's a, b
// as find_ab_params fits them, and on seeded blobs (10-D, 3 centres, 300 samples) and moons (2-D,
// 1,000 samples) the embedding clustered (blobs: k-means; moons: single linkage cut into 2,
// since UMAP tears each 1-D moon into pieces that HDBSCAN reports as clusters, with umap-learn's
// embeddings as with pmt's) recovers the truth with an adjusted Rand index >= 0.95, as
// umap-learn's own embedding does (its ARI, 1.0 for both, is in the fixture).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "pmt/cluster/umap.hpp"
#include "pmt/core/error.hpp"

namespace {

#include "umap_cases.inc"

using pmt::cluster::Matrix;

Matrix matrix(const std::vector<double>& v, int rows, int cols) {
  return Eigen::Map<const Matrix>(v.data(), rows, cols);
}

// Single linkage cut into 2 clusters: the Euclidean minimum spanning tree (Prim) without its
// longest edge.
pmt::cluster::Labels single_linkage_2(const Matrix& e) {
  const auto n = static_cast<std::size_t>(e.rows());
  std::vector<double> best(n, std::numeric_limits<double>::infinity());
  std::vector<std::size_t> from(n, 0), parent(n);
  std::vector<bool> in(n, false);
  std::vector<std::tuple<double, std::size_t, std::size_t>> edges;
  std::size_t current = 0;
  in[0] = true;
  for (std::size_t step = 1; step < n; ++step) {
    std::size_t next = n;
    for (std::size_t i = 0; i < n; ++i) {
      if (in[i]) continue;
      const double d =
          (e.row(static_cast<Eigen::Index>(current)) - e.row(static_cast<Eigen::Index>(i))).norm();
      if (d < best[i]) {
        best[i] = d;
        from[i] = current;
      }
      if (next == n || best[i] < best[next]) next = i;
    }
    edges.emplace_back(best[next], from[next], next);
    in[next] = true;
    current = next;
  }
  std::sort(edges.begin(), edges.end());
  edges.pop_back();
  std::iota(parent.begin(), parent.end(), 0);
  const auto find = [&](std::size_t v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  };
  for (const auto& [w, a, b] : edges) parent[find(a)] = find(b);
  pmt::cluster::Labels labels(n);
  for (std::size_t i = 0; i < n; ++i) labels[i] = find(i) == find(0) ? 0 : 1;
  return labels;
}

pmt::cluster::Labels cluster_embedding(const Matrix& e, const UmapCase& c) {
  return std::string(c.name) == "blobs" ? pmt::cluster::kmeans_plus_plus(e, c.k, 10, 1).labels
                                        : single_linkage_2(e);
}

}  // namespace

TEST_CASE("UMAP's a, b equal umap-learn's find_ab_params", "[cluster][umap]") {
  for (const auto& c : kAbCases) {
    INFO("spread " << c.spread << " min_dist " << c.min_dist);
    const auto [a, b] = pmt::cluster::umap_ab(c.spread, c.min_dist);
    // curve_fit's Levenberg-Marquardt stops at its own tolerance (1.49e-8 relative)
    CHECK(a == Approx(c.a).epsilon(1e-6));
    CHECK(b == Approx(c.b).epsilon(1e-6));
  }
}

TEST_CASE("UMAP separates blobs and moons as umap-learn does (ARI >= 0.95)", "[cluster][umap]") {
  for (const auto& c : kUmapCases) {
    INFO(c.name << ": umap-learn's ARI " << c.reference_ari);
    const Matrix x = matrix(c.x, c.n, c.d);
    pmt::cluster::UmapOptions o;
    const Matrix e = pmt::cluster::umap(x, o);
    REQUIRE(e.rows() == c.n);
    REQUIRE(e.cols() == 2);
    REQUIRE(e.allFinite());
    const double ari = pmt::cluster::adjusted_rand_score(c.truth, cluster_embedding(e, c));
    INFO("pmt's ARI " << ari);
    CHECK(ari >= 0.95);
    // the same clustering of umap-learn's embedding: the reference figure of this data
    // (scripts/umap_fixtures.py computed it with sklearn)
    const Matrix ref = matrix(c.reference_embedding, c.n, 2);
    CHECK(pmt::cluster::adjusted_rand_score(c.truth, cluster_embedding(ref, c)) >= 0.95);
    if (std::string(c.name) == "blobs") {  // the same seed, the same embedding; another, another
      CHECK(pmt::cluster::umap(x, o) == e);
      o.seed = 7;
      CHECK(pmt::cluster::umap(x, o) != e);
    }
  }
}

TEST_CASE("UMAP rejects bad input", "[cluster][umap]") {
  Matrix x = Matrix::Random(20, 3);
  x(4, 1) = std::nan("");
  CHECK_THROWS_WITH(pmt::cluster::umap(x), Catch::Contains("NaN"));
  CHECK_THROWS_WITH(pmt::cluster::umap(Matrix::Random(2, 3)), Catch::Contains("at least 3"));
  pmt::cluster::UmapOptions o;
  o.n_neighbors = 1;
  CHECK_THROWS_WITH(pmt::cluster::umap(Matrix::Random(20, 3), o), Catch::Contains("n_neighbors"));
  // all-identical samples: every distance 0, still a finite embedding
  const Matrix same = Matrix::Ones(30, 4);
  CHECK(pmt::cluster::umap(same).allFinite());
}
