// Subject specs: JSON <-> SubjectSpec, name checks, shape inference (see subject.hpp).
#include "pmt/model/subject.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <set>
#include <type_traits>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/io/names.hpp"
#include "pmt/io/number.hpp"
#include "pmt/io/settings.hpp"

namespace pmt::model {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr io::NameTable<LayerType, 10> kLayerTypes{{{LayerType::kConv2d, "conv2d"},
                                                    {LayerType::kMaxPool2d, "max_pool2d"},
                                                    {LayerType::kDropout, "dropout"},
                                                    {LayerType::kFlatten, "flatten"},
                                                    {LayerType::kDense, "dense"},
                                                    {LayerType::kActivation, "activation"},
                                                    {LayerType::kEmbedding, "embedding"},
                                                    {LayerType::kConcatenate, "concatenate"},
                                                    {LayerType::kAdd, "add"},
                                                    {LayerType::kDot, "dot"}}};
constexpr io::NameTable<Activation, 11> kActivations{{{Activation::kElu, "elu"},
                                                      {Activation::kSoftmax, "softmax"},
                                                      {Activation::kSelu, "selu"},
                                                      {Activation::kSoftplus, "softplus"},
                                                      {Activation::kSoftsign, "softsign"},
                                                      {Activation::kRelu, "relu"},
                                                      {Activation::kTanh, "tanh"},
                                                      {Activation::kSigmoid, "sigmoid"},
                                                      {Activation::kHardSigmoid, "hard_sigmoid"},
                                                      {Activation::kExponential, "exponential"},
                                                      {Activation::kLinear, "linear"}}};
constexpr io::NameTable<Loss, 14> kLosses{
    {{Loss::kMeanSquaredError, "mean_squared_error"},
     {Loss::kMeanAbsoluteError, "mean_absolute_error"},
     {Loss::kMeanAbsolutePercentageError, "mean_absolute_percentage_error"},
     {Loss::kMeanSquaredLogarithmicError, "mean_squared_logarithmic_error"},
     {Loss::kSquaredHinge, "squared_hinge"},
     {Loss::kHinge, "hinge"},
     {Loss::kCategoricalHinge, "categorical_hinge"},
     {Loss::kLogcosh, "logcosh"},
     {Loss::kHuber, "huber_loss"},
     {Loss::kCategoricalCrossentropy, "categorical_crossentropy"},
     {Loss::kBinaryCrossentropy, "binary_crossentropy"},
     {Loss::kKullbackLeiblerDivergence, "kullback_leibler_divergence"},
     {Loss::kPoisson, "poisson"},
     {Loss::kAngle, "angle_loss"}}};
constexpr io::NameTable<Task, 2> kTasks{
    {{Task::kClassification, "classification"}, {Task::kRegression, "regression"}}};

}  // namespace

const char* to_string(LayerType type) { return io::name_of(kLayerTypes, type); }
const char* to_string(Activation activation) { return io::name_of(kActivations, activation); }
const char* to_string(Loss loss) { return io::name_of(kLosses, loss); }
const char* to_string(Task task) { return io::name_of(kTasks, task); }
std::string to_string(const Validation& v) {
  switch (v.kind) {
    case Validation::Kind::kNone:
      return "none";
    case Validation::Kind::kTest:
      return "test";
    case Validation::Kind::kVal:
      return "val";
    case Validation::Kind::kFraction:
      break;
  }
  return fmt::format("{}", v.fraction);
}
Activation parse_activation(const std::string& name) {
  return io::parse_name(kActivations, name, "activation");
}
Loss parse_loss(const std::string& name) { return io::parse_name(kLosses, name, "loss"); }

const std::vector<std::string>& layer_types() {
  static const std::vector<std::string> v = io::names_of(kLayerTypes);
  return v;
}
const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> v = io::names_of(kActivations);
  return v;
}
const std::vector<std::string>& initializer_names() {
  static const std::vector<std::string> v{"zeros",          "ones",           "constant",
                                          "random_normal",  "random_uniform", "truncated_normal",
                                          "orthogonal",     "lecun_uniform",  "glorot_normal",
                                          "glorot_uniform", "he_normal",      "lecun_normal",
                                          "he_uniform"};
  return v;
}
const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> v{"sgd",  "rmsprop", "adagrad", "adadelta",
                                          "adam", "adamax",  "nadam"};
  return v;
}
const std::vector<std::string>& loss_names() {
  static const std::vector<std::string> v = io::names_of(kLosses);
  return v;
}

