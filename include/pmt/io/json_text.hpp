// Reading JSON files (settings, subject specs) safely: nlohmann's parser is iterative, but
// copying, comparing and printing a value recurse once per nesting level, so a file nested tens
// of thousands of levels deep would overflow the stack later on. parse_json() rejects nesting
// deeper than kMaxJsonDepth while parsing, and turns every parse failure into one pmt::Error
// (data) naming the file, with the parser's message shortened to one short line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pmt/core/error.hpp"

namespace pmt::io {

constexpr int kMaxJsonDepth = 64;

nlohmann::json parse_json(const std::string& text, const std::string& where);
nlohmann::json read_json(const std::filesystem::path& path);  // read_file + parse_json

// A JSON number that must be an integer in [min, max] (nlohmann's get<int>() wraps large values
// and has undefined behaviour on floats beyond int's range). Integral floats (3.0) are accepted.
// Otherwise a pmt::Error: "<what>: <value> is not an integer" or "... is out of range (min to
// max)".
std::int64_t json_integer(const nlohmann::json& value, std::string_view what, ErrorKind kind,
                          std::int64_t min, std::int64_t max);

}  // namespace pmt::io
