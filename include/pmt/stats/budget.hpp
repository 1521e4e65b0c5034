// Instance budgets: how many instances per side would have given the same
// firm verdict as the full population.
//
// A verdict at population size n comes from R independent repetitions of the experiment on the
// FIRST n usable instances of each side (ratio: bootstrap kill rates -> bagged posterior ->
// Hellinger ratio): firm "killed" when every repetition's ratio exceeds 1, firm "not killed" when
// none does, "borderline" otherwise (ratio's --mc-reps rule). On a grid n_1 < ... < n_m = full,
// the budget is the smallest grid size n such that the verdict at n and at every larger grid size
// is firm and equal to the full population's; none when the full verdict is borderline.
// Sizes are evaluated from the full one downwards, stopping at the first that disagrees.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pmt::stats {

enum class Verdict { kNotKilled, kKilled, kBorderline };
const char* to_string(Verdict v);  // "not killed", "killed", "borderline"

// The firm/borderline verdict of R repetitions, `killed` of which said killed.
Verdict firm_verdict(int killed, int reps);

// smallest, smallest + step, ... (multiples of step from the first one >= smallest), then full.
// Throws pmt::Error (usage) when step < 1 or full < smallest.
std::vector<std::size_t> budget_grid(std::size_t smallest, std::size_t step, std::size_t full);

struct Budget {
  std::size_t full = 0;                                  // the last grid size
  Verdict full_verdict = Verdict::kBorderline;           //
  std::optional<std::size_t> needed;                     // none: the full verdict is borderline
  std::vector<std::pair<std::size_t, Verdict>> checked;  // sizes evaluated, descending
  double saving() const;                                 // 1 - needed / full (0 when none)
};

// Evaluates verdict(n) along the grid (ascending) from its end, as described above.
Budget find_budget(const std::vector<std::size_t>& grid,
                   const std::function<Verdict(std::size_t)>& verdict);

}  // namespace pmt::stats
