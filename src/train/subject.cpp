// Subject specs: JSON <-> SubjectSpec, name checks, shape inference (see subject.hpp).
#include "pmt/train/subject.hpp"

#include <algorithm>
#include <climits>
#include <limits>
#include <set>
#include <type_traits>

#include "pmt/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/io/number.hpp"
#include "pmt/io/settings.hpp"

namespace pmt::train {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string>& layer_types() {
  static const std::vector<std::string> v{"conv2d", "max_pool2d", "dropout", "flatten", "dense"};
  return v;
}
const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> v{"elu",          "softmax",     "selu",  "softplus",
                                          "softsign",     "relu",        "tanh",  "sigmoid",
                                          "hard_sigmoid", "exponential", "linear"};
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
  static const std::vector<std::string> v{"mean_squared_error",
                                          "mean_absolute_error",
                                          "mean_absolute_percentage_error",
                                          "mean_squared_logarithmic_error",
                                          "squared_hinge",
                                          "hinge",
                                          "categorical_hinge",
                                          "logcosh",
                                          "huber_loss",
                                          "categorical_crossentropy",
                                          "binary_crossentropy",
                                          "kullback_leibler_divergence",
                                          "poisson"};
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

std::string layer_where(std::size_t i, const std::string& type) {
  return fmt::format("layer {} ({})", i, type);
}

}  // namespace

