// Sharding for job arrays (Slurm, or any scheduler): `--shard i/n` (0 <= i < n) or, when the flag
// is absent, the shard of a Slurm array task: i = (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) /
// SLURM_ARRAY_TASK_STEP, n = SLURM_ARRAY_TASK_COUNT. A tool's work is a fixed list (instances,
// repetitions, population sizes...); shard i owns the items at positions k with k mod n == i: a
// fixed function of (i, n), never of what other shards did, so a requeued task redoes exactly its
// own part and the union of the shards is the unsharded run.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

namespace pmt::tools {

struct Shard {
  int index = 0;
  int count = 1;
  bool owns(std::size_t position) const {
    return static_cast<int>(position % static_cast<std::size_t>(count)) == index;
  }
  bool whole() const { return count == 1; }
  // For a list of `total` items split into contiguous blocks instead (mce's repetitions): this
  // shard's [first, last) = [total * i / n, total * (i + 1) / n).
  std::pair<std::size_t, std::size_t> block(std::size_t total) const {
    const auto n = static_cast<std::size_t>(count), i = static_cast<std::size_t>(index);
    return {total * i / n, total * (i + 1) / n};
  }
  std::string to_string() const;  // "i/n"
};

// "i/n" with 0 <= i < n; throws pmt::Error (usage) naming the flag.
Shard parse_shard(const std::string& text);

// The Slurm array task's shard, or the whole work ({0, 1}) outside a job array. Throws
// pmt::Error (usage) when the variables are inconsistent (e.g. an ID outside the array).
Shard shard_from_env();

// The flag's shard when given, else shard_from_env().
Shard resolve_shard(const std::string& flag);

}  // namespace pmt::tools
