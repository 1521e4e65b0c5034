// Keras model configs -> pmt subject specs (importer.hpp): the model graph flattened (nested
// models in place), each Keras layer mapped onto a spec layer, the training config onto the
// spec's training section. Keras 2.0-2.15 (tf.keras) and Keras 3 spellings both; unknown keys are
// ignored, as Keras' own from_config ignores keys of other versions.
#include "keras.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pmt/core/error.hpp"
#include "pmt/io/names.hpp"
#include "pmt/model/subject.hpp"

namespace pmt::importer::detail {

using nlohmann::json;

namespace {

constexpr int kMaxModelDepth = 16;  // nested models inside nested models
constexpr std::size_t kMaxLayers = 100000;

// Keras' class names for one kind of layer (Keras 3 aliases included).
bool is_model_class(const std::string& c) {
  return c == "Sequential" || c == "Functional" || c == "Model";
}

std::string to_snake_case(const std::string& name) {
  // keras.src.utils.naming.to_snake_case: drop non-word characters, "_" before each capitalised
  // word and between a lower-case letter and a capital, then lower-case
  std::string s;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') s += c;
  std::string a;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && std::isupper(static_cast<unsigned char>(s[i])) && i + 1 < s.size() &&
        std::islower(static_cast<unsigned char>(s[i + 1])))
      a += '_';
    a += s[i];
  }
  std::string b;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i > 0 && std::islower(static_cast<unsigned char>(a[i - 1])) &&
        std::isupper(static_cast<unsigned char>(a[i])))
      b += '_';
    b += static_cast<char>(std::tolower(static_cast<unsigned char>(a[i])));
  }
  // the first rule can double an underscore already there ("A_Bc"): Keras keeps it; so do we
  return b;
}

}  // namespace

// ---- one layer's config ------------------------------------------------------------------

Cfg::Cfg(const json& j, std::string where, std::string name)
    : j_(j), where_(std::move(where)), name_(std::move(name)) {
  PMT_THROW_IF(!j.is_object(), kData, "{}: its config is not an object", where_);
}

bool Cfg::has(const char* key) const { return j_.contains(key) && !j_.at(key).is_null(); }

const json& Cfg::raw(const char* key) const {
  static const json null;
  return j_.contains(key) ? j_.at(key) : null;
}

double Cfg::number(const char* key, double fallback) const {
  if (!has(key)) return fallback;
  const json& v = j_.at(key);
  PMT_THROW_IF(!v.is_number() || !std::isfinite(v.get<double>()), kData,
               "{}: '{}' must be a finite number", where_, key);
  return v.get<double>();
}

int Cfg::integer(const char* key, int fallback, int lo, int hi) const {
  if (!has(key)) return fallback;
  const json& v = j_.at(key);
  PMT_THROW_IF(!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi,
               kData, "{}: '{}' must be an integer in {}..{}", where_, key, lo, hi);
  return v.get<int>();
}

bool Cfg::flag(const char* key, bool fallback) const {
  if (!has(key)) return fallback;
  PMT_THROW_IF(!j_.at(key).is_boolean(), kData, "{}: '{}' must be true or false", where_, key);
  return j_.at(key).get<bool>();
}

std::string Cfg::text(const char* key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  PMT_THROW_IF(!j_.at(key).is_string(), kData, "{}: '{}' must be a string", where_, key);
  return j_.at(key).get<std::string>();
}

std::vector<int> Cfg::ints(const char* key, std::size_t n, int fallback) const {
  if (!has(key)) return std::vector<int>(n, fallback);
  const json& v = j_.at(key);
  const auto one = [&](const json& e) {
    PMT_THROW_IF(
        !e.is_number_integer() || e.get<std::int64_t>() < 1 || e.get<std::int64_t>() > (1 << 20),
        kData, "{}: '{}' must hold integers in 1..{}", where_, key, 1 << 20);
    return e.get<int>();
  };
  if (!v.is_array()) return std::vector<int>(n, one(v));
  PMT_THROW_IF(v.size() != n && v.size() != 1, kData, "{}: '{}' must hold {} integers", where_, key,
               n);
  std::vector<int> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(one(v[v.size() == 1 ? 0 : i]));
  return out;
}

void Cfg::unsupported(const std::string& what) const { PMT_THROW(kUsage, "{}: {}", where_, what); }

// ---- the converter ---------------------------------------------------------------------------

Converter::Converter(std::string origin, const Options& options, std::string keras_version)
    : origin_(std::move(origin)), options_(options), version_(std::move(keras_version)) {
  keras3_ = !version_.empty() && version_[0] == '3';
}

void Converter::note(const std::string& text) {
  if (std::find(notes_.begin(), notes_.end(), text) == notes_.end()) notes_.push_back(text);
}

std::string Converter::unique_name(const std::string& wanted) {
  std::string name = wanted.empty() ? "layer" : wanted;
  for (int k = 1; names_.count(name); ++k) name = fmt::format("{}_{}", wanted, k);
  names_.insert(name);
  return name;
}

// Keras' activation (a name, or a {class_name, config} object) as a spec activation.
std::string Converter::activation(const json& value, const Cfg& where, json* layer) {
  std::string name = value.is_null() ? "linear" : "";
  if (value.is_string()) name = value.get<std::string>();
  if (value.is_object()) {
    // Keras 3 serialises its own activations as names; an object is a custom function or an
    // Activation-like layer object
    const std::string c = value.value("class_name", "");
    name = c == "function" ? value.value("config", "") : to_snake_case(c);
  }
  if (name == "silu") name = "swish";
  if (name == "hard_silu" || name == "hard_swish")
    where.unsupported(fmt::format("activation '{}' has no pmt equivalent", name));
  if (name == "hard_sigmoid" && keras3_)
    note(
        fmt::format("{}: hard_sigmoid is Keras 2's clip(0.2 x + 0.5, 0, 1); Keras 3's is "
                    "relu6(x + 3) / 6",
                    where.where()));
  if (name == "leaky_relu" && layer) (*layer)["alpha"] = 0.2;  // keras.activations.leaky_relu
  const auto& valid = model::activation_names();
  if (std::find(valid.begin(), valid.end(), name) == valid.end())
    where.unsupported(fmt::format("activation '{}' is not one pmt has (it has {})",
                                  io::shorten(name.empty() ? value.dump() : name),
                                  model::join_names(valid)));
  return name;
}

