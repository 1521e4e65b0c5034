// The subject spec around the converted layers (the task, the training section, the channel
// order after a Flatten) and the weights in pmt's layout.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "keras.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/names.hpp"
#include "pmt/model/subject.hpp"

namespace pmt::importer::detail {

using nlohmann::json;

namespace {

// Keras' loss names (functions, aliases, Keras 3 classes) -> the spec's.
std::string loss_name(const std::string& keras) {
  static const std::map<std::string, std::string> kLosses{
      {"mse", "mean_squared_error"},
      {"mean_squared_error", "mean_squared_error"},
      {"MeanSquaredError", "mean_squared_error"},
      {"mae", "mean_absolute_error"},
      {"mean_absolute_error", "mean_absolute_error"},
      {"MeanAbsoluteError", "mean_absolute_error"},
      {"mape", "mean_absolute_percentage_error"},
      {"mean_absolute_percentage_error", "mean_absolute_percentage_error"},
      {"MeanAbsolutePercentageError", "mean_absolute_percentage_error"},
      {"msle", "mean_squared_logarithmic_error"},
      {"mean_squared_logarithmic_error", "mean_squared_logarithmic_error"},
      {"MeanSquaredLogarithmicError", "mean_squared_logarithmic_error"},
      {"squared_hinge", "squared_hinge"},
      {"SquaredHinge", "squared_hinge"},
      {"hinge", "hinge"},
      {"Hinge", "hinge"},
      {"categorical_hinge", "categorical_hinge"},
      {"CategoricalHinge", "categorical_hinge"},
      {"logcosh", "logcosh"},
      {"log_cosh", "logcosh"},
      {"LogCosh", "logcosh"},
      {"huber", "huber_loss"},
      {"huber_loss", "huber_loss"},
      {"Huber", "huber_loss"},
      {"categorical_crossentropy", "categorical_crossentropy"},
      {"CategoricalCrossentropy", "categorical_crossentropy"},
      {"sparse_categorical_crossentropy", "categorical_crossentropy"},
      {"SparseCategoricalCrossentropy", "categorical_crossentropy"},
      {"binary_crossentropy", "binary_crossentropy"},
      {"BinaryCrossentropy", "binary_crossentropy"},
      {"kld", "kullback_leibler_divergence"},
      {"kullback_leibler_divergence", "kullback_leibler_divergence"},
      {"KLDivergence", "kullback_leibler_divergence"},
      {"poisson", "poisson"},
      {"Poisson", "poisson"}};
  const auto it = kLosses.find(keras);
  return it == kLosses.end() ? "" : it->second;
}

// Keras 2 wrote float32 hyperparameters as doubles (0.0010000000474974513): the shortest decimal
// that is the same float32 (0.001).
json clean_float(const json& v) {
  if (!v.is_number_float()) return v;
  const double d = v.get<double>();
  const auto f = static_cast<float>(d);
  if (static_cast<double>(f) != d || !std::isfinite(f)) return v;
  return std::stod(fmt::format("{}", f));
}

bool classification_loss(const std::string& loss) {
  return loss == "categorical_crossentropy" || loss == "hinge" || loss == "squared_hinge" ||
         loss == "categorical_hinge" || loss == "kullback_leibler_divergence";
}

// The layers whose output passes values through unchanged in order (a Flatten's order reaches
// the next dense layer through them).
bool keeps_order(const std::string& type) {
  return type == "dropout" || type == "activation" || type == "rescaling";
}

// A model of more weights is refused before anything is allocated (4 GB of float32).
constexpr double kMaxParameters = 1e9;

std::int64_t product(const std::vector<std::int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
}

// The same in floating point (no overflow for hostile shapes).
double size_of(const std::vector<std::int64_t>& shape) {
  double n = 1;
  for (auto d : shape) n *= static_cast<double>(d);
  return n;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  return fmt::format("({}{})", fmt::join(shape, ", "), shape.size() == 1 ? "," : "");
}

// `data` of `shape` with its axes permuted: out axis k is in axis perm[k].
std::vector<float> permute(const std::vector<float>& data, const std::vector<std::int64_t>& shape,
                           const std::vector<int>& perm) {
  const std::size_t rank = shape.size();
  std::vector<std::int64_t> stride(rank, 1), out_shape(rank);
  for (std::size_t k = rank; k-- > 1;) stride[k - 1] = stride[k] * shape[k];
  for (std::size_t k = 0; k < rank; ++k) out_shape[k] = shape[static_cast<std::size_t>(perm[k])];
  std::vector<float> out(data.size());
  std::vector<std::int64_t> index(rank, 0);
  for (std::size_t o = 0; o < out.size(); ++o) {
    std::int64_t from = 0;
    for (std::size_t k = 0; k < rank; ++k)
      from += index[k] * stride[static_cast<std::size_t>(perm[k])];
    out[o] = data[static_cast<std::size_t>(from)];
    for (std::size_t k = rank; k-- > 0;) {
      if (++index[k] < out_shape[k]) break;
      index[k] = 0;
    }
  }
  return out;
}

}  // namespace

void Converter::training(const json& t, json& spec, int width, const std::string& output) {
  std::string loss;
  if (t.is_object() && t.contains("loss")) {
    const json& l = t["loss"];
    std::string keras = l.is_string() ? l.get<std::string>() : "";
    if (l.is_object()) {
      keras = l.value("class_name", "");
      const json config = l.value("config", json::object());
      if (config.is_object() && config.value("from_logits", false))
        note("the loss takes logits (from_logits=True); pmt's losses take the model's outputs");
    }
    if (l.is_array() || (l.is_object() && !l.contains("class_name")))
      PMT_THROW(kUsage, "{}: several losses (a model with several outputs) are not supported",
                origin_);
    loss = loss_name(keras);
    if (loss.empty())
      note(fmt::format("the loss '{}' is not one of Keras' own: the task's default instead",
                       io::shorten(keras.empty() ? l.dump() : keras)));
  }
  const bool classify = width >= 2 && (output == "softmax" || classification_loss(loss));
  const bool binary =
      width == 1 && output == "sigmoid" && (loss.empty() || loss == "binary_crossentropy");
  if (classify) {
    spec.erase("outputs");
    spec.erase("metric");
    spec["task"] = "classification";
    spec["num_classes"] = width;
    spec["loss"] = loss.empty() || !classification_loss(loss) ? "categorical_crossentropy" : loss;
    if (output != "softmax")
      note(fmt::format("the output is '{}', not softmax: pmt's accuracy is the argmax of it",
                       output));
  } else {
    spec["task"] = "regression";
    spec["outputs"] = width;
    spec["loss"] = binary ? "binary_crossentropy" : loss.empty() ? "mean_squared_error" : loss;
    // a binary classifier (one sigmoid output): within 0.5 of the 0/1 label = Keras'
    // binary_accuracy (threshold 0.5)
    spec["metric"] = binary ? "abs_error_below_0.5" : "loss";
    if (binary) {
      spec["classes"] = "values";
      note(
          "a binary classifier (one sigmoid output): a regression subject with binary "
          "cross-entropy, its metric the share within 0.5 of the 0/1 label (Keras' "
          "binary_accuracy)");
    }
  }
  if (!t.is_object() || !t.contains("optimizer_config")) return;
  const json& o = t["optimizer_config"];
  std::string cls = o.is_object() ? o.value("class_name", "") : "";
  if (cls.rfind("Custom>", 0) == 0) cls = cls.substr(7);  // tf.keras 2.11+'s registered names
  std::string name = cls;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto& valid = model::optimizer_names();
  if (std::find(valid.begin(), valid.end(), name) == valid.end()) {
    note(fmt::format("the optimizer '{}' is not one pmt has: Adam instead", io::shorten(cls)));
    return;
  }
  json opt{{"name", name}};
  const json config = o.value("config", json::object());
  if (!config.is_object()) return;
  for (const auto& [key, value] : config.items()) {
    if (key == "lr" || key == "learning_rate") {
      if (value.is_number()) {
        opt["learning_rate"] = clean_float(value);
      } else if (value.is_object()) {  // a schedule
        const json sc = value.value("config", json::object());
        if (sc.is_object() && sc.contains("initial_learning_rate") &&
            sc["initial_learning_rate"].is_number())
          opt["learning_rate"] = clean_float(sc["initial_learning_rate"]);
        note(fmt::format("the learning-rate schedule {} is not modelled: its initial rate",
                         io::shorten(value.value("class_name", "?"))));
      }
    } else if (key == "rho" || key == "epsilon" || key == "beta_1" || key == "beta_2" ||
               key == "momentum" || key == "initial_accumulator_value" || key == "schedule_decay" ||
               key == "clipnorm" || key == "clipvalue") {
      if (value.is_number()) opt[key] = clean_float(value);
    } else if (key == "nesterov") {
      if (value.is_boolean()) opt[key] = value;
    } else if (key == "decay" || key == "weight_decay" || key == "global_clipnorm" ||
               key == "amsgrad" || key == "use_ema" || key == "centered") {
      const bool set = (value.is_number() && value.get<double>() != 0) ||
                       (value.is_boolean() && value.get<bool>());
      if (set) note(fmt::format("the optimizer's {} ({}) is not modelled", key, value.dump()));
    }
  }
  spec["optimizer"] = opt;
}

// pmt flattens an image [C, H, W] channel by channel, Keras (H, W, C) position by position: a
// dense layer reading a Flatten of several channels gets its kernel rows permuted when the
// weights are converted; any other reader makes the Flatten a reshape to [-1], which keeps Keras'
// order.
void Converter::flatten_order(json& spec) {
  const model::SubjectSpec parsed = model::parse_subject(spec, origin_, false);
  const auto shapes = model::infer_shapes(parsed);
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < parsed.layers.size(); ++i) index[parsed.layers[i].name] = i;
  const auto in_shape = [&](std::size_t i) {
    const std::string& from = parsed.layers[i].inputs.at(0);
    if (index.count(from)) return shapes[index[from]];
    for (const auto& in : parsed.inputs)
      if (in.name == from) return in.shape;
    return std::vector<std::int64_t>{};
  };
  json& layers = spec["layers"];
  for (std::size_t f = 0; f < parsed.layers.size(); ++f) {
    if (parsed.layers[f].type != model::LayerType::kFlatten) continue;
    const auto in = in_shape(f);
    if (in.size() != 3 || in[0] == 1) continue;  // the orders agree
    // the layers reading it, through order-keeping ones
    std::vector<std::size_t> frontier{f}, dense;
    bool other = false;
    while (!frontier.empty()) {
      const std::size_t at = frontier.back();
      frontier.pop_back();
      for (std::size_t j = at + 1; j < parsed.layers.size(); ++j) {
        const auto& ins = parsed.layers[j].inputs;
        if (std::find(ins.begin(), ins.end(), parsed.layers[at].name) == ins.end()) continue;
        const std::string type = layers[j]["type"];
        if (type == "dense")
          dense.push_back(j);
        else if (keeps_order(type))
          frontier.push_back(j);
        else
          other = true;
      }
    }
    if (other) {
      layers[f]["type"] = "reshape";
      layers[f]["target_shape"] = {-1};
      maps_[layer_map_[f]].target = fmt::format("layer {}: reshape [-1]", f);
      note(
          fmt::format("{}: Flatten of {} channels read by a layer other than Dense: a reshape "
                      "to [-1] (Keras' element order)",
                      maps_[layer_map_[f]].source, in[0]));
    } else {
      permuted_.insert(dense.begin(), dense.end());
    }
  }
}

