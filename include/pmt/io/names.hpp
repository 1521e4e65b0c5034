// Name tables of enums (the clustering choices, the subject spec's layer types, activations and
// losses): one list of (value, name) per enum serves to_string, the lookup and the parser, whose
// usage error lists the names.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pmt/core/error.hpp"
#include "pmt/io/number.hpp"

namespace pmt::io {

template <typename E, std::size_t N>
using NameTable = std::array<std::pair<E, const char*>, N>;

template <typename E, std::size_t N>
const char* name_of(const NameTable<E, N>& table, E value) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return "?";
}

template <typename E, std::size_t N>
std::optional<E> find_name(const NameTable<E, N>& table, std::string_view name) {
  for (const auto& [v, n] : table)
    if (name == n) return v;
  return std::nullopt;
}

// Every name, in the table's order.
template <typename E, std::size_t N>
std::vector<std::string> names_of(const NameTable<E, N>& table) {
  std::vector<std::string> out;
  for (const auto& [v, n] : table) out.emplace_back(n);
  return out;
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

}  // namespace pmt::io
