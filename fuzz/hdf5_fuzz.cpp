// libFuzzer harness for the HDF5 reader: any bytes, as a file, must give datasets or one
// pmt::Error line, never a crash, a hang or another exception. Built and run by
// `scripts/fuzz.sh [seconds] hdf5` with ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=0
// (allocator_may_return_null: HDF5's mallocs may fail, as outside ASan. ASan's operator new
// aborts instead of throwing std::bad_alloc, so an "out-of-memory" artifact in read_hdf5 is a
// file declaring a huge array, which a normal build reports as a pmt::Error. -detect_leaks=0:
// HDF5 1.10.8 leaks a few blocks on some corrupt-file paths.) Known: Debian's HDF5 1.10.8 itself
// reads out of bounds on some bit-flipped files (H5O_msg_read_oh from H5Oopen, a segfault
// without ASan; H5T_copy), found within minutes from tests/data/hdf5/; pmt cannot guard against
// that short of a newer HDF5.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "pmt/core/error.hpp"
#include "pmt/io/hdf5.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                            ("pmt_hdf5_fuzz_" + std::to_string(getpid()) + ".h5");
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  std::vector<std::string> names{"x_test"};
  try {
    const auto listed = pmt::io::hdf5_datasets(file);
    names.insert(names.end(), listed.begin(),
                 listed.begin() + std::min<std::size_t>(listed.size(), 8));
  } catch (const pmt::Error&) {
  }
  for (const auto& name : names) {
    try {
      pmt::io::read_hdf5(file, name);
    } catch (const pmt::Error&) {
    }
  }
  return 0;
}