Imported Converter::convert(const json& model, const json& training_config) {
  PMT_THROW_IF(!model.is_object() || !model.contains("class_name"), kData,
               "{}: not a Keras model config (no class_name)", origin_);
  PMT_THROW_IF(!version_.empty() && version_[0] == '1', kUsage,
               "{}: written by Keras {}: load it with Keras 2 and save it again (pmt reads "
               "Keras 2 and 3 files)",
               origin_, io::shorten(version_));
  const std::vector<std::string> outputs = add_model(model, {}, Scope{});
  for (const auto& [name, layer] : options_.substitutes)
    PMT_THROW_IF(!used_substitutes_.count(name), kUsage,
                 "--substitute {}: the model has no layer of that name", io::shorten(name));
  PMT_THROW_IF(outputs.size() != 1, kUsage, "{}: the model has {} outputs; a pmt subject has one",
               origin_, outputs.size());
  PMT_THROW_IF(layers_.empty() || layers_.back()["name"] != outputs[0], kUsage,
               "{}: the model's output '{}' is not its last layer", origin_,
               io::shorten(outputs[0]));
  json spec = spec_frame(options_, origin_, inputs_, layers_);
  spec["task"] = "regression";
  spec["outputs"] = 1;
  spec["metric"] = "loss";

  const model::SubjectSpec parsed = model::parse_subject(spec, origin_, false);
  const auto shapes = model::infer_shapes(parsed);
  for (const auto& [i, axis] : axis_checks_) {
    const std::string& from = parsed.layers[i].inputs.at(0);
    std::size_t rank = 0;
    for (std::size_t j = 0; j < parsed.layers.size(); ++j)
      if (parsed.layers[j].name == from) rank = shapes[j].size();
    for (const auto& in : parsed.inputs)
      if (in.name == from) rank = in.shape.size();
    if (axis != static_cast<std::int64_t>(rank))
      PMT_THROW(kUsage,
                "{}: normalises over axis {}; pmt normalises over the last (channels) "
                "axis, {}",
                maps_[layer_map_[i]].source, axis, rank);
  }
  const auto& out = shapes.back();
  PMT_THROW_IF(out.size() != 1, kUsage,
               "{}: the model outputs {} per sample; a pmt subject outputs a vector", origin_,
               shape_text(out));
  training(training_config, spec, static_cast<int>(out[0]),
           model::to_string(model::output_activation(parsed)));
  flatten_order(spec);

  chain_to_stack(spec);
  Imported imported;
  imported.spec = spec;
  model::parse_subject(spec, origin_);  // the spec every tool will read
  imported.layers = maps_;
  imported.approximations = notes_;
  return imported;
}

