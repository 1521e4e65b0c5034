#include "pmt/stats/resampling.hpp"

#include <numeric>
#include <utility>

#include "pmt/core/error.hpp"

namespace pmt::stats {

namespace {

// Moves k random elements of v[0..n) to the front (partial Fisher-Yates); `w`, when given, is
// permuted in lockstep (paired sound/mutant values).
inline void draw_front(double* v, double* w, std::uint32_t n, int k, Rng& rng) {
  for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(k); ++i) {
    const std::uint32_t j = i + bounded(rng, n - i);
    std::swap(v[i], v[j]);
    if (w) std::swap(w[i], w[j]);
  }
}

}  // namespace

void check_population(const Population& pop, int k, const std::string& what) {
  PMT_THROW_IF(k < 2, kUsage, "the sample size k must be at least 2 (got {})", k);
  PMT_THROW_IF(pop.same && pop.sound.size() != pop.mutant.size(), kData,
               "{}: --same pairs instance i of both files, but they hold {} and {} instances", what,
               pop.sound.size(), pop.mutant.size());
  const std::size_t n = std::min(pop.sound.size(), pop.mutant.size());
  PMT_THROW_IF(n < static_cast<std::size_t>(k), kData,
               "{}: {} usable instances, fewer than the sample size k = {} of one mutation test",
               what, n, k);
}

std::vector<double> bootstrap_kill_rates(const Population& pop, const BootstrapOptions& o,
                                         Rng& rng) {
  const auto ns = static_cast<std::uint32_t>(pop.sound.size());
  const auto nm = static_cast<std::uint32_t>(pop.mutant.size());
  KillDecision decide(static_cast<std::size_t>(o.k), static_cast<std::size_t>(o.k), o.test,
                      pop.same);
  std::vector<double> boot_mut(nm), boot_sound(pop.same ? nm : ns);
  std::vector<double> rates;
  rates.reserve(static_cast<std::size_t>(o.B));
  for (int b = 0; b < o.B; ++b) {
    // Same order of draws as the reference: the mutants' bootstrap sample, then the sound one.
    for (std::uint32_t i = 0; i < nm; ++i) {
      const std::uint32_t id = bounded(rng, nm);
      boot_mut[i] = pop.mutant[id];
      if (pop.same) boot_sound[i] = pop.sound[id];
    }
    if (!pop.same) {
      for (std::uint32_t i = 0; i < ns; ++i) boot_sound[i] = pop.sound[bounded(rng, ns)];
    }
    int kills = 0;
    for (int t = 0; t < o.N; ++t) {
      if (pop.same) {
        draw_front(boot_mut.data(), boot_sound.data(), nm, o.k, rng);
      } else {
        draw_front(boot_mut.data(), nullptr, nm, o.k, rng);
        draw_front(boot_sound.data(), nullptr, ns, o.k, rng);
      }
      kills += decide.killed(boot_sound.data(), boot_mut.data()) ? 1 : 0;
    }
    rates.push_back(static_cast<double>(kills) / o.N);
  }
  return rates;
}

double repeated_protocol_run(const Population& pop, int N, int k, const TestOptions& test,
                             Rng& rng) {
  const auto n = static_cast<std::uint32_t>(std::min(pop.sound.size(), pop.mutant.size()));
  // A random half of the ids -> sound pool, the other ids -> mutant pool (disjoint).
  std::vector<char> in_sound(n, 0);
  for (std::uint32_t id : sample_without_replacement(n, n / 2, rng)) in_sound[id] = 1;
  std::vector<double> sound_pool, mut_pool, paired_sound;
  for (std::uint32_t id = 0; id < n; ++id) {
    if (in_sound[id]) {
      sound_pool.push_back(pop.sound[id]);
    } else {
      mut_pool.push_back(pop.mutant[id]);
      if (pop.same) paired_sound.push_back(pop.sound[id]);
    }
  }
  const auto nm = static_cast<std::uint32_t>(mut_pool.size());
  const auto ns = static_cast<std::uint32_t>(sound_pool.size());
  PMT_THROW_IF(ns < static_cast<std::uint32_t>(k) || nm < static_cast<std::uint32_t>(k), kData,
               "the repeated protocol needs at least 2k = {} instances (has {})", 2 * k, n);
  KillDecision decide(static_cast<std::size_t>(k), static_cast<std::size_t>(k), test, pop.same);
  int kills = 0;
  for (int t = 0; t < N; ++t) {
    if (pop.same) {
      draw_front(mut_pool.data(), paired_sound.data(), nm, k, rng);
      kills += decide.killed(paired_sound.data(), mut_pool.data()) ? 1 : 0;
    } else {
      draw_front(mut_pool.data(), nullptr, nm, k, rng);
      draw_front(sound_pool.data(), nullptr, ns, k, rng);
      kills += decide.killed(sound_pool.data(), mut_pool.data()) ? 1 : 0;
    }
  }
  return static_cast<double>(kills) / N;
}

std::vector<std::uint32_t> sample_without_replacement(std::uint32_t n, std::uint32_t m, Rng& rng) {
  std::vector<std::uint32_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0u);
  for (std::uint32_t i = 0; i < m; ++i) std::swap(ids[i], ids[i + bounded(rng, n - i)]);
  ids.resize(m);
  return ids;
}

}  // namespace pmt::stats
