// bench_cluster DIR: pmt's half of scripts/bench_cluster.sh's fidelity check against
// scikit-learn. DIR holds what scripts/bench_cluster.py wrote: x.npy (the split's raw inputs),
// rows.npy (the class's rows), pipelines.json (the preprocessings: threshold, scaling), and per
// preprocessing i sklearn's PCA features of the class, features_<i>.npy, and per cluster count k
// sklearn's k-means++ centres init_<i>_<k>.npy. Writes DIR/pmt_features_<i>.npy (pmt's
// thresholding, scaling and PCA of the class) and prints one JSON object: per preprocessing and
// k, on sklearn's features (so that the clustering alone is compared), the k-means labels from
// those centres, the agglomerative labels (ward, complete, average), the Gaussian mixtures'
// labels and mean log-likelihood from the k-means labels' start (full, tied, diag, spherical),
// and the silhouette of the k-means labels.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pmt/cluster/search.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/npy.hpp"

namespace fs = std::filesystem;
using pmt::cluster::Matrix;

namespace {

Matrix read_matrix(const fs::path& file) {
  const auto a = pmt::io::read_npy(file);
  PMT_THROW_IF(a.shape.size() != 2, kData, "{}: a matrix expected, shape {}", file.string(),
               a.shape_string());
  return Eigen::Map<const Matrix>(a.data.data(), static_cast<Eigen::Index>(a.shape[0]),
                                  static_cast<Eigen::Index>(a.shape[1]));
}

}  // namespace

int main(int argc, char** argv) try {
  PMT_THROW_IF(argc != 2, kUsage, "usage: bench_cluster DIR (see scripts/bench_cluster.sh)");
  const fs::path dir = argv[1];
  const Matrix x = read_matrix(dir / "x.npy");
  const auto rows_npy = pmt::io::read_npy(dir / "rows.npy");
  std::vector<std::int64_t> rows;
  for (double v : rows_npy.data) rows.push_back(static_cast<std::int64_t>(v));
  const auto spec = nlohmann::json::parse(pmt::io::read_file(dir / "pipelines.json"));
  const int components = spec.at("components").get<int>();
  nlohmann::json out = nlohmann::json::array();
  std::size_t i = 0;
  for (const auto& pre : spec.at("preprocessings")) {
    const Matrix scaled = pmt::cluster::scale_features(
        x, pre.at("threshold").get<bool>(),
        pmt::cluster::parse_scaling(pre.at("scaling").get<std::string>()), 255.0);
    const Matrix all = pmt::cluster::fit_pca(scaled, components).transform(scaled);
    std::vector<double> mine;
    for (auto r : rows)
      for (Eigen::Index j = 0; j < all.cols(); ++j) mine.push_back(all(r, j));
    pmt::io::write_npy(dir / fmt::format("pmt_features_{}.npy", i),
                       {rows.size(), static_cast<std::size_t>(all.cols())}, mine);
    const Matrix f = read_matrix(dir / fmt::format("features_{}.npy", i));
    nlohmann::json ks = nlohmann::json::array();
    for (int k : spec.at("cluster_counts")) {
      const auto km =
          pmt::cluster::kmeans(f, read_matrix(dir / fmt::format("init_{}_{}.npy", i, k)));
      nlohmann::json one{{"k", k}, {"kmeans", km.labels}, {"kmeans_inertia", km.inertia}};
      for (const char* l : {"ward", "complete", "average"})
        one[std::string("agglomerative_") + l] =
            pmt::cluster::agglomerative(f, k, pmt::cluster::parse_linkage(l));
      for (const char* c : {"full", "tied", "diag", "spherical"}) {
        const auto type = pmt::cluster::parse_covariance(c);
        const auto g = pmt::cluster::gaussian_mixture(
            f, type, pmt::cluster::mixture_start(f, km.labels, k, type));
        one[std::string("gmm_") + c] = {{"labels", g.labels},
                                        {"log_likelihood", g.log_likelihood},
                                        {"iterations", g.iterations}};
      }
      one["silhouette"] = pmt::cluster::silhouette_score(f, km.labels);
      ks.push_back(one);
    }
    out.push_back({{"preprocessing", i}, {"clusterings", ks}});
    ++i;
  }
  std::cout << out.dump() << "\n";
  return 0;
} catch (const pmt::Error& e) {
  std::fprintf(stderr, "bench_cluster: %s\n", e.what());
  return e.kind() == pmt::ErrorKind::kUsage ? 2 : 1;
}
