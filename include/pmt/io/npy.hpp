// NumPy .npy files (format version 1.0/2.0/3.0), as the replication package saves its kill rates:
// little-endian float64 in C order. Reading also accepts little-endian float32 and int32/int64
// (converted to double); big-endian data, Fortran order and any other dtype are errors naming the
// file. Writing produces version 1.0 '<f8' files that numpy.load reads back unchanged.
//
// Hostile files: the header is limited to max_header_size bytes (numpy's default 10,000; the
// environment variable PMT_NPY_MAX_HEADER_SIZE raises it), read by a bounded parser; negative,
// oversized (> 64 bits) dimensions, shapes whose element count or byte size overflows 64 bits and
// data shorter than the shape needs are pmt::Error (data) naming the file and the problem.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pmt::io {

struct NpyArray {
  std::vector<std::size_t> shape;
  std::vector<double> data;          // C order
  std::size_t size() const;          // element count; throws pmt::Error if it overflows
  std::string shape_string() const;  // "(100, 100)"
};

// numpy.lib.format's default max_header_size.
constexpr std::size_t kNpyMaxHeaderSize = 10000;
// $PMT_NPY_MAX_HEADER_SIZE when set (a non-negative integer, else a usage error), else 10,000.
std::size_t npy_max_header_size();

// The bytes of a .npy file; `where` (a file name) prefixes every message.
NpyArray parse_npy(std::string_view bytes, const std::string& where,
                   std::size_t max_header_size = kNpyMaxHeaderSize);

NpyArray read_npy(const std::filesystem::path& path);

// Reads and checks the shape; an empty dimension in `expected` (0) matches any length.
NpyArray read_npy(const std::filesystem::path& path, const std::vector<std::size_t>& expected);

void write_npy(const std::filesystem::path& path, const std::vector<std::size_t>& shape,
               const std::vector<double>& data);

}  // namespace pmt::io
