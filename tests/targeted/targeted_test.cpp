// The targeted mutants' pieces without training: the registry's targeted operators and their
// parameter, the Pareto front of Arachne's localisation, the clusters reader, the statistics of
// the thesis' tables (scipy's exact signed-rank p-values), mutate_model refusing them.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "pmt/core/error.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/mutate/registry.hpp"
#include "pmt/targeted/targeted.hpp"

namespace fs = std::filesystem;
using pmt::targeted::compare_sets;
using pmt::targeted::pareto_front;
using pmt::targeted::read_clusters;

TEST_CASE("targeted operators: registry entries, parameter form, folders", "[targeted]") {
  const auto spec = pmt::model::load_subject(pmt::model::builtin_subject_path("mnist"));
  const auto m = pmt::mutate::make_mutation("tmr", "c0_k1_e2", spec);
  CHECK(m.folder() == "tmr_c0_k1_e2");
  CHECK(m.is_post_training());
  CHECK(pmt::mutate::find_operator("arachne").stage == pmt::mutate::Stage::kTargeted);
  CHECK(pmt::mutate::make_mutation("arachne", "c5_k0_gn_layer5", spec).folder() ==
        "arachne_c5_k0_gn_layer5");
  const auto t = pmt::mutate::parse_target("tmr", "c12_k3_e5_p2");
  CHECK(t.cls == 12);
  CHECK(t.cluster == 3);
  CHECK(t.how == "e5_p2");
  for (const char* bad :
       {"", "c0", "c0_k1", "c0_k1_", "k1_c0_e2", "c_k1_e2", "c0_kx_e2", "c0_k1_e 2", "c-1_k1_e2"}) {
    INFO(bad);
    CHECK_THROWS_AS(pmt::mutate::make_mutation("tmr", bad, spec), pmt::Error);
  }
  // not a mutate_model operator, not in its list
  const auto post = pmt::mutate::operator_names(pmt::mutate::Stage::kPostTraining);
  CHECK(std::find(post.begin(), post.end(), "tmr") == post.end());
}

TEST_CASE("Pareto front: Arachne's loop, duplicates kept once", "[targeted][arachne]") {
  //            0    1    2    3    4    5    6
  const std::vector<double> a{1, 2, 3, 1, 2, 0, 3};
  const std::vector<double> b{5, 4, 3, 1, 4, 6, 2};
  // (1,1) is dominated by all; (3,2) by (3,3); index 4 duplicates index 1 and goes
  CHECK(pareto_front(a, b) == std::vector<std::int64_t>{0, 1, 2, 5});
  CHECK(pareto_front({1}, {1}) == std::vector<std::int64_t>{0});
  CHECK(pareto_front({}, {}).empty());
  // one point dominating everything
  CHECK(pareto_front({0, 9, 1}, {0, 9, 1}) == std::vector<std::int64_t>{1});
}

TEST_CASE("clusters.npy: one integer >= -2 per input, else an error naming the file",
          "[targeted]") {
  const fs::path dir = fs::temp_directory_path() / ("pmt_targeted_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path f = dir / "clusters.npy";
  pmt::io::write_npy(f, {4}, {0, 1, -1, -2});
  CHECK(read_clusters(f.string(), 4) == std::vector<int>{0, 1, -1, -2});
  const auto fails = [&](std::int64_t n, const std::string& needle) {
    try {
      read_clusters(f.string(), n);
      FAIL("no error");
    } catch (const pmt::Error& e) {
      const std::string what = e.what();
      CHECK(what.find(f.string()) != std::string::npos);
      CHECK(what.find(needle) != std::string::npos);
    }
  };
  fails(5, "one cluster per input");
  pmt::io::write_npy(f, {2}, {0, 1.5});
  fails(2, "not an integer");
  pmt::io::write_npy(f, {2}, {0, -3});
  fails(2, "not an integer >= -2");
  pmt::io::write_npy(f, {2}, {0, std::nan("")});
  fails(2, "not an integer");
  fs::remove(f);
  fails(2, "no such file");
  fs::remove_all(dir);
}

TEST_CASE("set comparison: scipy's exact signed-rank p and DeepCrime's signed Cohen's d",
          "[targeted][stats]") {
  // Six positive differences, all distinct: scipy.stats.wilcoxon gives p = 2/64 exactly.
  auto c = compare_sets("i_neg", {1, 1, 1, 1, 1, 1}, {0.5, 0.6, 0.7, 0.8, 0.9, 0.95});
  CHECK(c.p_value == Approx(0.03125).epsilon(1e-12));
  CHECK(c.mean_original == 1.0);
  CHECK(c.mean_mutant == Approx(0.741666666666667).epsilon(1e-12));
  // d = (mean(o) - mean(m)) / sqrt((5 var(o) + 5 var(m)) / 10), ddof 1: 0.258333 / 0.123322
  CHECK(c.cohen_d == Approx(2.09477).epsilon(1e-4));
  CHECK(c.different);
  // Five pairs: the smallest exact p is 2/32 = 0.0625: never "different".
  c = compare_sets("i_neg", {1, 1, 1, 1, 1}, {0.5, 0.6, 0.7, 0.8, 0.9});
  CHECK(c.p_value == Approx(0.0625).epsilon(1e-12));
  CHECK_FALSE(c.different);
  // Mutants better than the originals: significant, but d < 0 is not a "difference".
  c = compare_sets("test", {0.5, 0.6, 0.7, 0.8, 0.9, 0.95}, {1, 1, 1, 1, 1, 1});
  CHECK(c.p_value == Approx(0.03125).epsilon(1e-12));
  CHECK(c.cohen_d < 0);
  CHECK_FALSE(c.different);
  // Identical: p = 1, d = 0.
  c = compare_sets("test", {0.9, 0.8, 0.7}, {0.9, 0.8, 0.7});
  CHECK(c.p_value == 1.0);
  CHECK(c.cohen_d == 0.0);
  // One instance: no test.
  c = compare_sets("test", {0.9}, {0.8});
  CHECK(std::isnan(c.p_value));
  CHECK_FALSE(c.different);
}