// Keras' initializer object (Keras 2: VarianceScaling and friends; Keras 3: GlorotUniform...) as
// a spec initialiser name; approximations noted. `key` names the field.
std::string Converter::initializer(const Cfg& cfg, const char* key, const std::string& fallback,
                                   double* stddev) {
  const json& v = cfg.raw(key);
  if (v.is_null()) return fallback;
  std::string cls;
  json config = json::object();
  if (v.is_string()) {
    cls = v.get<std::string>();  // Keras 1/2 shorthand ("glorot_uniform", "uniform")
  } else if (v.is_object()) {
    cls = v.value("class_name", "");
    if (v.contains("config") && v["config"].is_object()) config = v["config"];
  }
  const std::string snake = to_snake_case(cls);
  if (snake == "variance_scaling") {
    const double scale = config.value("scale", 1.0);
    const std::string mode = config.value("mode", "fan_in");
    std::string dist = config.value("distribution", "truncated_normal");
    if (dist == "normal") dist = "truncated_normal";  // Keras 2.0's spelling of the same
    const std::string family = mode == "fan_avg" && scale == 1.0  ? "glorot"
                               : mode == "fan_in" && scale == 2.0 ? "he"
                               : mode == "fan_in" && scale == 1.0 ? "lecun"
                                                                  : "";
    if (!family.empty() && (dist == "uniform" || dist == "truncated_normal"))
      return family + (dist == "uniform" ? "_uniform" : "_normal");
    note(fmt::format("{}: {} VarianceScaling(scale {}, {}, {}) has no pmt name: {} instead",
                     cfg.where(), key, scale, mode, dist, fallback));
    return fallback;
  }
  static const std::map<std::string, std::string> kNames{{"zeros", "zeros"},
                                                         {"zero", "zeros"},
                                                         {"ones", "ones"},
                                                         {"one", "ones"},
                                                         {"constant", "constant"},
                                                         {"random_normal", "random_normal"},
                                                         {"normal", "random_normal"},
                                                         {"random_uniform", "random_uniform"},
                                                         {"uniform", "random_uniform"},
                                                         {"truncated_normal", "truncated_normal"},
                                                         {"orthogonal", "orthogonal"},
                                                         {"glorot_uniform", "glorot_uniform"},
                                                         {"glorot_normal", "glorot_normal"},
                                                         {"he_normal", "he_normal"},
                                                         {"he_uniform", "he_uniform"},
                                                         {"lecun_normal", "lecun_normal"},
                                                         {"lecun_uniform", "lecun_uniform"}};
  const auto it = kNames.find(snake);
  if (it == kNames.end()) {
    note(fmt::format("{}: {} '{}' has no pmt name: {} instead", cfg.where(), key,
                     io::shorten(cls.empty() ? v.dump() : cls), fallback));
    return fallback;
  }
  const std::string& name = it->second;
  const bool non_default =
      (name == "random_uniform" &&
       (config.value("minval", -0.05) != -0.05 || config.value("maxval", 0.05) != 0.05)) ||
      (name == "constant" && config.value("value", 0.0) != 0.0) ||
      (name == "orthogonal" && config.value("gain", 1.0) != 1.0) ||
      ((name == "random_normal" || name == "truncated_normal") && config.value("mean", 0.0) != 0.0);
  if ((name == "random_normal" || name == "truncated_normal") && config.contains("stddev") &&
      config["stddev"].is_number()) {
    if (stddev)
      *stddev = config["stddev"].get<double>();
    else if (config["stddev"].get<double>() != 0.05)
      note(fmt::format("{}: {}'s stddev {} is not modelled (0.05)", cfg.where(), key,
                       config["stddev"].get<double>()));
  }
  if (non_default)
    note(fmt::format("{}: {} {} with non-default arguments: Keras' defaults instead", cfg.where(),
                     key, cls));
  return name;
}

// The kernel regulariser into the layer; other regularisers and constraints noted.
void Converter::regularizers(const Cfg& cfg, const char* key, json& layer, const char* out_key) {
  const json& v = cfg.raw(key);
  if (v.is_object()) {
    std::string cls = to_snake_case(v.value("class_name", ""));
    if (cls == "l1l2") cls = "l1_l2";
    const json config = v.value("config", json::object());
    const auto factor = [&](const char* k) {
      const json f = config.is_object() ? config.value(k, json(0.0)) : json(0.0);
      PMT_THROW_IF(!f.is_number() || !(f.get<double>() >= 0) || !std::isfinite(f.get<double>()),
                   kData, "{}: {}'s {} must be a number >= 0", cfg.where(), key, k);
      return f.get<double>();
    };
    if (cls == "l1_l2" || cls == "l1" || cls == "l2") {
      const double l1 = cls == "l2" ? 0.0 : factor("l1");
      const double l2 = cls == "l1" ? 0.0 : factor("l2");
      if (l1 > 0 || l2 > 0) {
        layer[out_key] = l1 > 0 && l2 > 0 ? "l1_l2" : l1 > 0 ? "l1" : "l2";
        layer["l1"] = l1;
        layer["l2"] = l2;
      }
    } else {
      cfg.unsupported(fmt::format("{} '{}' is not one pmt has (L1, L2, L1L2)", key,
                                  io::shorten(v.value("class_name", v.dump()))));
    }
  }
  for (const char* other : {"bias_regularizer", "activity_regularizer", "recurrent_regularizer",
                            "pointwise_regularizer", "beta_regularizer", "gamma_regularizer"})
    if (cfg.has(other) && std::string(other) != key)
      note(fmt::format("{}: its {} is not modelled", cfg.where(), other));
  for (const char* c :
       {"kernel_constraint", "bias_constraint", "depthwise_constraint", "pointwise_constraint",
        "recurrent_constraint", "beta_constraint", "gamma_constraint", "embeddings_constraint"})
    if (cfg.has(c)) note(fmt::format("{}: its {} is not modelled", cfg.where(), c));
}