SubjectSpec parse_subject(const json& j, const std::string& origin) {
  check_keys(
      origin, "subject", j,
      {"name", "source", "description", "dataset", "input_shape", "num_classes", "scale", "layers",
       "loss", "optimizer", "batch_size", "epochs", "validation", "patience", "metric"});
  SubjectSpec s;
  s.name = get<std::string>(origin, "subject", j, "name", fs::path(origin).stem().string());
  s.dataset = get<std::string>(origin, "subject", j, "dataset", "");
  PMT_THROW_IF(s.dataset.empty(), kData, "{}: missing \"dataset\"", origin);
  if (j.contains("input_shape") && j["input_shape"].is_array())
    for (const auto& d : j["input_shape"])
      s.input_shape.push_back(
          io::json_integer(d, origin + ": input_shape", ErrorKind::kData, INT64_MIN, INT64_MAX));
  else
    s.input_shape = get<std::vector<std::int64_t>>(origin, "subject", j, "input_shape", {});
  PMT_THROW_IF(s.input_shape.size() != 3 && s.input_shape.size() != 1, kData,
               "{}: input_shape must be [channels, height, width] or [features]", origin);
  for (auto d : s.input_shape)
    PMT_THROW_IF(d <= 0, kData, "{}: input_shape must be positive", origin);
  s.num_classes = get<int>(origin, "subject", j, "num_classes", 10);
  PMT_THROW_IF(s.num_classes < 2, kData, "{}: num_classes must be >= 2", origin);
  s.scale = get<double>(origin, "subject", j, "scale", 255.0);
  PMT_THROW_IF(!(s.scale > 0), kData, "{}: scale must be > 0", origin);
  s.loss = get<std::string>(origin, "subject", j, "loss", "categorical_crossentropy");
  check_name(origin, "loss", "loss", s.loss, loss_names());
  s.batch_size = get<int>(origin, "subject", j, "batch_size", 32);
  PMT_THROW_IF(s.batch_size < 1, kData, "{}: batch_size must be >= 1", origin);
  s.epochs = get<int>(origin, "subject", j, "epochs", 1);
  PMT_THROW_IF(s.epochs < 1, kData, "{}: epochs must be >= 1", origin);
  s.patience = get<int>(origin, "subject", j, "patience", 0);
  PMT_THROW_IF(s.patience < 0, kData, "{}: patience must be >= 0", origin);
  s.metric = get<std::string>(origin, "subject", j, "metric", "accuracy");
  check_name(origin, "metric", "metric", s.metric, {"accuracy"});
  if (j.contains("validation") && j["validation"].is_number()) {
    s.validation = fmt::format("{}", j["validation"].get<double>());
  } else {
    s.validation = get<std::string>(origin, "subject", j, "validation", "none");
  }
  if (s.validation != "none" && s.validation != "test") {
    const double f = io::to_double(s.validation).value_or(-1);
    PMT_THROW_IF(!(f > 0 && f < 1), kData,
                 "{}: validation must be \"none\", \"test\" or a fraction in (0, 1), got '{}'",
                 origin, io::shorten(s.validation));
  }
  PMT_THROW_IF(s.patience > 0 && s.validation == "none", kData,
               "{}: early stopping (patience {}) needs validation data", origin, s.patience);

  const json opt = j.value("optimizer", json::object());
  check_keys(origin, "optimizer", opt,
             {"name", "learning_rate", "rho", "epsilon", "beta_1", "beta_2", "momentum", "nesterov",
              "initial_accumulator_value", "schedule_decay"});
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
    l.type = get<std::string>(origin, fmt::format("layer {}", i), lj, "type", "");
    check_name(origin, fmt::format("layer {}", i), "layer type", l.type, layer_types());
    const std::string where = layer_where(i, l.type);
    if (l.type == "conv2d" || l.type == "dense") {
      check_keys(origin, where, lj,
                 {"type", l.type == "dense" ? "units" : "filters", "kernel_size", "activation",
                  "kernel_initializer", "bias_initializer", "use_bias"});
      PMT_THROW_IF(l.type == "dense" && lj.contains("kernel_size"), kData,
                   "{}: {}: dense has no kernel_size", origin, where);
      l.units = get<int>(origin, where, lj, l.type == "dense" ? "units" : "filters", 0);
      PMT_THROW_IF(l.units < 1, kData, "{}: {}: {} must be >= 1", origin, where,
                   l.type == "dense" ? "units" : "filters");
      l.kernel = get_pair(origin, where, lj, "kernel_size", {3, 3});
      l.activation = get<std::string>(origin, where, lj, "activation", "linear");
      check_name(origin, where, "activation", l.activation, activation_names());
      l.kernel_initializer =
          get<std::string>(origin, where, lj, "kernel_initializer", "glorot_uniform");
      check_name(origin, where, "initialiser", l.kernel_initializer, initializer_names());
      l.bias_initializer = get<std::string>(origin, where, lj, "bias_initializer", "zeros");
      check_name(origin, where, "initialiser", l.bias_initializer, initializer_names());
      l.use_bias = get<bool>(origin, where, lj, "use_bias", true);
    } else if (l.type == "max_pool2d") {
      check_keys(origin, where, lj, {"type", "pool_size"});
      l.kernel = get_pair(origin, where, lj, "pool_size", {2, 2});
    } else if (l.type == "dropout") {
      check_keys(origin, where, lj, {"type", "rate"});
      l.rate = get<double>(origin, where, lj, "rate", 0.5);
      PMT_THROW_IF(!(l.rate >= 0 && l.rate <= 1), kData, "{}: {}: rate must be in [0, 1]", origin,
                   where);
    } else {
      check_keys(origin, where, lj, {"type"});
    }
    PMT_THROW_IF(l.kernel[0] < 1 || l.kernel[1] < 1, kData, "{}: {}: sizes must be >= 1", origin,
                 where);
    s.layers.push_back(l);
    ++i;
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

std::vector<std::vector<std::int64_t>> infer_shapes(const SubjectSpec& spec) {
  std::vector<std::vector<std::int64_t>> out;
  std::vector<std::int64_t> shape = spec.input_shape;
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& l = spec.layers[i];
    const std::string where = layer_where(i, l.type);
    if (l.type == "conv2d" || l.type == "max_pool2d") {
      PMT_THROW_IF(shape.size() != 3, kData,
                   "{}: needs a [channels, height, width] input, got [{}]", where,
                   fmt::join(shape, ", "));
      PMT_THROW_IF(shape[1] < l.kernel[0] || shape[2] < l.kernel[1], kData,
                   "{}: window {}x{} does not fit its {}x{} input", where, l.kernel[0], l.kernel[1],
                   shape[1], shape[2]);
      if (l.type == "conv2d") {
        shape = {l.units, shape[1] - l.kernel[0] + 1, shape[2] - l.kernel[1] + 1};
      } else {
        shape = {shape[0], shape[1] / l.kernel[0], shape[2] / l.kernel[1]};
      }
    } else if (l.type == "dense") {
      PMT_THROW_IF(shape.size() != 1, kData,
                   "{}: needs a flat input, got [{}] (add a flatten layer before it)", where,
                   fmt::join(shape, ", "));
      shape = {l.units};
    } else if (l.type == "flatten") {
      std::int64_t n = 1;
      for (auto d : shape)
        PMT_THROW_IF(__builtin_mul_overflow(n, d, &n), kData,
                     "{}: [{}] holds more values than 64 bits count", where,
                     fmt::join(shape, ", "));
      shape = {n};
    }
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
  json layers = json::array();
  for (const auto& l : s.layers) {
    json lj{{"type", l.type}};
    if (l.type == "conv2d" || l.type == "dense") {
      lj[l.type == "dense" ? "units" : "filters"] = l.units;
      if (l.type == "conv2d") lj["kernel_size"] = l.kernel;
      lj["activation"] = l.activation;
      lj["kernel_initializer"] = l.kernel_initializer;
      lj["bias_initializer"] = l.bias_initializer;
      lj["use_bias"] = l.use_bias;
    } else if (l.type == "max_pool2d") {
      lj["pool_size"] = l.kernel;
    } else if (l.type == "dropout") {
      lj["rate"] = l.rate;
    }
    layers.push_back(lj);
  }
  json opt{{"name", s.optimizer.name}, {"learning_rate", s.optimizer.learning_rate}};
  for (const auto& [k, v] : s.optimizer.params) opt[k] = v;
  json j{{"name", s.name},
         {"dataset", s.dataset},
         {"input_shape", s.input_shape},
         {"num_classes", s.num_classes},
         {"scale", s.scale},
         {"layers", layers},
         {"loss", s.loss},
         {"optimizer", opt},
         {"batch_size", s.batch_size},
         {"epochs", s.epochs},
         {"patience", s.patience},
         {"metric", s.metric}};
  j["validation"] = s.validation;
  return j;
}

}  // namespace pmt::train
