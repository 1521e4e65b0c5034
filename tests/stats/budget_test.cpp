// Instance budgets: the grid and the search for the smallest sufficient population size
// (stats/budget.hpp), on scripted verdicts.
#include "pmt/stats/budget.hpp"

#include <map>
#include <vector>

#include <catch2/catch.hpp>

#include "pmt/core/error.hpp"

using pmt::stats::Verdict;

TEST_CASE("budget grid: k, multiples of the step, the full size", "[budget]") {
  using V = std::vector<std::size_t>;
  CHECK(pmt::stats::budget_grid(20, 10, 60) == V{20, 30, 40, 50, 60});
  CHECK(pmt::stats::budget_grid(20, 10, 65) == V{20, 30, 40, 50, 60, 65});
  CHECK(pmt::stats::budget_grid(25, 10, 50) == V{25, 30, 40, 50});
  CHECK(pmt::stats::budget_grid(20, 50, 200) == V{20, 50, 100, 150, 200});
  CHECK(pmt::stats::budget_grid(20, 10, 20) == V{20});
  CHECK_THROWS_AS(pmt::stats::budget_grid(20, 10, 19), pmt::Error);
  CHECK_THROWS_AS(pmt::stats::budget_grid(20, 0, 100), pmt::Error);
}

TEST_CASE("firm verdicts need every repetition to agree", "[budget]") {
  CHECK(pmt::stats::firm_verdict(20, 20) == Verdict::kKilled);
  CHECK(pmt::stats::firm_verdict(0, 20) == Verdict::kNotKilled);
  CHECK(pmt::stats::firm_verdict(19, 20) == Verdict::kBorderline);
  CHECK(pmt::stats::firm_verdict(1, 20) == Verdict::kBorderline);
}

TEST_CASE("the budget is where the full verdict starts to hold for good", "[budget]") {
  const std::vector<std::size_t> grid{20, 30, 40, 50, 60};
  std::vector<std::size_t> asked;
  // Killed from 40 on, but firm at 20 the other way: 40 is needed, 30 stops the scan.
  const std::map<std::size_t, Verdict> script{{20, Verdict::kKilled},
                                              {30, Verdict::kBorderline},
                                              {40, Verdict::kKilled},
                                              {50, Verdict::kKilled},
                                              {60, Verdict::kKilled}};
  const auto b = pmt::stats::find_budget(grid, [&](std::size_t n) {
    asked.push_back(n);
    return script.at(n);
  });
  CHECK(b.full == 60);
  CHECK(b.full_verdict == Verdict::kKilled);
  REQUIRE(b.needed);
  CHECK(*b.needed == 40);  // not 20: the verdict must hold at every larger size
  CHECK(b.saving() == Approx(1.0 / 3));
  CHECK(asked == std::vector<std::size_t>{60, 50, 40, 30});  // stops at the first disagreement
  CHECK(b.checked.size() == 4);
  // Every size agrees: the smallest grid size.
  const auto all = pmt::stats::find_budget(grid, [](std::size_t) { return Verdict::kNotKilled; });
  CHECK(*all.needed == 20);
  // Borderline at full size: no budget, nothing else evaluated.
  const auto none = pmt::stats::find_budget(
      grid, [](std::size_t n) { return n == 60 ? Verdict::kBorderline : Verdict::kKilled; });
  CHECK_FALSE(none.needed);
  CHECK(none.saving() == 0.0);
  CHECK(none.checked.size() == 1);
}
