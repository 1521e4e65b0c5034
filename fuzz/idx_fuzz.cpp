// libFuzzer harness: the IDX reader (model/dataset.cpp, plain C++ and zlib) on arbitrary bytes,
// read as given (plain, or gzip when they start with its magic) and gzip-compressed here, so
// that the inflate path sees valid streams of every content. Any outcome but an array or a
// pmt::Error is a finding.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "pmt/core/error.hpp"
#include "pmt/model/dataset.hpp"

namespace {
std::string gzip(const std::string& s) {
  z_stream zs{};
  if (deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out(deflateBound(&zs, static_cast<uLong>(s.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  zs.avail_in = static_cast<uInt>(s.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

void check(std::string bytes) {
  try {
    const auto a = pmt::model::parse_idx(std::move(bytes), "fuzz.idx");
    std::size_t n = 1;
    for (auto d : a.dims) n *= static_cast<std::size_t>(d);
    if (n != a.data.size()) __builtin_trap();
  } catch (const pmt::Error&) {
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  check(bytes);
  check(gzip(bytes));
  return 0;
}
