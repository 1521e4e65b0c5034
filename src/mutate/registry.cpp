// The operator registry (see registry.hpp): the table, parameter checks, applicability, default
// layers, DeepCrime's search spaces (its utils/properties/properties_mnist.py for the bounds and
// values; HLR and HNE search from the subject's own value) and the --list-mutations views.
#include "pmt/mutate/registry.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pmt/core/error.hpp"
#include "pmt/io/number.hpp"

namespace pmt::mutate {

using model::LayerSpec;
using model::SubjectSpec;
using nlohmann::json;

namespace {

std::vector<std::string> without(std::vector<std::string> v, const std::string& drop) {
  v.erase(std::remove(v.begin(), v.end(), drop), v.end());
  return v;
}

std::vector<OperatorInfo> make_table() {
  using K = ParamKind;
  using S = SearchKind;
  const auto& acts = model::activation_names();
  const std::vector<std::string> regs{"l1", "l2", "l1_l2"};
  std::vector<OperatorInfo> t;
  auto add = [&](OperatorInfo op) { t.push_back(std::move(op)); };
  // Training data.
  add({"change_label",
       "TCL",
       "training data",
       K::kPercent,
       S::kBinary,
       {},
       0,
       100,
       true,
       false,
       "",
       "pct% of the most frequent class get a label drawn from the other classes"});
  add({"delete_training_data",
       "TRD",
       "training data",
       K::kPercent,
       S::kBinary,
       {},
       0,
       99.99,
       true,
       false,
       "",
       "delete pct% of the samples of every class"});
  add({"unbalance_train_data",
       "TUD",
       "training data",
       K::kPercent,
       S::kBinary,
       {},
       0,
       100,
       true,
       false,
       "",
       "delete pct% of the samples of every class smaller than the mean class"});
  add({"add_noise",
       "TAN",
       "training data",
       K::kPercent,
       S::kBinary,
       {},
       0,
       100,
       true,
       false,
       "",
       "pct% of the samples get Gaussian noise of sd std(x_i) * pct / 100"});
  add({"make_output_classes_overlap",
       "TCO",
       "training data",
       K::kPercent,
       S::kBinary,
       {},
       0,
       100,
       true,
       false,
       "",
       "copies of pct% of the most frequent class, labelled as the second most frequent"});
  // Hyperparameters.
  add({"change_batch_size",
       "HBS",
       "hyperparameters",
       K::kInteger,
       S::kExhaustive,
       {"32", "64", "256", "512"},
       1,
       1e9,
       false,
       false,
       "",
       "batch size B"});
  add({"change_learning_rate",
       "HLR",
       "hyperparameters",
       K::kPositive,
       S::kBinary,
       {},
       0,
       1e9,
       false,
       false,
       "",
       "learning rate LR"});
  add({"change_epochs",
       "HNE",
       "hyperparameters",
       K::kInteger,
       S::kBinary,
       {},
       1,
       1e6,
       false,
       false,
       "",
       "E epochs"});
  add({"disable_batching",
       "HDB",
       "hyperparameters",
       K::kImplied,
       S::kNone,
       {},
       0,
       0,
       false,
       false,
       "full",
       "batch size = the training set's size"});
  // Activation functions.
  add({"change_activation_function", "ACH", "activation", K::kChoice, S::kExhaustive, acts, 0, 0,
       false, true, "", "the layer's activation becomes A"});
  add({"remove_activation_function",
       "ARM",
       "activation",
       K::kLayer,
       S::kNone,
       {},
       0,
       0,
       false,
       true,
       "",
       "the layer's activation becomes linear"});
  add({"add_activation_function", "AAL", "activation", K::kChoice, S::kExhaustive,
       without(acts, "linear"), 0, 0, false, true, "", "a linear layer gets activation A"});
  // Regularisation and dropout.
  add({"add_weights_regularisation", "RAW", "regularisation", K::kChoice, S::kExhaustive, regs, 0,
       0, false, true, "", "an unregularised layer gets kernel regulariser R (factor 0.01)"});
  add({"change_weights_regularisation", "RCW", "regularisation", K::kChoice, S::kExhaustive, regs,
       0, 0, false, true, "", "a regularised layer's kernel regulariser becomes R"});
  add({"remove_weights_regularisation",
       "RRW",
       "regularisation",
       K::kLayer,
       S::kNone,
       {},
       0,
       0,
       false,
       true,
       "",
       "a regularised layer loses its kernel regulariser"});
  add({"change_dropout_rate",
       "RCD",
       "regularisation",
       K::kRate,
       S::kExhaustive,
       {"0.125", "0.25", "0.75", "1.0"},
       0,
       1,
       false,
       true,
       "",
       "the dropout layer's rate P"});
  add({"change_earlystopping_patience",
       "RCP",
       "regularisation",
       K::kInteger,
       S::kBinary,
       {},
       1,
       1e6,
       false,
       false,
       "",
       "early stopping patience N (epochs)"});
  // Weights and bias.
  add({"change_weights_initialisation", "WCI", "weights", K::kChoice, S::kExhaustive,
       model::initializer_names(), 0, 0, false, true, "", "the layer's kernel initialiser I"});
  add({"add_bias",
       "WAB",
       "weights",
       K::kLayer,
       S::kNone,
       {},
       0,
       0,
       false,
       true,
       "",
       "a layer without bias gets one"});
  add({"remove_bias",
       "WRB",
       "weights",
       K::kLayer,
       S::kNone,
       {},
       0,
       0,
       false,
       true,
       "",
       "the layer loses its bias"});
  // Loss, optimiser, validation.
  add({"change_loss_function", "LCH", "loss", K::kChoice, S::kExhaustive, model::loss_names(), 0, 0,
       false, false, "", "loss L (Keras, on the network's output)"});
  add({"change_optimisation_function", "OCH", "optimiser", K::kChoice, S::kExhaustive,
       model::optimizer_names(), 0, 0, false, false, "",
       "optimiser O with Keras' defaults (learning rate 0.01 for sgd, 0.001 otherwise)"});
  add({"change_gradient_clip",
       "OCG",
       "optimiser",
       K::kClip,
       S::kNone,
       {"clipvalue_0.5"},
       0,
       1e9,
       false,
       false,
       "",
       "gradient clipping clipnorm_C or clipvalue_C (per tensor, as Keras)"});
  add({"remove_validation_set",
       "VRM",
       "validation",
       K::kImplied,
       S::kNone,
       {},
       0,
       0,
       false,
       false,
       "all",
       "no validation data (and so no early stopping)"});
  // Post-training (model-level) operators: mutate_model applies them to trained instances.
  const auto post = [&](std::string name, std::string code, std::string source, ParamKind kind,
                        bool layer, bool filtered, bool structural, std::string summary,
                        double default_scale = 0) {
    OperatorInfo op{std::move(name),
                    std::move(code),
                    source == "PMT" ? "model (PMT)" : "model (DM++)",
                    kind,
                    SearchKind::kNone,
                    {},
                    0,
                    1,
                    false,
                    layer,
                    "",
                    std::move(summary)};
    op.stage = Stage::kPostTraining;
    op.filtered = filtered;
    op.structural = structural;
    op.default_scale = default_scale;
    op.source = std::move(source);
    t.push_back(std::move(op));
  };
  post("neurons_freezing", "NF", "PMT", K::kRatio, true, false, false,
       "zero int(r * units) (at least 1) output units/channels of the layer: kernel slice, bias");
  post("weights_fuzzing", "WF", "PMT", K::kRatioScale, true, false, false,
       "int(r * size) random kernel entries of the layer: w += N(0,1) * m * |w| (\"r_m\")");
  post("gaussian_fuzzing", "GF", "DeepMutation++", K::kRatioScale, false, true, false,
       "ratio r of all dense/conv kernel weights: w *= 1 + N(0, s), touched kernels clipped to "
       "[-1, 1] (\"r\" or \"r_s\", s = 0.5)",
       0.5);
  post("weights_shuffling", "WS", "DeepMutation++", K::kRatio, false, true, false,
       "ratio r of all dense/conv neurons: each one's incoming weights shuffled");
  post("neuron_effect_block", "NEB", "DeepMutation++", K::kRatio, false, true, false,
       "ratio r of all dense/conv neurons: incoming weights and bias set to 0");
  post("neuron_activation_inverse", "NAI", "DeepMutation++", K::kRatio, false, true, false,
       "ratio r of all dense/conv neurons: incoming weights and bias negated");
  post(
      "neuron_switch", "NS", "DeepMutation++", K::kRatio, false, true, false,
      "per layer, as many random pairs of neurons as its share of ratio r swapped (weights, bias)");
  post("layer_deactivation", "LD", "DeepMutation++", K::kLayer, true, true, true,
       "a hidden dense/conv layer whose output shape equals its input's is removed");
  post("layer_addition", "LAm", "DeepMutation++", K::kLayer, true, true, true,
       "a copy of a dense/conv layer whose output shape equals its input's is inserted after it");
  post("activation_removal", "AFRm", "DeepMutation++", K::kLayer, true, true, true,
       "a hidden layer's activation becomes linear");
  // Targeted post-training mutants (the USI thesis, sections 4.3-4.4): the tools tmr and arachne
  // make them from the sound instances and the clusters of `cluster`.
  const auto targeted = [&](std::string name, std::string code, std::string summary) {
    OperatorInfo op{std::move(name),
                    std::move(code),
                    "targeted",
                    K::kTarget,
                    SearchKind::kNone,
                    {},
                    0,
                    0,
                    false,
                    false,
                    "",
                    std::move(summary)};
    op.stage = Stage::kTargeted;
    op.source = "USI thesis";
    t.push_back(std::move(op));
  };
  targeted("tmr", "TMR",
           "retrain E epochs on one cluster relabelled to each input's second most probable "
           "label, then 1 epoch on the class's other clusters (\"c<class>_k<cluster>_e<E>\"; "
           "the tmr tool)");
  targeted("arachne", "ARA",
           "perturb the weights Arachne's bidirectional localisation finds for one cluster: "
           "Gaussian noise or differential evolution (\"c<class>_k<cluster>_<gn|de>_<layer|all>\"; "
           "the arachne tool)");
  return t;
}

std::string kind_name(ParamKind k) {
  switch (k) {
    case ParamKind::kPercent:
      return "percentage 0-100";
    case ParamKind::kInteger:
      return "integer >= 1";
    case ParamKind::kPositive:
      return "number > 0";
    case ParamKind::kRate:
      return "rate 0-1";
    case ParamKind::kChoice:
      return "name";
    case ParamKind::kClip:
      return "clipnorm_C | clipvalue_C";
    case ParamKind::kLayer:
      return "layer index";
    case ParamKind::kImplied:
      return "none";
    case ParamKind::kRatio:
      return "ratio (0, 1]";
    case ParamKind::kRatioScale:
      return "ratio_scale";
    case ParamKind::kTarget:
      return "c<class>_k<cluster>_<how>";
  }
  return "";
}

// What --param takes, for messages and --list-mutations.
std::string param_name(const OperatorInfo& op) {
  if (op.kind != ParamKind::kRatioScale) return kind_name(op.kind);
  return op.default_scale > 0 ? "ratio[_sigma]" : "ratio_magnitude";
}

bool has_weights(const model::LayerSpec& l) { return l.type == "dense" || l.type == "conv2d"; }

// Why `op` cannot act on layer `i` of `spec` ("" when it can).
std::string layer_reason(const OperatorInfo& op, const model::SubjectSpec& spec, int i) {
  if (i < 0 || i >= static_cast<int>(spec.layers.size()))
    return fmt::format("it has no layer {} (layers 0-{})", i, spec.layers.size() - 1);
  const model::LayerSpec& l = spec.layers[static_cast<std::size_t>(i)];
  const std::string what = fmt::format("layer {} ({})", i, l.type);
  const std::string& n = op.name;
  const bool last = i + 1 == static_cast<int>(spec.layers.size());
  if (n == "activation_removal") {
    if (last) return what + " is the output layer (only hidden activations are removed)";
    if (l.type != "dense" && l.type != "conv2d" && l.type != "activation")
      return what + " has no activation";
    return l.activation != "linear" ? "" : what + " has no activation (it is linear)";
  }
  if (n == "layer_deactivation" || n == "layer_addition") {
    if (!model::is_stack(spec))
      return "only a plain stack of layers can lose or gain a layer (this subject is a graph)";
    if (!has_weights(l)) return what + " has no weights (only dense and conv2d layers qualify)";
    if (n == "layer_deactivation" && (i == 0 || last))
      return what + " is the first or the last layer";
    const auto shapes = model::infer_shapes(spec);
    const auto& in = i == 0 ? spec.input_shape : shapes[static_cast<std::size_t>(i - 1)];
    const auto& out = shapes[static_cast<std::size_t>(i)];
    if (in != out)
      return fmt::format("{} changes the shape ({} -> {})", what, fmt::join(in, "x"),
                         fmt::join(out, "x"));
    return "";
  }
  if (n == "change_dropout_rate")
    return l.type == "dropout" ? "" : what + " is not a dropout layer";
  if (!has_weights(l)) return what + " has no weights (only dense and conv2d layers do)";
  if (n == "change_activation_function") return "";
  if (n == "remove_activation_function")
    return l.activation != "linear" ? "" : what + " has no activation (it is linear)";
  if (n == "add_activation_function")
    return l.activation == "linear" ? "" : what + " already has activation " + l.activation;
  if (n == "add_weights_regularisation")
    return l.kernel_regularizer == "none" ? "" : what + " is already regularised";
  if (n == "change_weights_regularisation" || n == "remove_weights_regularisation")
    return l.kernel_regularizer != "none" ? "" : what + " has no kernel regulariser";
  if (n == "add_bias") return !l.use_bias ? "" : what + " already has a bias";
  if (n == "remove_bias") return l.use_bias ? "" : what + " has no bias";
  return "";  // change_weights_initialisation
}

// Why no layer of a subject suits `op` (when default_layer finds none).
std::string no_layer_reason(const OperatorInfo& op) {
  const std::string& n = op.name;
  if (n == "change_dropout_rate") return "it has no dropout layer";
  if (n == "remove_activation_function") return "it has no layer with an activation to remove";
  if (n == "add_activation_function")
    return "it has no linear dense or conv2d layer to add an activation to";
  if (n == "add_weights_regularisation") return "it has no unregularised dense or conv2d layer";
  if (n == "change_weights_regularisation" || n == "remove_weights_regularisation")
    return "it has no regularised layer";
  if (n == "add_bias") return "it has no dense or conv2d layer without a bias";
  if (n == "remove_bias") return "it has no layer with a bias";
  if (n == "activation_removal") return "it has no hidden layer with an activation";
  if (n == "layer_deactivation")
    return "it has no hidden dense or conv2d layer whose output shape equals its input's";
  if (n == "layer_addition")
    return "it has no dense or conv2d layer whose output shape equals its input's";
  return "it has no dense or conv2d layer";
}

std::string subject_reason(const OperatorInfo& op, const model::SubjectSpec& spec) {
  if (op.name == "change_earlystopping_patience" && spec.patience == 0)
    return "it does not use early stopping (patience 0)";
  if (op.name == "remove_validation_set" && spec.validation == "none")
    return "it has no validation set";
  return "";
}

std::pair<double, double> parse_ratio_scale(const OperatorInfo& op, const std::string& value);

}  // namespace

Target parse_target(const std::string& op, const std::string& param) {
  const std::string bad =
      fmt::format("--mut {}: --param must be c<class>_k<cluster>_<how> (e.g. c0_k1_{}), got '{}'",
                  op, op == "tmr" ? "e2" : "gn_layer5", io::shorten(param));
  const auto digits_at = [&](std::size_t at, char tag, std::size_t& end) {
    PMT_THROW_IF(at >= param.size() || param[at] != tag, kUsage, "{}", bad);
    end = at + 1;
    while (end < param.size() && std::isdigit(static_cast<unsigned char>(param[end]))) ++end;
    PMT_THROW_IF(end == at + 1 || end - at > 10 || end >= param.size() || param[end] != '_', kUsage,
                 "{}", bad);
    return io::parse_int(param.substr(at + 1, end - at - 1), bad, ErrorKind::kUsage, 0);
  };
  Target t;
  std::size_t end = 0;
  t.cls = digits_at(0, 'c', end);
  t.cluster = digits_at(end + 1, 'k', end);
  t.how = param.substr(end + 1);
  const bool ok = !t.how.empty() && std::all_of(t.how.begin(), t.how.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.';
  });
  PMT_THROW_IF(!ok, kUsage, "{}", bad);
  return t;
}

