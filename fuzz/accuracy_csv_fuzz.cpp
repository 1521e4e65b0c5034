// libFuzzer harness: the accuracy CSV reader (io/accuracy_csv) on arbitrary bytes. Any outcome
// but a table or a pmt::Error (another exception, a crash, a sanitizer report) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pmt/core/error.hpp"
#include "pmt/io/accuracy_csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto t = pmt::io::parse_accuracy_csv(
        std::string(reinterpret_cast<const char*>(data), size), "fuzz.csv");
    if (t.names.size() != t.accuracy.size()) __builtin_trap();
    (void)t.missing();
  } catch (const pmt::Error&) {
  }
  return 0;
}
