// DeepCrime's mutation score (search/mutation_score.hpp) on hand-made mutation_search results:
// binary and exhaustive operators, unstable kills (power < 0.8) not counted, --deepcrime-power,
// exclusion when nothing is killed on the training set, the total, and the folder reader.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/search/mutation_score.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using pmt::search::ScoreOptions;

namespace {

// d = 2 with 20 + 20 instances: power ~1 (stable); d = 0.6: t-test power 0.26 (unstable), but
// DeepCrime's (the t-test power of 2d = 1.2) 0.91.
json step(const std::string& param, bool killed, double d = 2) {
  return {{"param", param}, {"killed", killed}, {"cohen_d", d}, {"instances", {20, 20}}};
}

const json kBinary = {{"search", "binary"}, {"from", 99}, {"to", 0}, {"precision", 5}};
const json kExhaustive = {{"search", "exhaustive"},
                          {"values", {"relu", "linear", "tanh", "sigmoid"}}};

json result(const json& space, const json& train_steps, const json& test_steps) {
  return {{"mut", "m"},
          {"space", space},
          {"sets",
           {{{"set", "test"}, {"steps", test_steps}}, {{"set", "train"}, {"steps", train_steps}}}}};
}

}  // namespace

TEST_CASE("mutation_score: binary operator", "[search][score]") {
  const json train = {step("99", true), step("49.5", true), step("24.75", false),
                      step("37.12", true, 0.6)};
  const json test = {step("99", true), step("49.5", false), step("74.25", true)};
  const json r = result(kBinary, train, test);
  auto s = pmt::search::score_operator("m", r, r, {}, "x.json");
  CHECK(s.counted);
  CHECK(s.train_kc == "49.5");  // 37.12's kill has power 0.26: not counted
  CHECK(s.train_unstable == std::vector<std::string>{"37.12"});
  CHECK(s.test_kc == "74.25");
  CHECK(s.score == 0.5);  // (99 - 74.25) / (99 - 49.5)
  ScoreOptions dc;
  dc.power = pmt::stats::PowerKind::kDeepCrime;
  s = pmt::search::score_operator("m", r, r, dc, "x.json");
  CHECK(s.train_kc == "37.12");
  CHECK(s.score == 0.4);  // round(24.75 / 61.88, 2)

  // equal -> 1; the test set kills none -> 0; killed on train at the upper bound only -> the
  // test set kills at least as much: 1 (DeepCrime: -1)
  CHECK(pmt::search::score_operator("m", result(kBinary, train, train),
                                    result(kBinary, train, train), {}, "x")
            .score == 1);
  const json none = {step("99", false)};
  const json top = {step("99", true), step("49.5", false), step("74.25", false)};
  CHECK(pmt::search::score_operator("m", result(kBinary, train, none), result(kBinary, train, none),
                                    {}, "x")
            .score == 0);
  CHECK(pmt::search::score_operator("m", result(kBinary, top, none), result(kBinary, top, none), {},
                                    "x")
            .score == 0);  // DeepCrime: test_kc = upper = train_kc -> 1
  CHECK(pmt::search::score_operator("m", result(kBinary, top, test), result(kBinary, top, test), {},
                                    "x")
            .score == 1);
  // killed on the test set only at the upper bound, on the training set beyond it, with the
  // bound below the values (change_epochs: 1 epoch is the most aggressive): 0, not -0 (which
  // printed as "-0.00")
  const json epochs = {{"search", "binary"}, {"from", 1}, {"to", 5}, {"precision", 1}};
  const json train_epochs = {step("1", true), step("3", true), step("4", true), step("5", false)};
  const json test_epochs = {step("1", true), step("3", false), step("2", false)};
  const auto only_top =
      pmt::search::score_operator("m", result(epochs, train_epochs, test_epochs),
                                  result(epochs, train_epochs, test_epochs), {}, "x");
  CHECK(only_top.test_kc == "1");
  CHECK(only_top.train_kc == "4");
  CHECK(only_top.score == 0);
  CHECK_FALSE(std::signbit(only_top.score));
  const auto excluded = pmt::search::score_operator("m", result(kBinary, none, test),
                                                    result(kBinary, none, test), {}, "x");
  CHECK_FALSE(excluded.counted);
  CHECK(std::isnan(excluded.score));
}

