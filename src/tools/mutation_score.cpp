// mutation_score (tools/mutation_score.hpp): the result folders resolved, then the score.
#include "pmt/tools/mutation_score.hpp"

#include <filesystem>

#include "pmt/core/error.hpp"

namespace pmt::tools {

search::MutationScore run_mutation_score(const MutationScoreOptions& o) {
  namespace fs = std::filesystem;
  PMT_THROW_IF(o.model.empty() && o.test_dir.empty(), kUsage,
               "--model or --test-results is required");
  PMT_THROW_IF(!o.test_set_name.empty() && !o.test_dir.empty(), kUsage,
               "--test-set-name and --test-results are alternatives");
  const fs::path base = fs::path(o.common.data_root) / "search" / o.model;
  std::string test_dir = o.test_dir, train_dir = o.train_dir;
  if (test_dir.empty())
    test_dir = (o.test_set_name.empty() ? base : base / o.test_set_name).string();
  if (train_dir.empty()) train_dir = o.model.empty() ? test_dir : base.string();
  search::ScoreOptions s;
  if (o.deepcrime_power) s.power = stats::PowerKind::kDeepCrime;
  return search::mutation_score(train_dir, test_dir, s);
}

}  // namespace pmt::tools
