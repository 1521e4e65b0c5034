// DeepCrime's magnitude search (search/search.hpp) with a fake trainer whose metric is a known
// function of the magnitude: killed exactly where a predicate holds. Expected paths come from a
// Python transcription of DeepCrime's search_for_bs_conf (execute_mutants.py, current version)
// run with Python's round (the rounding cases: scripts/power_fixtures.py).
#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pmt/core/error.hpp"
#include "pmt/io/number.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/search/search.hpp"

using pmt::mutate::SearchKind;
using pmt::mutate::SearchSpace;
using pmt::search::Evaluation;
using pmt::search::Set;

namespace {

// 20 sound values 0.900, 0.901, ... 0.919; a killed configuration loses 0.05 on every
// instance (p = 0.000, d ~ 8.5), a surviving one equals the original (p = 1, d = 0).
struct Fake {
  Fake(std::function<bool(double)> test, std::function<bool(double)> train)
      : kill_test(std::move(test)), kill_train(std::move(train)) {}
  std::function<bool(double)> kill_test, kill_train;
  std::map<std::string, int> calls;
  std::vector<std::string> order;
  Evaluation operator()(const std::string& mut, const std::string& param) {
    ++calls[mut + ":" + param];
    order.push_back(param);
    Evaluation e;
    const bool original = mut == "original";
    const double v = original ? 0 : pmt::io::to_double(param).value_or(0);
    for (int i = 0; i < 20; ++i) {
      const double a = 0.9 + 0.001 * i;
      e.test.push_back(!original && kill_test(v) ? a - 0.05 : a);
      e.train.push_back(!original && kill_train(v) ? a - 0.05 : a);
    }
    return e;
  }
};

SearchSpace binary_space(double from, double to, double precision) {
  SearchSpace s;
  s.kind = SearchKind::kBinary;
  s.from = from, s.to = to, s.precision = precision;
  return s;
}

pmt::search::SearchOptions options(const SearchSpace& s, int decimals, std::vector<Set> sets) {
  pmt::search::SearchOptions o;
  o.mut = "op";
  o.space = s;
  o.decimals = decimals;
  o.sets = std::move(sets);
  return o;
}

std::vector<std::string> params(const pmt::search::SetResult& r) {
  std::vector<std::string> v;
  for (const auto& s : r.steps) v.push_back(s.param);
  return v;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> v;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    v.push_back(text.substr(start, end - start));
  return v;
}

}  // namespace

TEST_CASE("py_round rounds the binary double half-even as Python's round", "[search]") {
  using pmt::search::py_round;
  CHECK(py_round(3.125, 2) == 3.12);
  CHECK(py_round(12.375, 2) == 12.38);
  CHECK(py_round(37.125, 2) == 37.12);
  CHECK(py_round(2.675, 2) == 2.67);  // 2.67499999... in binary
  CHECK(py_round(28.125, 2) == 28.12);
  CHECK(py_round(29.685, 2) == 29.68);
  CHECK(py_round(6.5, 0) == 6);
  CHECK(py_round(7.5, 0) == 8);
  CHECK(py_round(0.0055, 3) == 0.005);
  CHECK(py_round(0.5505, 3) == 0.55);
  CHECK(pmt::search::format_param(50.0) == "50");
  CHECK(pmt::search::format_param(py_round(30.925, 2)) == "30.93");
  CHECK(pmt::search::format_param(0.325) == "0.325");
}

TEST_CASE("binary search killed at the top bisects to the precision with DeepCrime's rounding",
          "[search]") {
  Fake fake{[](double v) { return v >= 5; }, [](double) { return false; }};
  const auto r =
      pmt::search::run_search(options(binary_space(100, 0, 5), 2, {Set::kTest}), std::ref(fake));
  REQUIRE(r.sets.size() == 1);
  const auto& t = r.sets[0];
  CHECK(params(t) == std::vector<std::string>{"100", "50", "25", "12.5", "6.25", "3.12"});
  CHECK(t.killable);
  CHECK(t.killable_param == "6.25");
  CHECK(t.not_killed_param == "3.12");
  CHECK(fake.calls.at("original:") == 1);
  CHECK(r.configurations == 7);
  // rows: [lower, upper, middle, p, d, killed, power] then [killable, not killed]
  const auto rows = lines(t.csv());
  REQUIRE(rows.size() == 7);
  CHECK(rows[0].rfind("0,100,,0.0,", 0) == 0);
  CHECK(rows[0].find(",True,1.0") != std::string::npos);
  CHECK(rows[1].rfind("0,100,50,0.0,", 0) == 0);
  CHECK(rows[4].rfind("0,12.5,6.25,0.0,", 0) == 0);
  CHECK(rows[5].rfind("0,6.25,3.12,1.0,0.0,False,0.0500000000000", 0) == 0);  // power at d = 0
  CHECK(rows[6] == "6.25,3.12");
  CHECK(t.steps[5].power == Approx(0.05).epsilon(1e-12));
}

