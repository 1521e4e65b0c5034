// libFuzzer harness for import_model's readers: any bytes, as a model file (HDF5 of model.save, a
// .keras zip, model.to_json() text, an ONNX protobuf, told by the first bytes), must give a spec
// with its weights or one pmt::Error line, never a crash, a hang or another exception. Built and
// run by `scripts/fuzz.sh [seconds] import_model`, in fork mode with the hdf5 harness's ASAN_OPTIONS:
// its HDF5 files go through Debian's HDF5 1.10.8, which itself reads out of bounds on some
// crafted object headers (see hdf5_fuzz.cpp); fuzz.sh attributes each finding to HDF5 or pmt.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "pmt/core/error.hpp"
#include "pmt/importer/importer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path file =
      std::filesystem::temp_directory_path() /
      ("pmt_import_model_fuzz_" + std::to_string(getpid()) + ".bin");
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  pmt::importer::Options options;
  options.name = "fuzz";
  for (const bool weights : {false, true}) {
    options.weights = weights;
    try {
      pmt::importer::import_model(file, options);
    } catch (const pmt::Error&) {
    }
  }
  return 0;
}
