// Name tables of the clustering enums (internal): one list of (value, name) per enum serves both
// to_string and the parser, whose usage error lists the names.
#pragma once

#include <array>
#include <string>
#include <utility>

#include "pmt/core/error.hpp"
#include "pmt/io/number.hpp"

namespace pmt::cluster::detail {

template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, const char*>, N>;

template <typename E, std::size_t N>
const char* name_of(const NameTable<E, N>& table, E value) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return "?";
}

// Throws pmt::Error (usage): "unknown <what> '<name>' (a, b, c)".
template <typename E, std::size_t N>
E parse_name(const NameTable<E, N>& table, const std::string& name, const char* what) {
  std::string known;
  for (const auto& [v, n] : table) {
    if (name == n) return v;
    known += (known.empty() ? "" : ", ") + std::string(n);
  }
  PMT_THROW(kUsage, "unknown {} '{}' ({})", what, io::shorten(name, 60), known);
}

}  // namespace pmt::cluster::detail