json spec_frame(const Options& options, const std::string& origin, const std::vector<json>& inputs,
                const std::vector<json>& layers) {
  const std::string name =
      options.name.empty() ? std::filesystem::path(origin).stem().string() : options.name;
  json spec{{"name", name},
            {"source", fmt::format("imported from {} by import_model", origin)},
            {"dataset", options.dataset.empty() ? name : options.dataset},
            {"inputs", inputs},
            {"layers", layers}};
  json data{{"format", "npy"}, {"targets", "{split}_y.npy"}};
  data["inputs"] = json::array();
  for (const json& in : inputs)
    data["inputs"].push_back(inputs.size() == 1
                                 ? std::string("{split}_x.npy")
                                 : fmt::format("{{split}}_{}.npy", in["name"].get<std::string>()));
  spec["data"] = data;
  return spec;
}

void chain_to_stack(json& spec) {
  const json& inputs = spec["inputs"];
  json& layers = spec["layers"];
  bool chain = inputs.size() == 1;
  for (std::size_t i = 0; chain && i < layers.size(); ++i)
    chain =
        layers[i]["inputs"] == json::array({i == 0 ? inputs[0]["name"] : layers[i - 1]["name"]});
  if (!chain) return;
  spec["input_shape"] = inputs[0]["shape"];
  spec["scale"] = 1;
  spec.erase("inputs");
  for (json& l : layers) {
    l.erase("name");
    l.erase("inputs");
  }
}

