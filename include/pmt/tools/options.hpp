// The options every tool shares (the flags --data-root, --settings, --seed, --proc, --json and
// --verbose are declared once, in cli/common.hpp): a tool's Options embed them.
#pragma once

#include <cstdint>
#include <string>

namespace pmt::tools {

struct CommonOptions {
  std::string data_root = ".";
  std::string settings;  // empty: the project's data/settings.json
  std::uint64_t seed = 42;
  int proc = 0;  // 0: all hardware threads
  bool json = false;
  bool verbose = false;
};

// The settings file in force: --settings, else data/settings.json of the project.
std::string settings_path(const CommonOptions& common);

}  // namespace pmt::tools