namespace {

// Checks a parameter value of `op` (without any layer suffix); usage error naming it.
void check_value(const OperatorInfo& op, const std::string& value) {
  const std::string bad = fmt::format("--mut {}: --param", op.name);
  if (op.kind == ParamKind::kChoice) {
    PMT_THROW_IF(std::find(op.choices.begin(), op.choices.end(), value) == op.choices.end(), kUsage,
                 "{} must be one of {}, got '{}'", bad, model::join_names(op.choices), value);
    return;
  }
  if (op.kind == ParamKind::kRatio || op.kind == ParamKind::kRatioScale) {
    parse_ratio_scale(op, value);
    return;
  }
  if (op.kind == ParamKind::kTarget) {
    parse_target(op.name, value);
    return;
  }
  std::string number = value;
  if (op.kind == ParamKind::kClip) {
    const auto cut = value.find('_');
    const std::string how = value.substr(0, cut);
    PMT_THROW_IF(cut == std::string::npos || (how != "clipnorm" && how != "clipvalue"), kUsage,
                 "{} must be clipnorm_C or clipvalue_C (C > 0), got '{}'", bad, io::shorten(value));
    number = value.substr(cut + 1);
  }
  const std::optional<double> parsed = io::to_double(number);
  const bool ok = parsed && std::isfinite(*parsed);
  const double v = parsed.value_or(0);
  const bool integer = op.kind == ParamKind::kInteger;
  const bool positive = op.kind == ParamKind::kPositive || op.kind == ParamKind::kClip;
  PMT_THROW_IF(
      !ok || v < op.lo || v > op.hi || (positive && !(v > 0)) || (integer && v != std::floor(v)),
      kUsage, "{} must be {} in {}{}, {}], got '{}'", bad, integer ? "an integer" : "a number",
      positive ? "(" : "[", op.lo, op.hi, io::shorten(value));
}

// kRatio: "r" -> {r, 0}; kRatioScale: "r_s" -> {r, s} ("r" -> {r, default_scale} when the
// operator has one). Usage error naming the operator otherwise.
std::pair<double, double> parse_ratio_scale(const OperatorInfo& op, const std::string& value) {
  const bool two = op.kind == ParamKind::kRatioScale;
  const auto cut = two ? value.find('_') : std::string::npos;
  const std::string form = !two                   ? "a ratio r in (0, 1]"
                           : op.default_scale > 0 ? "r or r_s (ratio r in (0, 1], scale s > 0)"
                                                  : "r_m (ratio r in (0, 1], magnitude m > 0)";
  const std::string bad =
      fmt::format("--mut {}: --param must be {}, got '{}'", op.name, form, io::shorten(value));
  PMT_THROW_IF(two && cut == std::string::npos && !(op.default_scale > 0), kUsage, "{}", bad);
  const std::optional<double> r = io::to_double(value.substr(0, cut));
  PMT_THROW_IF(!r || !std::isfinite(*r), kUsage, "{}", bad);
  PMT_THROW_IF(!(*r > 0 && *r <= 1), kUsage, "--mut {}: the ratio must be in (0, 1], got '{}'",
               op.name, io::shorten(value.substr(0, cut)));
  double scale = 0;
  if (two) {
    scale = op.default_scale;
    if (cut != std::string::npos) {
      const std::optional<double> m = io::to_double(value.substr(cut + 1));
      PMT_THROW_IF(!m || !std::isfinite(*m) || !(*m > 0), kUsage, "{}", bad);
      scale = *m;
    }
  }
  return {*r, scale};
}

// "<value>_layer<N>" -> value, N; else value, -1.
std::pair<std::string, int> split_layer(const std::string& param) {
  const auto pos = param.rfind("_layer");
  if (pos == std::string::npos || pos + 6 == param.size()) return {param, -1};
  const std::string digits = param.substr(pos + 6);
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9)
    return {param, -1};
  return {param.substr(0, pos), io::parse_int(digits, "", ErrorKind::kUsage)};
}

