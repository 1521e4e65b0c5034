// The resampling experiments of the probabilistic framework (Tambon et al., "A Probabilistic
// Framework for Mutation Testing in Deep Neural Networks", IST; DESIGN.md "The mathematics").
//
// Bootstrap kill rates (plot_posterior.py / plot_param.py / exp.py `experiment`): for each of B
// bootstraps, resample the sound and the mutated instances with replacement (same sizes as the
// originals); for each of N trials draw k positions without replacement from each bootstrap
// sample and run the mutation test; p_b = kills / N. With `same` (post-training mutants: mutant i
// derives from sound instance i) the sound accuracies are those of the drawn mutants' ids.
// The test is the one KillDecision of mutation_test.hpp, of the kind options.test.kind (GLM or
// Wilcoxon; with `same`, Wilcoxon is the signed-rank test on the drawn pairs).
//
// Repeated protocol (comp_deepcrime.py without --dc): split the instance ids into two disjoint
// random halves (sound from one, mutant from the other), then N trials of k vs k drawn without
// replacement; one kill rate per run.
#pragma once

#include <cstdint>
#include <vector>

#include "pmt/core/rng.hpp"
#include "pmt/stats/mutation_test.hpp"

namespace pmt::stats {

// Accuracies of one comparison, missing instances already dropped. With same = true, sound[i]
// and mutant[i] belong to the same instance id (both vectors have the same length).
struct Population {
  std::vector<double> sound;
  std::vector<double> mutant;
  bool same = false;
};

struct BootstrapOptions {
  int B = 100;  // bootstrap samples
  int N = 100;  // trials per bootstrap (binomial experiment)
  int k = 20;   // instances per side in one mutation test
  TestOptions test;
};

// Checks that the population supports k-vs-k draws; throws pmt::Error (data) naming `what`.
void check_population(const Population& pop, int k, const std::string& what);

// B kill rates, using `rng` for all draws.
std::vector<double> bootstrap_kill_rates(const Population& pop, const BootstrapOptions& o,
                                         Rng& rng);

// Kill rate of one run of the repeated protocol (disjoint halves, N trials of k vs k).
double repeated_protocol_run(const Population& pop, int N, int k, const TestOptions& test,
                             Rng& rng);

// Draws m of the ids [0, n) without replacement (a partial Fisher-Yates shuffle), in draw order.
std::vector<std::uint32_t> sample_without_replacement(std::uint32_t n, std::uint32_t m, Rng& rng);

}  // namespace pmt::stats