// Keras' padding name of a window layer.
std::string padding_of(const Cfg& cfg) {
  const std::string p = cfg.text("padding", "valid");
  if (p == "causal")
    cfg.unsupported(
        "padding 'causal' is not supported (valid and same are): pad the steps with "
        "a zero_padding1d layer before it");
  PMT_THROW_IF(p != "valid" && p != "same", kData, "{}: unknown padding '{}'", cfg.where(),
               io::shorten(p));
  return p;
}

void channels_last(const Cfg& cfg) {
  const std::string f = cfg.text("data_format", "channels_last");
  if (f != "channels_last")
    cfg.unsupported(fmt::format(
        "data_format '{}' is not supported: pmt imports channels_last models (Keras' default)",
        io::shorten(f)));
}

// The pmt layer of a Keras layer class; `weights` gets the Keras variables it has, in order.
json Converter::map_layer(const std::string& cls, const Cfg& cfg, std::vector<std::string>& vars) {
  json l = json::object();
  const bool bias = cfg.flag("use_bias", true);
  const auto dense_like = [&](const char* type, const char* units_key) {
    l["type"] = type;
    l[units_key == std::string("units") ? "units" : "filters"] =
        cfg.integer(units_key, 0, 1, 1 << 24);
    l["activation"] = activation(cfg.raw("activation"), cfg, &l);
    l["use_bias"] = bias;
  };
  const auto window = [&](std::size_t rank, bool conv) {
    channels_last(cfg);
    const char* size_key = conv ? "kernel_size" : "pool_size";
    const std::vector<int> size = cfg.ints(size_key, rank, 2);
    l[conv ? "kernel_size" : "pool_size"] = size;
    if (conv || cfg.has("strides")) l["strides"] = cfg.ints("strides", rank, 1);
    if (conv) {
      const std::vector<int> d = cfg.ints("dilation_rate", rank, 1);
      if (std::any_of(d.begin(), d.end(), [](int x) { return x != 1; })) l["dilation_rate"] = d;
    }
    l["padding"] = padding_of(cfg);
  };
  const auto kernel_fields = [&](const char* init_key, const char* reg_key) {
    double stddev = 0;
    l[init_key] = initializer(cfg, init_key, "glorot_uniform", &stddev);
    if (stddev > 0) l["kernel_stddev"] = stddev;
    l["bias_initializer"] = initializer(cfg, "bias_initializer", "zeros");
    regularizers(cfg, reg_key, l, reg_key);
  };
  if (cls == "Dense") {
    dense_like("dense", "units");
    kernel_fields("kernel_initializer", "kernel_regularizer");
    vars = {"kernel"};
  } else if (cls == "Conv2D" || cls == "Conv1D" || cls == "Conv2DTranspose" ||
             cls == "Convolution2D" || cls == "Convolution1D") {
    const bool one = cls == "Conv1D" || cls == "Convolution1D";
    const bool transpose = cls == "Conv2DTranspose";
    dense_like(one ? "conv1d" : transpose ? "conv2d_transpose" : "conv2d", "filters");
    window(one ? 1 : 2, true);
    if (!one) l["kernel_size"] = cfg.ints("kernel_size", 2, 1);
    const int groups = cfg.integer("groups", 1, 1, 1 << 16);
    if (groups != 1) l["groups"] = groups;
    if (transpose && cfg.has("output_padding"))
      l["output_padding"] = cfg.ints("output_padding", 2, 0);
    kernel_fields("kernel_initializer", "kernel_regularizer");
    vars = {"kernel"};
  } else if (cls == "DepthwiseConv2D" || cls == "SeparableConv2D") {
    const bool separable = cls == "SeparableConv2D";
    if (separable)
      dense_like("separable_conv2d", "filters");
    else {
      l["type"] = "depthwise_conv2d";
      l["activation"] = activation(cfg.raw("activation"), cfg, &l);
      l["use_bias"] = bias;
    }
    window(2, true);
    l["depth_multiplier"] = cfg.integer("depth_multiplier", 1, 1, 1 << 16);
    double stddev = 0;
    l["depthwise_initializer"] =
        initializer(cfg, "depthwise_initializer", "glorot_uniform", &stddev);
    if (stddev > 0) l["kernel_stddev"] = stddev;
    if (separable)
      l["pointwise_initializer"] = initializer(cfg, "pointwise_initializer", "glorot_uniform");
    l["bias_initializer"] = initializer(cfg, "bias_initializer", "zeros");
    regularizers(cfg, "depthwise_regularizer", l, "depthwise_regularizer");
    vars = separable ? std::vector<std::string>{"depthwise_kernel", "pointwise_kernel"}
                     : std::vector<std::string>{"depthwise_kernel"};
  } else if (cls == "MaxPooling2D" || cls == "MaxPool2D" || cls == "AveragePooling2D" ||
             cls == "AvgPool2D" || cls == "MaxPooling1D" || cls == "MaxPool1D" ||
             cls == "AveragePooling1D" || cls == "AvgPool1D") {
    const bool max = cls.rfind("Max", 0) == 0;
    const bool one = cls.back() == 'D' && cls[cls.size() - 2] == '1';
    l["type"] = fmt::format("{}_pool{}", max ? "max" : "average", one ? "1d" : "2d");
    window(one ? 1 : 2, false);
  } else if (cls == "GlobalAveragePooling2D" || cls == "GlobalMaxPooling2D" ||
             cls == "GlobalAveragePooling1D" || cls == "GlobalMaxPooling1D" ||
             cls == "GlobalAvgPool2D" || cls == "GlobalMaxPool2D" || cls == "GlobalAvgPool1D" ||
             cls == "GlobalMaxPool1D") {
    channels_last(cfg);
    if (cfg.flag("keepdims", false))
      cfg.unsupported("keepdims=True is not supported (pmt's global pools output a vector)");
    const bool max = cls.find("Max") != std::string::npos;
    l["type"] = fmt::format("global_{}_pool{}", max ? "max" : "average",
                            cls.find("1D") != std::string::npos ? "1d" : "2d");
  } else if (cls == "BatchNormalization") {
    l["type"] = "batch_normalization";
    l["momentum"] = cfg.number("momentum", 0.99);
    l["epsilon"] = cfg.number("epsilon", 1e-3);
    l["center"] = cfg.flag("center", true);
    l["scale"] = cfg.flag("scale", true);
    const json& axis = cfg.raw("axis");
    if (axis.is_array() && axis.size() == 1 && axis[0].is_number_integer() && axis[0] != -1)
      axis_checks_.push_back({layers_.size(), axis[0].get<std::int64_t>()});
    if (!(axis.is_null() || axis.is_number_integer() ||
          (axis.is_array() && axis.size() == 1 && axis[0].is_number_integer())))
      cfg.unsupported("batch normalization over several axes is not supported");
    if (axis.is_number_integer() && axis != -1)
      axis_checks_.push_back({layers_.size(), axis.get<std::int64_t>()});
    if (cfg.flag("renorm", false)) cfg.unsupported("batch renormalization is not supported");
    regularizers(cfg, "", l, "");
    if (l["scale"].get<bool>()) vars.push_back("gamma");
    if (l["center"].get<bool>()) vars.push_back("beta");
    vars.insert(vars.end(), {"moving_mean", "moving_variance"});
  } else if (cls == "LayerNormalization") {
    l["type"] = "layer_normalization";
    const json& axis = cfg.raw("axis");
    if (axis.is_array() && axis.size() == 1 && axis[0].is_number_integer()) {
      if (axis[0] != -1) axis_checks_.push_back({layers_.size(), axis[0].get<std::int64_t>()});
    } else if (axis.is_number_integer()) {
      if (axis != -1) axis_checks_.push_back({layers_.size(), axis.get<std::int64_t>()});
    } else if (!axis.is_null()) {
      cfg.unsupported("layer normalization over several axes is not supported");
    }
    l["epsilon"] = cfg.number("epsilon", 1e-3);
    l["center"] = cfg.flag("center", true);
    l["scale"] = cfg.flag("scale", true);
    if (l["scale"].get<bool>()) vars.push_back("gamma");
    if (l["center"].get<bool>()) vars.push_back("beta");
  } else if (cls == "LSTM" || cls == "GRU" || cls == "SimpleRNN") {
    const bool lstm = cls == "LSTM", gru = cls == "GRU";
    l["type"] = lstm ? "lstm" : gru ? "gru" : "simple_rnn";
    l["units"] = cfg.integer("units", 0, 1, 1 << 20);
    l["activation"] =
        activation(cfg.has("activation") ? cfg.raw("activation") : json("tanh"), cfg, nullptr);
    if (cls != "SimpleRNN")
      l["recurrent_activation"] =
          activation(cfg.has("recurrent_activation") ? cfg.raw("recurrent_activation")
                                                     : json(keras3_ ? "sigmoid" : "hard_sigmoid"),
                     cfg, nullptr);
    l["use_bias"] = bias;
    l["kernel_initializer"] = initializer(cfg, "kernel_initializer", "glorot_uniform");
    l["recurrent_initializer"] = initializer(cfg, "recurrent_initializer", "orthogonal");
    l["bias_initializer"] = initializer(cfg, "bias_initializer", "zeros");
    if (lstm) l["unit_forget_bias"] = cfg.flag("unit_forget_bias", true);
    // reset_after: TF 2's default; Keras 2.0-2.3 had reset_after=False (and said so)
    if (gru) l["reset_after"] = cfg.flag("reset_after", false);
    l["return_sequences"] = cfg.flag("return_sequences", false);
    for (const char* k : {"return_state", "go_backwards", "stateful"})
      if (cfg.flag(k, false)) cfg.unsupported(fmt::format("{}=True is not supported", k));
    if (cfg.number("dropout", 0) > 0 || cfg.number("recurrent_dropout", 0) > 0)
      note(fmt::format("{}: its dropout {} and recurrent_dropout {} are not modelled", cfg.where(),
                       cfg.number("dropout", 0), cfg.number("recurrent_dropout", 0)));
    regularizers(cfg, "kernel_regularizer", l, "kernel_regularizer");
    vars = {"kernel", "recurrent_kernel"};
    if (bias) vars.push_back("bias");
    return l;  // its bias is among vars already
  } else if (cls == "Dropout" || cls == "SpatialDropout1D" || cls == "SpatialDropout2D") {
    l["type"] = "dropout";
    l["rate"] = cfg.number("rate", cfg.number("p", 0.5));
    if (cls != "Dropout")
      note(fmt::format("{}: {} drops whole channels; pmt's dropout drops single values",
                       cfg.where(), cls));
    if (cfg.has("noise_shape"))
      note(fmt::format("{}: its noise_shape is not modelled", cfg.where()));
  } else if (cls == "Flatten") {
    channels_last(cfg);
    l["type"] = "flatten";
  } else if (cls == "Activation") {
    l["type"] = "activation";
    l["activation"] = activation(cfg.raw("activation"), cfg, &l);
  } else if (cls == "ReLU") {
    l["type"] = "activation";
    const double max = cfg.number("max_value", 0), slope = cfg.number("negative_slope", 0);
    if (cfg.number("threshold", 0) != 0) cfg.unsupported("ReLU with a threshold is not supported");
    if (cfg.has("max_value") && max != 6)
      cfg.unsupported(fmt::format("ReLU(max_value={}) is not supported (6 is: relu6)", max));
    if (slope != 0 && cfg.has("max_value"))
      cfg.unsupported("ReLU with both max_value and negative_slope is not supported");
    l["activation"] = cfg.has("max_value") ? "relu6" : slope != 0 ? "leaky_relu" : "relu";
    if (slope != 0) l["alpha"] = slope;
  } else if (cls == "LeakyReLU") {
    l["type"] = "activation";
    l["activation"] = "leaky_relu";
    // Keras 2: alpha (0.3); Keras 3: negative_slope (0.3)
    l["alpha"] = cfg.number("negative_slope", cfg.number("alpha", 0.3));
  } else if (cls == "ELU") {
    if (cfg.number("alpha", 1.0) != 1.0) cfg.unsupported("ELU with alpha != 1 is not supported");
    l["type"] = "activation";
    l["activation"] = "elu";
  } else if (cls == "Softmax") {
    const json& axis = cfg.raw("axis");
    if (!(axis.is_null() || axis == -1))
      cfg.unsupported("Softmax over an axis other than the last is not supported");
    l["type"] = "activation";
    l["activation"] = "softmax";
  } else if (cls == "Embedding") {
    l["type"] = "embedding";
    l["input_dim"] = cfg.integer("input_dim", 0, 1, 1 << 28);
    l["output_dim"] = cfg.integer("output_dim", 0, 1, 1 << 20);
    l["embeddings_initializer"] = initializer(cfg, "embeddings_initializer", "random_uniform");
    regularizers(cfg, "embeddings_regularizer", l, "embeddings_regularizer");
    if (cfg.flag("mask_zero", false))
      note(
          fmt::format("{}: mask_zero is not modelled (index 0 is embedded like any other, and "
                      "later layers see the padded steps)",
                      cfg.where()));
    vars = {"embeddings"};
    return l;
  } else if (cls == "Concatenate") {
    l["type"] = "concatenate";
    l["axis"] = cfg.integer("axis", -1, -8, 8);
  } else if (cls == "Add" || cls == "Subtract" || cls == "Multiply" || cls == "Average" ||
             cls == "Maximum" || cls == "Minimum") {
    l["type"] = to_snake_case(cls);
  } else if (cls == "Rescaling") {
    l["type"] = "rescaling";
    const json& s = cfg.raw("scale");
    const json& o = cfg.raw("offset");
    if ((s.is_array() && s.size() != 1) || (o.is_array() && o.size() != 1))
      cfg.unsupported("per-channel scale or offset is not supported");
    l["scale"] = s.is_array() ? s[0] : json(cfg.number("scale", 1.0));
    l["offset"] = o.is_array() ? o[0] : json(cfg.number("offset", 0.0));
    PMT_THROW_IF(!l["scale"].is_number() || !l["offset"].is_number(), kData,
                 "{}: scale and offset must be numbers", cfg.where());
  } else if (cls == "ZeroPadding2D" || cls == "Cropping2D" || cls == "ZeroPadding1D" ||
             cls == "Cropping1D") {
    const bool padding = cls.rfind("ZeroPadding", 0) == 0;
    channels_last(cfg);
    l["type"] = cls == "ZeroPadding2D" ? "zero_padding2d"
                : cls == "Cropping2D"  ? "cropping2d"
                : padding              ? "zero_padding1d"
                                       : "cropping1d";
    const char* key = padding ? "padding" : "cropping";
    if (cfg.has(key)) l[key] = cfg.raw(key);
  } else if (cls == "UpSampling2D") {
    channels_last(cfg);
    l["type"] = "up_sampling2d";
    l["size"] = cfg.ints("size", 2, 2);
    l["interpolation"] = cfg.text("interpolation", "nearest");
  } else if (cls == "Resizing") {
    l["type"] = "resizing";
    l["height"] = cfg.integer("height", 0, 1, 1 << 16);
    l["width"] = cfg.integer("width", 0, 1, 1 << 16);
    l["interpolation"] = cfg.text("interpolation", "bilinear");
    l["crop_to_aspect_ratio"] = cfg.flag("crop_to_aspect_ratio", false);
  } else if (cls == "Reshape") {
    l["type"] = "reshape";
    l["target_shape"] = cfg.raw("target_shape");
  } else if (cls == "Permute") {
    l["type"] = "permute";
    l["dims"] = cfg.raw("dims");
  } else if (cls == "Lambda") {
    cfg.unsupported(
        "a Lambda layer holds Python code, which pmt cannot read: say what it computes with "
        "--substitute '" +
        cfg.name() +
        "={\"type\": \"rescaling\", \"scale\": 0.00784313725490196, \"offset\": -1}' (x / 127.5 - "
        "1, the usual one) or another pmt layer (docs/import.md)");
  } else if (cls == "TFOpLambda" || cls == "SlicingOpLambda") {
    cfg.unsupported("a TensorFlow operation called on a Keras tensor (" + cls +
                    ") cannot be imported: give its pmt layer with --substitute '" + cfg.name() +
                    "={...}' (docs/import.md)");
  } else {
    cfg.unsupported(fmt::format(
        "'{}' is not a Keras layer pmt knows (a custom class? its Python code cannot be read): "
        "give its pmt layer with --substitute '{}={{\"type\": ...}}' (docs/import.md lists the "
        "layers)",
        io::shorten(cls), cfg.name()));
  }
  if (bias && (l.contains("use_bias")) && !vars.empty()) vars.push_back("bias");
  return l;
}