TEST_CASE("binary search compares every middle with the original instances", "[search]") {
  // Killed above 30.93: DeepCrime's delete_training_data path on mnist (99 -> 0, precision 5).
  Fake fake{[](double v) { return v >= 30.93; }, [](double) { return false; }};
  const auto r =
      pmt::search::run_search(options(binary_space(99, 0, 5), 2, {Set::kTest}), std::ref(fake));
  const auto& t = r.sets[0];
  CHECK(params(t) == std::vector<std::string>{"99", "49.5", "24.75", "37.12", "30.93", "27.84"});
  CHECK(t.killable_param == "30.93");
  CHECK(t.not_killed_param == "27.84");
  // after a survivor (24.75) the next middle is still compared with the original: killed
  CHECK(t.steps[3].outcome.killed);
  CHECK(t.steps[3].lower == 24.75);
  CHECK(t.steps[3].upper == 49.5);

  Fake fine{[](double v) { return v >= 12.3; }, [](double) { return false; }};
  const auto f =
      pmt::search::run_search(options(binary_space(100, 0, 0.2), 2, {Set::kTest}), std::ref(fine));
  CHECK(params(f.sets[0]) == std::vector<std::string>{"100", "50", "25", "12.5", "6.25", "9.38",
                                                      "10.94", "11.72", "12.11", "12.3"});
  CHECK(f.sets[0].killable_param == "12.3");
}

TEST_CASE("binary search over integers and learning rates", "[search]") {
  Fake epochs{[](double v) { return v <= 3; }, [](double) { return false; }};
  const auto e =
      pmt::search::run_search(options(binary_space(1, 12, 1), 0, {Set::kTest}), std::ref(epochs));
  CHECK(params(e.sets[0]) == std::vector<std::string>{"1", "6", "4", "2", "3"});
  CHECK(e.sets[0].killable_param == "3");
  CHECK(e.sets[0].not_killed_param == "4");

  Fake lr{[](double v) { return v <= 0.33; }, [](double) { return false; }};
  const auto l =
      pmt::search::run_search(options(binary_space(0.1, 1.0, 0.01), 3, {Set::kTest}), std::ref(lr));
  CHECK(params(l.sets[0]) == std::vector<std::string>{"0.1", "0.55", "0.325", "0.438", "0.382",
                                                      "0.354", "0.34", "0.333"});
  CHECK(l.sets[0].killable_param == "0.325");
}

TEST_CASE("binary search not killed at the most aggressive value stops", "[search]") {
  Fake fake{[](double) { return false; }, [](double) { return false; }};
  const auto r =
      pmt::search::run_search(options(binary_space(100, 0, 5), 2, {Set::kTest}), std::ref(fake));
  const auto& t = r.sets[0];
  CHECK_FALSE(t.killable);
  CHECK(params(t) == std::vector<std::string>{"100"});
  CHECK(t.csv().rfind("0,100,,1.0,0.0,False,0.0500000000000", 0) == 0);
  CHECK(lines(t.csv()).size() == 1);
  CHECK(t.to_json()["killable_param"].is_null());
}

TEST_CASE("test and train searches share evaluated configurations", "[search]") {
  Fake fake{[](double v) { return v >= 30; }, [](double v) { return v >= 5; }};
  std::vector<std::string> log;
  auto o = options(binary_space(100, 0, 5), 2, {Set::kTest, Set::kTrain});
  o.log = [&](const std::string& line) { log.push_back(line); };
  const auto r = pmt::search::run_search(o, std::ref(fake));
  REQUIRE(r.sets.size() == 2);
  CHECK(params(r.sets[0]) == std::vector<std::string>{"100", "50", "25", "37.5", "31.25", "28.12"});
  CHECK(params(r.sets[1]) == std::vector<std::string>{"100", "50", "25", "12.5", "6.25", "3.12"});
  CHECK(r.sets[1].set == Set::kTrain);
  CHECK(r.sets[1].killable_param == "6.25");
  for (const auto& c : fake.calls) CHECK(c.second == 1);
  CHECK(r.configurations == 10);  // original + 100 50 25 37.5 31.25 28.12 12.5 6.25 3.12
  REQUIRE(log.size() == 12);
  CHECK(log[0].find("mutation_search: test op 100") == 0);
  CHECK(log[0].find("ETA") != std::string::npos);
}