std::string subject_name(const model::SubjectSpec& spec) {
  return spec.name.empty() ? std::string("the subject") : "subject '" + spec.name + "'";
}

}  // namespace

const std::vector<OperatorInfo>& operators() {
  static const std::vector<OperatorInfo> table = make_table();
  return table;
}

std::vector<std::string> operator_names(Stage stage) {
  std::vector<std::string> names;
  for (const auto& op : operators())
    if (op.stage == stage) names.push_back(op.name);
  return names;
}

const std::vector<std::string>& mutation_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v{"original"};
    for (const auto& op : operators()) v.push_back(op.name);
    return v;
  }();
  return names;
}

const OperatorInfo& find_operator(const std::string& name) {
  for (const auto& op : operators())
    if (op.name == name) return op;
  PMT_THROW(kUsage, "unknown mutation '{}' (valid: {})", name, model::join_names(mutation_names()));
}

std::string not_applicable(const OperatorInfo& op, const model::SubjectSpec& spec, int layer) {
  if (!op.layer) return subject_reason(op, spec);
  return layer_reason(op, spec, layer);
}

int default_layer(const OperatorInfo& op, const model::SubjectSpec& spec) {
  if (!op.layer) return -1;
  if (const auto it = spec.mutation_layers.find(op.name); it != spec.mutation_layers.end())
    return it->second;
  const int last = static_cast<int>(spec.layers.size()) - 1;
  for (int i = 0; i < last; ++i)
    if (layer_reason(op, spec, i).empty()) return i;
  return layer_reason(op, spec, last).empty() ? last : -1;
}