// ---- the graph -------------------------------------------------------------------------------

namespace {}  // namespace

// [name, node_index, tensor_index] of a Keras 2 inbound entry or a Keras 3 keras_history.
TensorRef tensor_ref(const json& ref, const std::string& where) {
  const auto index = [&](const json& v) {
    PMT_THROW_IF(
        !v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > (1 << 20),
        kData, "{}: a malformed tensor reference {}", where, io::shorten(ref.dump()));
    return v.get<std::size_t>();
  };
  PMT_THROW_IF(!ref.is_array() || ref.size() < 3 || !ref[0].is_string(), kData,
               "{}: a malformed tensor reference {}", where, io::shorten(ref.dump()));
  return {ref[0].get<std::string>(), index(ref[1]), index(ref[2])};
}

// A layer entry's name: its config's, else the entry's (functional models hold both).
std::string name_of(const json& layer) {
  const json config = layer.value("config", json::object());
  if (config.is_object() && config.contains("name") && config["name"].is_string())
    return config["name"];
  const json name = layer.value("name", json());
  return name.is_string() ? name.get<std::string>() : layer.value("class_name", "layer");
}

// An InputLayer's batch shape: Keras 3's batch_shape or Keras 2's batch_input_shape.
json batch_shape_of(const json& config) {
  if (!config.is_object()) return json();
  return config.contains("batch_shape") ? config["batch_shape"]
                                        : config.value("batch_input_shape", json());
}