// ---- weights ---------------------------------------------------------------------------------

namespace {

// The Keras shape of each variable of `l` reading `in`, and its pmt parameter name.
std::vector<std::pair<std::vector<std::int64_t>, std::string>> variables(
    const model::LayerSpec& l, const std::vector<std::int64_t>& in,
    const std::vector<std::string>& vars, const std::string& where) {
  using T = model::LayerType;
  const std::int64_t units = l.units;
  const std::int64_t kh = l.kernel[0], kw = l.kernel[1];
  std::vector<std::pair<std::vector<std::int64_t>, std::string>> out;
  for (const std::string& v : vars) {
    const bool backward = v.rfind("backward_", 0) == 0;
    const std::string base = backward ? v.substr(9) : v;
    std::vector<std::int64_t> shape;
    std::string param = base;
    if (model::is_recurrent(l.type)) {
      const std::int64_t gates = l.type == T::kLstm ? 4 : l.type == T::kGru ? 3 : 1;
      shape = base == "kernel"             ? std::vector<std::int64_t>{in.at(1), gates * units}
              : base == "recurrent_kernel" ? std::vector<std::int64_t>{units, gates * units}
              : l.type == T::kGru && l.reset_after ? std::vector<std::int64_t>{2, gates * units}
                                                   : std::vector<std::int64_t>{gates * units};
      param = v;
    } else if (base == "bias") {
      const std::int64_t n = l.type == T::kDepthwiseConv2d ? in.at(0) * l.depth_multiplier : units;
      shape = {n};
    } else if (l.type == T::kDense) {
      shape = {in.back(), units};
      param = "weight";
    } else if (l.type == T::kConv2d) {
      shape = {kh, kw, in.at(0) / l.groups, units};
      param = "weight";
    } else if (l.type == T::kConv1d) {
      shape = {kh, in.at(1) / l.groups, units};
      param = "weight";
    } else if (l.type == T::kConv2dTranspose) {
      shape = {kh, kw, units, in.at(0)};
      param = "weight";
    } else if (l.type == T::kDepthwiseConv2d || l.type == T::kSeparableConv2d) {
      if (base == "depthwise_kernel") {
        shape = {kh, kw, in.at(0), l.depth_multiplier};
        param = l.type == T::kDepthwiseConv2d ? "weight" : "depthwise_kernel";
      } else {
        shape = {1, 1, in.at(0) * l.depth_multiplier, units};
      }
    } else if (l.type == T::kEmbedding) {
      shape = {l.input_dim, units};
      param = "weight";
    } else if (l.type == T::kBatchNormalization || l.type == T::kLayerNormalization) {
      shape = {in.size() == 3 ? in[0] : in.back()};
      param = base == "gamma"         ? "weight"
              : base == "beta"        ? "bias"
              : base == "moving_mean" ? "running_mean"
                                      : "running_var";
    } else {
      PMT_THROW(kData, "{}: unexpected weight '{}'", where, v);
    }
    out.emplace_back(shape, param);
  }
  return out;
}

// A Keras array in pmt's layout (LibTorch's parameter of `param`).
Array to_pmt(const model::LayerSpec& l, const std::string& param, io::Hdf5Array a,
             const std::vector<std::int64_t>& flatten_in) {
  using T = model::LayerType;
  Array out;
  out.name = param;
  const auto& s = a.shape;
  if (param == "weight" && l.type == T::kDense) {
    // (in, units) -> (units, in); after a Flatten of [C, H, W], rows (h, w, c) -> columns (c, h, w)
    std::vector<float> data = permute(a.data, s, {1, 0});
    if (!flatten_in.empty()) {
      const std::int64_t c = flatten_in[0], h = flatten_in[1], w = flatten_in[2];
      data = permute(data, {s[1], h, w, c}, {0, 3, 1, 2});
    }
    out.shape = {s[1], s[0]};
    out.data = std::move(data);
  } else if (param == "weight" && (l.type == T::kConv2d || l.type == T::kConv2dTranspose)) {
    out.data = permute(a.data, s, {3, 2, 0, 1});
    out.shape = {s[3], s[2], s[0], s[1]};
  } else if (param == "weight" && l.type == T::kConv1d) {
    out.data = permute(a.data, s, {2, 1, 0});
    out.shape = {s[2], s[1], s[0]};
  } else if ((param == "weight" && l.type == T::kDepthwiseConv2d) || param == "depthwise_kernel") {
    // (kh, kw, in, m) -> (in * m, 1, kh, kw), output channel c * m + k
    out.data = permute(a.data, s, {2, 3, 0, 1});
    out.shape = {s[2] * s[3], 1, s[0], s[1]};
  } else if (param == "pointwise_kernel") {
    out.data = permute(a.data, s, {3, 2, 0, 1});
    out.shape = {s[3], s[2], s[0], s[1]};
  } else {
    out.shape = s;  // biases, normalisation vectors, embeddings, recurrent kernels: Keras' layout
    out.data = std::move(a.data);
  }
  return out;
}

}  // namespace