SearchSpace search_space(const OperatorInfo& op, const model::SubjectSpec& spec) {
  SearchSpace s;
  s.kind = op.search;
  if (op.search == SearchKind::kExhaustive) {
    // DeepCrime's exhaustive loop tries every candidate, the subject's current value included.
    s.values = op.choices;
  } else if (op.search == SearchKind::kBinary) {
    if (op.kind == ParamKind::kPercent) {
      s.from = op.hi >= 100 ? 100 : 99, s.to = 0, s.precision = 5;
    } else if (op.name == "change_learning_rate") {  // down to a tenth (mnist: 1.0 -> 0.001)
      const double lr = spec.optimizer.learning_rate;
      s.from = lr / 10, s.to = lr, s.precision = lr / 100;
    } else if (op.name == "change_epochs") {
      s.from = 1, s.to = spec.epochs, s.precision = 1;
    } else if (op.name == "change_earlystopping_patience") {
      s.from = 1, s.to = 10, s.precision = 1;
    }
  } else if (op.kind == ParamKind::kImplied) {
    s.values = {op.implied};
  } else if (op.kind == ParamKind::kClip) {
    s.values = op.choices;
  }
  if (const auto it = spec.mutation_search.find(op.name); it != spec.mutation_search.end()) {
    const auto& o = it->second;
    PMT_THROW_IF(op.search == SearchKind::kBinary && !o.values.empty(), kData,
                 "subject '{}': mutation_search.{}: a binary search takes from/to/precision, not "
                 "values",
                 spec.name, op.name);
    PMT_THROW_IF(op.search != SearchKind::kBinary && (o.from || o.to || o.precision), kData,
                 "subject '{}': mutation_search.{}: only a binary search takes from/to/precision",
                 spec.name, op.name);
    if (o.from != 0) s.from = o.from;
    if (o.to != 0) s.to = o.to;
    if (o.precision != 0) s.precision = o.precision;
    if (!o.values.empty()) {
      for (const auto& v : o.values) check_value(op, v);
      s.values = o.values;
    }
  }
  return s;
}