namespace {

// Keras 3's serialised call arguments: every __keras_tensor__ in them, in order.
void keras_tensors(const json& v, const std::string& where, std::vector<TensorRef>& out,
                   int depth) {
  PMT_THROW_IF(depth > 8, kData, "{}: call arguments nested too deep", where);
  if (v.is_array()) {
    for (const json& e : v) keras_tensors(e, where, out, depth + 1);
  } else if (v.is_object() && v.value("class_name", "") == "__keras_tensor__") {
    const json config = v.value("config", json::object());
    out.push_back(
        tensor_ref(config.is_object() ? config.value("keras_history", json()) : json(), where));
  }
}

}  // namespace

// The Keras tensors a functional layer reads (its one node), in order.
std::vector<TensorRef> Converter::inbound(const json& entry, const std::string& where) {
  const json nodes = entry.value("inbound_nodes", json::array());
  PMT_THROW_IF(!nodes.is_array(), kData, "{}: inbound_nodes is not a list", where);
  if (nodes.empty()) return {};
  if (nodes.size() > 1)
    PMT_THROW(kUsage,
              "{}: the layer is called {} times (shared weights), which pmt's layers cannot be",
              where, nodes.size());
  const json& node = nodes[0];
  std::vector<TensorRef> keys;
  if (node.is_object()) {  // Keras 3: {"args": [...], "kwargs": {...}}
    keras_tensors(node.value("args", json::array()), where, keys, 0);
    const json kwargs = node.value("kwargs", json::object());
    json values = json::array();
    if (kwargs.is_object())
      for (const auto& [k, v] : kwargs.items())
        if (k != "mask" && k != "training") values.push_back(v);
    std::vector<TensorRef> in_kwargs;
    keras_tensors(values, where, in_kwargs, 0);
    PMT_THROW_IF(!in_kwargs.empty(), kUsage,
                 "{}: tensors passed as keyword arguments (initial_state, ...) are not supported",
                 where);
    return keys;
  }
  PMT_THROW_IF(!node.is_array(), kData, "{}: a malformed inbound node", where);
  for (const json& ref : node) {
    keys.push_back(tensor_ref(ref, where));
    if (ref.size() > 3 && ref[3].is_object())
      for (const auto& [k, v] : ref[3].items())
        PMT_THROW_IF(k != "training" && k != "mask" && v.is_array(), kUsage,
                     "{}: the call argument '{}' is not supported", where, io::shorten(k));
  }
  return keys;
}

