// --shard i/n and the Slurm array variables (cli/shard.hpp).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "pmt/core/error.hpp"
#include "pmt/tools/shard.hpp"

namespace {

struct SlurmEnv {
  SlurmEnv(const char* id, const char* count, const char* min = nullptr,
           const char* step = nullptr) {
    set("SLURM_ARRAY_TASK_ID", id);
    set("SLURM_ARRAY_TASK_COUNT", count);
    set("SLURM_ARRAY_TASK_MIN", min);
    set("SLURM_ARRAY_TASK_STEP", step);
  }
  ~SlurmEnv() {
    for (const char* v : {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN",
                          "SLURM_ARRAY_TASK_STEP"})
      unsetenv(v);
  }
  static void set(const char* name, const char* value) {
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
};

}  // namespace

TEST_CASE("shard: i/n owns the positions k with k mod n == i", "[shard]") {
  const auto s = pmt::tools::parse_shard("1/3");
  CHECK(s.index == 1);
  CHECK(s.count == 3);
  CHECK(s.to_string() == "1/3");
  CHECK_FALSE(s.owns(0));
  CHECK(s.owns(1));
  CHECK(s.owns(4));
  CHECK(pmt::tools::parse_shard("0/1").whole());
  for (const char* bad : {"3/3", "1", "-1/2", "1/0", "a/2", "1/2/3", ""})
    CHECK_THROWS_AS(pmt::tools::parse_shard(bad), pmt::Error);
  CHECK_THROWS_WITH(pmt::tools::parse_shard("3/3"), Catch::Contains("below the count"));
}

TEST_CASE("shard: from a Slurm job array's variables", "[shard]") {
  {
    const SlurmEnv env(nullptr, nullptr);
    CHECK(pmt::tools::shard_from_env().whole());
    CHECK(pmt::tools::resolve_shard("").whole());
  }
  {
    const SlurmEnv env("1", "2", "0");  // --array=0-1
    const auto s = pmt::tools::shard_from_env();
    CHECK(s.index == 1);
    CHECK(s.count == 2);
    CHECK(pmt::tools::resolve_shard("0/4").count == 4);  // the flag wins
  }
  {
    const SlurmEnv env("5", "3", "1", "2");  // --array=1-5:2 -> tasks 1, 3, 5
    CHECK(pmt::tools::shard_from_env().index == 2);
  }
  {
    const SlurmEnv env("4", "3", "1", "2");  // not one of the array's tasks
    CHECK_THROWS_WITH(pmt::tools::shard_from_env(), Catch::Contains("--array=0-2"));
  }
  {
    const SlurmEnv env("x", "2");
    CHECK_THROWS_WITH(pmt::tools::shard_from_env(), Catch::Contains("SLURM_ARRAY_TASK_ID"));
  }
}
