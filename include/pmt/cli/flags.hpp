// Every executable's flags. The groups several share, each declared once (flags.cpp): the subject,
// jobs and threads, progress, the shard of a job array, the analysis tools' flags, the training
// tools' configuration and TorchScript flags, the targeted tools' flags; then each tool's own
// (training_flags.cpp, targeted_flags.cpp, cluster_flags.cpp; the analysis tools' few stay in
// their mains). Flags whose values need parsing beyond CLI11's land in a <Tool>Flags struct, and
// finish_<tool>_flags() or the main turns them into Options after CLI11 has run, so that an
// error is a usage error naming the flag.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "pmt/io/number.hpp"
#include "pmt/stats/jackknife.hpp"
#include "pmt/tools/analysis.hpp"
#include "pmt/tools/cluster.hpp"
#include "pmt/tools/embed.hpp"
#include "pmt/tools/mutation_search.hpp"
#include "pmt/tools/targeted.hpp"
#include "pmt/tools/training.hpp"
#include "pmt/tools/until_firm.hpp"

namespace pmt::cli {

// A comma list (io::split_list), each item parsed by `parse` (which names the bad item).
template <class Parse>
auto parse_list(const std::string& text, Parse parse) {
  std::vector<decltype(parse(std::string()))> out;
  for (const std::string_view item : io::split_list(text)) out.push_back(parse(std::string(item)));
  return out;
}
// A comma list of integers >= min: a usage error naming `flag` otherwise.
std::vector<int> int_list(const std::string& text, const char* flag, int min = 0);

// --model, --subject, --data-dir: which subject and where its dataset is.
void add_subject_flags(CLI::App& app, std::string& model, std::string& subject_file,
                       std::string& data_dir);
// --jobs ("<what> at once (0: one per core)") and --threads (intra-op threads per job).
void add_jobs_flag(CLI::App& app, int& jobs, const std::string& what);
void add_threads_flag(CLI::App& app, int& threads);
// --instances: "<what>, e.g. 0-19 or 0,3,5-7".
CLI::Option* add_instances_flag(CLI::App& app, std::string& instances, const std::string& what);
// --test-set ("<what>; IDX images ... or NPY inputs") and --test-labels.
void add_test_set_flags(CLI::App& app, std::string& images, std::string& labels,
                        const std::string& what);
// --split ("<what>: train or test"; cluster, embed, tmr, arachne).
void add_split_flag(CLI::App& app, std::string& split, const std::string& what);
// -q,--quiet: no progress on stderr.
void add_quiet_flag(CLI::App& app, bool& quiet);

// --shard (help text naming what the tool splits; tools/shard.hpp).
void add_shard_flag(CLI::App& app, std::string& text, const std::string& what);

// Adds the shared analysis flags (--model, --mut, --param, --same, --bootstraps, --trials,
// --sample-size, --test, --exact-p, --effect) to a tool's CLI.
void add_analysis_flags(CLI::App& app, tools::AnalysisOptions& o, const std::string& param_help);

// --textbook: the jackknife's leave-one-out values divide by R - 1 instead of R (mce,
// practicality).
void add_jackknife_flag(CLI::App& app, stats::JackknifeDivisor& divisor);

// The training tools' configuration: the subject flags, --mut, --param, --layer, --jobs ("<what>
// at once"). with_param false: no --param (mutation_search chooses the parameters).
void add_config_flags(CLI::App& app, tools::ConfigOptions& options, const std::string& jobs_what,
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

void add_tmr_flags(CLI::App& app, tools::TmrOptions& options, TargetedFlags& flags);
struct ArachneFlags : TargetedFlags {
  bool no_clip = false;
};
void add_arachne_flags(CLI::App& app, tools::ArachneOptions& options, ArachneFlags& flags);

struct TrainMutantsFlags {
  std::string shard, until;
  bool list = false, quiet = false;
  tools::UntilFirmOptions until_firm;  // --until firm's own flags
};
void add_train_mutants_flags(CLI::App& app, tools::TrainMutantsOptions& options,
                             TrainMutantsFlags& flags);

struct MutateModelFlags {
  std::string shard;
  bool list = false, quiet = false;
};
void add_mutate_model_flags(CLI::App& app, tools::MutateModelOptions& options,
                            MutateModelFlags& flags);

struct MutationSearchFlags {
  bool deepcrime_power = false;
};
void add_mutation_search_flags(CLI::App& app, tools::MutationSearchOptions& options,
                               MutationSearchFlags& flags);

struct EmbedFlags {
  std::string learning_rate = "0.001";
};
void add_embed_flags(CLI::App& app, tools::EmbedOptions& options, EmbedFlags& flags);
void finish_embed_flags(tools::EmbedOptions& options, const EmbedFlags& flags);

struct ClusterFlags {
  std::string classes, scalings = "none,max,normalization,standard,minmax", reductions = "pca",
                       thresholds = "off,on", sizes,
                       algorithms = "kmeans,agglomerative,gmm,hdbscan";
  bool no_plot = false;
};
void add_cluster_flags(CLI::App& app, tools::ClusterOptions& options, ClusterFlags& flags);
void finish_cluster_flags(tools::ClusterOptions& options, const ClusterFlags& flags);

}  // namespace pmt::cli
