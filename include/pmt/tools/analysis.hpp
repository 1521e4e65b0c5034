// The analysis executables as library functions (mlpack bindings style): tools/<tool>_main.cpp
// parses flags into an Options struct and calls run_<tool>(options, out). Results go to `out`
// (the reference's printed lines, or one JSON object with --json); notes and progress to stderr;
// files under the data root, written atomically, reused when present (a rerun resumes).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "pmt/stats/budget.hpp"
#include "pmt/stats/jackknife.hpp"
#include "pmt/stats/mutation_test.hpp"
#include "pmt/stats/resampling.hpp"
#include "pmt/tools/options.hpp"
#include "pmt/tools/shard.hpp"

namespace pmt::tools {

// Shared by the five tools.
struct AnalysisOptions {
  pmt::tools::CommonOptions common;
  std::string model;
  std::string mut;
  std::string param;     // empty: every parameter of the mutation (where the tool allows it)
  bool same = false;     // post-training mutants: mutant i is paired with sound instance i
  int bootstraps = 100;  // B
  int trials = 100;      // N
  int sample = 20;       // k: instances per side in one mutation test
  stats::TestOptions test;
};

// comp_deepcrime.py
struct MutationTestOptions : AnalysisOptions {
  bool dc = false;  // single DeepCrime test on raw_data/deepcrime_comp/
  int runs = 50;    // repeated protocol: runs, each N trials on disjoint halves
};
void run_mutation_test(const MutationTestOptions& o, std::ostream& out);

// plot_posterior.py
struct PosteriorOptions : AnalysisOptions {
  bool hdi = false;  // highest-density interval instead of mean +- 1.96 sd
  bool plot = true;  // write the figure
  double grid_step = 0.001;
};
void run_posterior(const PosteriorOptions& o, std::ostream& out);

// plot_param.py
struct RatioOptions : AnalysisOptions {
  int mc_reps = 20;  // independent repetitions to tell firm verdicts from borderline ones (0: off)
  double grid_step = 0.001;
  bool budget = false;   // --budget: instances needed for the full population's firm verdict
  int budget_step = 10;  // grid of population sizes: k, multiples of the step, full
};
void run_ratio(const RatioOptions& o, std::ostream& out);

// ratio's Monte-Carlo verdict on one population (ratio, and train_mutants --until firm after each
// round): o.mc_reps independent repetitions of the bootstrap (B = o.bootstraps kill rates of
// k = o.sample instances per side), each giving a bagged posterior and a Hellinger ratio; the
// repetitions use the configuration's streams (seed, model, mut, param), so the same accuracies
// give the same verdict in either tool.
struct RatioVerdict {
  int reps = 0;                       // repetitions
  int killed = 0;                     // repetitions whose ratio exceeds 1
  double ratio_lo = 0, ratio_hi = 0;  // 2.5% and 97.5% quantiles of the ratios
  // Firm "killed" when every repetition says killed, firm "not killed" when none does.
  stats::Verdict verdict() const { return stats::firm_verdict(killed, reps); }
};
RatioVerdict ratio_verdict(const RatioOptions& o, const stats::Population& pop,
                           const std::string& param);

// exp.py + mce_estim.py
struct MceOptions : AnalysisOptions {
  int reps = 100;  // R
  stats::JackknifeDivisor divisor = stats::JackknifeDivisor::kReference;
  // Not whole: only this shard's block of repetitions, into a part file beside the rep_mce file
  // (no estimate); an unsharded run assembles the parts (computing any that are missing).
  pmt::tools::Shard shard;
};
void run_mce(const MceOptions& o, std::ostream& out);

// run_mp.py + pop_var.py
struct PracticalityOptions : AnalysisOptions {
  int size = 0;      // --size: only generate this population size's array
  int pop_size = 0;  // --pop_size: print the reference's block for this size
  int n_pop = 30;    // sub-populations per size
  int reps = 100;    // repetitions of the bootstrap per sub-population
  std::vector<int> sizes{25, 50, 75, 100, 125, 150, 175, 190};
  // Not whole: only the arrays of the sizes at positions k with k mod n == i (no summary); an
  // unsharded run then summarises them all.
  pmt::tools::Shard shard;
  bool plot = true;
  stats::JackknifeDivisor divisor = stats::JackknifeDivisor::kReference;
};
void run_practicality(const PracticalityOptions& o, std::ostream& out);

}  // namespace pmt::tools