const std::vector<std::string>& regularizer_names() {
  static const std::vector<std::string> v{"none", "l1", "l2", "l1_l2"};
  return v;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

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

std::string layer_where(std::size_t i, LayerType type) {
  return fmt::format("layer {} ({})", i, to_string(type));
}

}  // namespace

void set_regularizer(LayerSpec& layer, const std::string& name) {
  layer.kernel_regularizer = name;
  layer.l1 = name == "l1" || name == "l1_l2" ? 0.01 : 0.0;
  layer.l2 = name == "l2" || name == "l1_l2" ? 0.01 : 0.0;
}

SubjectSpec parse_subject(const json& j, const std::string& origin) {
  check_keys(origin, "subject", j,
             {"name",      "source",          "description",    "dataset",    "input_shape",
              "inputs",    "num_classes",     "scale",          "layers",     "loss",
              "optimizer", "batch_size",      "epochs",         "validation", "patience",
              "metric",    "mutation_layers", "task",           "outputs",    "classes",
              "data",      "eval_batch_size", "mutation_search"});
  SubjectSpec s;
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
    PMT_THROW_IF(s.input_shape.size() != 3 && s.input_shape.size() != 1, kData,
                 "{}: input_shape must be [channels, height, width] or [features]", origin);
    for (auto d : s.input_shape)
      PMT_THROW_IF(d <= 0, kData, "{}: input_shape must be positive", origin);
    s.inputs = {{"input", s.input_shape}};
  }
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
  s.loss = get_named(origin, "loss", j, "loss", "categorical_crossentropy", "loss", kLosses);
  s.batch_size = get<int>(origin, "subject", j, "batch_size", 32);
  PMT_THROW_IF(s.batch_size < 1, kData, "{}: batch_size must be >= 1", origin);
  s.epochs = get<int>(origin, "subject", j, "epochs", 1);
  PMT_THROW_IF(s.epochs < 1, kData, "{}: epochs must be >= 1", origin);
  s.patience = get<int>(origin, "subject", j, "patience", 0);
  PMT_THROW_IF(s.patience < 0, kData, "{}: patience must be >= 0", origin);
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

  PMT_THROW_IF(!j.contains("layers") || !j["layers"].is_array() || j["layers"].empty(), kData,
               "{}: \"layers\" must be a non-empty list", origin);
  std::size_t i = 0;
  for (const auto& lj : j["layers"]) {
    LayerSpec l;
    PMT_THROW_IF(!lj.is_object() || !lj.contains("type"), kData,
                 "{}: layer {}: expected an object with a \"type\"", origin, i);
    l.type =
        get_named(origin, fmt::format("layer {}", i), lj, "type", "", "layer type", kLayerTypes);
    const std::string where = layer_where(i, l.type);
    if (l.type == LayerType::kConv2d || l.type == LayerType::kDense) {
      check_keys(origin, where, lj,
                 {"type", "name", "inputs", l.type == LayerType::kDense ? "units" : "filters",
                  "kernel_size", "activation", "kernel_initializer", "kernel_stddev",
                  "bias_initializer", "use_bias", "kernel_regularizer", "l1", "l2"});
      PMT_THROW_IF(l.type == LayerType::kDense && lj.contains("kernel_size"), kData,
                   "{}: {}: dense has no kernel_size", origin, where);
      l.units = get<int>(origin, where, lj, l.type == LayerType::kDense ? "units" : "filters", 0);
      PMT_THROW_IF(l.units < 1, kData, "{}: {}: {} must be >= 1", origin, where,
                   l.type == LayerType::kDense ? "units" : "filters");
      l.kernel = get_pair(origin, where, lj, "kernel_size", {3, 3});
      l.activation =
          get_named(origin, where, lj, "activation", "linear", "activation", kActivations);
      l.kernel_initializer =
          get<std::string>(origin, where, lj, "kernel_initializer", "glorot_uniform");
      check_name(origin, where, "initialiser", l.kernel_initializer, initializer_names());
      l.bias_initializer = get<std::string>(origin, where, lj, "bias_initializer", "zeros");
      check_name(origin, where, "initialiser", l.bias_initializer, initializer_names());
      l.use_bias = get<bool>(origin, where, lj, "use_bias", true);
      l.kernel_stddev = get<double>(origin, where, lj, "kernel_stddev", 0.0);
      PMT_THROW_IF(!(l.kernel_stddev >= 0), kData, "{}: {}: kernel_stddev must be >= 0", origin,
                   where);
      parse_regularizer(origin, where, lj, "kernel_regularizer", l);
    } else if (l.type == LayerType::kActivation) {
      check_keys(origin, where, lj, {"type", "name", "inputs", "activation"});
      l.activation =
          get_named(origin, where, lj, "activation", "linear", "activation", kActivations);
    } else if (l.type == LayerType::kMaxPool2d) {
      check_keys(origin, where, lj, {"type", "name", "inputs", "pool_size"});
      l.kernel = get_pair(origin, where, lj, "pool_size", {2, 2});
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
      check_keys(origin, where, lj, {"type", "name", "inputs", "axes"});
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
    s.layers.push_back(l);
    ++i;
  }
  const json layers_of = j.value("mutation_layers", json::object());
  PMT_THROW_IF(!layers_of.is_object(), kData, "{}: mutation_layers must be an object", origin);
  for (const auto& [op, index] : layers_of.items()) {
    PMT_THROW_IF(!index.is_number_integer() || index.get<int>() < 0 ||
                     index.get<std::size_t>() >= s.layers.size(),
                 kData, "{}: mutation_layers.{}: expected a layer index 0-{}", origin, op,
                 s.layers.size() - 1);
    s.mutation_layers[op] = index.get<int>();
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
  try {
    const auto shapes = infer_shapes(s);
    PMT_THROW_IF(shapes.back().size() != 1 || shapes.back()[0] != s.num_classes, kData,
                 "{}: the last layer must output {} values (num_classes), not [{}]", origin,
                 s.num_classes, fmt::join(shapes.back(), ", "));
  } catch (const Error& e) {
    if (std::string(e.what()).rfind(origin, 0) == 0) throw;
    PMT_THROW(kData, "{}: {}", origin, e.what());
  }
  return s;
}

Metric parse_metric(const std::string& text) {
  if (text == "accuracy") return {"accuracy", 0};
  for (const char* kind : {"angle_below", "abs_error_below"}) {
    const std::string prefix = std::string(kind) + "_";
    if (text.rfind(prefix, 0) != 0) continue;
    const std::string number = text.substr(prefix.size());
    const double v = io::to_double(number).value_or(-1);
    PMT_THROW_IF(!(v > 0) || !std::isfinite(v), kData,
                 "metric '{}': the threshold must be a number > 0", io::shorten(text));
    return {kind, v};
  }
  PMT_THROW(kData,
            "unknown metric '{}' (valid: accuracy, angle_below_<degrees>, abs_error_below_<x>)",
            io::shorten(text));
}

bool is_stack(const SubjectSpec& spec) {
  if (spec.inputs.size() > 1) return false;
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const std::string previous =
        i == 0 ? (spec.inputs.empty() ? "input" : spec.inputs[0].name) : spec.layers[i - 1].name;
    const LayerSpec& l = spec.layers[i];
    if ((!l.name.empty() && l.name != fmt::format("layer{}", i)) ||
        (!l.inputs.empty() && l.inputs != std::vector<std::string>{previous}))
      return false;
  }
  return true;
}

