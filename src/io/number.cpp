// The checked number parser (see number.hpp): std::from_chars over the whole text, one-line
// pmt::Error messages naming the source and the (shortened) value.
#include "pmt/io/number.hpp"

#include <charconv>
#include <system_error>

#include <fmt/format.h>

namespace pmt::io {

namespace {

// from_chars rejects '+', Python's float() and strtod accept it: allow it before a digit or '.'.
std::string_view strip_plus(std::string_view text) {
  if (text.size() > 1 && text[0] == '+' && (text[1] == '.' || (text[1] >= '0' && text[1] <= '9')))
    text.remove_prefix(1);
  return text;
}

// "<what>: <problem>", or the problem alone when `what` is empty.
std::string message(std::string_view what, const std::string& problem) {
  return what.empty() ? problem : fmt::format("{}: {}", what, problem);
}

template <typename T>
T parse_integer(std::string_view text, std::string_view what, ErrorKind kind, T min, T max) {
  const std::string_view t = strip_plus(text);
  T value{};
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  const bool whole = ec == std::errc() && ptr == t.data() + t.size();
  const bool too_big = ec == std::errc::result_out_of_range && ptr == t.data() + t.size();
  if (!whole && !too_big) {
    const bool negative_unsigned = std::numeric_limits<T>::min() == 0 && !t.empty() && t[0] == '-';
    throw Error(
        kind,
        message(what, fmt::format("'{}' is not {}", shorten(text),
                                  negative_unsigned ? "a non-negative integer" : "an integer")),
        __FILE__, __LINE__);
  }
  if (too_big || value < min || value > max)
    throw Error(
        kind,
        message(what, fmt::format("'{}' is out of range ({} to {})", shorten(text), min, max)),
        __FILE__, __LINE__);
  return value;
}

}  // namespace

int parse_int(std::string_view text, std::string_view what, ErrorKind kind, int min, int max) {
  return parse_integer<int>(text, what, kind, min, max);
}

std::int64_t parse_int64(std::string_view text, std::string_view what, ErrorKind kind,
                         std::int64_t min, std::int64_t max) {
  return parse_integer<std::int64_t>(text, what, kind, min, max);
}

std::uint64_t parse_uint64(std::string_view text, std::string_view what, ErrorKind kind) {
  return parse_integer<std::uint64_t>(text, what, kind, 0,
                                      std::numeric_limits<std::uint64_t>::max());
}

double parse_double(std::string_view text, std::string_view what, ErrorKind kind) {
  const std::string_view t = strip_plus(text);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  const bool whole = ptr == t.data() + t.size();
  if (ec == std::errc::result_out_of_range && whole)
    throw Error(kind,
                message(what, fmt::format("'{}' is out of range for a double", shorten(text))),
                __FILE__, __LINE__);
  if (ec != std::errc() || !whole)
    throw Error(kind, message(what, fmt::format("'{}' is not a number", shorten(text))), __FILE__,
                __LINE__);
  return value;
}

std::optional<double> to_double(std::string_view text) {
  const std::string_view t = strip_plus(text);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || ptr != t.data() + t.size()) return std::nullopt;
  return value;
}

std::string shorten(std::string_view text, std::size_t keep) {
  // `keep` counts the characters written: an escaped byte takes four.
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const std::string piece =
        c < 0x20 || c >= 0x7f || c == '\\' ? fmt::format("\\x{:02x}", c) : std::string(1, ch);
    if (out.size() + piece.size() > keep)
      return out + fmt::format("... ({} characters)", text.size());
    out += piece;
  }
  return out;
}

std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> items;
  if (text.empty()) return items;
  for (std::size_t start = 0;;) {
    const std::size_t comma = text.find(',', start);
    items.push_back(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return items;
    start = comma + 1;
  }
}

}  // namespace pmt::io
