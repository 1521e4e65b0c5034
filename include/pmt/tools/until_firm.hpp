// train_mutants --until firm as a library function: a verdict with as few trained instances as it
// needs. Trains the sound subject and the mutant in rounds (n = k, then multiples of --step, up
// to --cap instances per side: the grid of ratio --budget), evaluates every instance on the test
// split (gen_acc, which also writes the accuracy files) and, after each round, computes ratio's
// Monte-Carlo verdict on the first n instances of each side (tools::ratio_verdict). It stops at
// the first round whose verdict is firm (all repetitions agree) or at the cap (borderline).
// Rounds resume what exists, so a rerun or a larger cap costs nothing twice. No LibTorch here.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/stats/budget.hpp"
#include "pmt/tools/training.hpp"

namespace pmt::tools {

struct UntilFirmOptions : TrainMutantsOptions {
  int sample = 20;   // k: instances per side in one mutation test, and the first round's size
  int step = 10;     // rounds at multiples of step after k
  int cap = 200;     // the most instances per side (PMT's study trains 200)
  int mc_reps = 20;  // ratio's repetitions behind a firm verdict
  int bootstraps = 100, trials = 100;
  std::function<void(const std::string&)> log;  // a line per round (stderr in the tool)
};

struct UntilFirmRound {
  int n = 0;  // instances per side
  stats::Verdict verdict = stats::Verdict::kBorderline;
  int killed = 0, reps = 0;           // repetitions with ratio > 1, of reps
  double ratio_lo = 0, ratio_hi = 0;  // 95% range of the ratios
  double seconds = 0;                 // the round's wall time (training + evaluation + verdict)
};

struct UntilFirmSummary {
  std::string model, mut, param;  // param as in the accuracy files ("" for none)
  std::vector<UntilFirmRound> rounds;
  int cap = 0;
  int trained = 0;  // instances this run trained (both sides)
  double seconds = 0;
  double peak_rss_mb = 0;  // the process's peak resident memory while training, MB
  bool firm() const {
    return !rounds.empty() && rounds.back().verdict != stats::Verdict::kBorderline;
  }
  int instances() const { return rounds.empty() ? 0 : rounds.back().n; }  // per side
  nlohmann::json to_json() const;
  std::string text() const;  // the summary on stdout (printed by cli::print)
};

// Throws pmt::Error: usage (--mut original, bad k/step/cap), data/runtime from training and
// evaluation.
UntilFirmSummary run_until_firm(const UntilFirmOptions& options);

}  // namespace pmt::tools
