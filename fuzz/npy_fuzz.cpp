// libFuzzer harness: the NPY reader (io/npy) on arbitrary bytes, with numpy's default header
// limit and with no effective limit (so that headers of hundreds of kilobytes reach the parser).
// Any outcome but an array or a pmt::Error is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pmt/core/error.hpp"
#include "pmt/io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const std::size_t limit : {pmt::io::kNpyMaxHeaderSize, size}) {
    try {
      const auto a = pmt::io::parse_npy(bytes, "fuzz.npy", limit);
      if (a.data.size() != a.size()) __builtin_trap();
      (void)a.shape_string();
    } catch (const pmt::Error&) {
    }
  }
  return 0;
}
