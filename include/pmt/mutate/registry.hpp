// The ONE operator registry: every mutation operator pmt knows, with its DeepCrime code, the kind
// of parameter it takes, the values or bounds DeepCrime's search explores, the rule that says
// whether it applies to a subject (and to which layer) and what it does. train_mutants, gen_acc,
// mutate_model, `--list-mutations` and the docs read this table; an operator is one entry (in
// src/mutate/operators.cpp) plus its test. Three stages: DeepCrime's 24 pre-training operators
// (spec -> spec, data -> data; Humbatova et al., ISSTA 2021: operators/*.py and
// utils/properties/*), the post-training (model-level) ones, applied to trained instances by
// mutate_model: the PMT package's neurons_freezing and weights_fuzzing
// (operators/weights_operators.py) and DeepMutation++'s GF, WS, NEB, NAI, NS, LD, LAm, AFRm (Hu et
// al., ASE 2019; docs/reference/posttraining.md), and the targeted ones the tmr and arachne tools
// make. No LibTorch here: the weight operators' behaviour is registered by name in
// mutate/torch/post_training.hpp (weight_operator()), which a test holds to this table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/core/rng.hpp"
#include "pmt/model/dataset.hpp"
#include "pmt/model/subject.hpp"

namespace pmt::mutate {

enum class ParamKind {
  kPercent,     // 0-100 (a share of the training data)
  kInteger,     // a positive integer (batch size, epochs, patience)
  kPositive,    // a real > 0 (learning rate)
  kRate,        // a real in [0, 1) (dropout rate)
  kChoice,      // one name of a fixed list (activation, initialiser, loss, optimiser...)
  kClip,        // clipnorm_<c> or clipvalue_<c>, c > 0
  kLayer,       // no value: the parameter is the targeted layer's index
  kImplied,     // no value: one fixed parameter string (disable_batching: "full")
  kRatio,       // a real in (0, 1]: a share of the weights or neurons (post-training)
  kRatioScale,  // "<ratio>_<scale>": ratio in (0, 1], scale > 0 (weights_fuzzing's "r_m"; GF's
                // "r_sigma", where "r" alone means sigma = default_scale)
  kTarget,      // targeted mutants: "c<class>_k<cluster>_<how>" (tmr: how = e<epochs>; arachne:
                // how = <gn|de>_<layer|all>), written by the tmr and arachne tools
};

// kTargeted: post-training mutants aimed at one cluster of a class's inputs (the USI thesis' TMR
// and Arachne), made by the tools `tmr` and `arachne`, not by mutate_model.
enum class Stage { kPreTraining, kPostTraining, kTargeted };

enum class SearchKind { kBinary, kExhaustive, kNone };

struct Mutation;
struct SearchSpace;

// What an operator does and where it applies, held in its entry (null when it does not apply).
// The subject's spec changed in place (pre-training operators other than the data ones);
// `train_size` is the training set's size (disable_batching).
using SpecChange = void (*)(model::SubjectSpec& spec, const Mutation& m, std::int64_t train_size);
// The training data changed (pct: the percentage parameter), drawing from `rng`.
using DataChange = model::Dataset (*)(const model::Dataset& d, double pct, pmt::Rng& rng);
// Structural post-training operators: the changed spec; from[k] (sized and filled with k by the
// caller) becomes the sound layer whose weights the mutant's layer k takes; `change` describes it.
using LayerChange = void (*)(model::SubjectSpec& spec, const Mutation& m,
                             std::vector<std::size_t>& from, nlohmann::json& change);
// Why layer i (within range) of `spec` does not suit the operator ("" when it does).
using LayerRule = std::string (*)(const model::SubjectSpec& spec, int i);
// Why the subject as a whole does not suit the operator ("" when it does).
using SubjectRule = std::string (*)(const model::SubjectSpec& spec);
// The search space on `spec` where it depends on the subject: a binary search's bounds (from,
// to, precision), or an exhaustive search's values for the targeted `layer` (-1: none).
using SearchRule = void (*)(const model::SubjectSpec& spec, int layer, SearchSpace& space);

struct OperatorInfo {
  std::string name;   // as DeepCrime and the PMT package name it in folders and files
  std::string code;   // DeepCrime's code: TCL, TRD, ...
  std::string group;  // training data, hyperparameters, activation, ...
  ParamKind kind = ParamKind::kLayer;
  SearchKind search = SearchKind::kNone;
  std::vector<std::string> choices;  // kChoice: the accepted values
  double lo = 0, hi = 0;             // numeric kinds: accepted range
  std::string implied;               // kImplied: the parameter string
  std::string summary;
  Stage stage = Stage::kPreTraining;
  bool filtered = false;  // post-training: DeepMutation++'s mutant filter applies (--filter-factor)
  double default_scale = 0;  // kRatioScale: the scale when the parameter gives the ratio only
                             // (0: the scale is required)
  std::string source = "DeepCrime";  // or "PMT", "DeepMutation++"
  // Behaviour (see the types above).
  SpecChange spec_change = nullptr;
  DataChange data_change = nullptr;    // data -> data
  LayerChange layer_change = nullptr;  // structural: changes the layers, not only the weights
  LayerRule layer_rule = nullptr;      // set: the operator targets one layer (--layer)
  std::string no_layer;                // why a subject has no layer for it (layer operators)
  SubjectRule subject_rule = nullptr;
  SearchRule search_rule = nullptr;

