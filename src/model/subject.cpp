// Subject specs: the names, the metric, stacks and fusion, shape inference, built-in subjects and
// the spec written back as JSON (see subject.hpp); the reader is spec_reader.cpp.
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
#include "spec_names.hpp"

namespace pmt::model {

namespace fs = std::filesystem;
using nlohmann::json;

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
const std::vector<std::string>& deepcrime_activation_names() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> names = activation_names();
    names.resize(static_cast<std::size_t>(Activation::kLinear) + 1);  // elu .. linear
    return names;
  }();
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

Metric parse_metric(const std::string& text) {
  if (text == "accuracy" || text == "loss") return {text, 0};
  for (const char* kind : {"angle_below", "abs_error_below"}) {
    const std::string prefix = std::string(kind) + "_";
    if (text.rfind(prefix, 0) != 0) continue;
    const std::string number = text.substr(prefix.size());
    const double v = io::to_double(number).value_or(-1);
    PMT_THROW_IF(!(v > 0) || !std::isfinite(v), kData,
                 "metric '{}': the threshold must be a number > 0", io::shorten(text));
    return {kind, v};
  }
  PMT_THROW(
      kData,
      "unknown metric '{}' (valid: accuracy, loss, angle_below_<degrees>, abs_error_below_<x>)",
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

bool is_recurrent(LayerType t) {
  return t == LayerType::kLstm || t == LayerType::kGru || t == LayerType::kSimpleRnn;
}

bool activates(LayerType t) {
  return t == LayerType::kDense || t == LayerType::kConv2d || t == LayerType::kConv1d ||
         t == LayerType::kDepthwiseConv2d || t == LayerType::kSeparableConv2d ||
         t == LayerType::kConv2dTranspose || t == LayerType::kActivation;
}

bool has_kernel(LayerType t) {
  return (activates(t) && t != LayerType::kActivation) || is_recurrent(t);
}

Activation output_activation(const SubjectSpec& spec) {
  const LayerSpec& l = spec.layers.back();
  return activates(l.type) ? l.activation : Activation::kLinear;
}

std::vector<std::int64_t> keras_shape(const std::vector<std::int64_t>& s) {
  return s.size() == 3 ? std::vector<std::int64_t>{s[1], s[2], s[0]} : s;
}
std::vector<std::int64_t> pmt_shape(const std::vector<std::int64_t>& k) {
  return k.size() == 3 ? std::vector<std::int64_t>{k[2], k[0], k[1]} : k;
}

std::string fusion_blocker(const SubjectSpec& spec) {
  if (!is_stack(spec))
    return "a graph subject (several inputs or merge layers): fused layers cover stacks";
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& l = spec.layers[i];
    const LayerType t = l.type;
    if (t != LayerType::kConv2d && t != LayerType::kDense && t != LayerType::kMaxPool2d &&
        t != LayerType::kDropout && t != LayerType::kFlatten && t != LayerType::kActivation)
      return fmt::format("layer {} ({}) has no fused form yet", i, to_string(t));
    const std::array<int, 2> stride = t == LayerType::kConv2d ? std::array<int, 2>{1, 1} : l.kernel;
    if ((t == LayerType::kConv2d || t == LayerType::kMaxPool2d) &&
        (l.padding != Padding::kValid || l.strides != stride || l.dilation != std::array{1, 1} ||
         l.groups != 1))
      return fmt::format(
          "layer {} ({}) with strides, padding, dilation or groups has no fused form yet", i,
          to_string(t));
  }
  const auto shapes = infer_shapes(spec);
  for (std::size_t i = 0; i < spec.layers.size(); ++i)
    if (spec.layers[i].type == LayerType::kDense && shapes[i].size() > 1)
      return fmt::format("layer {} (dense) on a sequence has no fused form yet", i);
  if (spec.patience > 0 && !spec.validation.none())
    return "early stopping: instances stop at different epochs";
  return "";
}

int concat_axis(int keras_axis, std::size_t rank) {
  const int r = static_cast<int>(rank);
  int k = keras_axis < 0 ? keras_axis + r : keras_axis - 1;  // 0-based, channels-last
  if (k < 0 || k >= r) return r;                             // no such axis
  return rank == 3 ? (k + 1) % 3 : k;                        // Keras' (H, W, C) is pmt's (C, H, W)
}

WindowAxis window_axis(std::int64_t in, int kernel, int stride, int dilation, Padding padding,
                       int pad) {
  const std::int64_t span = std::int64_t{kernel - 1} * dilation + 1;  // the dilated window
  WindowAxis a;
  if (padding == Padding::kSame) {
    a.out = (in + stride - 1) / stride;
    const std::int64_t total = std::max<std::int64_t>((a.out - 1) * stride + span - in, 0);
    a.before = total / 2;
    a.after = total - a.before;
    return a;
  }
  if (padding == Padding::kExplicit) a.before = a.after = pad;
  const std::int64_t padded = in + a.before + a.after;
  a.out = padded < span ? 0 : (padded - span) / stride + 1;
  return a;
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
    const auto check_groups = [&](std::int64_t in_channels) {
      PMT_THROW_IF(in_channels % l.groups != 0, kData,
                   "{}: its {} input channels do not split into {} groups", where, in_channels,
                   l.groups);
    };
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
    const bool merge = l.type == LayerType::kConcatenate || l.type == LayerType::kAdd ||
                       l.type == LayerType::kSubtract || l.type == LayerType::kMultiply ||
                       l.type == LayerType::kAverage || l.type == LayerType::kMaximum ||
                       l.type == LayerType::kMinimum || l.type == LayerType::kDot;
    PMT_THROW_IF(!merge && in.size() != 1, kData, "{}: reads {} inputs, expected one", where,
                 in.size());
    PMT_THROW_IF(merge && in.size() < 2, kData, "{}: needs at least two inputs", where);
    Shape shape = in[0];
    const bool window = l.type == LayerType::kConv2d || l.type == LayerType::kMaxPool2d ||
                        l.type == LayerType::kAveragePool2d ||
                        l.type == LayerType::kDepthwiseConv2d ||
                        l.type == LayerType::kSeparableConv2d;
    if (window || l.type == LayerType::kGlobalAveragePool2d ||
        l.type == LayerType::kGlobalMaxPool2d || l.type == LayerType::kConv2dTranspose)
      PMT_THROW_IF(shape.size() != 3, kData,
                   "{}: needs a [channels, height, width] input, got [{}]", where,
                   fmt::join(shape, ", "));
    if (window) {
      const WindowAxis h =
          window_axis(shape[1], l.kernel[0], l.strides[0], l.dilation[0], l.padding, l.pad[0]);
      const WindowAxis w =
          window_axis(shape[2], l.kernel[1], l.strides[1], l.dilation[1], l.padding, l.pad[1]);
      const bool dilated = l.dilation != std::array{1, 1};
      PMT_THROW_IF(h.out < 1 || w.out < 1, kData, "{}: {} {}x{}{} is larger than its {}{}x{} input",
                   where, l.type == LayerType::kConv2d ? "kernel" : "pool", l.kernel[0],
                   l.kernel[1],
                   dilated ? fmt::format(" (dilated {}x{})", (l.kernel[0] - 1) * l.dilation[0] + 1,
                                         (l.kernel[1] - 1) * l.dilation[1] + 1)
                           : "",
                   l.padding == Padding::kExplicit ? "padded " : "", shape[1] + h.before + h.after,
                   shape[2] + w.before + w.after);
      if (l.type == LayerType::kConv2d) check_groups(shape[0]);
      const std::int64_t channels =
          l.type == LayerType::kConv2d || l.type == LayerType::kSeparableConv2d ? l.units
          : l.type == LayerType::kDepthwiseConv2d ? shape[0] * l.depth_multiplier
                                                  : shape[0];
      shape = {channels, h.out, w.out};
    } else if (l.type == LayerType::kConv2dTranspose) {
      // Keras' deconv_output_length: "same" in * stride, "valid" in * stride + max(span - stride,
      // 0); with output_padding (in - 1) stride + span - 2 pad + output_padding, pad = span / 2
      // ("same") or 0
      for (std::size_t a = 0; a < 2; ++a) {
        const std::int64_t span = std::int64_t{l.kernel[a] - 1} * l.dilation[a] + 1;
        const bool padded = l.output_padding[a] >= 0;
        const std::int64_t grow =
            padded ? span - l.strides[a] - (l.padding == Padding::kSame ? span / 2 * 2 : 0) +
                         l.output_padding[a]
            : l.padding == Padding::kSame ? 0
                                          : std::max<std::int64_t>(span - l.strides[a], 0);
        PMT_THROW_IF(__builtin_mul_overflow(shape[a + 1], l.strides[a], &shape[a + 1]) ||
                         shape[a + 1] + grow > (std::int64_t{1} << 40),
                     kData, "{}: the output size overflows", where);
        const std::int64_t in_size = shape[a + 1] / l.strides[a];
        shape[a + 1] += grow;
        // TF's conv2d_transpose: the output must be one whose convolution is the input
        PMT_THROW_IF(padded && window_axis(shape[a + 1], l.kernel[a], l.strides[a], l.dilation[a],
                                           l.padding, 0)
                                       .out != in_size,
                     kData,
                     "{}: output_padding {} makes {} {}, which a stride-{} convolution does not "
                     "take back to {} (TF refuses it; an even kernel with \"same\" needs no "
                     "output_padding)",
                     where, l.output_padding[a], shape[a + 1], a == 0 ? "rows" : "columns",
                     l.strides[a], in_size);
      }
      shape[0] = l.units;
    } else if (l.type == LayerType::kLayerNormalization) {
      PMT_THROW_IF(shape.empty() || shape.size() > 3, kData,
                   "{}: needs a [features], [steps, channels] or [channels, height, width] input, "
                   "got [{}]",
                   where, fmt::join(shape, ", "));
    } else if (l.type == LayerType::kZeroPadding1d || l.type == LayerType::kCropping1d) {
      PMT_THROW_IF(shape.size() != 2, kData, "{}: needs a [steps, channels] input, got [{}]", where,
                   fmt::join(shape, ", "));
      const auto& m = l.margins;
      PMT_THROW_IF(l.type == LayerType::kCropping1d && shape[0] <= m[0] + m[1], kData,
                   "{}: cropping {}+{} steps leaves nothing of its {} steps", where, m[0], m[1],
                   shape[0]);
      shape[0] += l.type == LayerType::kZeroPadding1d ? m[0] + m[1] : -(m[0] + m[1]);
    } else if (l.type == LayerType::kReshape || l.type == LayerType::kPermute) {
      // over Keras' channels-last axes
      const Shape k = keras_shape(shape);
      std::int64_t n = 1;
      for (auto d : k)
        PMT_THROW_IF(__builtin_mul_overflow(n, d, &n), kData,
                     "{}: [{}] holds more values than 64 bits count", where, fmt::join(k, ", "));
      Shape target;
      if (l.type == LayerType::kPermute) {
        PMT_THROW_IF(l.dims.size() != k.size(), kData, "{}: dims [{}] do not permute [{}]", where,
                     fmt::join(l.dims, ", "), fmt::join(k, ", "));
        for (int d : l.dims) target.push_back(k[static_cast<std::size_t>(d - 1)]);
      } else {
        target = l.target_shape;
        std::int64_t known_size = 1;
        for (auto d : target)
          if (d > 0 && __builtin_mul_overflow(known_size, d, &known_size)) known_size = -1;
        const auto free = std::find(target.begin(), target.end(), -1);
        if (free != target.end() && known_size > 0 && n % known_size == 0) *free = n / known_size;
        PMT_THROW_IF(free == target.end() ? known_size != n : known_size <= 0 || n % known_size,
                     kData, "{}: cannot reshape [{}] (Keras' order, {} values) to [{}]", where,
                     fmt::join(k, ", "), n, fmt::join(l.target_shape, ", "));
      }
      shape = pmt_shape(target);
    } else if (l.type == LayerType::kGlobalAveragePool2d || l.type == LayerType::kGlobalMaxPool2d) {
      shape = {shape[0]};
    } else if (l.type == LayerType::kConv1d || l.type == LayerType::kMaxPool1d ||
               l.type == LayerType::kAveragePool1d || l.type == LayerType::kGlobalAveragePool1d ||
               l.type == LayerType::kGlobalMaxPool1d) {
      // sequences are [steps, channels], Keras' layout (as embedding and lstm)
      PMT_THROW_IF(shape.size() != 2, kData, "{}: needs a [steps, channels] input, got [{}]", where,
                   fmt::join(shape, ", "));
      if (l.type == LayerType::kGlobalAveragePool1d || l.type == LayerType::kGlobalMaxPool1d) {
        shape = {shape[1]};
      } else {
        const WindowAxis a =
            window_axis(shape[0], l.kernel[0], l.strides[0], l.dilation[0], l.padding, l.pad[0]);
        PMT_THROW_IF(
            a.out < 1, kData, "{}: {} {}{} is larger than its {}{} steps", where,
            l.type == LayerType::kConv1d ? "kernel" : "pool", l.kernel[0],
            l.dilation[0] > 1 ? fmt::format(" (dilated {})", (l.kernel[0] - 1) * l.dilation[0] + 1)
                              : "",
            l.padding == Padding::kExplicit ? "padded " : "", shape[0] + a.before + a.after);
        if (l.type == LayerType::kConv1d) check_groups(shape[1]);
        shape = {a.out, l.type == LayerType::kConv1d ? l.units : shape[1]};
      }
    } else if (l.type == LayerType::kZeroPadding2d || l.type == LayerType::kCropping2d ||
               l.type == LayerType::kUpSampling2d || l.type == LayerType::kResizing) {
      PMT_THROW_IF(shape.size() != 3, kData,
                   "{}: needs a [channels, height, width] input, got [{}]", where,
                   fmt::join(shape, ", "));
      const auto& m = l.margins;
      if (l.type == LayerType::kZeroPadding2d) {
        shape = {shape[0], shape[1] + m[0] + m[1], shape[2] + m[2] + m[3]};
      } else if (l.type == LayerType::kCropping2d) {
        PMT_THROW_IF(shape[1] <= m[0] + m[1] || shape[2] <= m[2] + m[3], kData,
                     "{}: cropping {}+{} rows and {}+{} columns leaves nothing of its {}x{} input",
                     where, m[0], m[1], m[2], m[3], shape[1], shape[2]);
        shape = {shape[0], shape[1] - m[0] - m[1], shape[2] - m[2] - m[3]};
      } else if (l.type == LayerType::kResizing) {
        shape = {shape[0], l.kernel[0], l.kernel[1]};
      } else {
        PMT_THROW_IF(__builtin_mul_overflow(shape[1], l.kernel[0], &shape[1]) ||
                         __builtin_mul_overflow(shape[2], l.kernel[1], &shape[2]),
                     kData, "{}: the upsampled size overflows", where);
      }
    } else if (is_recurrent(l.type)) {
      PMT_THROW_IF(shape.size() != 2, kData, "{}: needs a [steps, features] input, got [{}]", where,
                   fmt::join(shape, ", "));
      const std::int64_t units = l.bidirectional == "concat" ? 2 * l.units : l.units;
      shape = l.return_sequences ? Shape{shape[0], units} : Shape{units};
    } else if (l.type == LayerType::kBatchNormalization) {
      PMT_THROW_IF(shape.empty() || shape.size() > 3, kData,
                   "{}: needs a [features], [steps, channels] or [channels, height, width] input, "
                   "got [{}]",
                   where, fmt::join(shape, ", "));
    } else if (l.type == LayerType::kDense) {
      // a [steps, features] input: each step's features (Keras' Dense on a sequence, which is
      // TimeDistributed(Dense))
      PMT_THROW_IF(shape.size() > 2, kData,
                   "{}: needs a flat input, got [{}] (add a flatten layer before it)", where,
                   fmt::join(shape, ", "));
      PMT_THROW_IF(l.time_distributed && shape.size() != 2, kData,
                   "{}: time_distributed needs a [steps, features] input, got [{}]", where,
                   fmt::join(shape, ", "));
      shape.back() = l.units;
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
    } else if (l.type == LayerType::kConcatenate) {  // along Keras' axis (-1: the channels)
      const auto a = static_cast<std::size_t>(concat_axis(l.axis, shape.size()));
      PMT_THROW_IF(a >= shape.size(), kData, "{}: axis {} is not an axis of its [{}] inputs", where,
                   l.axis, fmt::join(shape, ", "));
      for (std::size_t k = 1; k < in.size(); ++k) {
        bool same = in[k].size() == shape.size();
        for (std::size_t d = 0; same && d < shape.size(); ++d)
          same = d == a || in[k][d] == shape[d];
        PMT_THROW_IF(!same, kData, "{}: input shapes [{}] and [{}] differ beyond axis {}", where,
                     fmt::join(shape, ", "), fmt::join(in[k], ", "), l.axis);
        shape[a] += in[k][a];
      }
    } else if (l.type == LayerType::kDot && l.dot_all) {
      PMT_THROW_IF(in.size() != 2 || in[0] != in[1], kData, "{}: needs two inputs of one shape",
                   where);
      shape = {1};
    } else if (merge) {  // add, subtract, multiply, average, maximum, minimum, dot
      PMT_THROW_IF(l.type == LayerType::kSubtract && in.size() != 2, kData,
                   "{}: subtracts two inputs, got {}", where, in.size());
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
    if (l.type == LayerType::kConcatenate && l.axis != -1) lj["axis"] = l.axis;
    if (l.type == LayerType::kRescaling) lj["scale"] = l.rescale, lj["offset"] = l.offset;
    if (l.type == LayerType::kZeroPadding2d || l.type == LayerType::kCropping2d)
      lj[l.type == LayerType::kZeroPadding2d ? "padding" : "cropping"] = {
          {l.margins[0], l.margins[1]}, {l.margins[2], l.margins[3]}};
    if (l.type == LayerType::kUpSampling2d) lj["size"] = l.kernel;
    if (l.type == LayerType::kResizing) lj["height"] = l.kernel[0], lj["width"] = l.kernel[1];
    if (l.type == LayerType::kUpSampling2d || l.type == LayerType::kResizing)
      lj["interpolation"] = l.bilinear ? "bilinear" : "nearest";
    if (l.type == LayerType::kEmbedding) {
      lj["input_dim"] = l.input_dim;
      lj["output_dim"] = l.units;
      lj["embeddings_initializer"] = l.kernel_initializer;
      lj["embeddings_regularizer"] = l.kernel_regularizer;
      if (l.kernel_regularizer != "none") lj["l1"] = l.l1, lj["l2"] = l.l2;
    }
    if (l.type == LayerType::kActivation) lj["activation"] = to_string(l.activation);
    if (activates(l.type) && l.activation == Activation::kLeakyRelu) lj["alpha"] = l.alpha;
    if (l.type == LayerType::kZeroPadding1d) lj["padding"] = {l.margins[0], l.margins[1]};
    if (l.type == LayerType::kCropping1d) lj["cropping"] = {l.margins[0], l.margins[1]};
    if (l.type == LayerType::kReshape) lj["target_shape"] = l.target_shape;
    if (l.type == LayerType::kPermute) lj["dims"] = l.dims;
    if (l.type == LayerType::kLayerNormalization)
      lj["epsilon"] = l.epsilon, lj["center"] = l.center, lj["scale"] = l.scale;
    // a window layer's geometry where it is not Keras' default
    const bool one = l.type == LayerType::kConv1d || l.type == LayerType::kMaxPool1d ||
                     l.type == LayerType::kAveragePool1d;
    const auto size = [&](std::array<int, 2> v) { return one ? json(v[0]) : json(v); };
    const auto window = [&](std::array<int, 2> default_strides) {
      if (l.strides != default_strides) lj["strides"] = size(l.strides);
      if (l.dilation != std::array{1, 1}) lj["dilation_rate"] = size(l.dilation);
      if (l.padding == Padding::kSame) lj["padding"] = "same";
      if (l.padding == Padding::kExplicit) lj["padding"] = size(l.pad);
    };
    if (activates(l.type) && l.type != LayerType::kActivation) {
      const bool depthwise = l.type == LayerType::kDepthwiseConv2d;
      const bool two_kernels = depthwise || l.type == LayerType::kSeparableConv2d;
      if (!depthwise) lj[l.type == LayerType::kDense ? "units" : "filters"] = l.units;
      if (l.type != LayerType::kDense) lj["kernel_size"] = size(l.kernel), window({1, 1});
      if (l.groups != 1) lj["groups"] = l.groups;
      if (l.output_padding[0] >= 0) lj["output_padding"] = l.output_padding;
      if (two_kernels) lj["depth_multiplier"] = l.depth_multiplier;
      if (l.type == LayerType::kSeparableConv2d)
        lj["pointwise_initializer"] = l.pointwise_initializer;
      lj["activation"] = to_string(l.activation);
      lj[two_kernels ? "depthwise_initializer" : "kernel_initializer"] = l.kernel_initializer;
      if (l.kernel_stddev > 0) lj["kernel_stddev"] = l.kernel_stddev;
      lj["bias_initializer"] = l.bias_initializer;
      lj["use_bias"] = l.use_bias;
      lj[two_kernels ? "depthwise_regularizer" : "kernel_regularizer"] = l.kernel_regularizer;
      if (l.kernel_regularizer != "none") lj["l1"] = l.l1, lj["l2"] = l.l2;
    } else if (l.type == LayerType::kMaxPool2d || l.type == LayerType::kAveragePool2d ||
               l.type == LayerType::kMaxPool1d || l.type == LayerType::kAveragePool1d) {
      lj["pool_size"] = size(l.kernel);
      window(l.kernel);
    } else if (l.type == LayerType::kDropout) {
      lj["rate"] = l.rate;
    } else if (is_recurrent(l.type)) {
      lj["units"] = l.units;
      lj["activation"] = to_string(l.activation);
      if (l.type != LayerType::kSimpleRnn)
        lj["recurrent_activation"] = to_string(l.recurrent_activation);
      if (!l.bidirectional.empty()) lj["bidirectional"] = l.bidirectional;
      lj["use_bias"] = l.use_bias;
      lj["kernel_initializer"] = l.kernel_initializer;
      lj["recurrent_initializer"] = l.recurrent_initializer;
      lj["bias_initializer"] = l.bias_initializer;
      if (l.type != LayerType::kSimpleRnn)
        lj[l.type == LayerType::kLstm ? "unit_forget_bias" : "reset_after"] =
            l.type == LayerType::kLstm ? l.unit_forget_bias : l.reset_after;
      lj["return_sequences"] = l.return_sequences;
      lj["kernel_regularizer"] = l.kernel_regularizer;
      if (l.kernel_regularizer != "none") lj["l1"] = l.l1, lj["l2"] = l.l2;
    } else if (l.type == LayerType::kBatchNormalization) {
      lj["convention"] = l.pytorch ? "pytorch" : "keras";
      lj["momentum"] = l.momentum;
      lj["epsilon"] = l.epsilon;
      lj["center"] = l.center;
      lj["scale"] = l.scale;
    }
    if (l.time_distributed) {  // the wrapper holds the name and inputs
      json wrapper{{"type", "time_distributed"}};
      for (const char* key : {"name", "inputs"})
        if (lj.contains(key)) wrapper[key] = lj[key], lj.erase(key);
      wrapper["layer"] = lj;
      lj = wrapper;
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
  if (s.restore_best_weights) j["restore_best_weights"] = true;
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
