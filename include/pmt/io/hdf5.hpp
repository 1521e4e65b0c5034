// HDF5 arrays (HDF5 1.10 C API, Debian's libhdf5-dev), for the dataset files DeepCrime and PMT
// ship (DeepCrime's datasets/mnist_weak.h5, PMT's Datasets/mnist/test.h5 with x_test, y_test).
// Any integer or floating dataset of rank >= 1, either byte order, is read into C-order float32:
// HDF5 converts on read. Precision: integers are exact up to 2^24 (uint8 pixels, class labels);
// float64 values are rounded to the nearest float32, those beyond float32's range become +-inf
// and those below its smallest magnitude 0 (HDF5's conversion); NaN and +-inf are kept. That is
// enough for training data. Every failure is one pmt::Error (data) line naming the file and the
// problem; HDF5's own error stack is never printed, and every HDF5 handle is closed on every path.
// Limit: truncated files and random bytes are refused cleanly, but HDF5 1.10.8 itself can read
// out of bounds (and crash) on some crafted or bit-flipped object headers (fuzz/hdf5_fuzz.cpp
// finds one within a minute): read only dataset files you trust, as with h5py.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pmt::io {

struct Hdf5Array {
  std::vector<std::int64_t> shape;  // rank >= 1
  std::vector<float> data;          // C order, product(shape) values
};

// Reads dataset `dataset` of `file`; a path inside groups ("group/x", a leading '/' allowed).
// Errors (pmt::Error, data): missing file, not an HDF5 file, no such dataset (the message lists
// the datasets present), a type that is not integer or floating (strings, compounds, enums...),
// a scalar, an element count beyond memory, a read failure (e.g. a compression filter this
// HDF5 lacks). Malformed and truncated files give the same one-line errors.
Hdf5Array read_hdf5(const std::filesystem::path& file, const std::string& dataset);

// An HDF5 file open for reading, for files with more than arrays in them (Keras' model files:
// string attributes holding JSON, groups of weights). Every failure is one pmt::Error (data)
// naming origin(); the file stays open while the object lives.
class Hdf5File {
 public:
  explicit Hdf5File(const std::filesystem::path& file);
  // A whole file held in memory (a member of a zip archive), named `origin` in messages.
  Hdf5File(const std::string& image, std::string origin);
  ~Hdf5File();
  Hdf5File(Hdf5File&&) noexcept;
  Hdf5File& operator=(Hdf5File&&) = delete;
  Hdf5File(const Hdf5File&) = delete;
  Hdf5File& operator=(const Hdf5File&) = delete;

  const std::string& origin() const;
  // True when `path` names a group ("" or "/" is the root) or a dataset.
  bool is_group(const std::string& path) const;
  bool is_dataset(const std::string& path) const;
  // The names of a group's members (at most 1,000,000), sorted.
  std::vector<std::string> members(const std::string& group) const;
  // Attribute `name` of the object at `path` ("" the root) as strings: a scalar string is one
  // entry, a 1-D array of strings one per element (fixed or variable length, NUL padding
  // dropped); std::nullopt when the object has no such attribute. An attribute that is not
  // strings, of rank > 1, or of more than 256 MB is a data error naming it.
  std::optional<std::vector<std::string>> strings(const std::string& path,
                                                  const std::string& name) const;
  // Dataset `path` as read_hdf5 reads it.
  Hdf5Array read(const std::string& path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Every dataset of `file` as a path from the root ("x_test", "group/x"), sorted by name.
std::vector<std::string> hdf5_datasets(const std::filesystem::path& file);

// The element type write_hdf5 stores. kUint8 needs every value to be an integer in [0, 255].
enum class Hdf5Store { kFloat32, kUint8 };

// Writes a new HDF5 file holding `datasets` (path inside the file -> array; groups of a path are
// created), little-endian, atomically: into a temporary sibling file renamed over `file` once
// complete. Checks every array (rank >= 1, shape matching the data, distinct names) first.
void write_hdf5(const std::filesystem::path& file,
                const std::vector<std::pair<std::string, Hdf5Array>>& datasets,
                Hdf5Store store = Hdf5Store::kFloat32);

}  // namespace pmt::io