std::string fusion_blocker(const SubjectSpec& spec) {
  if (!is_stack(spec))
    return "a graph subject (several inputs or merge layers): fused layers cover stacks";
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerType t = spec.layers[i].type;
    if (t != LayerType::kConv2d && t != LayerType::kDense && t != LayerType::kMaxPool2d &&
        t != LayerType::kDropout && t != LayerType::kFlatten && t != LayerType::kActivation)
      return fmt::format("layer {} ({}) has no fused form yet", i, to_string(t));
  }
  if (spec.patience > 0 && !spec.validation.none())
    return "early stopping: instances stop at different epochs";
  return "";
}

std::vector<std::vector<std::int64_t>> infer_shapes(const SubjectSpec& spec) {
  using Shape = std::vector<std::int64_t>;
  std::vector<Shape> out;
  std::map<std::string, Shape> known;  // inputs and the layers seen so far, by name
  for (const auto& in : spec.inputs)
    PMT_THROW_IF(!known.emplace(in.name, in.shape).second, kData, "input '{}' is named twice",
                 in.name);
  if (spec.inputs.empty()) known["input"] = spec.input_shape;
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& l = spec.layers[i];
    const std::string where = layer_where(i, l.type);
    std::vector<Shape> in;
    if (l.inputs.empty()) {
      in.push_back(i == 0 ? spec.input_shape : out.back());
    } else {
      for (const auto& e : l.inputs) {
        const auto it = known.find(e);
        PMT_THROW_IF(it == known.end(), kData,
                     "{}: reads '{}', which is neither an input nor an earlier layer", where, e);
        in.push_back(it->second);
      }
    }
    const bool merge =
        l.type == LayerType::kConcatenate || l.type == LayerType::kAdd || l.type == LayerType::kDot;
    PMT_THROW_IF(!merge && in.size() != 1, kData, "{}: reads {} inputs, expected one", where,
                 in.size());
    PMT_THROW_IF(merge && in.size() < 2, kData, "{}: needs at least two inputs", where);
    Shape shape = in[0];
    if (l.type == LayerType::kConv2d || l.type == LayerType::kMaxPool2d) {
      PMT_THROW_IF(shape.size() != 3, kData,
                   "{}: needs a [channels, height, width] input, got [{}]", where,
                   fmt::join(shape, ", "));
      PMT_THROW_IF(shape[1] < l.kernel[0] || shape[2] < l.kernel[1], kData,
                   "{}: window {}x{} does not fit its {}x{} input", where, l.kernel[0], l.kernel[1],
                   shape[1], shape[2]);
      if (l.type == LayerType::kConv2d) {
        shape = {l.units, shape[1] - l.kernel[0] + 1, shape[2] - l.kernel[1] + 1};
      } else {
        shape = {shape[0], shape[1] / l.kernel[0], shape[2] / l.kernel[1]};
      }
    } else if (l.type == LayerType::kDense) {
      PMT_THROW_IF(shape.size() != 1, kData,
                   "{}: needs a flat input, got [{}] (add a flatten layer before it)", where,
                   fmt::join(shape, ", "));
      shape = {l.units};
    } else if (l.type == LayerType::kFlatten) {
      std::int64_t n = 1;
      for (auto d : shape)
        PMT_THROW_IF(__builtin_mul_overflow(n, d, &n), kData,
                     "{}: [{}] holds more values than 64 bits count", where,
                     fmt::join(shape, ", "));
      shape = {n};
    } else if (l.type == LayerType::kEmbedding) {
      PMT_THROW_IF(shape.size() != 1, kData, "{}: needs a 1-D input of indices, got [{}]", where,
                   fmt::join(shape, ", "));
      shape = {shape[0], l.units};
    } else if (l.type == LayerType::kConcatenate) {  // along the last axis, as Keras' default
      for (std::size_t k = 1; k < in.size(); ++k) {
        PMT_THROW_IF(in[k].size() != shape.size() ||
                         !std::equal(shape.begin(), shape.end() - 1, in[k].begin()),
                     kData, "{}: input shapes [{}] and [{}] differ beyond the last axis", where,
                     fmt::join(shape, ", "), fmt::join(in[k], ", "));
        shape.back() += in[k].back();
      }
    } else if (l.type == LayerType::kDot && l.dot_all) {
      PMT_THROW_IF(in.size() != 2 || in[0] != in[1], kData, "{}: needs two inputs of one shape",
                   where);
      shape = {1};
    } else if (l.type == LayerType::kAdd || l.type == LayerType::kDot) {
      for (std::size_t k = 1; k < in.size(); ++k)
        PMT_THROW_IF(in[k] != shape, kData, "{}: input shapes [{}] and [{}] differ", where,
                     fmt::join(shape, ", "), fmt::join(in[k], ", "));
      if (l.type == LayerType::kDot) {
        PMT_THROW_IF(in.size() != 2 || shape.size() != 1, kData,
                     "{}: needs two 1-D inputs (Keras Dot(axes=1))", where);
        shape = {1};
      }
    }
    PMT_THROW_IF(!l.name.empty() && !known.emplace(l.name, shape).second, kData,
                 "{}: the name '{}' is already taken", where, l.name);
    out.push_back(shape);
  }
  return out;
}

