// libFuzzer harness: the sidecar JSON of an embedding file (cluster --embedding; the `embed` tool
// writes it), read by cluster/names.cpp on arbitrary text. Any outcome but a valid name and
// scaling, or a one-line pmt::Error that names the file and leaves the embedding unchanged, is a
// finding. (The embedding's arrays are NPY files: the npy harness fuzzes their reader.)
#include <cstddef>
#include <cstdint>
#include <string>

#include "pmt/cluster/search.hpp"
#include "pmt/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  pmt::cluster::Embedding e;
  e.name = "stem";
  try {
    pmt::cluster::read_embedding_sidecar(std::string(reinterpret_cast<const char*>(data), size),
                                         "fuzz.json", e);
  } catch (const pmt::Error& err) {
    const std::string m = err.what();
    if (m.rfind("fuzz.json: ", 0) != 0 || m.find('\n') != std::string::npos || m.size() >= 400)
      __builtin_trap();
    if (e.name != "stem" || e.scaling != pmt::cluster::Scaling::kNone) __builtin_trap();
    return 0;
  }
  // Accepted: the name must pass the search's own check, and the scaling must have a name.
  pmt::cluster::check_embedding_name(e.name, "fuzz");
  if (std::string(pmt::cluster::to_string(e.scaling)) == "?") __builtin_trap();
  return 0;
}
