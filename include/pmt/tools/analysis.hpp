// The analysis executables as library functions (mlpack bindings style): tools/<tool>_main.cpp
// parses flags into an Options struct, calls run_<tool>(options) and prints the Result it returns
// (cli::print: text() is the reference's printed lines, to_json() the --json object); notes and
// progress go to stderr; files under the data root, written atomically, reused when present (a
// rerun resumes).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/stats/budget.hpp"
#include "pmt/stats/jackknife.hpp"
#include "pmt/stats/mutation_test.hpp"
#include "pmt/stats/posterior.hpp"
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
struct MutationTestResult {
  std::string model, mut, test;
  bool wilcoxon = false, dc = false;
  struct Single {  // --dc: one test per parameter
    std::string param;
    stats::TestOutcome test;
    std::size_t sound = 0, mutant = 0;  // instances tested
  };
  std::vector<Single> single;
  struct Runs {  // the repeated protocol's kill rate over runs
    std::string param;
    double mean = 0, std = 0;  // std: ddof 0
    std::vector<double> runs;
  };
  Runs sound;                  // sound vs sound
  std::vector<Runs> repeated;  // sound vs each parameter's mutants
  nlohmann::json to_json() const;
  std::string text() const;  // the reference's lines (comp_deepcrime.py)
};
MutationTestResult run_mutation_test(const MutationTestOptions& o);

// plot_posterior.py
struct PosteriorOptions : AnalysisOptions {
  bool hdi = false;  // highest-density interval instead of mean +- 1.96 sd
  bool plot = true;  // write the figure
  double grid_step = 0.001;
};
struct PosteriorResult {
  std::string model, mut, test;
  bool hdi = false;  // the intervals are highest-density ones
  struct Curve {
    std::string label;  // "original", then each parameter
    stats::BetaFit fit;
  };
  std::vector<Curve> curves;  // the sound instances' first
  nlohmann::json to_json() const;
  std::string text() const;  // the reference's lines (plot_posterior.py)
};
PosteriorResult run_posterior(const PosteriorOptions& o);

// plot_param.py
struct RatioOptions : AnalysisOptions {
  int mc_reps = 20;  // independent repetitions to tell firm verdicts from borderline ones (0: off)
  double grid_step = 0.001;
  bool budget = false;   // --budget: instances needed for the full population's firm verdict
  int budget_step = 10;  // grid of population sizes: k, multiples of the step, full
};

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

struct RatioResult {
  std::string model, mut, test;
  int mc_reps = 0;
  stats::Distances original;  // the sound instances' posterior
  struct Mutant {
    std::string param;
    stats::Distances distances;
    RatioVerdict mc;  // reps 0: not assessed (--mc-reps 0, or no raw accuracies)
    bool firm() const;
  };
  std::vector<Mutant> mutants;
  // --budget instead: per parameter, the instances needed for the full population's verdict
  bool budget = false;
  int budget_step = 0;
  std::vector<std::size_t> grid;  // the last parameter's population sizes
  std::vector<std::pair<std::string, stats::Budget>> budgets;
  nlohmann::json to_json() const;
  std::string text() const;  // the reference's lines (plot_param.py), or the budget table
};
RatioResult run_ratio(const RatioOptions& o);

// exp.py + mce_estim.py
struct MceOptions : AnalysisOptions {
  int reps = 100;  // R
  stats::JackknifeDivisor divisor = stats::JackknifeDivisor::kReference;
  // Not whole: only this shard's block of repetitions, into a part file beside the rep_mce file
  // (no estimate); an unsharded run assembles the parts (computing any that are missing).
  pmt::tools::Shard shard;
};
struct MceResult {
  bool summarised = false;  // false: a --shard run, which writes its part of the array only
  std::string model, test, mut;
  std::string param;        // the configuration's ("" for original)
  std::string given_param;  // --param as given ("" prints as the reference's None)
  stats::JackknifeEstimate estimate;
  nlohmann::json to_json() const;
  std::string text() const;  // the reference's lines (exp.py + mce_estim.py)
};
MceResult run_mce(const MceOptions& o);

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
struct PracticalityResult {
  bool summarised = false;  // false: a --shard or --size run, or sizes still missing (no summary)
  std::string model, mut, test;
  std::string param, given_param;  // the configuration's; --param as given (None when empty)
  int n_pop = 0;
  int pop_size = 0;                               // --pop_size: that size's block only
  std::vector<int> sizes;                         // the sizes studied
  std::vector<stats::SamplingSummary> summaries;  // per size (or the one of pop_size)
  nlohmann::json to_json() const;
  std::string text() const;  // pop_var.py's block, or the table of every size
};
PracticalityResult run_practicality(const PracticalityOptions& o);

}  // namespace pmt::tools