SubjectSpec load_subject(const fs::path& path) {
  return parse_subject(io::read_json(path), path.string());
}

fs::path builtin_subject_path(const std::string& name) {
  try {
    return io::find_data_file("subjects/" + name + ".json");
  } catch (const Error&) {
    std::vector<std::string> names;
    std::error_code ec;
    try {
      for (const auto& e : fs::directory_iterator(io::find_data_file("subjects"), ec))
        if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
    } catch (const Error&) {
    }
    std::sort(names.begin(), names.end());
    PMT_THROW(kUsage, "unknown model '{}' (built-in subjects: {}; or pass --subject FILE)", name,
              join_names(names));
  }
}

json to_json(const SubjectSpec& s) {
  const bool graph = !is_stack(s);
  json layers = json::array();
  for (const auto& l : s.layers) {
    json lj{{"type", to_string(l.type)}};
    if (graph) lj["name"] = l.name, lj["inputs"] = l.inputs;
    if (l.dot_all) lj["axes"] = "all";
    if (l.type == LayerType::kEmbedding) {
      lj["input_dim"] = l.input_dim;
      lj["output_dim"] = l.units;
      lj["embeddings_initializer"] = l.kernel_initializer;
      lj["embeddings_regularizer"] = l.kernel_regularizer;
      if (l.kernel_regularizer != "none") lj["l1"] = l.l1, lj["l2"] = l.l2;
    }
    if (l.type == LayerType::kActivation) lj["activation"] = to_string(l.activation);
    if (l.type == LayerType::kConv2d || l.type == LayerType::kDense) {
      lj[l.type == LayerType::kDense ? "units" : "filters"] = l.units;
      if (l.type == LayerType::kConv2d) lj["kernel_size"] = l.kernel;
      lj["activation"] = to_string(l.activation);
      lj["kernel_initializer"] = l.kernel_initializer;
      if (l.kernel_stddev > 0) lj["kernel_stddev"] = l.kernel_stddev;
      lj["bias_initializer"] = l.bias_initializer;
      lj["use_bias"] = l.use_bias;
      lj["kernel_regularizer"] = l.kernel_regularizer;
      if (l.kernel_regularizer != "none") lj["l1"] = l.l1, lj["l2"] = l.l2;
    } else if (l.type == LayerType::kMaxPool2d) {
      lj["pool_size"] = l.kernel;
    } else if (l.type == LayerType::kDropout) {
      lj["rate"] = l.rate;
    }
    layers.push_back(lj);
  }
  json opt{{"name", s.optimizer.name}, {"learning_rate", s.optimizer.learning_rate}};
  for (const auto& [k, v] : s.optimizer.params) opt[k] = v;
  json j{{"name", s.name},         {"dataset", s.dataset},       {"num_classes", s.num_classes},
         {"scale", s.scale},       {"layers", layers},           {"loss", to_string(s.loss)},
         {"optimizer", opt},       {"batch_size", s.batch_size}, {"epochs", s.epochs},
         {"patience", s.patience}, {"metric", s.metric}};
  j["validation"] = to_string(s.validation);
  if (s.task != Task::kClassification) {
    j.erase("num_classes");
    j["task"] = to_string(s.task);
    j["outputs"] = s.num_classes;
    j["classes"] = s.classes;
  }
  if (s.data.format != "idx") {
    json data{{"format", s.data.format}, {"inputs", s.data.inputs}, {"targets", s.data.targets}};
    if (!s.data.file.empty()) data["file"] = s.data.file;
    j["data"] = data;
  }
  if (s.eval_batch_size != SubjectSpec{}.eval_batch_size) j["eval_batch_size"] = s.eval_batch_size;
  for (const auto& [op, search] : s.mutation_search) {
    json sj = json::object();
    if (search.from != 0) sj["from"] = search.from;
    if (search.to != 0) sj["to"] = search.to;
    if (search.precision != 0) sj["precision"] = search.precision;
    if (!search.values.empty()) sj["values"] = search.values;
    j["mutation_search"][op] = sj;
  }
  if (graph) {
    json inputs = json::array();
    for (const auto& in : s.inputs)
      inputs.push_back({{"name", in.name}, {"shape", in.shape}, {"scale", in.scale}});
    j["inputs"] = inputs;
  } else {
    j["input_shape"] = s.input_shape;
  }
  if (!s.mutation_layers.empty()) j["mutation_layers"] = s.mutation_layers;
  return j;
}

}  // namespace pmt::model