namespace {

// The layer of `spec` named `name`, or -1 (an input).
int producer(const model::SubjectSpec& spec, const std::string& name) {
  for (std::size_t j = 0; j < spec.layers.size(); ++j)
    if (spec.layers[j].name == name) return static_cast<int>(j);
  return -1;
}

// The shape of layer i's (first) input.
std::vector<std::int64_t> input_of(const model::SubjectSpec& spec,
                                   const std::vector<std::vector<std::int64_t>>& shapes,
                                   std::size_t i) {
  const std::string& from = spec.layers[i].inputs.at(0);
  const int j = producer(spec, from);
  if (j >= 0) return shapes[static_cast<std::size_t>(j)];
  for (const auto& in : spec.inputs)
    if (in.name == from) return in.shape;
  return spec.input_shape;
}

}  // namespace

void convert_weights(Imported& imported, const Converter& converter, const WeightSource& source,
                     const std::string& origin) {
  const model::SubjectSpec spec = model::parse_subject(imported.spec, origin);
  const auto shapes = model::infer_shapes(spec);
  std::int64_t total = 0;
  for (const Weighted& w : converter.weighted()) {
    const model::LayerSpec& l = spec.layers[w.layer];
    const std::string where = imported.layers[w.map].source;
    const auto expected = variables(l, input_of(spec, shapes, w.layer), w.vars, where);
    double declared = static_cast<double>(total);
    for (const auto& e : expected) declared += size_of(e.first);
    PMT_THROW_IF(declared > kMaxParameters, kData,
                 "{}: with it the model declares over {:.0e} weights: refused", where,
                 kMaxParameters);
    std::int64_t count = 0;
    if (!source) {
      for (const auto& e : expected) count += product(e.first);
      imported.layers[w.map].parameters = count;
      total += count;
      continue;
    }
    std::vector<io::Hdf5Array> arrays = source(w);
    PMT_THROW_IF(arrays.size() != expected.size(), kData,
                 "{}: the file holds {} weight arrays for it, pmt's layer has {} ({})", where,
                 arrays.size(), expected.size(), fmt::join(w.vars, ", "));
    std::vector<std::int64_t> flatten_in;
    if (converter.permuted().count(w.layer)) {
      // the [C, H, W] that the Flatten before it (through order-keeping layers) read
      std::size_t at = w.layer;
      while (spec.layers[at].type != model::LayerType::kFlatten)
        at = static_cast<std::size_t>(producer(spec, spec.layers[at].inputs.at(0)));
      flatten_in = input_of(spec, shapes, at);
    }
    for (std::size_t k = 0; k < arrays.size(); ++k) {
      PMT_THROW_IF(arrays[k].shape != expected[k].first, kData,
                   "{}: weight '{}' has shape {} in the file; pmt's layer has {}", where, w.vars[k],
                   shape_text(arrays[k].shape), shape_text(expected[k].first));
      count += product(arrays[k].shape);
      Array a = to_pmt(l, expected[k].second, std::move(arrays[k]), flatten_in);
      a.name = fmt::format("layer{}.{}", w.layer, a.name);
      imported.weights.push_back(std::move(a));
    }
    imported.layers[w.map].parameters = count;
    total += count;
  }
  imported.parameters = total;
}

}  // namespace pmt::importer::detail
