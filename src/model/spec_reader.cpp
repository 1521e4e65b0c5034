// The subject spec reader (subject.hpp's parse_subject): every field checked once, an unknown or
// bad value a one-line error naming the file and the field.
#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <limits>
#include <type_traits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pmt/core/error.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/io/number.hpp"
#include "pmt/model/subject.hpp"
#include "spec_names.hpp"

namespace pmt::model {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void check_name(const std::string& origin, const std::string& where, const std::string& what,
                const std::string& value, const std::vector<std::string>& valid) {
  PMT_THROW_IF(std::find(valid.begin(), valid.end(), value) == valid.end(), kData,
               "{}: {}: unknown {} '{}' (valid: {})", origin, where, what, value,
               join_names(valid));
}

void check_keys(const std::string& origin, const std::string& where, const json& obj,
                const std::vector<std::string>& valid) {
  PMT_THROW_IF(!obj.is_object(), kData, "{}: {}: expected a JSON object", origin, where);
  for (const auto& [key, _] : obj.items()) check_name(origin, where, "key", key, valid);
}

template <typename T>
T get(const std::string& origin, const std::string& where, const json& obj, const char* key,
      T fallback) {
  if (!obj.contains(key)) return fallback;
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return static_cast<T>(io::json_integer(
        obj.at(key), fmt::format("{}: {}: '{}'", origin, where, key), ErrorKind::kData,
        std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
  try {
    return obj.at(key).get<T>();
  } catch (const json::exception&) {
    PMT_THROW(kData, "{}: {}: '{}' has the wrong type ({})", origin, where, key,
              obj.at(key).dump());
  }
}

// A name field parsed into its enum: an unknown name is the error check_name gives.
template <typename E, std::size_t N>
E get_named(const std::string& origin, const std::string& where, const json& obj, const char* key,
            const char* fallback, const char* what, const io::NameTable<E, N>& table) {
  const auto name = get<std::string>(origin, where, obj, key, fallback);
  check_name(origin, where, what, name, io::names_of(table));
  return *io::find_name(table, name);
}

std::array<int, 2> get_pair(const std::string& origin, const std::string& where, const json& obj,
                            const char* key, std::array<int, 2> fallback) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  const std::string what = fmt::format("{}: {}: '{}'", origin, where, key);
  const auto to_int = [&what](const json& x) {
    return static_cast<int>(io::json_integer(x, what, ErrorKind::kData, INT_MIN, INT_MAX));
  };
  if (v.is_number_integer()) return {to_int(v), to_int(v)};
  PMT_THROW_IF(
      !v.is_array() || v.size() != 2 || !v[0].is_number_integer() || !v[1].is_number_integer(),
      kData, "{}: {}: '{}' must be an integer or [h, w]", origin, where, key);
  return {to_int(v[0]), to_int(v[1])};
}

bool one_d(LayerType t) {
  return t == LayerType::kConv1d || t == LayerType::kMaxPool1d || t == LayerType::kAveragePool1d;
}

// A window size: [h, w] (or one integer for both); for the 1-D layers an integer or [n], held
// as {n, 1}.
std::array<int, 2> get_size(const std::string& origin, const std::string& where, const json& obj,
                            const char* key, std::array<int, 2> fallback, LayerType type) {
  if (!one_d(type)) return get_pair(origin, where, obj, key, fallback);
  if (!obj.contains(key)) return {fallback[0], 1};
  const json& v = obj.at(key);
  const json& n = v.is_array() && v.size() == 1 ? v[0] : v;
  PMT_THROW_IF(!n.is_number_integer(), kData, "{}: {}: '{}' must be an integer or [n]", origin,
               where, key);
  return {static_cast<int>(io::json_integer(n, fmt::format("{}: {}: '{}'", origin, where, key),
                                            ErrorKind::kData, INT_MIN, INT_MAX)),
          1};
}

// A window layer's geometry: strides, padding and (convolutions) dilation_rate, Keras' defaults.
void read_window(const std::string& origin, const std::string& where, const json& lj,
                 LayerSpec& l) {
  const bool conv = l.type != LayerType::kMaxPool2d && l.type != LayerType::kAveragePool2d &&
                    l.type != LayerType::kMaxPool1d && l.type != LayerType::kAveragePool1d;
  l.strides =
      get_size(origin, where, lj, "strides", conv ? std::array<int, 2>{1, 1} : l.kernel, l.type);
  l.dilation = get_size(origin, where, lj, "dilation_rate", {1, 1}, l.type);
  for (const auto& [key, pair] :
       {std::pair{conv ? "kernel_size" : "pool_size", l.kernel}, std::pair{"strides", l.strides},
        std::pair{"dilation_rate", l.dilation}})
    PMT_THROW_IF(pair[0] < 1 || pair[1] < 1, kData, "{}: {}: {} must be >= 1", origin, where, key);
  // Keras: "strides > 1 not supported in conjunction with dilation_rate > 1"
  PMT_THROW_IF((l.strides[0] > 1 || l.strides[1] > 1) && (l.dilation[0] > 1 || l.dilation[1] > 1),
               kData, "{}: {}: strides > 1 and dilation_rate > 1 exclude each other (as in Keras)",
               origin, where);
  if (!lj.contains("padding")) return;
  const json& p = lj.at("padding");
  if (p.is_string() && (p == "valid" || p == "same")) {
    l.padding = p == "same" ? Padding::kSame : Padding::kValid;
    return;
  }
  PMT_THROW_IF(p.is_string() || l.type == LayerType::kConv2dTranspose, kData,
               "{}: {}: padding must be \"valid\", \"same\"{}", origin, where,
               l.type == LayerType::kConv2dTranspose ? ""
               : one_d(l.type)                       ? " or [n]"
                                                     : " or [h, w]");
  l.padding = Padding::kExplicit;
  l.pad = get_size(origin, where, lj, "padding", {0, 0}, l.type);
  if (one_d(l.type)) l.pad[1] = 0;
  PMT_THROW_IF(l.pad[0] < 0 || l.pad[1] < 0 || l.pad[0] > (1 << 20) || l.pad[1] > (1 << 20), kData,
               "{}: {}: padding must be in 0..{}", origin, where, 1 << 20);
  // PyTorch's pools take at most half the window per side (a window of padding alone has no value)
  PMT_THROW_IF(!conv && (2 * l.pad[0] > l.kernel[0] || 2 * l.pad[1] > l.kernel[1]), kData,
               "{}: {}: padding [{}, {}] is more than half the pool size {}x{}", origin, where,
               l.pad[0], l.pad[1], l.kernel[0], l.kernel[1]);
}

// A shape: a list of integers, each checked for range (io::json_integer).
std::vector<std::int64_t> get_shape(const std::string& origin, const std::string& where,
                                    const json& obj, const char* key) {
  std::vector<std::int64_t> shape;
  if (!obj.contains(key)) return shape;
  PMT_THROW_IF(!obj.at(key).is_array(), kData, "{}: {}: '{}' must be a list of integers", origin,
               where, key);
  for (const auto& d : obj.at(key))
    shape.push_back(io::json_integer(d, fmt::format("{}: {}: '{}'", origin, where, key),
                                     ErrorKind::kData, INT64_MIN, INT64_MAX));
  return shape;
}

// A layer's weight regulariser under `key`: a name (Keras' factor 0.01) and optional factors.
void parse_regularizer(const std::string& origin, const std::string& where, const json& lj,
                       const char* key, LayerSpec& l) {
  l.kernel_regularizer = get<std::string>(origin, where, lj, key, "none");
  check_name(origin, where, "regulariser", l.kernel_regularizer, regularizer_names());
  set_regularizer(l, l.kernel_regularizer);
  l.l1 = get<double>(origin, where, lj, "l1", l.l1);
  l.l2 = get<double>(origin, where, lj, "l2", l.l2);
  PMT_THROW_IF(!(l.l1 >= 0 && l.l2 >= 0), kData, "{}: {}: l1 and l2 must be >= 0", origin, where);
}

// The subject's inputs: "inputs" (a graph) or "input_shape" (a stack); its name and dataset.
void read_inputs(const json& j, const std::string& origin, SubjectSpec& s) {
  s.name = get<std::string>(origin, "subject", j, "name", fs::path(origin).stem().string());
  s.dataset = get<std::string>(origin, "subject", j, "dataset", "");
  PMT_THROW_IF(s.dataset.empty(), kData, "{}: missing \"dataset\"", origin);
  if (j.contains("inputs")) {
    PMT_THROW_IF(j.contains("input_shape"), kData,
                 "{}: give \"inputs\" (a graph) or \"input_shape\" (a stack), not both", origin);
    PMT_THROW_IF(!j["inputs"].is_array() || j["inputs"].empty(), kData,
                 "{}: \"inputs\" must be a non-empty list of {{\"name\", \"shape\"}}", origin);
    for (const auto& ij : j["inputs"]) {
      const std::string where = fmt::format("input {}", s.inputs.size());
      check_keys(origin, where, ij, {"name", "shape", "scale"});
      InputSpec in{get<std::string>(origin, where, ij, "name", ""),
                   get_shape(origin, where, ij, "shape"),
                   get<double>(origin, where, ij, "scale", 1.0)};
      PMT_THROW_IF(!(in.scale > 0), kData, "{}: {}: scale must be > 0", origin, where);
      PMT_THROW_IF(in.name.empty(), kData, "{}: {}: missing \"name\"", origin, where);
      PMT_THROW_IF(in.shape.empty(), kData, "{}: {}: missing \"shape\"", origin, where);
      for (auto d : in.shape)
        PMT_THROW_IF(d <= 0, kData, "{}: {}: shape must be positive", origin, where);
      s.inputs.push_back(in);
    }
    s.input_shape = s.inputs[0].shape;
  } else {
    s.input_shape = get_shape(origin, "subject", j, "input_shape");
    PMT_THROW_IF(s.input_shape.empty() || s.input_shape.size() > 3, kData,
                 "{}: input_shape must be [channels, height, width], [steps, features] or "
                 "[features]",
                 origin);
    for (auto d : s.input_shape)
      PMT_THROW_IF(d <= 0, kData, "{}: input_shape must be positive", origin);
    s.inputs = {{"input", s.input_shape}};
  }
}

// What it predicts: classes or regression targets; scales, evaluation batches.
void read_outputs(const json& j, const std::string& origin, SubjectSpec& s) {
  s.task = get_named(origin, "task", j, "task", "classification", "task", kTasks);
  if (s.task == Task::kClassification) {
    PMT_THROW_IF(j.contains("outputs") || j.contains("classes"), kData,
                 "{}: \"outputs\" and \"classes\" are for regression subjects", origin);
    s.num_classes = get<int>(origin, "subject", j, "num_classes", 10);
    PMT_THROW_IF(s.num_classes < 2, kData, "{}: num_classes must be >= 2", origin);
  } else {
    PMT_THROW_IF(j.contains("num_classes"), kData,
                 "{}: a regression subject gives \"outputs\" (target columns), not num_classes",
                 origin);
    s.num_classes = get<int>(origin, "subject", j, "outputs", 1);
    PMT_THROW_IF(s.num_classes < 1, kData, "{}: outputs must be >= 1", origin);
    s.classes = get<std::string>(origin, "subject", j, "classes", "std_buckets");
    check_name(origin, "classes", "classes rule", s.classes, {"std_buckets", "values"});
  }
  s.scale = get<double>(origin, "subject", j, "scale", j.contains("inputs") ? 1.0 : 255.0);
  PMT_THROW_IF(!(s.scale > 0), kData, "{}: scale must be > 0", origin);
  if (!j.contains("inputs")) s.inputs[0].scale = s.scale;
  s.eval_batch_size = get<int>(origin, "subject", j, "eval_batch_size", 128);
  PMT_THROW_IF(s.eval_batch_size < 1, kData, "{}: eval_batch_size must be >= 1", origin);
}

void read_data(const json& j, const std::string& origin, SubjectSpec& s) {
  const json data = j.value("data", json::object());
  check_keys(origin, "data", data, {"format", "file", "inputs", "targets"});
  s.data.format = get<std::string>(origin, "data", data, "format", "idx");
  check_name(origin, "data", "data format", s.data.format, {"idx", "npy", "hdf5"});
  s.data.file = get<std::string>(origin, "data", data, "file", "");
  s.data.inputs = get<std::vector<std::string>>(origin, "data", data, "inputs", {});
  s.data.targets = get<std::string>(origin, "data", data, "targets", "");
  if (s.data.format == "idx") {
    PMT_THROW_IF(s.inputs.size() != 1 || s.task != Task::kClassification, kData,
                 "{}: IDX data feeds one-input classification subjects; declare \"data\" "
                 "(npy or hdf5) for this one",
                 origin);
  } else {
    PMT_THROW_IF(s.data.inputs.size() != s.inputs.size() || s.data.targets.empty(), kData,
                 "{}: data: give one entry in \"inputs\" per subject input ({}) and "
                 "\"targets\"",
                 origin, s.inputs.size());
    PMT_THROW_IF(s.data.format == "hdf5" && s.data.file.empty(), kData,
                 "{}: data: hdf5 needs \"file\" (e.g. \"{{split}}.h5\")", origin);
  }
}

// Loss, batches, epochs, early stopping, metric, validation, optimiser.
void read_training(const json& j, const std::string& origin, SubjectSpec& s) {
  s.loss = get_named(origin, "loss", j, "loss", "categorical_crossentropy", "loss", kLosses);
  s.batch_size = get<int>(origin, "subject", j, "batch_size", 32);
  PMT_THROW_IF(s.batch_size < 1, kData, "{}: batch_size must be >= 1", origin);
  s.epochs = get<int>(origin, "subject", j, "epochs", 1);
  PMT_THROW_IF(s.epochs < 1, kData, "{}: epochs must be >= 1", origin);
  s.patience = get<int>(origin, "subject", j, "patience", 0);
  PMT_THROW_IF(s.patience < 0, kData, "{}: patience must be >= 0", origin);
  s.restore_best_weights = get<bool>(origin, "subject", j, "restore_best_weights", false);
  s.metric = get<std::string>(origin, "subject", j, "metric", "accuracy");
  try {
    const Metric m = parse_metric(s.metric);
    PMT_THROW_IF((m.kind == "accuracy") != (s.task == Task::kClassification), kData,
                 "{}: metric '{}' does not suit a {} subject", origin, s.metric, to_string(s.task));
    PMT_THROW_IF(m.kind == "angle_below" && s.num_classes != 2, kData,
                 "{}: metric '{}' needs two outputs (spherical angles)", origin, s.metric);
  } catch (const Error& e) {
    if (std::string(e.what()).rfind(origin, 0) == 0) throw;
    PMT_THROW(kData, "{}: {}", origin, e.what());
  }
  const std::string validation = j.contains("validation") && j["validation"].is_number()
                                     ? fmt::format("{}", j["validation"].get<double>())
                                     : get<std::string>(origin, "subject", j, "validation", "none");
  if (validation == "val") {
    PMT_THROW_IF(s.data.format == "idx", kData,
                 "{}: validation \"val\" needs NPY or HDF5 data with a \"val\" split", origin);
    s.validation.kind = Validation::Kind::kVal;
  } else if (validation == "test") {
    s.validation.kind = Validation::Kind::kTest;
  } else if (validation != "none") {
    const double f = io::to_double(validation).value_or(-1);
    PMT_THROW_IF(!(f > 0 && f < 1), kData,
                 "{}: validation must be \"none\", \"test\", \"val\" or a fraction in (0, 1), "
                 "got '{}'",
                 origin, io::shorten(validation));
    s.validation = {Validation::Kind::kFraction, f};
  }
  PMT_THROW_IF(s.patience > 0 && s.validation.none(), kData,
               "{}: early stopping (patience {}) needs validation data", origin, s.patience);

  const json opt = j.value("optimizer", json::object());
  check_keys(origin, "optimizer", opt,
             {"name", "learning_rate", "rho", "epsilon", "beta_1", "beta_2", "momentum", "nesterov",
              "initial_accumulator_value", "schedule_decay", "clipnorm", "clipvalue"});
  s.optimizer.name = get<std::string>(origin, "optimizer", opt, "name", "adam");
  check_name(origin, "optimizer", "optimiser", s.optimizer.name, optimizer_names());
  s.optimizer.learning_rate = get<double>(origin, "optimizer", opt, "learning_rate", 0.001);
  PMT_THROW_IF(!(s.optimizer.learning_rate >= 0), kData, "{}: learning_rate must be >= 0", origin);
  for (const auto& [key, value] : opt.items()) {
    if (key == "name" || key == "learning_rate") continue;
    PMT_THROW_IF(!value.is_number() && !value.is_boolean(), kData,
                 "{}: optimizer.{} must be a number", origin, key);
    s.optimizer.params[key] =
        value.is_boolean() ? (value.get<bool>() ? 1.0 : 0.0) : value.get<double>();
  }
}

// A layer's activation and, for leaky_relu, its alpha.
void read_activation(const std::string& origin, const std::string& where, const json& lj,
                     LayerSpec& l) {
  l.activation = get_named(origin, where, lj, "activation", "linear", "activation", kActivations);
  l.alpha = get<double>(origin, where, lj, "alpha", l.alpha);
  PMT_THROW_IF(!std::isfinite(l.alpha), kData, "{}: {}: alpha must be finite", origin, where);
}

// Keras' padding or cropping margins, into l.margins (top, bottom, left, right; a 1-D layer's
// before and after steps in the first two): 2-D layers take n, [h, w] (each side) or
// [[top, bottom], [left, right]]; 1-D layers n or [before, after].
void read_margins(const std::string& origin, const std::string& where, const json& v,
                  const char* key, LayerSpec& l) {
  const bool one_d = l.type == LayerType::kZeroPadding1d || l.type == LayerType::kCropping1d;
  const std::string bad = fmt::format(
      "{}: {}: '{}' must be {} of integers 0..{}", origin, where, key,
      one_d ? "n or [before, after]" : "n, [h, w] or [[top, bottom], [left, right]]", 1 << 20);
  const auto number = [&](const json& n) {
    PMT_THROW_IF(
        !n.is_number_integer() || n.get<std::int64_t>() < 0 || n.get<std::int64_t>() > (1 << 20),
        kData, "{}", bad);
    return n.get<int>();
  };
  PMT_THROW_IF(v.is_array() && v.size() != 2, kData, "{}", bad);
  if (one_d) {
    l.margins = v.is_array() ? std::array<int, 4>{number(v[0]), number(v[1]), 0, 0}
                             : std::array<int, 4>{number(v), number(v), 0, 0};
  } else if (v.is_array() && v[0].is_array()) {
    PMT_THROW_IF(v[0].size() != 2 || !v[1].is_array() || v[1].size() != 2, kData, "{}", bad);
    l.margins = {number(v[0][0]), number(v[0][1]), number(v[1][0]), number(v[1][1])};
  } else if (v.is_array()) {
    l.margins = {number(v[0]), number(v[0]), number(v[1]), number(v[1])};
  } else {
    const int n = number(v);
    l.margins = {n, n, n, n};
  }
}

// Layer i (read after the layers before it: its default input is the previous one).
LayerSpec read_layer(const json& lj, std::size_t i, const std::string& origin,
                     const SubjectSpec& s) {
  LayerSpec l;
  PMT_THROW_IF(!lj.is_object() || !lj.contains("type"), kData,
               "{}: layer {}: expected an object with a \"type\"", origin, i);
  if (lj.at("type") == "time_distributed") {
    // Keras' TimeDistributed(Dense(...)): {"type": "time_distributed", "layer": {dense}}, the
    // wrapper holding the name and inputs
    const std::string where = fmt::format("layer {} (time_distributed)", i);
    check_keys(origin, where, lj, {"type", "name", "inputs", "layer"});
    PMT_THROW_IF(!lj.contains("layer") || !lj["layer"].is_object() ||
                     lj["layer"].value("type", json()) != "dense",
                 kData, "{}: {}: \"layer\" must be a dense layer (the one time_distributed wraps)",
                 origin, where);
    json inner = lj["layer"];
    PMT_THROW_IF(inner.contains("name") || inner.contains("inputs"), kData,
                 "{}: {}: the wrapper holds the name and inputs, not its layer", origin, where);
    for (const char* key : {"name", "inputs"})
      if (lj.contains(key)) inner[key] = lj[key];
    LayerSpec wrapped = read_layer(inner, i, origin, s);
    wrapped.time_distributed = true;
    return wrapped;
  }
  l.type = get_named(origin, fmt::format("layer {}", i), lj, "type", "", "layer type", kLayerTypes);
  const std::string where = layer_where(i, l.type);
  if (activates(l.type) && l.type != LayerType::kActivation) {
    // dense and the convolutions; a depthwise kernel's initialiser and regulariser are Keras'
    // depthwise_initializer and depthwise_regularizer (a separable convolution's too, its
    // pointwise kernel having pointwise_initializer)
    const bool dense = l.type == LayerType::kDense;
    const bool depthwise = l.type == LayerType::kDepthwiseConv2d;
    const bool separable = l.type == LayerType::kSeparableConv2d;
    const bool grouped = l.type == LayerType::kConv2d || l.type == LayerType::kConv1d;
    const char* init_key = depthwise || separable ? "depthwise_initializer" : "kernel_initializer";
    const char* reg_key = depthwise || separable ? "depthwise_regularizer" : "kernel_regularizer";
    std::vector<std::string> keys{"type",
                                  "name",
                                  "inputs",
                                  "activation",
                                  "alpha",
                                  init_key,
                                  "kernel_stddev",
                                  "bias_initializer",
                                  "use_bias",
                                  reg_key,
                                  "l1",
                                  "l2"};
    if (!dense) keys.insert(keys.end(), {"kernel_size", "strides", "padding", "dilation_rate"});
    if (!depthwise) keys.push_back(dense ? "units" : "filters");
    if (depthwise || separable) keys.push_back("depth_multiplier");
    if (separable) keys.push_back("pointwise_initializer");
    if (grouped) keys.push_back("groups");
    if (l.type == LayerType::kConv2dTranspose) keys.push_back("output_padding");
    for (const char* key : {"kernel_size", "strides", "padding", "dilation_rate"})
      PMT_THROW_IF(dense && lj.contains(key), kData, "{}: {}: dense has no {}", origin, where, key);
    check_keys(origin, where, lj, keys);
    if (!depthwise) {
      l.units = get<int>(origin, where, lj, dense ? "units" : "filters", 0);
      PMT_THROW_IF(l.units < 1 || l.units > (1 << 24), kData, "{}: {}: {} must be in 1..{}", origin,
                   where, dense ? "units" : "filters", 1 << 24);
    }
    l.groups = get<int>(origin, where, lj, "groups", 1);
    l.depth_multiplier = get<int>(origin, where, lj, "depth_multiplier", 1);
    PMT_THROW_IF(l.groups < 1 || l.depth_multiplier < 1 || l.depth_multiplier > (1 << 16), kData,
                 "{}: {}: groups and depth_multiplier must be >= 1", origin, where);
    PMT_THROW_IF(l.units % l.groups != 0, kData, "{}: {}: {} filters do not split into {} groups",
                 origin, where, l.units, l.groups);
    l.kernel = get_size(origin, where, lj, "kernel_size", {3, 3}, l.type);
    if (!dense) read_window(origin, where, lj, l);
    if (lj.contains("output_padding") && !lj.at("output_padding").is_null()) {
      // Keras: each axis's output_padding below its stride
      l.output_padding = get_size(origin, where, lj, "output_padding", {0, 0}, l.type);
      for (std::size_t a = 0; a < 2; ++a)
        PMT_THROW_IF(l.output_padding[a] < 0 || l.output_padding[a] >= l.strides[a], kData,
                     "{}: {}: output_padding must be >= 0 and below the strides ({}x{})", origin,
                     where, l.strides[0], l.strides[1]);
    }
    read_activation(origin, where, lj, l);
    l.kernel_initializer = get<std::string>(origin, where, lj, init_key, "glorot_uniform");
    check_name(origin, where, "initialiser", l.kernel_initializer, initializer_names());
    l.pointwise_initializer =
        get<std::string>(origin, where, lj, "pointwise_initializer", "glorot_uniform");
    check_name(origin, where, "initialiser", l.pointwise_initializer, initializer_names());
    l.bias_initializer = get<std::string>(origin, where, lj, "bias_initializer", "zeros");
    check_name(origin, where, "initialiser", l.bias_initializer, initializer_names());
    l.use_bias = get<bool>(origin, where, lj, "use_bias", true);
    l.kernel_stddev = get<double>(origin, where, lj, "kernel_stddev", 0.0);
    PMT_THROW_IF(!(l.kernel_stddev >= 0), kData, "{}: {}: kernel_stddev must be >= 0", origin,
                 where);
    parse_regularizer(origin, where, lj, reg_key, l);
  } else if (l.type == LayerType::kActivation) {
    check_keys(origin, where, lj, {"type", "name", "inputs", "activation", "alpha"});
    read_activation(origin, where, lj, l);
  } else if (l.type == LayerType::kMaxPool2d || l.type == LayerType::kAveragePool2d ||
             l.type == LayerType::kMaxPool1d || l.type == LayerType::kAveragePool1d) {
    check_keys(origin, where, lj, {"type", "name", "inputs", "pool_size", "strides", "padding"});
    l.kernel = get_size(origin, where, lj, "pool_size", {2, 2}, l.type);
    read_window(origin, where, lj, l);
  } else if (l.type == LayerType::kZeroPadding2d || l.type == LayerType::kCropping2d ||
             l.type == LayerType::kZeroPadding1d || l.type == LayerType::kCropping1d) {
    const bool padding = l.type == LayerType::kZeroPadding2d || l.type == LayerType::kZeroPadding1d;
    const char* key = padding ? "padding" : "cropping";
    check_keys(origin, where, lj, {"type", "name", "inputs", key});
    // Keras' defaults: 1 for both padding layers and Cropping1D, none for Cropping2D
    const bool none = l.type == LayerType::kCropping2d;
    read_margins(origin, where, lj.value(key, json(none ? 0 : 1)), key, l);
  } else if (l.type == LayerType::kReshape || l.type == LayerType::kPermute) {
    const bool reshape = l.type == LayerType::kReshape;
    const char* key = reshape ? "target_shape" : "dims";
    check_keys(origin, where, lj, {"type", "name", "inputs", key});
    const std::vector<std::int64_t> v = get_shape(origin, where, lj, key);
    PMT_THROW_IF(v.empty() || v.size() > 3, kData,
                 "{}: {}: '{}' must list 1 to 3 {} (Keras' channels-last axes)", origin, where, key,
                 reshape ? "sizes" : "axes");
    if (reshape) {
      for (auto d : v)
        PMT_THROW_IF(d == 0 || d < -1 || d > (std::int64_t{1} << 40), kData,
                     "{}: {}: target_shape holds sizes >= 1 and at most one -1", origin, where);
      PMT_THROW_IF(std::count(v.begin(), v.end(), -1) > 1, kData,
                   "{}: {}: target_shape holds at most one -1", origin, where);
      l.target_shape = v;
    } else {
      std::vector<std::int64_t> sorted = v;
      std::sort(sorted.begin(), sorted.end());
      for (std::size_t k = 0; k < sorted.size(); ++k)
        PMT_THROW_IF(sorted[k] != std::int64_t(k) + 1, kData,
                     "{}: {}: dims must be a permutation of 1..{}", origin, where, v.size());
      l.dims.assign(v.begin(), v.end());
    }
  } else if (l.type == LayerType::kLayerNormalization) {
    check_keys(origin, where, lj, {"type", "name", "inputs", "axis", "epsilon", "center", "scale"});
    PMT_THROW_IF(get<int>(origin, where, lj, "axis", -1) != -1, kData,
                 "{}: {}: axis must be -1 (the channels), as Keras' default", origin, where);
    l.epsilon = get<double>(origin, where, lj, "epsilon", 1e-3);
    PMT_THROW_IF(!(l.epsilon > 0) || !std::isfinite(l.epsilon), kData,
                 "{}: {}: epsilon must be > 0", origin, where);
    l.center = get<bool>(origin, where, lj, "center", true);
    l.scale = get<bool>(origin, where, lj, "scale", true);
  } else if (l.type == LayerType::kUpSampling2d || l.type == LayerType::kResizing) {
    const bool up = l.type == LayerType::kUpSampling2d;
    if (up) {
      check_keys(origin, where, lj, {"type", "name", "inputs", "size", "interpolation"});
      l.kernel = get_pair(origin, where, lj, "size", {2, 2});
    } else {
      check_keys(
          origin, where, lj,
          {"type", "name", "inputs", "height", "width", "interpolation", "crop_to_aspect_ratio"});
      PMT_THROW_IF(!lj.contains("height") || !lj.contains("width"), kData,
                   "{}: {}: resizing needs a \"height\" and a \"width\"", origin, where);
      l.kernel = {get<int>(origin, where, lj, "height", 1),
                  get<int>(origin, where, lj, "width", 1)};
      PMT_THROW_IF(get<bool>(origin, where, lj, "crop_to_aspect_ratio", false), kData,
                   "{}: {}: crop_to_aspect_ratio is not supported (false is)", origin, where);
    }
    const int most = up ? 1024 : 1 << 16;
    PMT_THROW_IF(l.kernel[0] < 1 || l.kernel[1] < 1 || l.kernel[0] > most || l.kernel[1] > most,
                 kData, "{}: {}: {} must be in 1..{}", origin, where,
                 up ? "size" : "height and width", most);
    const std::string how =
        get<std::string>(origin, where, lj, "interpolation", up ? "nearest" : "bilinear");
    PMT_THROW_IF(how != "nearest" && how != "bilinear", kData,
                 "{}: {}: interpolation '{}' is not supported (nearest and bilinear are)", origin,
                 where, io::shorten(how));
    l.bilinear = how == "bilinear";
  } else if (l.type == LayerType::kRescaling) {
    check_keys(origin, where, lj, {"type", "name", "inputs", "scale", "offset"});
    PMT_THROW_IF(!lj.contains("scale"), kData, "{}: {}: rescaling needs a \"scale\"", origin,
                 where);
    l.rescale = get<double>(origin, where, lj, "scale", 1.0);
    l.offset = get<double>(origin, where, lj, "offset", 0.0);
    PMT_THROW_IF(!std::isfinite(l.rescale) || !std::isfinite(l.offset), kData,
                 "{}: {}: scale and offset must be finite", origin, where);
  } else if (is_recurrent(l.type)) {
    const bool lstm = l.type == LayerType::kLstm, simple = l.type == LayerType::kSimpleRnn;
    std::vector<std::string> keys{"type",
                                  "name",
                                  "inputs",
                                  "units",
                                  "activation",
                                  "use_bias",
                                  "kernel_initializer",
                                  "recurrent_initializer",
                                  "bias_initializer",
                                  "return_sequences",
                                  "bidirectional",
                                  "kernel_regularizer",
                                  "l1",
                                  "l2"};
    if (!simple)
      keys.insert(keys.end(), {"recurrent_activation", lstm ? "unit_forget_bias" : "reset_after"});
    check_keys(origin, where, lj, keys);
    l.bidirectional = get<std::string>(origin, where, lj, "bidirectional", "");
    if (!l.bidirectional.empty())
      check_name(origin, where, "merge mode", l.bidirectional, {"concat", "sum", "mul", "ave"});
    l.units = get<int>(origin, where, lj, "units", 0);
    PMT_THROW_IF(l.units < 1 || l.units > (1 << 20), kData, "{}: {}: units must be in 1..{}",
                 origin, where, 1 << 20);
    l.activation = get_named(origin, where, lj, "activation", "tanh", "activation", kActivations);
    l.recurrent_activation =
        get_named(origin, where, lj, "recurrent_activation", "sigmoid", "activation", kActivations);
    l.use_bias = get<bool>(origin, where, lj, "use_bias", true);
    l.kernel_initializer =
        get<std::string>(origin, where, lj, "kernel_initializer", "glorot_uniform");
    l.recurrent_initializer =
        get<std::string>(origin, where, lj, "recurrent_initializer", "orthogonal");
    l.bias_initializer = get<std::string>(origin, where, lj, "bias_initializer", "zeros");
    for (const std::string* name :
         {&l.kernel_initializer, &l.recurrent_initializer, &l.bias_initializer})
      check_name(origin, where, "initialiser", *name, initializer_names());
    l.unit_forget_bias = lstm && get<bool>(origin, where, lj, "unit_forget_bias", true);
    l.reset_after = lstm || get<bool>(origin, where, lj, "reset_after", true);
    l.return_sequences = get<bool>(origin, where, lj, "return_sequences", false);
    parse_regularizer(origin, where, lj, "kernel_regularizer", l);  // the input kernel's
  } else if (l.type == LayerType::kBatchNormalization) {
    check_keys(origin, where, lj,
               {"type", "name", "inputs", "convention", "momentum", "epsilon", "center", "scale"});
    const std::string convention = get<std::string>(origin, where, lj, "convention", "keras");
    PMT_THROW_IF(convention != "keras" && convention != "pytorch", kData,
                 "{}: {}: convention must be keras or pytorch, got '{}'", origin, where,
                 io::shorten(convention));
    l.pytorch = convention == "pytorch";
    l.momentum = get<double>(origin, where, lj, "momentum", l.pytorch ? 0.1 : 0.99);
    l.epsilon = get<double>(origin, where, lj, "epsilon", l.pytorch ? 1e-5 : 1e-3);
    PMT_THROW_IF(!(l.momentum >= 0 && l.momentum <= 1), kData, "{}: {}: momentum must be in [0, 1]",
                 origin, where);
    PMT_THROW_IF(!(l.epsilon > 0) || !std::isfinite(l.epsilon), kData,
                 "{}: {}: epsilon must be > 0", origin, where);
    l.center = get<bool>(origin, where, lj, "center", true);
    l.scale = get<bool>(origin, where, lj, "scale", true);
  } else if (l.type == LayerType::kDropout) {
    check_keys(origin, where, lj, {"type", "name", "inputs", "rate"});
    l.rate = get<double>(origin, where, lj, "rate", 0.5);
    PMT_THROW_IF(!(l.rate >= 0 && l.rate <= 1), kData, "{}: {}: rate must be in [0, 1]", origin,
                 where);
  } else if (l.type == LayerType::kEmbedding) {
    check_keys(origin, where, lj,
               {"type", "name", "inputs", "input_dim", "output_dim", "embeddings_initializer",
                "embeddings_regularizer", "l1", "l2"});
    l.input_dim = get<int>(origin, where, lj, "input_dim", 0);
    l.units = get<int>(origin, where, lj, "output_dim", 0);
    PMT_THROW_IF(l.input_dim < 1 || l.units < 1, kData,
                 "{}: {}: input_dim and output_dim must be >= 1", origin, where);
    // Keras' default "uniform" is RandomUniform(-0.05, 0.05)
    l.kernel_initializer =
        get<std::string>(origin, where, lj, "embeddings_initializer", "random_uniform");
    check_name(origin, where, "initialiser", l.kernel_initializer, initializer_names());
    l.use_bias = false;
    parse_regularizer(origin, where, lj, "embeddings_regularizer", l);
  } else {
    check_keys(origin, where, lj, {"type", "name", "inputs", "axes", "axis"});
    PMT_THROW_IF(lj.contains("axis") && l.type != LayerType::kConcatenate, kData,
                 "{}: {}: \"axis\" is only for concatenate", origin, where);
    l.axis = get<int>(origin, where, lj, "axis", -1);
    PMT_THROW_IF(lj.contains("axes") && (l.type != LayerType::kDot || lj["axes"] != "all"), kData,
                 "{}: {}: \"axes\" is only \"all\", on a dot layer", origin, where);
    l.dot_all = lj.contains("axes");
  }
  PMT_THROW_IF(l.kernel[0] < 1 || l.kernel[1] < 1, kData, "{}: {}: sizes must be >= 1", origin,
               where);
  // Graph edges: by default the previous layer (or the single input).
  l.name = get<std::string>(origin, where, lj, "name", fmt::format("layer{}", i));
  const std::string previous = i == 0 ? s.inputs[0].name : s.layers.back().name;
  PMT_THROW_IF(i == 0 && s.inputs.size() > 1 && !lj.contains("inputs"), kData,
               "{}: {}: the subject has several inputs: say which this layer reads (\"inputs\")",
               origin, where);
  l.inputs = get<std::vector<std::string>>(origin, where, lj, "inputs", {previous});
  return l;
}

// DeepCrime's per-subject settings: the layers operators target, the search bounds.
void read_mutation_settings(const json& j, const std::string& origin, SubjectSpec& s) {
  const json layers_of = j.value("mutation_layers", json::object());
  PMT_THROW_IF(!layers_of.is_object(), kData, "{}: mutation_layers must be an object", origin);
  for (const auto& [op, value] : layers_of.items()) {
    // one index (DeepCrime's layer_udp: N) or a list of them ([N, M])
    const json list = value.is_array() ? value : json::array({value});
    const std::string bad = fmt::format(
        "{}: mutation_layers.{}: expected a layer index 0-{} or a non-empty list of distinct ones",
        origin, io::shorten(op), s.layers.size() - 1);
    PMT_THROW_IF(list.empty() || list.size() > s.layers.size(), kData, "{}", bad);
    std::vector<int>& layers = s.mutation_layers[op];
    for (const json& index : list) {
      PMT_THROW_IF(!index.is_number_integer() || index.get<std::int64_t>() < 0 ||
                       index.get<std::uint64_t>() >= s.layers.size(),
                   kData, "{}", bad);
      const int i = index.get<int>();
      PMT_THROW_IF(std::find(layers.begin(), layers.end(), i) != layers.end(), kData, "{}", bad);
      layers.push_back(i);
    }
  }
  const json searches = j.value("mutation_search", json::object());
  PMT_THROW_IF(!searches.is_object(), kData, "{}: mutation_search must be an object", origin);
  for (const auto& [op, sj] : searches.items()) {
    const std::string where = "mutation_search." + op;
    check_keys(origin, where, sj, {"from", "to", "precision", "values"});
    SubjectSpec::Search search;
    search.from = get<double>(origin, where, sj, "from", 0.0);
    search.to = get<double>(origin, where, sj, "to", 0.0);
    search.precision = get<double>(origin, where, sj, "precision", 0.0);
    PMT_THROW_IF(!(search.precision >= 0), kData, "{}: {}: precision must be >= 0", origin, where);
    for (const auto& v : sj.value("values", json::array())) {
      PMT_THROW_IF(!v.is_string() && !v.is_number(), kData,
                   "{}: {}: values must be names or numbers", origin, where);
      search.values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    }
    s.mutation_search[op] = search;
  }
}

}  // namespace

void set_regularizer(LayerSpec& layer, const std::string& name) {
  layer.kernel_regularizer = name;
  layer.l1 = name == "l1" || name == "l1_l2" ? 0.01 : 0.0;
  layer.l2 = name == "l2" || name == "l1_l2" ? 0.01 : 0.0;
}

SubjectSpec parse_subject(const json& j, const std::string& origin, bool check_output) {
  check_keys(origin, "subject", j,
             {"name",
              "source",
              "description",
              "dataset",
              "input_shape",
              "inputs",
              "num_classes",
              "scale",
              "layers",
              "loss",
              "optimizer",
              "batch_size",
              "epochs",
              "validation",
              "patience",
              "metric",
              "mutation_layers",
              "task",
              "outputs",
              "classes",
              "data",
              "eval_batch_size",
              "mutation_search",
              "restore_best_weights"});
  SubjectSpec s;
  read_inputs(j, origin, s);
  read_outputs(j, origin, s);
  read_data(j, origin, s);
  read_training(j, origin, s);
  PMT_THROW_IF(!j.contains("layers") || !j["layers"].is_array() || j["layers"].empty(), kData,
               "{}: \"layers\" must be a non-empty list", origin);
  for (const auto& lj : j["layers"]) s.layers.push_back(read_layer(lj, s.layers.size(), origin, s));
  read_mutation_settings(j, origin, s);
  try {
    const auto shapes = infer_shapes(s);
    PMT_THROW_IF(check_output && (shapes.back().size() != 1 || shapes.back()[0] != s.num_classes),
                 kData, "{}: the last layer must output {} values (num_classes), not [{}]", origin,
                 s.num_classes, fmt::join(shapes.back(), ", "));
  } catch (const Error& e) {
    if (std::string(e.what()).rfind(origin, 0) == 0) throw;
    PMT_THROW(kData, "{}: {}", origin, e.what());
  }
  return s;
}

SubjectSpec load_subject(const fs::path& path) {
  return parse_subject(io::read_json(path), path.string());
}

}  // namespace pmt::model
