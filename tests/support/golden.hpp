// Golden files (tests/data/golden/): a run's output compared with the committed one, byte for
// byte; PMT_UPDATE_GOLDEN=1 writes the new output instead (then review the diff and commit it).
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace pmt::test {

inline std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
    text.replace(at, from.size(), to);
  return text;
}

// Every floating-point value of `j` replaced by "<float>", and the value of every key in
// `outcomes` by "<outcome>", so that a golden JSON holds the output's shape, its strings and its
// integers (counts, indices, seeds), not what depends on the last bits of LibTorch's arithmetic
// (which vary with the processor): losses and accuracies, and the counts and verdicts that follow
// from the trained models' predictions.
inline nlohmann::json mask_floats(const nlohmann::json& j,
                                  const std::set<std::string>& outcomes = {}) {
  if (j.is_number_float()) return "<float>";
  if (j.is_array()) {
    nlohmann::json out = j;
    for (auto& v : out) v = mask_floats(v, outcomes);
    return out;
  }
  if (j.is_object()) {
    nlohmann::json out = j;
    for (auto it = out.begin(); it != out.end(); ++it)
      *it = outcomes.count(it.key()) ? nlohmann::json("<outcome>") : mask_floats(*it, outcomes);
    return out;
  }
  return j;
}

inline void check_golden(const std::string& name, const std::string& got) {
  const std::filesystem::path file = std::filesystem::path(PMT_TEST_DATA_DIR) / "golden" / name;
  if (const char* update = std::getenv("PMT_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(file, std::ios::binary) << got;
    SUCCEED("wrote " << file);
    return;
  }
  std::ifstream in(file, std::ios::binary);
  REQUIRE(in.good());  // a golden file for every run (PMT_UPDATE_GOLDEN=1 makes it)
  std::stringstream want;
  want << in.rdbuf();
  CHECK(got == want.str());
}

}  // namespace pmt::test
