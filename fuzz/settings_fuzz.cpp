// libFuzzer harness: the settings reader (io/settings, data/settings.json) on arbitrary text, then
// every query the analysis tools make of a loaded table. Any outcome but a table or a pmt::Error
// is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pmt/core/error.hpp"
#include "pmt/io/settings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto s = pmt::io::Settings::parse(std::string(reinterpret_cast<const char*>(data), size),
                                            "fuzz.json");
    for (const auto& model : s.models()) {
      if (!s.has_model(model)) __builtin_trap();
      for (const auto& mut : s.mutations(model)) {
        if (!s.has_mutation(model, mut)) __builtin_trap();
        (void)s.is_model_level(mut);
        for (const auto& p : s.params(model, mut)) s.check_param(model, mut, p);
      }
    }
  } catch (const pmt::Error&) {
  }
  return 0;
}
