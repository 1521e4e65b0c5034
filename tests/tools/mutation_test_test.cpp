// mutation_test: golden output against the replication package's own printout, and the
// repeated protocol against the figures of its README.
#include <catch2/catch.hpp>

#include "tools/fixture.hpp"

namespace {
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// Same lines, with the effect sizes compared to 1e-9 relative (the last digit of a double may
// differ with the summation order); returns the first difference or "".
std::string diff(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  if (got.size() != want.size())
    return "line count " + std::to_string(got.size()) + " vs " + std::to_string(want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto eg = got[i].find("effect_size "), ew = want[i].find("effect_size ");
    if (eg != std::string::npos && ew != std::string::npos) {
      const double g = std::stod(got[i].substr(eg + 12)), w = std::stod(want[i].substr(ew + 12));
      if (got[i].substr(0, eg) != want[i].substr(0, ew) || std::fabs(g - w) > 1e-9 * std::fabs(w))
        return got[i] + " | " + want[i];
    } else if (got[i] != want[i]) {
      return got[i] + " | " + want[i];
    }
  }
  return "";
}
}  // namespace

TEST_CASE("mutation_test --dc reproduces the reference's printout", "[cli][mutation_test]") {
  DataRoot d;
  d.with_raw_data();
  std::ifstream in(d.root / "raw_data" / "deepcrime_comp" / "mnist_results_kill_DC.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  const auto want_all = lines(ss.str());
  int blocks = 0;
  for (const std::string mut : {"change_label", "delete_training_data",
                                "change_activation_function", "change_weights_initialisation"}) {
    // The reference's block for this mutation: from its "Model" line to the next one.
    std::vector<std::string> want;
    bool inside = false;
    for (const auto& l : want_all) {
      if (l.rfind("Model ", 0) == 0) inside = l == "Model mnist, Mutation " + mut;
      if (inside) want.push_back(l);
    }
    REQUIRE(want.size() > 5);
    pmt::tools::MutationTestOptions o;
    d.setup(o, mut);
    o.dc = true;
    const auto got = lines(run_tool(pmt::tools::run_mutation_test, o));
    INFO(mut);
    CHECK(diff(got, want) == "");
    ++blocks;
  }
  CHECK(blocks == 4);
}

TEST_CASE("the golden comparison catches a wrong verdict (negative control)", "[cli]") {
  const std::vector<std::string> want{"Exp: x_1", "p-value 0.045, effect_size 0.63", "Killed"};
  CHECK(diff({"Exp: x_1", "p-value 0.045, effect_size 0.63"}, want) != "");
  CHECK(diff({"Exp: x_1", "p-value 0.045, effect_size 0.64", "Killed"}, want) != "");
  CHECK(diff({"Exp: x_1", "p-value 0.045, effect_size 0.6300000000001", "Killed"}, want) == "");
}

TEST_CASE("mutation_test --dc --json", "[cli][mutation_test]") {
  DataRoot d;
  d.with_raw_data();
  pmt::tools::MutationTestOptions o;
  d.setup(o, "delete_training_data");
  o.dc = true;
  o.common.json = true;
  const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_mutation_test, o));
  CHECK(j["model"] == "mnist");
  REQUIRE(j["results"].size() == 5);
  const auto all_oracles = oracles();
  int compared = 0;
  for (const auto& row : all_oracles["deepcrime_single_test"]) {
    if (row["mut"] != "delete_training_data") continue;
    ++compared;
    bool found = false;
    for (const auto& r : j["results"]) {
      if (r["param"] != row["param"]) continue;
      found = true;
      CHECK(r["p_value"] == row["expected"]["p_value"]);
      CHECK(close(r["effect_size"], row["expected"]["effect_size"], 1e-9));
      CHECK(r["killed"] == row["expected"]["killed"]);
    }
    CHECK(found);
  }
  CHECK(compared == 5);  // the oracle's five delete_training_data rows
}

TEST_CASE("repeated protocol agrees with the package's README figures", "[cli][mutation_test]") {
  // README (50 runs, stochastic): sound 0.06 (0.051); 3.1 -> 0.13 (0.093); 9.29 -> 0.45 (0.120);
  // 12.38 -> 0.47 (0.143); 18.57 -> 0.85 (0.091); 30.93 -> 1.00 (0.001). A mean over 50 runs
  // moves by about std / sqrt(50) between seeds: allow 4 of those (+0.01 for rounding).
  DataRoot d;
  d.with_raw_data();
  pmt::tools::MutationTestOptions o;
  d.setup(o, "delete_training_data");
  o.common.json = true;
  const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_mutation_test, o));
  const std::map<std::string, std::pair<double, double>> readme{{"3.1", {0.13, 0.093}},
                                                                {"9.29", {0.45, 0.120}},
                                                                {"12.38", {0.47, 0.143}},
                                                                {"18.57", {0.85, 0.091}},
                                                                {"30.93", {1.00, 0.001}}};
  CHECK(j["sound"]["mean"].get<double>() == Approx(0.06).margin(4 * 0.051 / std::sqrt(50) + 0.01));
  for (const auto& r : j["results"]) {
    const auto [mean, sd] = readme.at(r["param"]);
    INFO(r["param"].get<std::string>());
    CHECK(r["mean"].get<double>() == Approx(mean).margin(4 * sd / std::sqrt(50) + 0.01));
    CHECK(r["runs"].size() == 50);
  }
}

