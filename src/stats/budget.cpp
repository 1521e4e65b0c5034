// Instance budgets: the smallest population size whose firm verdict is the full population's and
// stays so for every larger size of the grid (definitions in budget.hpp).
#include "pmt/stats/budget.hpp"

#include "pmt/core/error.hpp"

namespace pmt::stats {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kNotKilled:
      return "not killed";
    case Verdict::kKilled:
      return "killed";
    case Verdict::kBorderline:
      return "borderline";
  }
  return "";
}

Verdict firm_verdict(int killed, int reps) {
  if (reps > 0 && killed == reps) return Verdict::kKilled;
  if (reps > 0 && killed == 0) return Verdict::kNotKilled;
  return Verdict::kBorderline;
}

std::vector<std::size_t> budget_grid(std::size_t smallest, std::size_t step, std::size_t full) {
  PMT_THROW_IF(step < 1, kUsage, "--budget-step must be at least 1");
  PMT_THROW_IF(full < smallest, kData,
               "{} usable instances per side, fewer than the sample size k = {}", full, smallest);
  std::vector<std::size_t> grid{smallest};
  for (std::size_t n = (smallest / step + 1) * step; n < full; n += step) grid.push_back(n);
  if (grid.back() != full) grid.push_back(full);
  return grid;
}

double Budget::saving() const {
  return needed ? 1.0 - static_cast<double>(*needed) / static_cast<double>(full) : 0.0;
}

Budget find_budget(const std::vector<std::size_t>& grid,
                   const std::function<Verdict(std::size_t)>& verdict) {
  PMT_THROW_IF(grid.empty(), kUsage, "empty budget grid");
  Budget b;
  b.full = grid.back();
  b.full_verdict = verdict(b.full);
  b.checked.emplace_back(b.full, b.full_verdict);
  if (b.full_verdict == Verdict::kBorderline) return b;
  b.needed = b.full;
  for (std::size_t i = grid.size() - 1; i-- > 0;) {
    const Verdict v = verdict(grid[i]);
    b.checked.emplace_back(grid[i], v);
    if (v != b.full_verdict) break;
    b.needed = grid[i];
  }
  return b;
}

}  // namespace pmt::stats
