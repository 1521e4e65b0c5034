// libFuzzer harness: subject specs (model/spec_reader.cpp and model/subject.cpp, plain C++) on arbitrary text: JSON parsing
// as load_subject does it, validation, shape inference, and the round trip through to_json.
// Any outcome but a spec or a pmt::Error is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pmt/core/error.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/model/subject.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pmt::model::SubjectSpec spec;
  try {
    const auto j =
        pmt::io::parse_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    spec = pmt::model::parse_subject(j, "fuzz.json");
  } catch (const pmt::Error&) {
    return 0;
  }
  // A spec that was accepted must infer its shapes and survive the round trip: no error here.
  (void)pmt::model::infer_shapes(spec);
  const auto again = pmt::model::parse_subject(pmt::model::to_json(spec), "fuzz.json");
  if (again.layers.size() != spec.layers.size()) __builtin_trap();
  return 0;
}
