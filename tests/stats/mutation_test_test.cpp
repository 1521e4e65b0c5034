// DeepCrime's GLM + Cohen's d test against the replication package's own verdicts.
#include "pmt/stats/mutation_test.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pmt/core/error.hpp"
#include "pmt/io/accuracy_csv.hpp"
#include "pmt/io/layout.hpp"
#include "pmt/stats/resampling.hpp"

using pmt::stats::KillDecision;
using pmt::stats::mutation_test;
using pmt::stats::TestOptions;

TEST_CASE("DeepCrime single test matches the reference on every mnist row", "[mutation_test]") {
  std::ifstream in(PMT_TEST_DATA_DIR "/pmt/oracles_mnist.json");
  const auto oracles = nlohmann::json::parse(in);
  const pmt::io::Layout layout(PMT_SOURCE_DIR);
  const auto sound = pmt::io::read_accuracy_csv(layout.accuracy_csv("mnist", "original", "", true));
  int checked = 0;
  for (const auto& row : oracles["deepcrime_single_test"]) {
    const auto mut =
        pmt::io::read_accuracy_csv(layout.accuracy_csv("mnist", row["mut"], row["param"], true));
    const auto out = mutation_test(sound.accuracy.data(), sound.accuracy.size(),
                                   mut.accuracy.data(), mut.accuracy.size());
    INFO(row["mut"].get<std::string>() << " " << row["param"].get<std::string>());
    // p is rounded to 3 decimals by both: exact. |d| to 1e-9 relative (summation order only).
    CHECK(out.p_value == row["expected"]["p_value"].get<double>());
    CHECK(out.effect_size == Approx(row["expected"]["effect_size"].get<double>()).epsilon(1e-9));
    CHECK(out.killed == row["expected"]["killed"].get<bool>());
    ++checked;
  }
  CHECK(checked == 20);
}

TEST_CASE("p-values are rounded to 3 decimals before the comparison", "[mutation_test]") {
  CHECK(pmt::stats::round3(0.0496) == 0.05);
  CHECK(pmt::stats::round3(0.0494) == 0.049);
  CHECK(pmt::stats::round3(0.04950001) == 0.05);
}

TEST_CASE("zero pooled variance is defined, not a crash", "[mutation_test]") {
  const std::vector<double> a(20, 0.9), b(20, 0.9), c(20, 0.8);
  const auto same = mutation_test(a.data(), 20, b.data(), 20);
  CHECK(same.p_value == 1.0);
  CHECK(same.effect_size == 0.0);
  CHECK_FALSE(same.killed);
  const auto differ = mutation_test(a.data(), 20, c.data(), 20);
  CHECK(differ.p_value == 0.0);
  CHECK(std::isinf(differ.effect_size));
  CHECK(differ.killed);
  CHECK(KillDecision(20, 20).killed(a.data(), c.data()));
  CHECK_FALSE(KillDecision(20, 20).killed(a.data(), b.data()));
}

TEST_CASE("the fast kill decision agrees with the full test", "[mutation_test]") {
  // Random samples around the decision boundary: every decision must be identical, for every
  // test kind (GLM; Wilcoxon independent = Mann-Whitney, paired = signed-rank) and effect rule.
  pmt::Rng rng = pmt::make_stream(7, {1});
  std::vector<double> a(20), b(20);
  for (const auto kind : {pmt::stats::TestKind::kGlm, pmt::stats::TestKind::kWilcoxon}) {
    for (const bool paired : {false, true}) {
      int kills = 0, rank_tests = 0;
      for (const auto effect :
           {pmt::stats::EffectRule::kAbsolute, pmt::stats::EffectRule::kPositive,
            pmt::stats::EffectRule::kNegative}) {
        TestOptions o;
        o.kind = kind;
        o.effect = effect;
        KillDecision fast(20, 20, o, paired);
        for (int t = 0; t < 20000; ++t) {
          const double shift = (t % 200) * 1e-5 - 1e-3;
          for (int i = 0; i < 20; ++i) {
            a[i] = 0.99 + (rng() % 1000) * 1e-5;
            b[i] = 0.99 + shift + (rng() % 1000) * 1e-5;
          }
          const auto slow = mutation_test(a.data(), 20, b.data(), 20, o, paired);
          REQUIRE(fast.killed(a.data(), b.data()) == slow.killed);
          kills += slow.killed;
          // Significant by rank but too small an effect, or the reverse: both rules matter.
          rank_tests += slow.p_value < 0.05 && slow.effect_size < 0.5;
        }
      }
      INFO("kind " << static_cast<int>(kind) << " paired " << paired);
      CHECK(kills > 1000);  // the sweep really crosses the boundary
      if (kind == pmt::stats::TestKind::kWilcoxon) CHECK(rank_tests > 0);
    }
  }
}

TEST_CASE("Wilcoxon kill decision: p from the rank test, unrounded", "[mutation_test]") {
  // Mann-Whitney, 20 vs 20, complete separation: asymptotic p (both sides > 8) ~ 1.5e-11.
  std::vector<double> a(20), b(20);
  for (int i = 0; i < 20; ++i) {
    a[i] = 0.990 + 1e-4 * i;
    b[i] = 0.980 + 1e-4 * i;
  }
  TestOptions o;
  o.kind = pmt::stats::TestKind::kWilcoxon;
  const auto mw = mutation_test(a.data(), 20, b.data(), 20, o);
  CHECK(mw.method == pmt::stats::PMethod::kAsymptotic);
  CHECK(mw.p_value == mw.p_value_exact);
  CHECK(mw.p_value == pmt::stats::mann_whitney_u(a.data(), 20, b.data(), 20).p_value);
  CHECK(mw.rank_statistic == 400);
  CHECK(mw.killed);
  // Paired: every difference 0.01 > 0, exact (n <= 50): p = 2 / 2^20.
  const auto sr = mutation_test(a.data(), 20, b.data(), 20, o, true);
  CHECK(sr.method == pmt::stats::PMethod::kExact);
  CHECK(sr.p_value == std::ldexp(1.0, -19));
  // The GLM ignores the pairing.
  CHECK(mutation_test(a.data(), 20, b.data(), 20, {}, true).p_value_exact ==
        mutation_test(a.data(), 20, b.data(), 20).p_value_exact);
  CHECK(TestOptions::parse_kind("wilcoxon") == pmt::stats::TestKind::kWilcoxon);
  CHECK_THROWS_AS(TestOptions::parse_kind("ttest"), pmt::Error);
  CHECK_THROWS_AS(KillDecision(20, 19, o, true), pmt::Error);
}

TEST_CASE("exact p-values can be kept", "[mutation_test]") {
  std::vector<double> a(20), b(20);
  for (int i = 0; i < 20; ++i) {
    a[i] = 0.99 + 0.001 * (i % 5);
    b[i] = a[i] - 0.0012;
  }
  TestOptions exact;
  exact.round_p = false;
  const auto r = mutation_test(a.data(), 20, b.data(), 20, exact);
  CHECK(r.p_value == r.p_value_exact);
  CHECK(r.p_value != pmt::stats::round3(r.p_value));
}