TEST_CASE("mutation_score: exhaustive operator", "[search][score]") {
  const json train = {step("relu", false), step("linear", true), step("tanh", true),
                      step("sigmoid", true, 0.6)};
  const json test = {step("relu", false), step("linear", true), step("tanh", false),
                     step("sigmoid", false)};
  const json r = result(kExhaustive, train, test);
  auto s = pmt::search::score_operator("m", r, r, {}, "x.json");
  CHECK(s.counted);
  CHECK(s.train_killed == std::vector<std::string>{"linear", "tanh"});
  CHECK(s.test_killed == std::vector<std::string>{"linear"});
  CHECK(s.score == 0.5);
  ScoreOptions dc;
  dc.power = pmt::stats::PowerKind::kDeepCrime;
  CHECK(pmt::search::score_operator("m", r, r, dc, "x.json").score == 0.33);
  // a kill with power < 0.8 on the test set does not count either
  const json weak = {step("linear", true, 0.6), step("tanh", true)};
  CHECK(pmt::search::score_operator("m", result(kExhaustive, train, weak),
                                    result(kExhaustive, train, weak), {}, "x")
            .score == 0.5);
  const json nothing = {step("relu", false)};
  CHECK_FALSE(pmt::search::score_operator("m", result(kExhaustive, nothing, test),
                                          result(kExhaustive, nothing, test), {}, "x")
                  .counted);
  // malformed results are data errors naming the file
  json bad = r;
  bad["sets"][1]["steps"][1].erase("cohen_d");
  CHECK_THROWS_WITH(pmt::search::score_operator("m", bad, bad, {}, "bad.json"),
                    Catch::Contains("bad.json") && Catch::Contains("cohen_d"));
  bad = r;
  bad["sets"].erase(1);
  CHECK_THROWS_WITH(pmt::search::score_operator("m", bad, bad, {}, "bad.json"),
                    Catch::Contains("no train set"));
}

TEST_CASE("mutation_score: a layer operator's configurations pooled, as DeepCrime pools its layers",
          "[search][score][fidelity]") {
  // RCD on mnist's two dropout layers: one result, every value at each layer
  const json space = {{"search", "exhaustive"},
                      {"values", {"0.25_layer3", "0.75_layer3", "0.25_layer6", "0.75_layer6"}}};
  const json train = {step("0.25_layer3", false), step("0.75_layer3", true),
                      step("0.25_layer6", true), step("0.75_layer6", true)};
  const json test = {step("0.25_layer3", false), step("0.75_layer3", true),
                     step("0.25_layer6", false), step("0.75_layer6", true)};
  // DeepCrime's np.intersect1d over bare values counts 0.75 once against the training set's
  // [0.75, 0.25, 0.75] (0.33); pmt counts configurations: 2 of the 3 the training set kills.
  const auto s = pmt::search::score_operator("change_dropout_rate", result(space, train, test),
                                             result(space, train, test), {}, "x.json");
  CHECK(s.score == 0.67);
  CHECK(s.train_killed == std::vector<std::string>{"0.75_layer3", "0.25_layer6", "0.75_layer6"});
  // DeepCrime's single runs (search "none"): ARM at three layers
  const json none = {{"search", "none"}, {"values", {"0", "1", "5"}}};
  const json arm_train = {step("0", true), step("1", true), step("5", false)};
  const json arm_test = {step("0", true), step("1", false), step("5", false)};
  const auto arm =
      pmt::search::score_operator("remove_activation_function", result(none, arm_train, arm_test),
                                  result(none, arm_train, arm_test), {}, "a.json");
  CHECK(arm.counted);
  CHECK(arm.score == 0.5);
  CHECK(arm.to_json()["search"] == "none");
}

TEST_CASE("mutation_score: folders of results, total over the counted operators",
          "[search][score]") {
  const fs::path root =
      fs::temp_directory_path() / ("pmt_mutation_score_test_" + std::to_string(getpid()));
  fs::remove_all(root);
  const json bin_train = {step("99", true), step("49.5", true), step("24.75", false)};
  const json bin_test = {step("99", true), step("49.5", false), step("74.25", true)};
  const json ex = {step("relu", false), step("linear", true), step("tanh", true)};
  const json ex_test = {step("relu", false), step("linear", true), step("tanh", false)};
  pmt::io::write_file_atomic(root / "all" / "a.json", result(kBinary, bin_train, bin_test).dump());
  pmt::io::write_file_atomic(root / "all" / "b.json", result(kExhaustive, ex, ex_test).dump());
  pmt::io::write_file_atomic(root / "all" / "c.json",
                             result(kBinary, json{step("99", false)}, bin_test).dump());
  auto ms = pmt::search::mutation_score(root / "all", root / "all", {});
  REQUIRE(ms.operators.size() == 3);
  CHECK(ms.operators[0].name == "a");
  CHECK(ms.counted == 2);
  CHECK(ms.total == Approx(0.5));  // (0.5 + 0.5) / 2
  CHECK(ms.to_json()["mutation_score"] == 0.5);
  CHECK(ms.table().find("mutation score: 0.50 (mean of 2 operators)") != std::string::npos);

  // a second test set in its own folder, paired with the training results by file name
  pmt::io::write_file_atomic(root / "all" / "weak" / "a.json",
                             result(kBinary, json::array(), bin_train).dump());
  pmt::io::write_file_atomic(root / "all" / "weak" / "b.json",
                             result(kExhaustive, json::array(), ex).dump());
  ms = pmt::search::mutation_score(root / "all", root / "all" / "weak", {});
  CHECK(ms.operators.size() == 2);
  CHECK(ms.total == 1);
  pmt::io::write_file_atomic(root / "all" / "weak" / "d.json", "{}");
  CHECK_THROWS_WITH(pmt::search::mutation_score(root / "all", root / "all" / "weak", {}),
                    Catch::Contains("d.json") && Catch::Contains("missing"));
  CHECK_THROWS_AS(pmt::search::mutation_score(root / "all", root / "none", {}), pmt::Error);
  fs::remove_all(root);
}