json SearchSpace::to_json() const {
  switch (kind) {
    case SearchKind::kBinary:
      return {{"search", "binary"}, {"from", from}, {"to", to}, {"precision", precision}};
    case SearchKind::kExhaustive:
      return {{"search", "exhaustive"}, {"values", values}};
    case SearchKind::kNone:
      return {{"search", "none"}, {"values", values}};
  }
  return {};
}

std::string SearchSpace::describe() const {
  switch (kind) {
    case SearchKind::kBinary:
      return fmt::format("binary {} -> {} (precision {})", from, to, precision);
    case SearchKind::kExhaustive:
      return "exhaustive: " + model::join_names(values);
    case SearchKind::kNone:
      return values.empty() ? "none" : "none: " + model::join_names(values);
  }
  return "";
}

bool Mutation::is_data() const { return !is_original() && find_operator(name).data; }

bool Mutation::is_post_training() const {
  return !is_original() && find_operator(name).stage != Stage::kPreTraining;
}

std::string Mutation::folder() const { return is_original() ? name : name + "_" + param; }

json Mutation::to_json() const {
  json j{{"name", name}, {"parameter", param}};
  if (!is_original()) {
    j["code"] = find_operator(name).code;
    j["value"] = value;
    if (layer >= 0) j["layer"] = layer;
  }
  return j;
}

