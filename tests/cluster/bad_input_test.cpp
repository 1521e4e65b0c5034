// cluster's bad inputs that issue 9 lists and cluster_tool_test does not cover: a class whose
// inputs are all identical (every clustering gives one cluster, so every pipeline is filtered out:
// a one-line error, nothing written) and NaN features (an error before any clustering).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "pmt/cluster/search.hpp"
#include "pmt/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/train/dataset.hpp"

namespace fs = std::filesystem;

TEST_CASE("cluster: a class of identical inputs is an error, nothing written", "[cluster][tool]") {
  const fs::path root =
      fs::temp_directory_path() / ("pmt_cluster_identical_" + std::to_string(getpid()));
  fs::remove_all(root);
  std::mt19937 gen(3);
  std::uniform_int_distribution<int> pixel(0, 255);
  const int n = 60;
  pmt::train::IdxArray x{{n, 6, 6}, {}}, y{{n}, {}};
  for (int i = 0; i < n; ++i) {
    for (int p = 0; p < 36; ++p)
      x.data.push_back(static_cast<std::uint8_t>(i % 2 == 0 ? 100 : pixel(gen)));
    y.data.push_back(static_cast<std::uint8_t>(i % 2));
  }
  const fs::path dir = root / "datasets" / "same";
  fs::create_directories(dir);
  pmt::train::write_idx(dir / "train-images-idx3-ubyte", x);
  pmt::train::write_idx(dir / "train-labels-idx1-ubyte", y);
  pmt::io::write_file_atomic(root / "same.json", R"({
    "name": "same", "dataset": "same", "input_shape": [1, 6, 6], "num_classes": 2,
    "layers": [{"type": "flatten"}, {"type": "dense", "units": 2, "activation": "softmax"}]})");
  pmt::cluster::ClusterToolOptions o;
  o.subject_file = (root / "same.json").string();
  o.data_root = root.string();
  o.plot = false;
  o.search.proc = 1;
  o.search.scalings = {pmt::cluster::Scaling::kMax};
  o.search.thresholds = {false};
  o.search.min_cluster_sizes = {10};
  o.search.components = 3;
  CHECK_THROWS_WITH(pmt::cluster::run_cluster_tool(o),
                    Catch::Contains("class 0: every k-means/agglomerative/mixture pipeline was "
                                    "filtered out"));
  CHECK_FALSE(fs::exists(root / "clusters"));
  fs::remove_all(root);
}

TEST_CASE("cluster: NaN features are an error before any clustering", "[cluster]") {
  pmt::cluster::Matrix x = pmt::cluster::Matrix::Random(20, 3);
  x(7, 1) = std::nan("");
  std::vector<std::int64_t> y(20, 0);
  pmt::cluster::SearchOptions o;
  o.proc = 1;
  CHECK_THROWS_WITH(pmt::cluster::search_clusters(x, y, o), Catch::Contains("NaN"));
}
