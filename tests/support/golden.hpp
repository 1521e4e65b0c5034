// Golden files (tests/data/golden/): a run's output compared with the committed one, byte for
// byte; PMT_UPDATE_GOLDEN=1 writes the new output instead (then review the diff and commit it).
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace pmt::test {

inline std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
    text.replace(at, from.size(), to);
  return text;
}

// Every floating-point value of `j` replaced by "<float>", so that a golden JSON holds the
// output's shape, its strings and its integers (counts, indices, seeds), not the last bits of
// LibTorch's arithmetic, which depend on the processor.
inline nlohmann::json mask_floats(const nlohmann::json& j) {
  if (j.is_number_float()) return "<float>";
  if (j.is_array() || j.is_object()) {
    nlohmann::json out = j;
    for (auto it = out.begin(); it != out.end(); ++it) *it = mask_floats(*it);
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
