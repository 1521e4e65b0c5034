// mutation_test: golden output against the replication package's own printout, and the
// repeated protocol against the figures of its README.
#include <catch2/catch.hpp>

#include "fixture.hpp"

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
  for (const auto& row : all_oracles["deepcrime_single_test"]) {
    if (row["mut"] != "delete_training_data") continue;
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
