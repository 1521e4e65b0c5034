// ratio and posterior: the reference's numbers from its own cached kill rates (deterministic,
// 1e-6), and bootstrap posteriors from the raw accuracies within Monte-Carlo error.
#include <catch2/catch.hpp>

#include "pmt/core/error.hpp"
#include "tools/fixture.hpp"

TEST_CASE("ratio on the reference's cached kill rates, without raw data", "[cli][ratio]") {
  DataRoot d;
  d.with_reference_caches();  // no raw_data/: the caches alone must do
  int checked = 0;
  const auto all_oracles = oracles();
  for (const auto& row : all_oracles["ratio_from_cached_kill_rates"]) {
    pmt::tools::RatioOptions o;
    d.setup(o, row["mut"]);
    o.common.json = true;
    const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_ratio, o));
    INFO(row["mut"].get<std::string>());
    for (const char* k : {"to_sound", "to_mutant", "ratio"})
      CHECK(close(j["original"][k], row["expected"]["original"][k]));
    REQUIRE(j["mutants"].size() == row["expected"]["mutants"].size());
    for (std::size_t i = 0; i < j["mutants"].size(); ++i) {
      for (const char* k : {"to_sound", "to_mutant", "ratio"})
        CHECK(close(j["mutants"][i][k], row["expected"]["mutants"][i][k]));
      CHECK_FALSE(j["mutants"][i].contains("mc"));  // no raw data: no uncertainty claimed
      ++checked;
    }
  }
  CHECK(checked == 30);
}

TEST_CASE("ratio prints the reference's lines", "[cli][ratio]") {
  DataRoot d;
  d.with_reference_caches();
  pmt::tools::RatioOptions o;
  d.setup(o, "change_activation_function");
  const std::string out = run_tool(pmt::tools::run_ratio, o);
  CHECK_THAT(out, Catch::Contains("Original: Hellinger distance to ideal non-mutant posterior: "
                                  "0.75663, Hellinger distance to ideal mutant posterior: 1.00000\n"
                                  "Ratio:  0.7566258"));
  CHECK_THAT(out, Catch::Contains("Mut: sigmoid, Hellinger distance to ideal non-mutant posterior: "
                                  "1.00000, Hellinger distance to ideal mutant posterior: 0.0\n"
                                  "Ratio:  inf\nVerdict: killed"));
}

TEST_CASE("bootstrap posteriors from raw accuracies agree within Monte-Carlo error",
          "[cli][posterior][ratio]") {
  // sd: the run-to-run spread of one posterior mean, ~10 x the MCE of the package's rep_mce file
  // of the configuration; two independent runs differ by sqrt(2) sd. Tolerance
  // max(4 sqrt(2) sd, 0.005); same verdict where the reference's ratio is outside [0.9, 1.1].
  const auto all = oracles();
  auto mce_of = [&](const std::string& mut, const std::string& param) {
    for (const auto& m : all["mce"])
      if (m["mut"] == mut && m["param"] == param) return m["expected"]["mean_mce"].get<double>();
    FAIL("no rep_mce oracle for " << mut << " " << param);
    return 0.0;
  };
  DataRoot d;
  d.with_raw_data();
  pmt::tools::PosteriorOptions po;
  d.setup(po, "delete_training_data");
  po.common.json = true;
  po.plot = false;
  const auto post = nlohmann::json::parse(run_tool(pmt::tools::run_posterior, po));
  pmt::tools::RatioOptions ro;
  d.setup(ro, "delete_training_data");
  ro.common.json = true;
  const auto rat = nlohmann::json::parse(run_tool(pmt::tools::run_ratio, ro));
  int checked = 0;
  for (const auto& row : all["bootstrap_seed42"]) {
    const std::string mut = row["mut"], param = row["param"];
    INFO(mut << " " << param);
    nlohmann::json got_post, got_ratio;
    if (mut == "original") {
      got_post = post["original"];
      got_ratio = rat["original"];
    } else {
      for (std::size_t i = 0; i < post["mutants"].size(); ++i)
        if (post["mutants"][i]["param"] == param) {
          got_post = post["mutants"][i];
          got_ratio = rat["mutants"][i];
        }
    }
    REQUIRE(got_post.is_object());
    const double sd = 10 * mce_of(mut, mut == "original" ? "none" : param);
    const double tol = std::max(4 * std::sqrt(2.0) * sd, 0.005);
    CHECK(std::fabs(got_post["mean"].get<double>() -
                    row["expected"]["posterior_mean"].get<double>()) <= tol);
    const double ref_ratio = row["expected"]["to_mutant"].get<double>() == 0
                                 ? INFINITY
                                 : row["expected"]["to_sound"].get<double>() /
                                       row["expected"]["to_mutant"].get<double>();
    if (ref_ratio < 0.9 || ref_ratio > 1.1) {
      const bool got_killed =
          got_ratio["ratio"].is_string() || got_ratio["ratio"].get<double>() > 1;
      CHECK(got_killed == (ref_ratio > 1));
    }
    ++checked;
  }
  CHECK(checked == 3);
  // Firm verdicts carry their Monte-Carlo check: 30.93 is killed in every repetition.
  CHECK(rat["mutants"][4]["mc"]["firm"] == true);
  CHECK(rat["mutants"][4]["mc"]["killed_fraction"] == 1.0);
  // posterior cached the kill rates where the reference does, and ratio used them.
  CHECK(fs::exists(d.root / "mnist_orig.npy"));
  CHECK(fs::exists(d.root / "plot_results/mnist/mnist_delete_training_data_param/list_mut.npy"));
}