TEST_CASE("mutation_test --dc with a missing instance tests the usable ones",
          "[cli][mutation_test]") {
  // tests/data/dc_missing: DeepCrime's change_label 3.12 mutant file with the cell of instance 15
  // emptied (scripts/dc_missing_fixture.py). The reference's GLM drops the row (statsmodels p =
  // 0.04948350844177852, summary 0.049) but its numpy Cohen's d is NaN, so it never prints
  // "Killed"; pmt drops the instance from both: p by DESIGN.md's formula 0.04948350844194826
  // (statsmodels' IRLS agrees to 4e-11), d = 0.6293189939827161 on 20 + 19 instances, killed.
  DataRoot d;
  d.with_raw_data();
  const std::string name = "results_mnist_change_label_mutated0_MP_3.12_dc.csv";
  fs::copy_file(fs::path(PMT_TEST_DATA_DIR) / "dc_missing" / name,
                d.root / "raw_data" / "deepcrime_comp" / name,
                fs::copy_options::overwrite_existing);
  pmt::tools::MutationTestOptions o;
  d.setup(o, "change_label", "3.12");
  o.dc = true;
  o.common.json = true;
  const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_mutation_test, o));
  REQUIRE(j["results"].size() == 1);
  const auto& r = j["results"][0];
  CHECK(r["instances"] == nlohmann::json::array({20, 19}));
  CHECK(r["p_value"].get<double>() == 0.049);  // the reference's printed value
  // 1e-12: the same formula, summation order only; statsmodels' IRLS to 1e-9.
  CHECK(close(r["p_value_exact"], 0.04948350844194826, 1e-12));
  CHECK(close(r["p_value_exact"], 0.04948350844177852, 1e-9));
  CHECK(close(r["effect_size"], 0.6293189939827161, 1e-12));
  CHECK(r["killed"] == true);
  // Text mode: the reference's lines, and the note naming the file on stderr (exe run).
  o.common.json = false;
  const auto text = run_tool(pmt::tools::run_mutation_test, o);
  CHECK(text.find("p-value 0.049, effect_size 0.629318993982") != std::string::npos);
  CHECK(text.find("Killed") != std::string::npos);
  std::string out, err;
  CHECK(run_exe("mutation_test",
                "--data-root " + d.root.string() +
                    " --model mnist --mut change_label --param 3.12 --dc",
                &out, &err) == 0);
  CHECK(err.find(name + ": 1 missing instance(s) dropped") != std::string::npos);
  // A side with fewer than 2 usable instances is still an error naming the file (exit 1).
  d.write("raw_data/deepcrime_comp/" + name,
          "true_label;pred_label_model_0;pred_label_model_1\n;0.99;\n");
  CHECK(run_exe("mutation_test",
                "--data-root " + d.root.string() +
                    " --model mnist --mut change_label --param 3.12 --dc",
                &out, &err) == 1);
  CHECK(err.find(name) != std::string::npos);
  CHECK(err.find("at least 2") != std::string::npos);
}

TEST_CASE("mutation_test --dc --test wilcoxon matches scipy on every mnist row",
          "[cli][mutation_test][wilcoxon]") {
  // tests/data/wilcoxon_dc_mnist.json: scipy 1.10 mannwhitneyu(sound, mutant) and numpy's |d|
  // (scripts/wilcoxon_fixtures.py). p to 1e-12 relative (same arithmetic, erfc's last bits).
  std::ifstream in(PMT_TEST_DATA_DIR "/wilcoxon_dc_mnist.json");
  const auto want = nlohmann::json::parse(in)["rows"];
  DataRoot d;
  d.with_raw_data();
  int checked = 0, killed = 0;
  for (const std::string mut : {"change_label", "delete_training_data",
                                "change_activation_function", "change_weights_initialisation"}) {
    pmt::tools::MutationTestOptions o;
    d.setup(o, mut);
    o.dc = true;
    o.common.json = true;
    o.test.kind = pmt::stats::TestKind::kWilcoxon;
    const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_mutation_test, o));
    CHECK(j["test"] == "mann_whitney");
    for (const auto& r : j["results"]) {
      for (const auto& w : want) {
        if (w["mut"] != mut || w["param"] != r["param"]) continue;
        INFO(mut << " " << r["param"].get<std::string>());
        CHECK(close(r["p_value"], w["p_value"], 1e-12));
        CHECK(r["p_value"] == r["p_value_exact"]);  // unrounded
        CHECK(r["statistic"] == w["statistic"]);
        CHECK(r["p_method"] == "asymptotic");  // 20 vs 20: both sides > 8
        CHECK(close(r["effect_size"], w["effect_size"], 1e-9));
        CHECK(r["killed"] == w["killed"]);
        ++checked;
        killed += w["killed"].get<bool>();
      }
    }
  }
  CHECK(checked == 20);
  CHECK(killed > 0);
  CHECK(killed < 20);
}