// The sample shape of an InputLayer (or a first layer's batch_input_shape), in pmt's layout.
std::vector<std::int64_t> Converter::input_shape(const json& batch_shape,
                                                 const std::string& where) {
  PMT_THROW_IF(!batch_shape.is_array() || batch_shape.size() < 2 || batch_shape.size() > 4, kData,
               "{}: the input shape {} is not [batch, ...] of 1 to 3 sample axes", where,
               io::shorten(batch_shape.dump()));
  std::vector<std::int64_t> keras;
  for (std::size_t i = 1; i < batch_shape.size(); ++i) {
    PMT_THROW_IF(batch_shape[i].is_null(), kUsage,
                 "{}: axis {} of the input has no fixed size (None): pmt trains fixed-size "
                 "inputs; save the model with a fixed input shape",
                 where, i);
    PMT_THROW_IF(!batch_shape[i].is_number_integer() || batch_shape[i].get<std::int64_t>() < 1 ||
                     batch_shape[i].get<std::int64_t>() > (1 << 24),
                 kData, "{}: the input shape {} holds a size that is not 1..{}", where,
                 io::shorten(batch_shape.dump()), 1 << 24);
    keras.push_back(batch_shape[i].get<std::int64_t>());
  }
  return model::pmt_shape(keras);
}

