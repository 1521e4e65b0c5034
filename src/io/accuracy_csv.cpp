#include "pmt/io/accuracy_csv.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/number.hpp"

namespace pmt::io {

namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t pos = line.find(sep, start);
    out.push_back(line.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::size_t AccuracyTable::missing() const {
  std::size_t n = 0;
  for (double a : accuracy) n += std::isnan(a) ? 1 : 0;
  return n;
}

AccuracyTable read_accuracy_csv(const std::filesystem::path& path) {
  AccuracyTable table = parse_accuracy_csv(read_file(path), path.string());
  table.file = path;
  return table;
}

AccuracyTable parse_accuracy_csv(const std::string& text, const std::string& where) {
  std::vector<std::string> lines;
  {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (!trim(line).empty()) lines.push_back(line);
    }
  }
  PMT_THROW_IF(lines.empty(), kData, "{}: empty file (expected a header and an accuracy row)",
               where);
  const std::vector<std::string> header = split(lines.front(), ';');
  const std::string first = trim(header.front());
  if (header.size() < 2) {
    const bool other_delim = lines.front().find(',') != std::string::npos ||
                             lines.front().find('\t') != std::string::npos;
    PMT_THROW(kData, "{}: header has no ';'-separated instance columns{}", where,
              other_delim ? " (wrong delimiter? the layout uses ';')" : "");
  }
  PMT_THROW_IF(first != "true_label" && first != "true_labels", kData,
               "{}: header must start with 'true_label' or 'true_labels', found '{}'", where,
               shorten(first));
  PMT_THROW_IF(lines.size() < 2, kData, "{}: truncated: header but no accuracy row", where);
  const std::vector<std::string> last = split(lines.back(), ';');
  PMT_THROW_IF(last.size() != header.size(), kData,
               "{}: truncated or malformed: the accuracy row has {} fields, the header {}", where,
               last.size(), header.size());

  AccuracyTable table;
  table.file = where;
  for (std::size_t i = 1; i < header.size(); ++i) {
    table.names.push_back(trim(header[i]));
    const std::string cell = trim(last[i]);
    double value = std::numeric_limits<double>::quiet_NaN();
    if (!cell.empty() && cell != "nan" && cell != "NaN") {
      const std::string column = fmt::format("{}: column '{}'", where, shorten(table.names.back()));
      value = parse_double(cell, column, ErrorKind::kData);
      PMT_THROW_IF(!std::isfinite(value) || value < 0.0 || value > 1.0, kData,
                   "{}: accuracy {} is outside [0, 1]", column, shorten(cell));
    }
    table.accuracy.push_back(value);
  }
  return table;
}

void write_accuracy_csv(const std::filesystem::path& path, const std::vector<std::string>& names,
                        const std::vector<double>& accuracy,
                        const std::vector<std::vector<std::string>>& label_rows) {
  PMT_THROW_IF(names.size() != accuracy.size(), kData, "{}: {} instance names but {} accuracies",
               path.string(), names.size(), accuracy.size());
  std::string out = "true_label";
  for (const auto& n : names) out += ";" + n;
  out += "\n";
  for (const auto& row : label_rows) {
    PMT_THROW_IF(row.size() != names.size() + 1, kData,
                 "{}: a label row has {} fields, expected {}", path.string(), row.size(),
                 names.size() + 1);
    for (std::size_t i = 0; i < row.size(); ++i) out += (i ? ";" : "") + row[i];
    out += "\n";
  }
  for (double a : accuracy) out += std::isnan(a) ? std::string(";") : fmt::format(";{}", a);
  out += "\n";
  write_file_atomic(path, out);
}

}  // namespace pmt::io
