// The cluster tool end to end on a generated IDX dataset whose two classes each hold two styles
// (a bright left or right half): the chosen clustering separates the styles within each class,
// and the files are written; bad input fails before anything is written.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/model/dataset.hpp"
#include "pmt/tools/cluster.hpp"

namespace fs = std::filesystem;

namespace {

struct Styles {
  fs::path root = fs::temp_directory_path() / ("pmt_cluster_tool_" + std::to_string(getpid()));
  pmt::cluster::Labels style;  // per input: 0 left, 1 right
  Styles() {
    fs::remove_all(root);
    std::mt19937 gen(5);
    std::normal_distribution<double> noise(0, 20);
    const int n = 120, side = 6;
    pmt::model::IdxArray x{{n, side, side}, {}}, y{{n}, {}};
    for (int i = 0; i < n; ++i) {
      const int s = (i / 2) % 2;
      style.push_back(s);
      for (int r = 0; r < side; ++r)
        for (int c = 0; c < side; ++c) {
          const double v = ((c < side / 2) == (s == 0) ? 200 : 30) + noise(gen);
          x.data.push_back(static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0)));
        }
      y.data.push_back(static_cast<std::uint8_t>(i % 2));
    }
    const fs::path dir = root / "datasets" / "styles";
    fs::create_directories(dir);
    pmt::model::write_idx(dir / "train-images-idx3-ubyte", x);
    pmt::model::write_idx(dir / "train-labels-idx1-ubyte", y);
    pmt::io::write_file_atomic(root / "styles.json", R"({
      "name": "styles", "dataset": "styles", "input_shape": [1, 6, 6], "num_classes": 2,
      "layers": [{"type": "flatten"}, {"type": "dense", "units": 2, "activation": "softmax"}]})");
  }
  ~Styles() { fs::remove_all(root); }
  pmt::tools::ClusterOptions options() const {
    pmt::tools::ClusterOptions o;
    o.subject_file = (root / "styles.json").string();
    o.common.data_root = root.string();
    o.plot = false;
    o.common.proc = 1;
    o.search.scalings = {pmt::cluster::Scaling::kMax, pmt::cluster::Scaling::kStandard};
    o.search.min_cluster_sizes = {10, 20};
    o.search.components = 3;
    return o;
  }
};

}  // namespace

TEST_CASE_METHOD(Styles, "cluster separates the styles within each class", "[cluster][tool]") {
  const auto s = pmt::tools::run_cluster(options());
  REQUIRE(s.result.classes.size() == 2);
  CHECK_FALSE(s.chosen.empty());
  const fs::path out = root / "clusters" / "styles";
  for (const char* f : {"clusters.npy", "clusters.csv", "report.json", "report.txt"})
    CHECK(fs::exists(out / f));
  const auto clusters = pmt::io::read_npy(out / "clusters.npy", {120});
  for (const auto& c : s.result.classes) {
    pmt::cluster::Labels truth, found;
    for (auto i : c.indices) {
      truth.push_back(style[static_cast<std::size_t>(i)]);
      found.push_back(static_cast<int>(clusters.data[static_cast<std::size_t>(i)]));
    }
    INFO("class " << c.cls << " " << s.chosen);
    CHECK(pmt::cluster::adjusted_rand_score(truth, found) == 1.0);
    // 2 thresholds x 2 scalings x 1 reduction x (4 counts x 8 algorithms + 2 HDBSCAN sizes)
    CHECK(c.outcomes.size() == 136);
  }
  // the same result whatever the threads (and with the figures)
  auto o = options();
  o.common.proc = 2;
  o.out_dir = (root / "again").string();
  o.plot = true;
  pmt::tools::run_cluster(o);
  CHECK(pmt::io::read_file(root / "again" / "clusters.csv") ==
        pmt::io::read_file(out / "clusters.csv"));
  // Class 0's figure: the projection (block 0, one point per input) and the examples panel
  // (block 1: a row of 8 tiles of 6x6 pixels and 2 of gap per cluster), whose tiles are inputs
  // of the row's cluster: bright on the left for style 0, on the right for style 1.
  const std::string dat = pmt::io::read_file(root / "again" / "class_0.dat");
  const auto split = dat.find("\n\n\n");
  REQUIRE(split != std::string::npos);
  std::map<std::pair<int, int>, double> pixel;
  std::istringstream mosaic(dat.substr(split + 3));
  for (int x, y; mosaic >> x >> y;) mosaic >> pixel[{x, y}];
  CHECK(pixel.size() == 2 * 8 * 8 * 8);
  const auto& c0 = s.result.classes[0];
  const auto& labels = pmt::cluster::chosen(c0, s.chosen, false).labels;
  for (int row = 0; row < 2; ++row) {
    int style0 = 0, members = 0;
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] == row)
        ++members, style0 += style[static_cast<std::size_t>(c0.indices[i])] == 0;
    for (int tile = 0; tile < 8; ++tile) {
      double left = 0, right = 0;
      for (int y = 0; y < 6; ++y)
        for (int x = 0; x < 6; ++x) (x < 3 ? left : right) += pixel[{tile * 8 + x, row * 8 + y}];
      INFO("cluster " << row << " tile " << tile);
      CHECK((left > right) == (2 * style0 > members));
    }
  }
  CHECK_THAT(pmt::io::read_file(root / "again" / "class_0.gp"),
             Catch::Contains("nearest each cluster"));
}

