// The operator registry (see registry.hpp) around its table (operators.cpp): lookup, parameter
// checks, applicability, default layers, search spaces and the --list-mutations views.
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

std::string kind_name(ParamKind k) {
  switch (k) {
    case ParamKind::kPercent:
      return "percentage 0-100";
    case ParamKind::kInteger:
      return "integer >= 1";
    case ParamKind::kPositive:
      return "number > 0";
    case ParamKind::kRate:
      return "rate in [0, 1)";
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

// Why `op` cannot act on layer `i` of `spec` ("" when it can).
std::string layer_reason(const OperatorInfo& op, const model::SubjectSpec& spec, int i) {
  if (i < 0 || i >= static_cast<int>(spec.layers.size()))
    return fmt::format("it has no layer {} (layers 0-{})", i, spec.layers.size() - 1);
  return op.layer_rule(spec, i);
}

std::string subject_reason(const OperatorInfo& op, const model::SubjectSpec& spec) {
  return op.subject_rule ? op.subject_rule(spec) : "";
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
  // A dropout rate of 1 drops every unit: TF 2.3 raises ValueError (so DeepCrime's run of its
  // value 1.0 aborts) and the mutant would output a constant.
  PMT_THROW_IF(op.kind == ParamKind::kRate && ok && v >= 1, kUsage,
               "{} must be a rate in [0, 1), got '{}': a rate of 1 drops every unit (TF 2.3 "
               "refuses it, so DeepCrime's run of 1.0 aborts)",
               bad, io::shorten(value));
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
  if (!op.targets_layer()) return subject_reason(op, spec);
  if (layer >= 0) return layer_reason(op, spec, layer);
  const std::vector<int> layers = default_layers(op, spec);
  if (layers.empty()) return op.no_layer;
  for (int i : layers)
    if (std::string why = layer_reason(op, spec, i); !why.empty()) return why;
  return "";
}

std::vector<int> default_layers(const OperatorInfo& op, const model::SubjectSpec& spec) {
  if (!op.targets_layer()) return {};
  if (const auto it = spec.mutation_layers.find(op.name); it != spec.mutation_layers.end())
    return it->second;
  std::vector<int> layers;
  const int last = static_cast<int>(spec.layers.size()) - 1;
  for (int i = 0; i <= last; ++i)
    if (layer_reason(op, spec, i).empty()) layers.push_back(i);
  // DeepMutation++'s operators: one layer, a hidden one before the output layer
  if (op.stage != Stage::kPreTraining && layers.size() > 1) {
    if (layers.back() == last) layers.pop_back();
    layers.resize(1);
  }
  return layers;
}

std::string layer_suffix(const OperatorInfo& op, const model::SubjectSpec& spec, int layer) {
  if (layer < 0 || default_layers(op, spec) == std::vector<int>{layer}) return "";
  return fmt::format("_layer{}", layer);
}

namespace {

// The search space of `op` at one layer (-1: the operator targets none), before the suffixes.
SearchSpace layer_space(const OperatorInfo& op, const model::SubjectSpec& spec, int layer) {
  SearchSpace s;
  s.kind = op.search;
  if (op.search == SearchKind::kExhaustive) {
    // DeepCrime's exhaustive loop tries every candidate, the subject's current value included
    // (unless the operator's rule says otherwise).
    s.values = op.choices;
    if (op.search_rule) op.search_rule(spec, layer, s);
  } else if (op.search == SearchKind::kBinary) {
    if (op.kind == ParamKind::kPercent) {
      s.from = op.hi >= 100 ? 100 : 99, s.to = 0, s.precision = 5;
    } else if (op.search_rule) {
      op.search_rule(spec, -1, s);
    }
  } else if (op.kind == ParamKind::kImplied) {
    s.values = {op.implied};
  } else if (op.kind == ParamKind::kClip) {
    s.values = op.choices;
  } else if (op.kind == ParamKind::kLayer && layer >= 0) {
    s.values = {std::to_string(layer)};  // DeepCrime's "nosearch": one mutant per layer
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

}  // namespace

SearchSpace search_space(const OperatorInfo& op, const model::SubjectSpec& spec, int layer) {
  if (!op.targets_layer()) return layer_space(op, spec, -1);
  SearchSpace s;
  s.kind = op.search;
  // DeepCrime's loop over the layers, each with the operator's search there
  for (int i : layer >= 0 ? std::vector<int>{layer} : default_layers(op, spec)) {
    SearchSpace at = layer_space(op, spec, i);
    const std::string suffix = op.kind == ParamKind::kLayer ? "" : layer_suffix(op, spec, i);
    for (const std::string& v : at.values) s.values.push_back(v + suffix);
    std::tie(s.from, s.to, s.precision) = std::tie(at.from, at.to, at.precision);
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

bool Mutation::is_data() const { return !is_original() && find_operator(name).changes_data(); }

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
  PMT_THROW_IF(!op.targets_layer() && layer >= 0, kUsage,
               "--mut {} does not target a layer (no --layer)", name);
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
    auto [value, suffix] = op.targets_layer() ? split_layer(param) : std::pair{param, -1};
    PMT_THROW_IF(suffix >= 0 && layer >= 0 && suffix != layer, kUsage,
                 "--mut {}: --param {} and --layer {} disagree", name, param, layer);
    if (suffix >= 0) layer = suffix;
    check_value(op, value);
    m.value = value;
    if (op.kind == ParamKind::kRatio || op.kind == ParamKind::kRatioScale)
      std::tie(m.ratio, m.scale) = parse_ratio_scale(op, value);
  }
  if (op.targets_layer()) {
    if (layer < 0) {
      const std::vector<int> layers = default_layers(op, spec);
      PMT_THROW_IF(layers.empty(), kUsage, "--mut {} does not apply to {}: {}", name,
                   subject_name(spec), op.no_layer);
      std::vector<std::string> list;
      for (int i : layers) list.push_back(std::to_string(i));
      PMT_THROW_IF(layers.size() > 1, kUsage,
                   "--mut {} runs on layers {} of {}, one configuration each: name one with "
                   "--layer (train_mutants and gen_acc without --layer take each in turn)",
                   name, model::join_names(list), subject_name(spec));
      layer = layers.front();
    }
    const std::string why = layer_reason(op, spec, layer);
    PMT_THROW_IF(!why.empty(), kUsage, "--mut {} does not apply to {}: {}", name,
                 subject_name(spec), why);
    m.layer = layer;
    if (op.kind == ParamKind::kLayer) {
      m.param = m.value = std::to_string(layer);
    } else {
      m.param = m.value + layer_suffix(op, spec, layer);
    }
  } else {
    const std::string why = subject_reason(op, spec);
    PMT_THROW_IF(!why.empty(), kUsage, "--mut {} does not apply to {}: {}", name,
                 subject_name(spec), why);
    if (m.param.empty()) m.param = m.value;
  }
  return m;
}

std::vector<Mutation> make_mutations(const std::string& name, const std::string& param,
                                     const model::SubjectSpec& spec, int layer) {
  if (name != "original" && layer < 0) {
    const OperatorInfo& op = find_operator(name);
    const bool named =
        op.kind == ParamKind::kLayer ? !param.empty() : split_layer(param).second >= 0;
    const std::vector<int> layers = default_layers(op, spec);
    if (op.targets_layer() && !named && layers.size() > 1) {
      std::vector<Mutation> each;
      for (int i : layers) each.push_back(make_mutation(name, param, spec, i));
      return each;
    }
  }
  return {make_mutation(name, param, spec, layer)};
}

json registry_json(const model::SubjectSpec* spec) {
  json list = json::array();
  for (const auto& op : operators()) {
    json j{{"name", op.name},
           {"code", op.code},
           {"group", op.group},
           {"parameter", param_name(op)},
           {"summary", op.summary},
           {"targets_layer", op.targets_layer()},
           {"stage", op.stage == Stage::kPreTraining    ? "pre-training"
                     : op.stage == Stage::kPostTraining ? "post-training"
                                                        : "targeted"},
           {"source", op.source}};
    if (op.stage == Stage::kPostTraining) j["filtered"] = op.filtered;
    if (op.kind == ParamKind::kChoice) j["choices"] = op.choices;
    if (spec) {
      const std::vector<int> layers = default_layers(op, *spec);
      const std::string why = not_applicable(op, *spec, -1);
      j["applies"] = why.empty();
      if (!why.empty()) j["why_not"] = why;
      if (!layers.empty()) j["layers"] = layers;
      j["search"] = search_space(op, *spec).to_json();
      if (op.stage == Stage::kPreTraining) {
        // train_mutants --fuse: the fields these operators change that decide the fusion
        model::SubjectSpec mutated = *spec;
        if (op.name == "change_earlystopping_patience") mutated.patience = 1;
        if (op.name == "remove_validation_set") mutated.validation = {};
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
        const auto layers = j.value("layers", std::vector<int>{});
        const std::string layer = layers.empty()
                                      ? ""
                                      : fmt::format("layer{} {}; ", layers.size() > 1 ? "s" : "",
                                                    fmt::join(layers, ", "));
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
