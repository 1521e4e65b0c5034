// JSON has no literal for non-finite numbers, yet they are legitimate results (all kill rates 1
// -> distance to the ideal mutant 0 -> ratio inf). pmt writes them as the strings "inf", "-inf"
// and "nan" (DESIGN.md, "Outputs"); finite numbers stay numbers.
#pragma once

#include <cmath>

#include <nlohmann/json.hpp>

namespace pmt::io {

inline nlohmann::json json_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return x;
}

// Python's repr() of a float (shortest round-trip digits, "1.0" not "1", "inf"), so that the
// reference's printed lines are reproduced character for character.
std::string py_repr(double x);

}  // namespace pmt::io