Mutation make_mutation(const std::string& name, const std::string& param,
                       const model::SubjectSpec& spec, int layer) {
  if (name == "original") {
    PMT_THROW_IF(!param.empty(), kUsage, "--mut original takes no --param");
    PMT_THROW_IF(layer >= 0, kUsage, "--mut original takes no --layer");
    return {};
  }
  const OperatorInfo& op = find_operator(name);
  Mutation m;
  m.name = name;
  PMT_THROW_IF(!op.layer && layer >= 0, kUsage, "--mut {} does not target a layer (no --layer)",
               name);
  if (op.kind == ParamKind::kImplied) {
    PMT_THROW_IF(!param.empty() && param != op.implied, kUsage,
                 "--mut {} takes no --param (implied: {})", name, op.implied);
    m.param = m.value = op.implied;
  } else if (op.kind == ParamKind::kLayer) {
    if (!param.empty()) {
      const int n = io::parse_int(
          param, fmt::format("--mut {}: --param (the layer index, or leave it out)", name),
          ErrorKind::kUsage, 0);
      PMT_THROW_IF(layer >= 0 && layer != n, kUsage, "--mut {}: --param {} and --layer {} disagree",
                   name, param, layer);
      layer = n;
    }
  } else {
    PMT_THROW_IF(param.empty(), kUsage, "--mut {} needs --param ({})", name, param_name(op));
    auto [value, suffix] = op.layer ? split_layer(param) : std::pair{param, -1};
    PMT_THROW_IF(suffix >= 0 && layer >= 0 && suffix != layer, kUsage,
                 "--mut {}: --param {} and --layer {} disagree", name, param, layer);
    if (suffix >= 0) layer = suffix;
    check_value(op, value);
    m.value = value;
    if (op.kind == ParamKind::kRatio || op.kind == ParamKind::kRatioScale)
      std::tie(m.ratio, m.scale) = parse_ratio_scale(op, value);
  }
  if (op.layer) {
    const int fallback = default_layer(op, spec);
    if (layer < 0) {
      PMT_THROW_IF(fallback < 0, kUsage, "--mut {} does not apply to {}: {}", name,
                   subject_name(spec), no_layer_reason(op));
      layer = fallback;
    }
    const std::string why = layer_reason(op, spec, layer);
    PMT_THROW_IF(!why.empty(), kUsage, "--mut {} does not apply to {}: {}", name,
                 subject_name(spec), why);
    m.layer = layer;
    if (op.kind == ParamKind::kLayer) {
      m.param = m.value = std::to_string(layer);
    } else {
      m.param = layer == fallback ? m.value : fmt::format("{}_layer{}", m.value, layer);
    }
  } else {
    const std::string why = subject_reason(op, spec);
    PMT_THROW_IF(!why.empty(), kUsage, "--mut {} does not apply to {}: {}", name,
                 subject_name(spec), why);
    if (m.param.empty()) m.param = m.value;
  }
  return m;
}