TEST_CASE("posterior writes its figure with data and script beside it", "[cli][posterior]") {
  DataRoot d;
  d.with_reference_caches();
  pmt::tools::PosteriorOptions o;
  d.setup(o, "change_label");
  const std::string out = run_tool(pmt::tools::run_posterior, o);
  CHECK_THAT(out, Catch::StartsWith("Model mnist, Mutation change_label\nOriginal: alpha"));
  const fs::path dir = d.root / "plot_results" / "mnist";
  CHECK(fs::exists(dir / "mnist_change_label.dat"));
  CHECK(fs::exists(dir / "mnist_change_label.gp"));
  if (std::system("command -v gnuplot >/dev/null 2>&1") == 0)
    CHECK(fs::file_size(dir / "mnist_change_label.png") > 10000);
}

TEST_CASE("verdicts from raw accuracies agree with the reference's wherever they are firm",
          "[cli][ratio]") {
  // The reference's ratios (from its own cached kill rates) against pmt's own bootstrap on the
  // raw accuracies: the same verdict wherever the reference's ratio lies outside [0.9, 1.1]
  // (closer to 1 it is a coin toss between runs).
  DataRoot d;
  d.with_raw_data();
  int firm = 0;
  const auto all_oracles = oracles();
  for (const auto& row : all_oracles["ratio_from_cached_kill_rates"]) {
    pmt::tools::RatioOptions o;
    d.setup(o, row["mut"]);
    o.same = o.mut == "neurons_freezing" || o.mut == "weights_fuzzing";
    o.mc_reps = 0;
    o.common.json = true;
    const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_ratio, o));
    for (std::size_t i = 0; i < j["mutants"].size(); ++i) {
      const auto& want = row["expected"]["mutants"][i]["ratio"];
      const double ref = want.is_string() ? INFINITY : want.get<double>();
      if (ref >= 0.9 && ref <= 1.1) continue;
      INFO(o.mut << " " << j["mutants"][i]["param"].get<std::string>());
      CHECK(j["mutants"][i]["killed"].get<bool>() == (ref > 1));
      ++firm;
    }
  }
  CHECK(firm == 13);  // of the 30 configurations, 13 have a firm reference verdict
}

TEST_CASE("ratio --test wilcoxon keeps its own kill-rate caches", "[cli][ratio][wilcoxon]") {
  // The reference's (GLM) caches are present: a Wilcoxon run must neither read nor overwrite
  // them, and writes <name>_wilcoxon.npy beside them; a rerun reuses those.
  DataRoot d;
  d.with_raw_data();
  d.with_reference_caches();
  const fs::path glm_cache =
      d.root / "plot_results" / "mnist" / "mnist_delete_training_data_param" / "list_mut.npy";
  const auto glm_size = fs::file_size(glm_cache);
  pmt::tools::RatioOptions o;
  d.setup(o, "delete_training_data");
  o.common.json = true;
  o.mc_reps = 0;
  o.test.kind = pmt::stats::TestKind::kWilcoxon;
  const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_ratio, o));
  CHECK(j["test"] == "mann_whitney");
  CHECK(fs::exists(d.root / "mnist_orig_wilcoxon.npy"));
  CHECK(fs::exists(glm_cache.parent_path() / "list_mut_wilcoxon.npy"));
  CHECK(fs::file_size(glm_cache) == glm_size);
  // Verdicts far from the boundary agree with the GLM's: 3.1 not killed, 30.93 killed.
  REQUIRE(j["mutants"].size() == 5);
  CHECK(j["mutants"][0]["param"] == "3.1");
  CHECK(j["mutants"][0]["killed"] == false);
  CHECK(j["mutants"][4]["param"] == "30.93");
  CHECK(j["mutants"][4]["killed"] == true);
  // Not the reference's numbers (those come from its GLM cache).
  const auto ref = oracles();
  for (const auto& row : ref["ratio_from_cached_kill_rates"])
    if (row["mut"] == "delete_training_data")
      CHECK_FALSE(close(j["original"]["ratio"], row["expected"]["original"]["ratio"]));
  // Rerun: same numbers from the Wilcoxon caches.
  const auto again = nlohmann::json::parse(run_tool(pmt::tools::run_ratio, o));
  CHECK(again["mutants"] == j["mutants"]);
}