  bool targets_layer() const { return layer_rule != nullptr; }
  bool changes_data() const { return data_change != nullptr; }
  bool structural() const { return layer_change != nullptr; }
};

// Every operator: DeepCrime's pre-training ones in DeepCrime's order, then the post-training ones.
const std::vector<OperatorInfo>& operators();
// The names of the operators of one stage, in registry order.
std::vector<std::string> operator_names(Stage stage);
// The operator called `name`; a usage error listing the valid names otherwise.
const OperatorInfo& find_operator(const std::string& name);
// "original" followed by every operator name.
const std::vector<std::string>& mutation_names();

// Why `op` cannot mutate layer `layer` of `spec` ("" when it can). For operators that do not
// target a layer, `layer` is ignored and the subject as a whole is checked; for layer operators,
// `layer` -1 checks their default layers (no_layer when there is none).
std::string not_applicable(const OperatorInfo& op, const model::SubjectSpec& spec, int layer);
// The layers a layer operator runs on by default, one configuration each: the subject's choice
// (its "mutation_layers", DeepCrime's per-subject layer_udp) or else, for DeepCrime's
// (pre-training) operators, every layer it applies to, in order, as DeepCrime runs an operator
// whose layer_udp is None (utils/execute_mutants.py: one mutant per index); for the
// post-training ones, the first layer it applies to, hidden layers before the output layer.
// Empty when none applies (or when `op` does not target a layer).
std::vector<int> default_layers(const OperatorInfo& op, const model::SubjectSpec& spec);
// The suffix that names layer `layer` in parameters and result files: "" when it is the
// operator's only default layer on `spec` (or `layer` < 0), else "_layer<N>".
std::string layer_suffix(const OperatorInfo& op, const model::SubjectSpec& spec, int layer);

// What DeepCrime's search explores for `op` on `spec`: the values of an exhaustive search (every
// candidate, the subject's current value included, as DeepCrime's loop does), or the bounds of a
// binary search (from the most aggressive value `from` towards `to`, down to `precision`).
struct SearchSpace {
  SearchKind kind = SearchKind::kNone;
  std::vector<std::string> values;
  double from = 0, to = 0, precision = 0;
  nlohmann::json to_json() const;
  std::string describe() const;
};
// `layer`: the layer a layer operator targets (-1: each of its default layers on `spec`). A layer
// operator's values carry their layer's suffix (layer_suffix: "0.25_layer3", ...; every default
// layer's values in turn, as DeepCrime's loop over the layers); for those without a value
// (kLayer), the values are the layer indices.
SearchSpace search_space(const OperatorInfo& op, const model::SubjectSpec& spec, int layer = -1);

// A mutation as named on the command line (--mut, --param, --layer) and resolved on a subject.
struct Mutation {
  std::string name = "original";
  std::string param;            // canonical: used verbatim in folder and file names
  std::string value;            // the operator's value (param without a "_layer<N>" suffix)
  double ratio = 0, scale = 0;  // kRatio / kRatioScale: the parsed ratio and scale
  int layer = -1;               // targeted layer (layer operators), else -1
  bool is_original() const { return name == "original"; }
  bool is_data() const;
  bool is_post_training() const;  // model-level: post-training or targeted (pair with --same)
  // "original", or "<name>_<param>": the folder under trained_models/<model>/.
  std::string folder() const;
  nlohmann::json to_json() const;
};

// Checks the name, the parameter (kind and range) and that the operator applies to the subject;
// resolves the layer (`layer` >= 0: --layer; else a "_layer<N>" suffix of `param`; else the
// default layer, which must then be the only one). Unless it is the only default layer, the
// layer is written into the parameter as "<value>_layer<N>" (for kLayer operators the parameter
// is the layer index), so that every configuration has its own folder and accuracy file. Throws
// pmt::Error (usage) naming the subject, operator and why.
Mutation make_mutation(const std::string& name, const std::string& param,
                       const model::SubjectSpec& spec, int layer = -1);
// The configurations (name, param, layer) names: make_mutation's one, or, when a layer operator
// has several default layers and neither `layer` nor `param` names one, one per default layer.
std::vector<Mutation> make_mutations(const std::string& name, const std::string& param,
                                     const model::SubjectSpec& spec, int layer = -1);

// The parameter of a targeted operator, "c<class>_k<cluster>_<how>": class and cluster are
// non-negative integers, `how` the rest (letters, digits, '_', '.'; not empty). Throws pmt::Error
// (usage) naming the operator and the expected form otherwise.
struct Target {
  int cls = 0, cluster = 0;
  std::string how;
};
Target parse_target(const std::string& op, const std::string& param);

// The registry as JSON (for --list-mutations --json), applicability against `spec` when given.
nlohmann::json registry_json(const model::SubjectSpec* spec);
// The same as an aligned text table.
std::string registry_table(const model::SubjectSpec* spec);

}  // namespace pmt::mutate
