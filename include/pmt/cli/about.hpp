// Every executable's help, in one table (src/cli/about.cpp): what it does, examples, and the
// papers it implements, each paper written once.
#pragma once

#include <string>

namespace pmt::cli {

struct ToolInfo {
  std::string name;      // executable name
  std::string purpose;   // one paragraph (a line break starts another)
  std::string example;   // one or more command lines
  std::string citation;  // paper(s) the tool implements, one per line
};

// The tool's entry; std::logic_error for a name without one (a programming error).
const ToolInfo& about(const std::string& tool);

}  // namespace pmt::cli
