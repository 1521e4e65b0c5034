// The training tools as library functions (tools/*_main.cpp only parse flags and print):
//   train_mutants: trains instances of the sound subject or of a mutant and saves them as
//     <data-root>/trained_models/<model>/<mutation folder>/instance_<i>.pt + instance_<i>.json
//   gen_acc: evaluates every saved instance of a configuration on the test set and writes
//     <data-root>/raw_data/<model>/results_<model>_<mut>_mutated0_MP_<param>.csv (or
//     results_<model>_original.csv) in the replication package's layout.
//   mutate_model: makes post-training mutants of the saved sound instances (mutant i from sound
//     instance i) and saves them where gen_acc finds them (trained_models/<model>/<mut>_<param>/).
// Instances are pmt subject networks or, with --torchscript, a user's TorchScript modules.
// No LibTorch and no CLI11 here (the flags are in cli/flags.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/tools/options.hpp"
#include "pmt/tools/shard.hpp"

namespace pmt::tools {

// What both tools need to find a configuration.
struct ConfigOptions {
  std::string model;         // built-in subject name (data/subjects/<model>.json) or output name
  std::string subject_file;  // --subject FILE: a user's spec instead of the built-in one
  std::string mut = "original";
  std::string param;
  int layer = -1;          // --layer: the layer a layer operator targets; -1: the subject's default
  std::string layer_name;  // mutate_model's --layer: an index or a layer's name (overrides layer)
  CommonOptions common;    // --data-root, --seed, --proc, --json (declared once: cli/common.hpp)
  std::string data_dir;    // datasets; empty: <data_root>/datasets
  int jobs = 0;            // instances at once; 0: the fastest layout for the machine
  int threads = 0;         // intra-op threads per instance; 0: cores / jobs
  bool progress = true;    // per-epoch lines on stderr
  // A user's TorchScript models (torch.jit.save) instead of a pmt subject: --model only names
  // them (the folders); the test set comes from --test-set (gen_acc, mutate_model).
  bool torchscript = false;
  std::string input_shape;  // per-sample shape fed to the model, "1,28,28" (empty: the test
                            // set's, a channel axis added in front of 2-D IDX images)
  double scale = 0;         // test inputs divided by it (0: 255 for IDX bytes, 1 for NPY)
  int num_classes = 0;      // the output width the model must have (0: wide enough for the
                            // test set's labels)
};

struct TrainMutantsOptions : ConfigOptions {
  std::string instances = "0-19";  // "0-19", "3", "0,2,5-7"
  pmt::tools::Shard shard;  // only the instances at positions k of the list with k mod n == i
  // Instances trained as one fused model (fit_fused); 1 (the default, measured fastest on the
  // 2-core machine: docs/training.md): one model per instance (fit). Subjects or operators that
  // do not fuse (fusion_blocker) use 1.
  int fuse = 1;
};

struct TrainMutantsSummary {
  std::filesystem::path folder;
  std::string shard;  // "i/n"
  std::vector<int> trained, skipped;
  std::vector<double> final_accuracy;  // per trained instance (validation if any, else training)
  double seconds = 0;
  int jobs = 1, threads = 1;
  int fuse = 1;             // instances per fused model (the last groups may hold fewer)
  std::string unfused_why;  // --fuse > 1 asked but the subject or operator does not fuse: why
  double peak_rss_mb = 0;   // the process's peak resident memory (getrusage ru_maxrss), MB
  nlohmann::json to_json() const;
  std::string text() const;  // the summary on stdout (printed by cli::print)
};

struct GenAccOptions : ConfigOptions {
  std::string test_set;     // IDX images file; empty: the subject's dataset test split
  std::string test_labels;  // IDX labels; empty: derived from test_set's name
  // "test": the test split (or test_set); "train": the subject's (unmutated) training split,
  // DeepCrime's "train" pass, written under <data_root>/train_set/ in the same layout (so that
  // the analysis tools read it with --data-root <data_root>/train_set).
  std::string split = "test";
  // With test_set: the test set's name; its accuracy files then go under
  // <data_root>/test_sets/<name>/ (same layout) instead of over the full test set's.
  std::string test_set_name;
};

// weak_test_set: DeepCrime's "weak" test set as pmt reads its definition ("the test inputs a
// sound instance classifies with maximal confidence"; DeepCrime's construction script is not
// public): sound instance `instance` predicts the test split; of the inputs it classifies
// correctly, the `fraction` of the whole test split with the highest softmax confidence are
// kept (all correct ones if fewer), in their original order. IDX classification subjects only.
struct WeakTestSetOptions : ConfigOptions {
  int instance = 0;
  double fraction = 0.5;
  std::string out;  // images file to write (a name with "images-idx3"); labels beside it
};

struct WeakTestSetSummary {
  std::filesystem::path images, labels;
  std::int64_t test_size = 0, correct = 0, kept = 0;
  double min_confidence = 0;  // of the kept inputs
  nlohmann::json to_json() const;
  std::string text() const;  // the summary on stdout (printed by cli::print)
};

// mutate_model: post-training mutants of the sound instances (see mutate_model_main.cpp).
struct MutateModelOptions : ConfigOptions {
  std::string instances;       // empty: every sound instance present
  pmt::tools::Shard shard;     // only the instances at positions k of the list with k mod n == i
  double filter_factor = 0.9;  // DeepMutation++'s filter: redraw while accuracy < factor x the
                               // sound instance's; 0: off. Only the DeepMutation++ operators.
  int max_draws = 100;         // draws per instance before giving up on it
  std::string test_set;        // the filter's test set (default: the subject's test split)
  std::string test_labels;
};

struct MutateModelSummary {
  std::filesystem::path folder;
  std::vector<int> made, skipped, gave_up;
  std::vector<int> discarded;  // per made instance: draws the filter discarded
  double seconds = 0;
  double filter_seconds = 0;  // summed over the jobs: evaluating sound instances and draws
  int jobs = 1, threads = 1;
  nlohmann::json to_json() const;
  std::string text() const;  // the summary on stdout (printed by cli::print)
};

struct GenAccSummary {
  std::filesystem::path file;
  std::vector<int> instances;
  std::vector<double> accuracy;
  nlohmann::json to_json() const;
  std::string text() const;  // the summary on stdout (printed by cli::print)
};

// train_mutants --list-mutations: the operator registry, and with --model/--subject whether
// each operator applies to that subject, the layer it targets and DeepCrime's search space
// there; a text table, or JSON.
std::string list_mutations(const ConfigOptions& options, bool json);

// "0-19" -> 0..19; "0,2,5-7" -> 0,2,5,6,7. Throws pmt::Error (usage).
std::vector<int> parse_instances(const std::string& text);

// The instances' folder: <data_root>/trained_models/<model>/<original | mut_param>.
std::filesystem::path instances_folder(const ConfigOptions& options);

// The parameters of the configurations `options` names: its own, or, when a layer operator runs
// on several layers of the subject by default (DeepCrime's every-layer runs,
// mutate::default_layers) and neither --layer nor the parameter names one, one per layer
// ("<value>_layer<N>", or the layer index for operators without a value).
std::vector<std::string> configuration_params(const ConfigOptions& options);

// One tool's results over several configurations: the one result's JSON and text when there is
// one, else {"configurations": [...]} and each text in turn.
template <class Result>
struct EachConfiguration {
  std::vector<Result> results;
  nlohmann::json to_json() const {
    if (results.size() == 1) return results.front().to_json();
    nlohmann::json list = nlohmann::json::array();
    for (const Result& r : results) list.push_back(r.to_json());
    return {{"configurations", list}};
  }
  std::string text() const {
    std::string out;
    for (const Result& r : results) out += r.text();
    return out;
  }
};

// `run` (run_train_mutants, run_gen_acc) on each configuration of configuration_params, in turn.
template <class Options, class Run>
auto run_each_configuration(const Options& options, Run run) {
  EachConfiguration<decltype(run(options))> each;
  const std::vector<std::string> params = configuration_params(options);
  for (const std::string& param : params) {
    Options one = options;
    one.param = param;
    each.results.push_back(run(one));
  }
  return each;
}

TrainMutantsSummary run_train_mutants(const TrainMutantsOptions& options);
GenAccSummary run_gen_acc(const GenAccOptions& options);
WeakTestSetSummary run_weak_test_set(const WeakTestSetOptions& options);
MutateModelSummary run_mutate_model(const MutateModelOptions& options);
// mutate_model --list-layers: the model's weight layers (index, name, type, weight shape,
// bias) and which post-training operators target which by default; text or JSON. Reads the sound
// instance `instances` names first (or the first present).
std::string list_layers(const MutateModelOptions& options, bool json);

// A test set's name (--test-set-name): letters, digits, '_', '-', '.', not starting with '.';
// throws pmt::Error (usage) otherwise.
void check_test_set_name(const std::string& name);

}  // namespace pmt::tools