TEST_CASE("DeepCrime's single runs (no search): each configuration once, kind none", "[search]") {
  SearchSpace s;
  s.kind = SearchKind::kNone;
  s.values = {"0", "1", "5"};  // a layer operator's layers
  Fake fake{[](double v) { return v == 5; }, [](double v) { return v >= 1; }};
  const auto r = pmt::search::run_search(options(s, 0, {Set::kTest, Set::kTrain}), std::ref(fake));
  CHECK(params(r.sets[0]) == s.values);
  CHECK(r.sets[0].kind == SearchKind::kNone);
  CHECK(r.sets[0].killed_params == std::vector<std::string>{"5"});
  CHECK(r.sets[1].killed_params == std::vector<std::string>{"1", "5"});
  CHECK(r.configurations == 4);
  CHECK(lines(r.sets[0].csv()).size() == 3);
  CHECK(r.to_json()["space"]["search"] == "none");
}

TEST_CASE("exhaustive search tries every value", "[search]") {
  SearchSpace s;
  s.kind = SearchKind::kExhaustive;
  s.values = {"1", "2", "3"};
  Fake fake{[](double v) { return v == 2; }, [](double v) { return v >= 2; }};
  const auto r = pmt::search::run_search(options(s, 0, {Set::kTest, Set::kTrain}), std::ref(fake));
  CHECK(params(r.sets[0]) == s.values);
  CHECK(r.sets[0].killed_params == std::vector<std::string>{"2"});
  CHECK(r.sets[1].killed_params == std::vector<std::string>{"2", "3"});
  CHECK(r.configurations == 4);
  const auto rows = lines(r.sets[0].csv());
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].rfind("1,1.0,0.0,False,0.0500000000000", 0) == 0);
  CHECK(rows[1].rfind("2,0.0,", 0) == 0);
  CHECK(r.to_json()["sets"][1]["killed_params"].size() == 2);
}

TEST_CASE("plan: DeepCrime's single runs and every layer, and what does not apply is a usage error",
          "[search][fidelity]") {
  const auto spec = pmt::model::load_subject(pmt::model::builtin_subject_path("mnist"));
  const auto& trd = pmt::mutate::find_operator("delete_training_data");
  const auto space = pmt::search::plan(trd, spec);
  CHECK(space.kind == SearchKind::kBinary);
  CHECK(pmt::search::search_decimals(trd, space) == 2);
  const auto& lr = pmt::mutate::find_operator("change_learning_rate");
  CHECK(pmt::search::search_decimals(lr, pmt::search::plan(lr, spec)) == 3);
  const auto& epochs = pmt::mutate::find_operator("change_epochs");
  CHECK(pmt::search::search_decimals(epochs, pmt::search::plan(epochs, spec)) == 0);

  // DeepCrime's "nosearch" operators: their one value, or one run per layer (ARM on mnist:
  // conv1, conv2, Dense(128))
  const auto hdb = pmt::search::plan(pmt::mutate::find_operator("disable_batching"), spec);
  CHECK(hdb.kind == SearchKind::kNone);
  CHECK(hdb.values == std::vector<std::string>{"full"});
  const auto& arm = pmt::mutate::find_operator("remove_activation_function");
  CHECK(pmt::search::plan(arm, spec).values == std::vector<std::string>{"0", "1", "5"});
  CHECK(pmt::search::plan(arm, spec, 1).values == std::vector<std::string>{"1"});
  CHECK(pmt::search::plan(pmt::mutate::find_operator("change_dropout_rate"), spec, 6).values ==
        std::vector<std::string>{"0.125_layer6", "0.25_layer6", "0.75_layer6"});
  try {
    pmt::search::plan(pmt::mutate::find_operator("add_bias"), spec);
    FAIL("no error");
  } catch (const pmt::Error& e) {
    CHECK(e.kind() == pmt::ErrorKind::kUsage);
    CHECK_THAT(e.what(), Catch::Contains("subject 'mnist'") && Catch::Contains("add_bias") &&
                             Catch::Contains("without a bias"));
  }
  CHECK_THROWS_WITH(pmt::search::plan(arm, spec, 3), Catch::Contains("layer 3 (dropout)"));
  CHECK_THROWS_WITH(pmt::search::plan(trd, spec, 3), Catch::Contains("does not target a layer"));
  if (spec.patience == 0) {
    CHECK_THROWS_AS(
        pmt::search::plan(pmt::mutate::find_operator("change_earlystopping_patience"), spec),
        pmt::Error);
  }
  CHECK_THROWS_AS(pmt::search::parse_sets("all"), pmt::Error);
}
