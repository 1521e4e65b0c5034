// Shards of a job array (see shard.hpp).
#include "pmt/tools/shard.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/io/number.hpp"

namespace pmt::tools {

std::string Shard::to_string() const { return fmt::format("{}/{}", index, count); }

Shard parse_shard(const std::string& text) {
  const std::string what = fmt::format("--shard '{}'", io::shorten(text));
  const auto slash = text.find('/');
  PMT_THROW_IF(slash == std::string::npos, kUsage, "{}: expected i/n, e.g. 0/4", what);
  Shard s;
  s.index = io::parse_int(text.substr(0, slash), what, ErrorKind::kUsage, 0);
  s.count = io::parse_int(text.substr(slash + 1), what, ErrorKind::kUsage, 1);
  PMT_THROW_IF(s.index >= s.count, kUsage, "{}: the index must be below the count (0 to {})", what,
               s.count - 1);
  return s;
}

Shard shard_from_env() {
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  if (!id || !count || !*id || !*count) return {};
  const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
  const char* step = std::getenv("SLURM_ARRAY_TASK_STEP");
  const auto number = [](const char* name, const char* value, int lowest) {
    return io::parse_int(value, fmt::format("environment variable {}", name), ErrorKind::kUsage,
                         lowest);
  };
  const int i = number("SLURM_ARRAY_TASK_ID", id, 0);
  const int n = number("SLURM_ARRAY_TASK_COUNT", count, 1);
  const int lo = min && *min ? number("SLURM_ARRAY_TASK_MIN", min, 0) : 0;
  const int by = step && *step ? number("SLURM_ARRAY_TASK_STEP", step, 1) : 1;
  PMT_THROW_IF(i < lo || (i - lo) % by != 0 || (i - lo) / by >= n, kUsage,
               "SLURM_ARRAY_TASK_ID {} is not one of the {} tasks from {} by {}: submit the array "
               "as --array=0-{} (or pass --shard i/n)",
               i, n, lo, by, n - 1);
  return {(i - lo) / by, n};
}

Shard resolve_shard(const std::string& flag) {
  return flag.empty() ? shard_from_env() : parse_shard(flag);
}

}  // namespace pmt::tools