std::string Converter::add_input(const std::string& keras_name, const json& batch_shape,
                                 const std::string& where) {
  json in{
      {"name", unique_name(keras_name)}, {"shape", input_shape(batch_shape, where)}, {"scale", 1}};
  inputs_.push_back(in);
  maps_.push_back(
      {where, fmt::format("input '{}' {}", in["name"].get<std::string>(), in["shape"].dump()), 0});
  return in["name"];
}

// One entry of a model's layer list reading `inputs`: a layer, or a nested model flattened.
std::vector<std::string> Converter::add_layer(const json& entry,
                                              const std::vector<std::string>& inputs,
                                              const Scope& scope, const std::string& weights_key) {
  PMT_THROW_IF(
      !entry.is_object() || !entry.contains("class_name") || !entry["class_name"].is_string(),
      kData, "{}: a layer entry without a class_name", origin_);
  const std::string cls = entry["class_name"];
  const json config = entry.value("config", json::object());
  const std::string keras_name = name_of(entry);
  const std::string where = fmt::format("{}: layer '{}' ({})", origin_,
                                        io::shorten(scope.prefix + keras_name), io::shorten(cls));
  PMT_THROW_IF(layers_.size() >= kMaxLayers, kData, "{}: more than {} layers", origin_, kMaxLayers);
  const std::string top = scope.top.empty() ? keras_name : scope.top;
  if (is_model_class(cls) && !options_.substitutes.count(keras_name)) {
    Scope inner{scope.prefix + keras_name + "/", top, weights_key + "/layers", scope.depth + 1};
    maps_.push_back({where, "(a nested model: its layers follow, flattened)", 0});
    return add_model(entry, inputs, inner);
  }
  json l;
  std::vector<std::string> vars;
  const Cfg cfg(config, where, keras_name);
  if (const auto it = options_.substitutes.find(keras_name); it != options_.substitutes.end()) {
    l = it->second;
    PMT_THROW_IF(!l.is_object() || !l.contains("type"), kUsage,
                 "--substitute {}: expected a pmt layer, {{\"type\": ...}}", keras_name);
    used_substitutes_.insert(keras_name);
    note(fmt::format("{}: substituted by {}", where, l.dump()));
  } else if (cls == "Bidirectional") {
    const json inner = config.value("layer", json::object());
    PMT_THROW_IF(!inner.is_object() || !inner.contains("class_name"), kData,
                 "{}: Bidirectional without its layer", where);
    const std::string inner_cls = inner["class_name"].is_string() ? inner["class_name"] : "";
    if (inner_cls != "LSTM" && inner_cls != "GRU" && inner_cls != "SimpleRNN")
      cfg.unsupported("Bidirectional wraps " + io::shorten(inner_cls) +
                      " (pmt's wraps LSTM, GRU and SimpleRNN)");
    if (config.contains("backward_layer") && !config["backward_layer"].is_null())
      cfg.unsupported("a Bidirectional with its own backward_layer is not supported");
    std::vector<std::string> one;
    l = map_layer(inner_cls, Cfg(inner.value("config", json::object()), where, keras_name), one);
    const json mode = config.value("merge_mode", json("concat"));
    if (!mode.is_string())
      cfg.unsupported("merge_mode None (both sequences returned) is not supported");
    l["bidirectional"] = mode;
    vars = one;
    for (const std::string& v : one) vars.push_back("backward_" + v);
  } else if (cls == "TimeDistributed") {
    const json inner = config.value("layer", json::object());
    if (!inner.is_object() || inner.value("class_name", "") != "Dense")
      cfg.unsupported("TimeDistributed wraps a Dense layer only in pmt");
    json dense =
        map_layer("Dense", Cfg(inner.value("config", json::object()), where, keras_name), vars);
    l = {{"type", "time_distributed"}, {"layer", dense}};
  } else {
    l = map_layer(cls, cfg, vars);
  }
  const std::string name = unique_name(scope.prefix + keras_name);
  l["name"] = name;
  PMT_THROW_IF(inputs.empty(), kData, "{}: the layer reads no tensor", where);
  l["inputs"] = inputs;
  const std::size_t index = layers_.size();
  layers_.push_back(l);
  maps_.push_back({where, fmt::format("layer {}: {}", index, l["type"].get<std::string>()), 0});
  layer_map_.push_back(maps_.size() - 1);
  if (!vars.empty())
    weighted_.push_back({keras_name, cls, index, top, weights_key, vars, maps_.size() - 1});
  return {name};
}

