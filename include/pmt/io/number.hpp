// One checked number parser for every number pmt reads from text: a flag, a file name, a CSV
// cell, a JSON string, an NPY header. Built on std::from_chars (no locale, no exceptions other
// than pmt::Error, no allocation): the whole text must be the number (a leading '+' is allowed,
// spaces are not), and a value that does not fit the type is an error instead of a wrap-around
// or a std::out_of_range. Messages are one line: "<what>: '<text>' is not an integer" or
// "<what>: '<text>' is out of range (<min> to <max>)", with long or unprintable text shortened.
// Also the checked arithmetic that element counts and byte sizes need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pmt/core/error.hpp"

namespace pmt::io {

// `what` names the source (a flag such as "--instances", or "<file>: column 'x'"; empty: no
// prefix, for CLI11 validators, which add the flag's name themselves); `kind` is kUsage for flags
// (exit 2) and kData for files (exit 1).
int parse_int(std::string_view text, std::string_view what, ErrorKind kind,
              int min = std::numeric_limits<int>::min(), int max = std::numeric_limits<int>::max());
std::int64_t parse_int64(std::string_view text, std::string_view what, ErrorKind kind,
                         std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                         std::int64_t max = std::numeric_limits<std::int64_t>::max());
std::uint64_t parse_uint64(std::string_view text, std::string_view what, ErrorKind kind);
// Decimal or scientific notation; also "inf", "nan" (any case), which callers that need a finite
// value must reject themselves. Magnitudes beyond double's range (1e400) are out of range.
double parse_double(std::string_view text, std::string_view what, ErrorKind kind);

// The items of a comma-separated list ("0,5,7", "1,28,28", "0-4,7"): none for an empty text, else
// every item, empty ones included (their parser rejects them). The views point into `text`.
std::vector<std::string_view> split_list(std::string_view text);

// Non-throwing: the value when the whole text is a number in the sense of parse_double.
std::optional<double> to_double(std::string_view text);

// Text for a message: at most `keep` characters (longer text becomes "<start>... (N characters)"),
// control and non-ASCII bytes as \xNN, so that any input gives a one-line, short message.
std::string shorten(std::string_view text, std::size_t keep = 40);

// a * b and a + b, or nullopt when the result does not fit in 64 bits.
std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b);
std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b);

}  // namespace pmt::io