json registry_json(const model::SubjectSpec* spec) {
  json list = json::array();
  for (const auto& op : operators()) {
    json j{{"name", op.name},
           {"code", op.code},
           {"group", op.group},
           {"parameter", param_name(op)},
           {"summary", op.summary},
           {"targets_layer", op.layer},
           {"stage", op.stage == Stage::kPreTraining    ? "pre-training"
                     : op.stage == Stage::kPostTraining ? "post-training"
                                                        : "targeted"},
           {"source", op.source}};
    if (op.stage == Stage::kPostTraining) j["filtered"] = op.filtered;
    if (op.kind == ParamKind::kChoice) j["choices"] = op.choices;
    if (spec) {
      const int layer = default_layer(op, *spec);
      const std::string why =
          op.layer && layer < 0 ? no_layer_reason(op) : not_applicable(op, *spec, layer);
      j["applies"] = why.empty();
      if (!why.empty()) j["why_not"] = why;
      if (layer >= 0) j["layer"] = layer;
      j["search"] = search_space(op, *spec).to_json();
      if (op.stage == Stage::kPreTraining) {
        // train_mutants --fuse: the fields these operators change that decide the fusion
        model::SubjectSpec mutated = *spec;
        if (op.name == "change_earlystopping_patience") mutated.patience = 1;
        if (op.name == "remove_validation_set") mutated.validation = "none";
        const std::string blocker = model::fusion_blocker(mutated);
        j["fused"] = blocker.empty();
        if (!blocker.empty()) j["unfused_why"] = blocker;
      }
    }
    list.push_back(j);
  }
  return list;
}

