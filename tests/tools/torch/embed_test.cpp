// The thesis' VAE (embed.hpp) on generated 28 x 28 images: the loss falls, the latent codes have
// one row of `latent` values per input, the embed tool writes them with their sidecar and keeps
// them on a rerun, and cluster --embedding separates the two styles of each class from them.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/model/dataset.hpp"
#include "pmt/tools/cluster.hpp"
#include "pmt/tools/embed.hpp"

namespace fs = std::filesystem;

namespace {

// n images of 28 x 28 bytes: style 0 a bright left half, style 1 a bright right half, noise sd 25.
pmt::model::IdxArray styled_images(int n, int side, std::vector<int>& style) {
  std::mt19937 gen(11);
  std::normal_distribution<double> noise(0, 25);
  pmt::model::IdxArray x{{n, side, side}, {}};
  for (int i = 0; i < n; ++i) {
    const int s = (i / 2) % 2;
    style.push_back(s);
    for (int r = 0; r < side; ++r)
      for (int c = 0; c < side; ++c) {
        const double v = ((c < side / 2) == (s == 0) ? 200 : 20) + noise(gen);
        x.data.push_back(static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0)));
      }
  }
  return x;
}

struct StyledDigits {
  fs::path root = fs::temp_directory_path() / ("pmt_embed_" + std::to_string(getpid()));
  std::vector<int> style;
  static constexpr int kInputs = 128;
  explicit StyledDigits(int side = 28) {
    fs::remove_all(root);
    pmt::model::IdxArray x = styled_images(kInputs, side, style), y{{kInputs}, {}};
    for (int i = 0; i < kInputs; ++i) y.data.push_back(static_cast<std::uint8_t>(i % 2));
    const fs::path dir = root / "datasets" / "styles";
    fs::create_directories(dir);
    pmt::model::write_idx(dir / "train-images-idx3-ubyte", x);
    pmt::model::write_idx(dir / "train-labels-idx1-ubyte", y);
    pmt::io::write_file_atomic(
        root / "styles.json",
        fmt::format(R"({{"name": "styles", "dataset": "styles", "input_shape": [1, {0}, {0}],
          "num_classes": 2, "layers": [{{"type": "flatten"}},
          {{"type": "dense", "units": 2, "activation": "softmax"}}]}})",
                    side));
  }
  ~StyledDigits() { fs::remove_all(root); }
  pmt::tools::EmbedOptions options() const {
    pmt::tools::EmbedOptions o;
    o.subject_file = (root / "styles.json").string();
    o.common.data_root = root.string();
    o.vae.epochs = 15;
    o.common.proc = 1;
    return o;
  }
};

}  // namespace

TEST_CASE("the VAE's loss falls and it encodes every input", "[train][embed]") {
  std::vector<int> style;
  const auto images = styled_images(96, 28, style);
  std::vector<float> x(images.data.begin(), images.data.end());
  for (float& v : x) v /= 255;
  pmt::train::VaeOptions o;
  o.epochs = 20;
  o.batch_size = 16;  // 6 steps per epoch
  o.threads = 1;
  const auto fit = pmt::train::fit_vae(x, 96, o);
  CHECK(fit.loss == "bce");
  REQUIRE(fit.epoch_loss.size() == 20);
  INFO("epoch losses " << fit.epoch_loss.front() << " ... " << fit.epoch_loss.back());
  CHECK(fit.epoch_loss.back() < 0.8 * fit.epoch_loss.front());
  REQUIRE(fit.codes.size() == 96u * 10);
  for (float c : fit.codes) CHECK(std::isfinite(c));
  // the same seed, the same codes
  CHECK(pmt::train::fit_vae(x, 96, o).codes == fit.codes);
  // bad input
  o.loss = "bce";
  std::vector<float> big(x);
  big[3] = 2;
  CHECK_THROWS_WITH(pmt::train::fit_vae(big, 96, o), Catch::Contains("needs inputs in [0, 1]"));
  big[3] = std::nanf("");
  CHECK_THROWS_WITH(pmt::train::fit_vae(big, 96, o), Catch::Contains("NaN"));
  CHECK_THROWS_WITH(pmt::train::fit_vae(x, 95, o), Catch::Contains("1 x 28 x 28"));
}

TEST_CASE_METHOD(StyledDigits, "embed writes latent codes that cluster --embedding uses",
                 "[train][embed][cluster]") {
  auto o = options();
  o.per = "class";
  const auto s = pmt::tools::run_embed(o);
  CHECK_FALSE(s.skipped);
  CHECK(s.npy.filename() == "vae_s_max.npy");
  const auto codes = pmt::io::read_npy(s.npy, {kInputs, 10});
  const auto side = nlohmann::json::parse(pmt::io::read_file(s.sidecar));
  CHECK(side.at("reduction") == "vae_s");
  CHECK(side.at("scaling") == "max");
  REQUIRE(side.at("vaes").size() == 2);  // one per class
  for (const auto& v : side.at("vaes"))
    CHECK(v.at("last_epoch_loss").get<double>() < v.at("first_epoch_loss").get<double>());
  // a rerun keeps them; other options make them again
  CHECK(pmt::tools::run_embed(o).skipped);
  // the cluster search on the codes: k-means with 2 clusters finds each class's two styles
  pmt::tools::ClusterOptions c;
  c.subject_file = o.subject_file;
  c.common.data_root = root.string();
  c.plot = false;
  c.embedding_files = {s.npy.string()};
  c.search.reductions = {};
  c.search.thresholds = {false};
  c.search.scalings = {pmt::cluster::Scaling::kMax};
  c.search.min_cluster_sizes = {10};
  c.pipeline = "all/max/vae_s/kmeans-2";
  c.common.proc = 1;
  const auto r = pmt::tools::run_cluster(c);
  for (const auto& cls : r.result.classes) {
    CHECK(cls.outcomes.size() == 33);  // 4 counts x 8 algorithms + 1 HDBSCAN size
    const auto& chosen = pmt::cluster::chosen(cls, c.pipeline, false);
    REQUIRE(chosen.pipeline.name() == c.pipeline);
    pmt::cluster::Labels truth;
    for (auto i : cls.indices) truth.push_back(style[static_cast<std::size_t>(i)]);
    INFO("class " << cls.cls);
    CHECK(pmt::cluster::adjusted_rand_score(truth, chosen.labels) == 1.0);
  }
}

TEST_CASE("embed: bad input fails before anything is written", "[train][embed]") {
  StyledDigits small(6);  // 6 x 6 images: not the thesis' VAE's input
  auto o = small.options();
  CHECK_THROWS_WITH(pmt::tools::run_embed(o), Catch::Contains("1 x 28 x 28"));
  CHECK_FALSE(fs::exists(small.root / "embeddings"));
}
