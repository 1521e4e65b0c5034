// The flag groups that several executables share, each declared once: the shard of a job array,
// the analysis tools' flags, the training tools' configuration and TorchScript flags, the
// targeted tools' flags. A tool's own flags are in its tools/<tool>_main.cpp.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "pmt/stats/jackknife.hpp"
#include "pmt/tools/analysis.hpp"
#include "pmt/tools/targeted.hpp"
#include "pmt/tools/training.hpp"

namespace pmt::cli {

// --shard (help text naming what the tool splits; tools/shard.hpp).
void add_shard_flag(CLI::App& app, std::string& text, const std::string& what);

// Adds the shared analysis flags (--model, --mut, --param, --same, --bootstraps, --trials,
// --sample-size, --test, --exact-p, --effect) to a tool's CLI.
void add_analysis_flags(CLI::App& app, tools::AnalysisOptions& o, const std::string& param_help);

// --textbook: the jackknife's leave-one-out values divide by R - 1 instead of R (mce,
// practicality).
void add_jackknife_flag(CLI::App& app, stats::JackknifeDivisor& divisor);

// The flags both tools share: --model, --subject, --mut, --param, --layer, --data-dir, --jobs.
// with_param false: no --param (mutation_search chooses the parameters).
void add_config_flags(CLI::App& app, tools::ConfigOptions& options, const std::string& jobs_help,
                      bool with_param = true);

// --torchscript, --input-shape, --scale, --num-classes (gen_acc and mutate_model).
void add_torchscript_flags(CLI::App& app, tools::ConfigOptions& options);

// The flags tmr and arachne share (--model, --subject, --data-dir, --instances, --clusters,
// --split, --classes, --cluster, --weak-test-set, --weak-test-labels, --jobs, --threads, -q);
// finish_targeted_flags() parses the lists after CLI11 has run (usage errors name the flag).
struct TargetedFlags {
  std::string classes, cluster_ids;
  bool quiet = false;
};
void add_targeted_flags(CLI::App& app, tools::TargetedOptions& options, TargetedFlags& flags);
void finish_targeted_flags(tools::TargetedOptions& options, const TargetedFlags& flags);

}  // namespace pmt::cli
