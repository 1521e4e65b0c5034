// The analysis executables as library functions (mlpack bindings style): tools/<tool>_main.cpp
// parses flags into an Options struct and calls run_<tool>(options, out). Results go to `out`
// (the reference's printed lines, or one JSON object with --json); notes and progress to stderr;
// files under the data root, written atomically, reused when present (a rerun resumes).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "pmt/cli/common.hpp"
#include "pmt/stats/jackknife.hpp"
#include "pmt/stats/mutation_test.hpp"

namespace pmt::tools {

// Shared by the five tools.
struct AnalysisOptions {
  cli::CommonOptions common;
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

// exp.py + mce_estim.py
struct MceOptions : AnalysisOptions {
  int reps = 100;  // R
  stats::JackknifeDivisor divisor = stats::JackknifeDivisor::kReference;
};
void run_mce(const MceOptions& o, std::ostream& out);

// run_mp.py + pop_var.py
struct PracticalityOptions : AnalysisOptions {
  int size = 0;      // --size: only generate this population size's array
  int pop_size = 0;  // --pop_size: print the reference's block for this size
  int n_pop = 30;    // sub-populations per size
  int reps = 100;    // repetitions of the bootstrap per sub-population
  std::vector<int> sizes{25, 50, 75, 100, 125, 150, 175, 190};
  bool plot = true;
  stats::JackknifeDivisor divisor = stats::JackknifeDivisor::kReference;
};
void run_practicality(const PracticalityOptions& o, std::ostream& out);

}  // namespace pmt::tools

namespace CLI {
class App;
}

namespace pmt::tools {

// Adds the shared analysis flags (--model, --mut, --param, --same, --bootstraps, --trials,
// --sample-size, --test, --exact-p, --effect) and the common ones (--data-root, --settings, --seed,
// --proc, --json, --verbose) to a tool's CLI.
void add_analysis_flags(CLI::App& app, AnalysisOptions& o, const std::string& param_help);

// --textbook: the jackknife's leave-one-out values divide by R - 1 instead of R (mce,
// practicality).
void add_jackknife_flag(CLI::App& app, stats::JackknifeDivisor& divisor);

}  // namespace pmt::tools