// A model's layers (flattened) reading `given` (empty at the top: its inputs become the
// subject's); returns its outputs, in pmt tensor names.
std::vector<std::string> Converter::add_model(const json& entry,
                                              const std::vector<std::string>& given,
                                              const Scope& scope) {
  PMT_THROW_IF(scope.depth > kMaxModelDepth, kData, "{}: models nested more than {} deep", origin_,
               kMaxModelDepth);
  const std::string cls = entry.value("class_name", "");
  const json config = entry.value("config", json::object());
  // Keras 3 weight groups: <container>/<snake_case(class)[_n]>, numbered per class in order
  std::map<std::string, int> used;
  const auto weights_key = [&](const json& layer) {
    const std::string snake = to_snake_case(layer.value("class_name", ""));
    const int n = used.count(snake) ? ++used[snake] : (used[snake] = 0);
    return fmt::format("{}/{}", scope.weights, n == 0 ? snake : fmt::format("{}_{}", snake, n));
  };
  if (cls == "Sequential") {
    // Keras 2.0-2.2.2: a bare list of layers; later {name, layers}
    const json layers = config.is_array() ? config : config.value("layers", json::array());
    PMT_THROW_IF(!layers.is_array() || layers.empty(), kData,
                 "{}: a Sequential model without layers", origin_);
    std::vector<std::string> current = given;
    for (const json& layer : layers) {
      PMT_THROW_IF(!layer.is_object(), kData, "{}: a layer entry that is not an object", origin_);
      const std::string lcls = layer.value("class_name", "");
      const json lconfig = layer.value("config", json::object());
      const std::string lname = name_of(layer);
      if (lcls == "InputLayer") {
        if (current.empty())
          current = {add_input(lname, batch_shape_of(lconfig),
                               fmt::format("{}: layer '{}' (InputLayer)", origin_, lname))};
        continue;
      }
      if (current.empty()) {
        // the first layer's batch_input_shape (Keras 2), or the model's build_input_shape
        json shape = lconfig.is_object() ? lconfig.value("batch_input_shape", json()) : json();
        if (shape.is_null() && config.is_object())
          shape = config.value("build_input_shape", json());
        if (shape.is_null() && entry.contains("build_config") && entry["build_config"].is_object())
          shape = entry["build_config"].value("input_shape", json());
        PMT_THROW_IF(shape.is_null(), kUsage,
                     "{}: the model does not say its input shape (build it, or give its first "
                     "layer an input_shape, before saving)",
                     origin_);
        current = {add_input("input", shape, fmt::format("{}: the model's input", origin_))};
      }
      current = add_layer(layer, current, scope, weights_key(layer));
    }
    return current;
  }
  PMT_THROW_IF(!is_model_class(cls) || !config.is_object(), kUsage,
               "{}: the model is a '{}', not a Sequential or Functional model", origin_,
               io::shorten(cls));
  const json layers = config.value("layers", json::array());
  PMT_THROW_IF(!layers.is_array() || layers.empty(), kData, "{}: a model without layers", origin_);
  // input_layers / output_layers: [[name, node, tensor], ...] (Keras 3: a single one may be bare)
  const auto refs = [&](const char* key) {
    json v = config.value(key, json::array());
    if (v.is_array() && !v.empty() && v[0].is_string()) v = json::array({v});
    PMT_THROW_IF(!v.is_array() || v.empty(), kData, "{}: the model has no {}", origin_, key);
    std::vector<TensorRef> out;
    for (const json& r : v) out.push_back(tensor_ref(r, origin_));
    return out;
  };
  const std::vector<TensorRef> input_refs = refs("input_layers");
  const std::vector<TensorRef> output_refs = refs("output_layers");
  PMT_THROW_IF(!given.empty() && given.size() != input_refs.size(), kData,
               "{}: a nested model of {} inputs is called on {}", origin_, input_refs.size(),
               given.size());
  std::map<std::string, std::vector<std::string>> made;  // Keras layer -> its pmt tensors
  const auto resolve = [&](const TensorRef& r, const std::string& where) -> const std::string* {
    const auto found = made.find(r.layer);
    if (found == made.end()) return nullptr;
    PMT_THROW_IF(r.node != 0, kUsage,
                 "{}: it reads call {} of layer '{}' (shared layers are not supported)", where,
                 r.node, io::shorten(r.layer));
    PMT_THROW_IF(r.tensor >= found->second.size(), kUsage,
                 "{}: it reads output {} of '{}', which has {}", where, r.tensor,
                 io::shorten(r.layer), found->second.size());
    return &found->second[r.tensor];
  };
  std::vector<const json*> pending;
  for (const json& layer : layers) {
    PMT_THROW_IF(!layer.is_object(), kData, "{}: a layer entry that is not an object", origin_);
    if (layer.value("class_name", "") != "InputLayer") {
      pending.push_back(&layer);
      continue;
    }
    const json lconfig = layer.value("config", json::object());
    const std::string lname = name_of(layer);
    const auto at = std::find_if(input_refs.begin(), input_refs.end(),
                                 [&](const TensorRef& r) { return r.layer == lname; });
    PMT_THROW_IF(at == input_refs.end(), kUsage, "{}: input '{}' is not among the model's inputs",
                 origin_, io::shorten(lname));
    const std::string where = fmt::format("{}: layer '{}' (InputLayer)", origin_, lname);
    made[lname] = {given.empty() ? add_input(lname, batch_shape_of(lconfig), where)
                                 : given[static_cast<std::size_t>(at - input_refs.begin())]};
  }
  // each layer after what it reads (Keras lists them so already; a file need not)
  while (!pending.empty()) {
    bool progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      const json& layer = **it;
      const std::string lname = name_of(layer);
      const std::string where = fmt::format("{}: layer '{}'", origin_, io::shorten(lname));
      const std::vector<TensorRef> reads = inbound(layer, where);
      PMT_THROW_IF(reads.empty(), kData, "{}: the layer reads nothing (no inbound_nodes)", where);
      std::vector<std::string> in;
      for (const TensorRef& r : reads)
        if (const std::string* t = resolve(r, where)) in.push_back(*t);
      if (in.size() < reads.size()) {
        ++it;
        continue;
      }
      PMT_THROW_IF(made.count(lname), kData, "{}: two layers are named '{}'", origin_,
                   io::shorten(lname));
      made[lname] = add_layer(layer, in, scope, weights_key(layer));
      it = pending.erase(it);
      progress = true;
    }
    PMT_THROW_IF(!progress, kData, "{}: layer '{}' reads a tensor that no layer makes", origin_,
                 io::shorten(name_of(*pending.front())));
  }
  std::vector<std::string> outputs;
  for (const TensorRef& r : output_refs) {
    const std::string* t = resolve(r, origin_);
    PMT_THROW_IF(!t, kData, "{}: the output '{}' is made by no layer", origin_,
                 io::shorten(r.layer));
    outputs.push_back(*t);
  }
  return outputs;
}

}  // namespace pmt::importer::detail