std::string registry_table(const model::SubjectSpec* spec) {
  std::string out;
  const json list = registry_json(spec);
  out += fmt::format("{:<31} {:<4} {:<16} {:<24} {}\n", "operator", "code", "group", "parameter",
                     spec ? "on " + spec->name + ": applies / layer / search" : "summary");
  for (const auto& j : list) {
    std::string last;
    if (spec) {
      if (j["applies"].get<bool>()) {
        const std::string layer =
            j.contains("layer") ? fmt::format("layer {}; ", j["layer"].get<int>()) : "";
        const auto& op = find_operator(j["name"].get<std::string>());
        last = "yes; " + layer +
               (op.stage == Stage::kPostTraining
                    ? std::string(op.filtered ? "mutate_model, filtered" : "mutate_model")
                : op.stage == Stage::kTargeted ? "the " + op.name + " tool"
                                               : search_space(op, *spec).describe());
        if (j.contains("fused"))
          last += j["fused"].get<bool>()
                      ? "; fused"
                      : "; unfused (" + j["unfused_why"].get<std::string>() + ")";
      } else {
        last = "no: " + j["why_not"].get<std::string>();
      }
    } else {
      last = j["summary"].get<std::string>();
    }
    out += fmt::format("{:<31} {:<4} {:<16} {:<24} {}\n", j["name"].get<std::string>(),
                       j["code"].get<std::string>(), j["group"].get<std::string>(),
                       j["parameter"].get<std::string>(), last);
  }
  if (spec) {
    const std::string blocker = model::fusion_blocker(*spec);
    out += blocker.empty()
               ? fmt::format("original (the sound {}): fused\n", spec->name)
               : fmt::format("original (the sound {}): unfused ({})\n", spec->name, blocker);
  }
  return out;
}

}  // namespace pmt::mutate
