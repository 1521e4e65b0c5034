#include "pmt/io/json_number.hpp"

#include <fmt/format.h>

namespace pmt::io {

std::string py_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", x);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

}  // namespace pmt::io
