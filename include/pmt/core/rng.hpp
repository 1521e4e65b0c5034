// Random streams. One user seed (--seed, default 42) and a task key (which configuration, which
// repetition, which bootstrap...) give an independent PCG32 stream (O'Neill 2014; Debian's
// libpcg-cpp-dev), so every task draws the same numbers whichever thread runs it: results are
// bit-identical for any --proc.
#pragma once

#include <cstdint>
#include <initializer_list>

#include <pcg_random.hpp>

namespace pmt {

using Rng = pcg32;

// splitmix64 finaliser: a good 64-bit mix for deriving seeds from keys.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Stream for (seed, key...). Different keys give statistically independent streams.
inline Rng make_stream(std::uint64_t seed, std::initializer_list<std::uint64_t> key) {
  std::uint64_t state = mix64(seed);
  for (std::uint64_t k : key) state = mix64(state ^ mix64(k + 0x632be59bd9b4e019ULL));
  return Rng(state, mix64(state ^ 0x5851f42d4c957f2dULL));
}

// Uniform integer in [0, n), n >= 1, without modulo bias (Lemire 2019, "Fast random integer
// generation in an interval").
inline std::uint32_t bounded(Rng& rng, std::uint32_t n) {
  std::uint64_t m = static_cast<std::uint64_t>(rng()) * n;
  auto low = static_cast<std::uint32_t>(m);
  if (low < n) {
    const std::uint32_t threshold = (0u - n) % n;
    while (low < threshold) {
      m = static_cast<std::uint64_t>(rng()) * n;
      low = static_cast<std::uint32_t>(m);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

// Stable 64-bit hash of a string (FNV-1a), to key streams by configuration names.
inline std::uint64_t key_of(const char* s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (; *s; ++s) h = (h ^ static_cast<unsigned char>(*s)) * 0x100000001b3ULL;
  return h;
}

}  // namespace pmt