namespace {
// Accuracy file of `acc.size()` instances in the package's layout.
std::string accuracy_file(const std::vector<double>& acc) {
  std::string head = "true_label", last;
  for (std::size_t i = 0; i < acc.size(); ++i) {
    head += ";pred_label_model_" + std::to_string(i);
    last += ";" + std::to_string(acc[i]);
  }
  return head + "\n" + last + "\n";
}
}  // namespace

TEST_CASE("ratio --budget finds the instances needed for the full verdict",
          "[cli][ratio][budget]") {
  // 60 instances per side. The mutant's first 40 are like the sound ones; its last 20 lost 4
  // points. With the first n <= 40 nothing is detectable (firm "not killed"); from n = 50 about
  // a fifth of each draw is degraded and the tests kill (firm "killed", as with all 60). On the
  // grid 20, 30, 40, 50, 60 the budget is 50: 60 -> 50.
  DataRoot d;
  std::vector<double> sound(60), mutant(60);
  for (int i = 0; i < 60; ++i) {
    sound[i] = 0.989 + 0.002 * std::fmod(i * 0.618034, 1.0);
    mutant[i] = 0.989 + 0.002 * std::fmod(i * 0.414214, 1.0) - (i >= 40 ? 0.04 : 0.0);
  }
  d.write("raw_data/mnist/results_mnist_original.csv", accuracy_file(sound));
  d.write("raw_data/mnist/results_mnist_change_label_mutated0_MP_3.12.csv", accuracy_file(mutant));
  pmt::tools::RatioOptions o;
  d.setup(o, "change_label", "3.12");
  o.budget = true;
  o.mc_reps = 10;
  o.common.json = true;
  o.common.proc = 1;
  const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_ratio, o));
  CHECK(j["budget"]["grid"] == nlohmann::json::array({20, 30, 40, 50, 60}));
  REQUIRE(j["budget"]["results"].size() == 1);
  const auto& r = j["budget"]["results"][0];
  CHECK(r["full"] == 60);
  CHECK(r["full_verdict"] == "killed");
  CHECK(r["needed"] == 50);
  CHECK(close(r["saving"], 1.0 / 6, 1e-12));
  CHECK(r["checked"] ==
        nlohmann::json::parse(R"([[60, "killed"], [50, "killed"], [40, "not killed"]])"));
  // Bit-identical with another thread count; text table.
  o.common.proc = 2;
  CHECK(nlohmann::json::parse(run_tool(pmt::tools::run_ratio, o)) == j);
  o.common.json = false;
  CHECK_THAT(run_tool(pmt::tools::run_ratio, o),
             Catch::Contains("3.12                 60  killed             50  60 -> 50 (17%)"));
  // The full-size row is ratio's own Monte-Carlo assessment: a firm "killed" (the ratio's main
  // run computes every parameter's kill rates: give it the other files).
  for (const char* p : {"9.38", "18.75", "28.12", "56.25"})
    d.write(std::string("raw_data/mnist/results_mnist_change_label_mutated0_MP_") + p + ".csv",
            accuracy_file(mutant));
  o.budget = false;
  CHECK_THAT(run_tool(pmt::tools::run_ratio, o),
             Catch::Contains("Verdict: killed (firm: ratio > 1 in 10/10"));
  // No repetitions, no firm verdicts.
  o.budget = true;
  o.mc_reps = 0;
  CHECK_THROWS_AS(run_tool(pmt::tools::run_ratio, o), pmt::Error);
}
