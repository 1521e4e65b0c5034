// Bagged posterior, Hellinger ratio, jackknife MCE and the sampling-effect summary against the
// numbers the replication package computes on its own files (oracles_mnist.json).
#include "pmt/stats/posterior.hpp"

#include <cmath>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pmt/io/npy.hpp"
#include "pmt/stats/jackknife.hpp"

namespace {
nlohmann::json oracles() {
  std::ifstream in(PMT_TEST_DATA_DIR "/pmt/oracles_mnist.json");
  return nlohmann::json::parse(in);
}
std::string data(const std::string& rel) { return std::string(PMT_TEST_DATA_DIR "/pmt/") + rel; }

// Deterministic reference values: 1e-6 relative (the reference stops its fit at xtol 1e-8).
void check_close(double got, const nlohmann::json& want) {
  if (want.is_string()) {  // "inf": JSON has no literal for it
    CHECK(std::isinf(got));
  } else {
    CHECK(got == Approx(want.get<double>()).epsilon(1e-6).margin(1e-12));
  }
}
}  // namespace

TEST_CASE("Hellinger ratio from the reference's cached kill rates", "[posterior]") {
  const pmt::stats::PosteriorFitter fitter(100, 0.001);
  int checked = 0;
  const auto all = oracles();
  for (const auto& row : all["ratio_from_cached_kill_rates"]) {
    const std::string mut = row["mut"];
    INFO(mut);
    // The oracle's "original" entries come from mnist_orig.npy for every mutation (also the
    // model-level ones, whose sound-vs-sound rates with --same are all 0).
    const auto orig = pmt::io::read_npy(data("cache/mnist/mnist_orig.npy"));
    const auto d0 = pmt::stats::ideal_distances(fitter.fit(orig.data), 100);
    check_close(d0.to_sound, row["expected"]["original"]["to_sound"]);
    check_close(d0.to_mutant, row["expected"]["original"]["to_mutant"]);
    const auto muts = pmt::io::read_npy(data("cache/mnist/mnist_" + mut + "_list_mut.npy"));
    const std::size_t B = muts.shape[1];
    for (std::size_t i = 0; i < muts.shape[0]; ++i) {
      const auto d = pmt::stats::ideal_distances(fitter.fit(muts.data.data() + i * B, B), 100);
      const auto& want = row["expected"]["mutants"][i];
      check_close(d.to_sound, want["to_sound"]);
      check_close(d.to_mutant, want["to_mutant"]);
      check_close(d.ratio, want["ratio"]);
      ++checked;
    }
  }
  CHECK(checked == 30);
}

TEST_CASE("jackknife MCE of every rep_mce file", "[posterior][mce]") {
  const pmt::stats::PosteriorFitter fitter(100, 0.01);
  const auto all = oracles();
  REQUIRE(all["mce"].size() == 12);  // every rep_mce file: an emptied oracle fails
  for (const auto& row : all["mce"]) {
    INFO(row["file"].get<std::string>());
    const auto arr = pmt::io::read_npy(data(row["file"]), {100, 100});
    const auto e = pmt::stats::jackknife_estimate(fitter, arr.data.data(), 100, 100);
    check_close(e.mean, row["expected"]["mean"]);
    check_close(e.mean_mce, row["expected"]["mean_mce"]);
    check_close(e.variance, row["expected"]["variance"]);
    check_close(e.variance_mce, row["expected"]["variance_mce"]);
  }
}

TEST_CASE("sampling-effect summaries for sizes 25 and 190", "[posterior][practicality]") {
  const pmt::stats::PosteriorFitter fitter(100, 0.01);
  const auto all = oracles();
  REQUIRE(all["practicality"].size() == 2);  // sizes 25 and 190
  for (const auto& row : all["practicality"]) {
    INFO(row["file"].get<std::string>());
    const auto arr = pmt::io::read_npy(data(row["file"]), {30, 100, 100});
    std::vector<pmt::stats::JackknifeEstimate> per;
    for (std::size_t j = 0; j < 30; ++j)
      per.push_back(pmt::stats::jackknife_estimate(fitter, arr.data.data() + j * 10000, 100, 100));
    const auto s = pmt::stats::summarise_sampling(per);
    const char* names[3] = {"estimate", "lower", "upper"};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 2; ++j)
        for (int q = 0; q < 3; ++q) check_close(s[i][j][q], row["expected"][names[i]][j][q]);
  }
}

TEST_CASE("a Beta fit recovers an exact Beta pdf", "[posterior]") {
  // All kill rates equal: the bagged pdf is exactly Beta(pN+1, N-pN+1).
  const pmt::stats::PosteriorFitter fitter(100, 0.01);
  for (double p : {0.0, 0.37, 1.0}) {
    const std::vector<double> rates(50, p);
    const auto fit = fitter.fit(rates);
    CHECK(fit.alpha == Approx(p * 100 + 1).epsilon(1e-9));
    CHECK(fit.beta == Approx(100 - p * 100 + 1).epsilon(1e-9));
  }
}

TEST_CASE("Hellinger distance basics", "[posterior]") {
  CHECK(pmt::stats::hellinger(2, 3, 2, 3) == Approx(0).margin(1e-7));
  CHECK(pmt::stats::hellinger(1, 101, 101, 1) == Approx(1).epsilon(1e-12));
  pmt::stats::BetaFit ideal_mutant;
  ideal_mutant.alpha = 101;
  ideal_mutant.beta = 1;
  const auto d = pmt::stats::ideal_distances(ideal_mutant, 100);
  CHECK(std::isinf(d.ratio));
  CHECK(d.killed());
}

TEST_CASE("numpy-compatible quantiles", "[posterior]") {
  const std::vector<double> v{4, 1, 3, 2};
  CHECK(pmt::stats::quantile(v, 0.5) == 2.5);
  CHECK(pmt::stats::quantile(v, 0.025) == Approx(1.075));
  CHECK(pmt::stats::quantile(v, 1.0) == 4);
}