TEST_CASE_METHOD(Styles, "cluster: bad input fails before anything is written", "[cluster][tool]") {
  auto o = options();
  o.limit = 4;  // 4 inputs per class: too few for 5 clusters
  CHECK_THROWS_WITH(pmt::tools::run_cluster(o), Catch::Contains("too few for 5 clusters"));
  o = options();
  o.search.classes = {7};
  CHECK_THROWS_WITH(pmt::tools::run_cluster(o), Catch::Contains("class 7 has no inputs"));
  o = options();
  o.pipeline = "all/max/pca/kmeans-9";
  CHECK_THROWS_WITH(pmt::tools::run_cluster(o), Catch::Contains("no pipeline"));
  CHECK_FALSE(fs::exists(root / "clusters"));
}

TEST_CASE_METHOD(Styles, "cluster: NaN features, identical inputs and bad embeddings are errors",
                 "[cluster][tool]") {
  // the search itself: NaN or infinite features, a class whose inputs are all the same
  pmt::cluster::SearchOptions so;
  so.scalings = {pmt::cluster::Scaling::kNone};
  so.thresholds = {false};
  so.min_cluster_sizes = {10};
  pmt::cluster::Matrix x = pmt::cluster::Matrix::Random(40, 3);
  std::vector<std::int64_t> y(40);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = static_cast<std::int64_t>(i % 2);
  x(7, 2) = std::nan("");
  CHECK_THROWS_WITH(pmt::cluster::search_clusters(x, y, so), Catch::Contains("NaN"));
  x(7, 2) = 0.5;
  for (Eigen::Index i = 1; i < 40; i += 2) x.row(i) << 1, 2, 3;
  CHECK_THROWS_WITH(pmt::cluster::search_clusters(x, y, so),
                    Catch::Contains("the 20 inputs of class 1 are all identical"));
  // embeddings (cluster --embedding): NaN, the wrong number of rows, a bad sidecar; every error
  // names the file, and nothing is written
  const fs::path dir = root / "emb";
  std::vector<double> codes(120 * 2, 0.25);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<double>(i % 7);
  codes[41] = std::nan("");
  pmt::io::write_npy(dir / "nan.npy", {120, 2}, codes);
  pmt::io::write_npy(dir / "short.npy", {119, 2}, std::vector<double>(119 * 2, 1.0));
  codes[41] = 1;
  pmt::io::write_npy(dir / "sidecar.npy", {120, 2}, codes);
  pmt::io::write_file_atomic(dir / "sidecar.json", R"({"reduction": "vae", "scaling": "cubic"})");
  pmt::io::write_npy(dir / "pca.npy", {120, 2}, codes);
  for (const auto& [file, message] :
       {std::pair{"nan.npy", "nan.npy: row 20 holds a non-finite value"},
        std::pair{"short.npy", "short.npy: an embedding of shape (119, 2); expected (120, "},
        std::pair{"sidecar.npy", "sidecar.json: unknown scaling 'cubic'"},
        std::pair{"pca.npy", "cannot be named 'pca'"}}) {
    auto o = options();
    o.embedding_files = {(dir / file).string()};
    CHECK_THROWS_WITH(pmt::tools::run_cluster(o), Catch::Contains(message));
  }
  CHECK_FALSE(fs::exists(root / "clusters"));
}

TEST_CASE_METHOD(Styles, "cluster: UMAP and embeddings are reductions of the search",
                 "[cluster][tool]") {
  auto o = options();
  o.search.reductions = {pmt::cluster::Reduction::kUmap};
  o.search.thresholds = {false};
  o.search.scalings = {pmt::cluster::Scaling::kMax};
  o.search.algorithms = {pmt::cluster::Algorithm::kKMeans, pmt::cluster::Algorithm::kHdbscan};
  // an embedding: the style itself and noise, as if a VAE had found it
  std::vector<double> codes;
  std::mt19937 gen(3);
  std::normal_distribution<double> noise(0, 0.1);
  for (int s : style) codes.insert(codes.end(), {s + noise(gen), noise(gen)});
  pmt::io::write_npy(root / "emb" / "styles_vae.npy", {120, 2}, codes);
  pmt::io::write_file_atomic(root / "emb" / "styles_vae.json",
                             R"({"reduction": "vae", "scaling": "normalization"})");
  o.embedding_files = {(root / "emb" / "styles_vae.npy").string()};
  const auto s = pmt::tools::run_cluster(o);
  for (const auto& c : s.result.classes) {
    // (4 k-means + 2 HDBSCAN) x (UMAP, the embedding)
    REQUIRE(c.outcomes.size() == 12);
    CHECK(c.outcomes[0].pipeline.name() == "all/max/umap/kmeans-2");
    CHECK(c.outcomes[6].pipeline.name() == "all/normalization/vae/kmeans-2");
    pmt::cluster::Labels truth;
    for (auto i : c.indices) truth.push_back(style[static_cast<std::size_t>(i)]);
    INFO("class " << c.cls);
    CHECK(pmt::cluster::adjusted_rand_score(truth, c.outcomes[0].labels) == 1.0);
    CHECK(pmt::cluster::adjusted_rand_score(truth, c.outcomes[6].labels) == 1.0);
  }
}
