// NumPy .npy files (format version 1.0/2.0/3.0), as the replication package saves its kill rates:
// little-endian float64 in C order. Reading also accepts little-endian float32 and int32/int64
// (converted to double); big-endian data, Fortran order and any other dtype are errors naming the
// file. Writing produces version 1.0 '<f8' files that numpy.load reads back unchanged.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace pmt::io {

struct NpyArray {
  std::vector<std::size_t> shape;
  std::vector<double> data;  // C order
  std::size_t size() const;
  std::string shape_string() const;  // "(100, 100)"
};

NpyArray read_npy(const std::filesystem::path& path);

// Reads and checks the shape; an empty dimension in `expected` (0) matches any length.
NpyArray read_npy(const std::filesystem::path& path, const std::vector<std::size_t>& expected);

void write_npy(const std::filesystem::path& path, const std::vector<std::size_t>& shape,
               const std::vector<double>& data);

}  // namespace pmt::io
