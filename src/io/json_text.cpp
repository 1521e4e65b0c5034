// parse_json / read_json (see json_text.hpp): depth-limited parsing, one-line errors.
#include "pmt/io/json_text.hpp"

#include <cmath>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/number.hpp"

namespace pmt::io {

nlohmann::json parse_json(const std::string& text, const std::string& where) {
  const auto depth_limit = [&where](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    PMT_THROW_IF(depth > kMaxJsonDepth, kData, "{}: JSON nested more than {} levels deep", where,
                 kMaxJsonDepth);
    return true;
  };
  try {
    return nlohmann::json::parse(text, depth_limit);
  } catch (const nlohmann::json::exception& e) {
    PMT_THROW(kData, "{}: malformed JSON: {}", where, shorten(e.what(), 200));
  }
}

std::int64_t json_integer(const nlohmann::json& value, std::string_view what, ErrorKind kind,
                          std::int64_t min, std::int64_t max) {
  bool in_range = false;
  std::int64_t v = 0;
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    in_range = u <= static_cast<std::uint64_t>(max) && static_cast<std::int64_t>(u) >= min;
    v = static_cast<std::int64_t>(u);
  } else if (value.is_number_integer()) {
    v = value.get<std::int64_t>();
    in_range = v >= min && v <= max;
  } else if (value.is_number_float()) {
    const double d = value.get<double>();
    if (d != std::floor(d))
      throw Error(kind, fmt::format("{}: {} is not an integer", what, shorten(value.dump())),
                  __FILE__, __LINE__);
    // Compare as doubles before converting: the conversion itself is undefined out of range.
    in_range =
        d >= static_cast<double>(min) && d <= static_cast<double>(max) && d < 9223372036854775808.0;
    if (in_range) v = static_cast<std::int64_t>(d);
  } else {
    throw Error(kind, fmt::format("{}: {} is not an integer", what, shorten(value.dump())),
                __FILE__, __LINE__);
  }
  if (!in_range)
    throw Error(
        kind,
        fmt::format("{}: {} is out of range ({} to {})", what, shorten(value.dump()), min, max),
        __FILE__, __LINE__);
  return v;
}

nlohmann::json read_json(const std::filesystem::path& path) {
  return parse_json(read_file(path), path.string());
}

}  // namespace pmt::io
