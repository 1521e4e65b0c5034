#include "pmt/io/npy.hpp"

#include <cstdint>
#include <cstring>
#include <regex>

#include "pmt/error.hpp"
#include "pmt/io/atomic_file.hpp"

namespace pmt::io {

std::size_t NpyArray::size() const {
  std::size_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string NpyArray::shape_string() const {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

namespace {

template <typename T>
void convert(const char* src, std::size_t n, std::vector<double>& out) {
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, src + i * sizeof(T), sizeof(T));
    out[i] = static_cast<double>(v);
  }
}

}  // namespace

NpyArray read_npy(const std::filesystem::path& path) {
  const std::string bytes = read_file(path);
  const std::string where = path.string();
  PMT_THROW_IF(bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0, kData,
               "{}: not a .npy file (bad magic)", where);
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0;
  std::size_t offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    PMT_THROW_IF(bytes.size() < 12, kData, "{}: truncated .npy header", where);
    for (int i = 3; i >= 0; --i)
      header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  } else {
    PMT_THROW(kData, "{}: unsupported .npy version {}", where, major);
  }
  PMT_THROW_IF(offset + header_len > bytes.size(), kData, "{}: truncated .npy header", where);
  const std::string header = bytes.substr(offset, header_len);

  std::smatch m;
  PMT_THROW_IF(!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([^']*)')")), kData,
               "{}: .npy header has no dtype", where);
  const std::string descr = m[1];
  PMT_THROW_IF(!std::regex_search(header, m, std::regex(R"('fortran_order'\s*:\s*(\w+))")), kData,
               "{}: .npy header has no fortran_order", where);
  PMT_THROW_IF(m[1] != "False", kData, "{}: Fortran-ordered arrays are not supported", where);
  PMT_THROW_IF(!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")), kData,
               "{}: .npy header has no shape", where);
  NpyArray arr;
  const std::string dims = m[1];
  const std::regex num(R"(\d+)");
  for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num); it != std::sregex_iterator();
       ++it)
    arr.shape.push_back(std::stoull(it->str()));

  std::size_t item = 0;
  if (descr == "<f8" || descr == "<i8")
    item = 8;
  else if (descr == "<f4" || descr == "<i4")
    item = 4;
  else
    PMT_THROW(kData, "{}: dtype '{}' is not supported (expected little-endian float64 '<f8'{})",
              where, descr, descr.size() > 0 && descr[0] == '>' ? ": big-endian byte order" : "");
  const std::size_t n = arr.size();
  const std::size_t data_off = offset + header_len;
  PMT_THROW_IF(bytes.size() - data_off < n * item, kData,
               "{}: truncated: shape {} needs {} bytes of data, file has {}", where,
               arr.shape_string(), n * item, bytes.size() - data_off);
  const char* src = bytes.data() + data_off;
  if (descr == "<f8")
    convert<double>(src, n, arr.data);
  else if (descr == "<f4")
    convert<float>(src, n, arr.data);
  else if (descr == "<i8")
    convert<std::int64_t>(src, n, arr.data);
  else
    convert<std::int32_t>(src, n, arr.data);
  return arr;
}

NpyArray read_npy(const std::filesystem::path& path, const std::vector<std::size_t>& expected) {
  NpyArray arr = read_npy(path);
  bool ok = arr.shape.size() == expected.size();
  for (std::size_t i = 0; ok && i < expected.size(); ++i)
    ok = expected[i] == 0 || expected[i] == arr.shape[i];
  if (!ok) {
    std::string want = "(";
    for (std::size_t i = 0; i < expected.size(); ++i)
      want += (i ? ", " : "") + (expected[i] ? std::to_string(expected[i]) : std::string("*"));
    want += expected.size() == 1 ? ",)" : ")";
    PMT_THROW(kData, "{}: shape {} but expected {}", path.string(), arr.shape_string(), want);
  }
  return arr;
}

void write_npy(const std::filesystem::path& path, const std::vector<std::size_t>& shape,
               const std::vector<double>& data) {
  NpyArray meta;
  meta.shape = shape;
  PMT_THROW_IF(meta.size() != data.size(), kData, "{}: shape {} does not hold {} values",
               path.string(), meta.shape_string(), data.size());
  std::string header =
      "{'descr': '<f8', 'fortran_order': False, 'shape': " + meta.shape_string() + ", }";
  // Pad with spaces so that magic + header is a multiple of 64 bytes, ending with '\n'.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(1);
  out += static_cast<char>(0);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(double));
  write_file_atomic(path, out);
}

}  // namespace pmt::io
