// ONNX models -> pmt subject specs (importer.hpp), read with Debian's libonnx protobuf classes.
// The graph is walked in its (topological) node order; each value is either a pmt tensor in a
// known layout relative to ONNX's (the same NCHW / [batch, ...] layout; a sequence transposed to
// [seq, batch, feat] for a recurrent op; a recurrent op's [1, batch, hidden] state; a global
// pool's [batch, C, 1, 1]), a constant, or a symbolic shape (the batch size unknown) as exporters
// compute them for reshapes and initial states. Ops map onto spec layers; an op or attribute
// that has no spec equivalent is a usage error naming the node.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>

#include "keras.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/names.hpp"
#include "pmt/model/subject.hpp"

namespace pmt::importer::detail {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::uintmax_t kMaxModelBytes = std::uintmax_t{2} << 30;  // protobuf's own limit
constexpr double kMaxElements = 1e9;

// A constant (an initializer or a Constant node): its shape and values as doubles.
struct Const {
  std::vector<std::int64_t> dims;
  std::vector<double> values;
  bool loaded = true;  // false: an external initializer not read (no --weights)
};

// How an ONNX value relates to a pmt tensor.
enum class Layout {
  kSame,      // [batch, <pmt sample shape>]
  kSeqFirst,  // [seq, batch, feat] of a pmt [seq, feat]
  kLead1,     // [1, batch, ...]: a recurrent op's last state
  kRnnY,      // [seq, 1, batch, hidden]: a recurrent op's sequence output
  kVec11,     // [batch, C, 1, 1] of a pmt vector [C]: a global pool's output
  kNhwc       // [batch, H, W, C] of a pmt image [C, H, W]: TensorFlow's layout (tf2onnx,
              // keras2onnx transpose to NCHW around the convolutions)
};

struct Value {
  enum class Kind { kTensor, kConst, kDims, kZeros } kind = Kind::kTensor;
  std::string tensor;  // pmt tensor name
  Layout layout = Layout::kSame;
  std::vector<std::int64_t> shape;  // pmt sample shape
  Const constant;
  std::vector<std::optional<std::int64_t>> dims;  // kDims / kZeros: nullopt = the batch size
  bool scalar = false;                            // a rank-0 kDims
};

std::string attr_name(const onnx::NodeProto& n) {
  return fmt::format("node '{}' ({})", io::shorten(n.name().empty() ? n.output(0) : n.name()),
                     io::shorten(n.op_type()));
}

const onnx::AttributeProto* find_attr(const onnx::NodeProto& n, const char* name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

std::int64_t attr_int(const onnx::NodeProto& n, const char* name, std::int64_t fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->i() : fallback;
}
double attr_float(const onnx::NodeProto& n, const char* name, double fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->f() : fallback;
}
std::vector<std::int64_t> attr_ints(const onnx::NodeProto& n, const char* name) {
  const auto* a = find_attr(n, name);
  return a ? std::vector<std::int64_t>(a->ints().begin(), a->ints().end())
           : std::vector<std::int64_t>{};
}
std::string attr_string(const onnx::NodeProto& n, const char* name, const std::string& fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->s() : fallback;
}

class OnnxConverter {
 public:
  OnnxConverter(std::string origin, fs::path dir, const Options& options)
      : origin_(std::move(origin)), dir_(std::move(dir)), options_(options) {}
  Imported convert(const onnx::ModelProto& model);

 private:
  [[noreturn]] void unsupported(const onnx::NodeProto& n, const std::string& what) const {
    PMT_THROW(kUsage, "{}: {}: {}", origin_, attr_name(n), what);
  }
  Const read_tensor(const onnx::TensorProto& t, bool load);
  void read_external(const onnx::TensorProto& t, std::size_t count, std::size_t element,
                     std::string& bytes);
  const Value& value(const onnx::NodeProto& n, int k);
  bool has_input(const onnx::NodeProto& n, int k) const {
    return n.input_size() > k && !n.input(k).empty();
  }
  const Const& constant(const onnx::NodeProto& n, int k, bool need_values = true);
  // Adds a layer reading `in`; its output shape as pmt infers it. Returns its name.
  std::string add_layer(const onnx::NodeProto& n, json layer, const std::vector<std::string>& in);
  std::vector<std::int64_t> shape_of(const std::string& tensor) const;
  Value tensor(const std::string& name, Layout layout = Layout::kSame) const {
    Value v;
    v.tensor = name;
    v.layout = layout;
    v.shape = shape_of(name);
    return v;
  }
  // The pmt tensor of input k in the layout `want` (usage error otherwise).
  const Value& tensor_input(const onnx::NodeProto& n, int k, Layout want = Layout::kSame);
  void add_weight(std::size_t layer, const std::string& param, std::vector<std::int64_t> shape,
                  std::vector<float> data);
  void node(const onnx::NodeProto& n);
  void conv(const onnx::NodeProto& n);
  void gemm(const onnx::NodeProto& n, bool matmul);
  void pool(const onnx::NodeProto& n);
  void recurrent(const onnx::NodeProto& n);
  void activation(const onnx::NodeProto& n, const std::string& name, double alpha = 0);
  void binary(const onnx::NodeProto& n);
  void shape_op(const onnx::NodeProto& n);
  std::vector<std::optional<std::int64_t>> dims_of(const onnx::NodeProto& n, int k);
  void set(const std::string& name, Value v) { values_[name] = std::move(v); }
  std::vector<float> floats(const Const& c) const {
    return std::vector<float>(c.values.begin(), c.values.end());
  }

  std::string origin_;
  fs::path dir_;
  const Options& options_;
  std::map<std::string, Value> values_;
  std::map<std::string, int> uses_;  // consumers of each value
  std::vector<json> layers_, inputs_;
  std::map<std::string, std::vector<std::int64_t>> shapes_;  // each pmt tensor's sample shape
  std::vector<LayerMap> maps_;
  std::vector<std::string> notes_;
  std::vector<Array> weights_;
  std::set<std::string> names_, graph_outputs_;
  std::int64_t total_ = 0;
  void note_once(const std::string& text) {
    if (std::find(notes_.begin(), notes_.end(), text) == notes_.end()) notes_.push_back(text);
  }
};

Const OnnxConverter::read_tensor(const onnx::TensorProto& t, bool load) {
  Const c;
  double count = 1;
  for (const auto d : t.dims()) {
    PMT_THROW_IF(d < 0, kData, "{}: tensor '{}' has a negative dimension", origin_,
                 io::shorten(t.name()));
    c.dims.push_back(d);
    count *= static_cast<double>(d);
  }
  PMT_THROW_IF(count > kMaxElements, kData, "{}: tensor '{}' declares {:.3g} values, over {:.0e}",
               origin_, io::shorten(t.name()), count, kMaxElements);
  const auto n = static_cast<std::size_t>(count);
  const int type = t.data_type();
  const std::size_t element =
      type == onnx::TensorProto::FLOAT || type == onnx::TensorProto::INT32    ? 4
      : type == onnx::TensorProto::DOUBLE || type == onnx::TensorProto::INT64 ? 8
      : type == onnx::TensorProto::BOOL                                       ? 1
                                                                              : 0;
  PMT_THROW_IF(element == 0, kUsage, "{}: tensor '{}' has data type {}, which pmt does not read",
               origin_, io::shorten(t.name()), type);
  const bool external = t.data_location() == onnx::TensorProto::EXTERNAL;
  if (external && !load) {
    c.loaded = false;
    return c;
  }
  std::string bytes;
  if (external) {
    read_external(t, n, element, bytes);
  } else if (!t.raw_data().empty()) {
    bytes = t.raw_data();
  }
  c.values.reserve(n);
  if (!bytes.empty() || external) {
    PMT_THROW_IF(bytes.size() != n * element, kData,
                 "{}: tensor '{}' holds {} bytes for {} values of {} bytes", origin_,
                 io::shorten(t.name()), bytes.size(), n, element);
    for (std::size_t i = 0; i < n; ++i) {
      const char* p = bytes.data() + i * element;
      double v = 0;
      if (type == onnx::TensorProto::FLOAT) {
        float f;
        std::memcpy(&f, p, 4);
        v = f;
      } else if (type == onnx::TensorProto::DOUBLE) {
        std::memcpy(&v, p, 8);
      } else if (type == onnx::TensorProto::INT64) {
        std::int64_t x;
        std::memcpy(&x, p, 8);
        v = static_cast<double>(x);
      } else if (type == onnx::TensorProto::INT32) {
        std::int32_t x;
        std::memcpy(&x, p, 4);
        v = x;
      } else {
        v = *p != 0;
      }
      c.values.push_back(v);
    }
    return c;
  }
  const auto take = [&](const auto& field) {
    PMT_THROW_IF(static_cast<std::size_t>(field.size()) != n, kData,
                 "{}: tensor '{}' holds {} values for shape [{}]", origin_, io::shorten(t.name()),
                 field.size(), fmt::join(c.dims, ", "));
    for (const auto v : field) c.values.push_back(static_cast<double>(v));
  };
  if (type == onnx::TensorProto::FLOAT)
    take(t.float_data());
  else if (type == onnx::TensorProto::DOUBLE)
    take(t.double_data());
  else if (type == onnx::TensorProto::INT64)
    take(t.int64_data());
  else
    take(t.int32_data());
  return c;
}

// An initializer in an external data file beside the model: location, offset, length.
void OnnxConverter::read_external(const onnx::TensorProto& t, std::size_t count,
                                  std::size_t element, std::string& bytes) {
  std::string location;
  std::uint64_t offset = 0, length = count * element;
  for (const auto& e : t.external_data()) {
    const auto number = [&](const std::string& s) {
      PMT_THROW_IF(
          s.empty() || s.size() > 19 ||
              !std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; }),
          kData, "{}: tensor '{}': external data {} '{}' is not a number", origin_,
          io::shorten(t.name()), e.key(), io::shorten(s));
      return std::stoull(s);
    };
    if (e.key() == "location") location = e.value();
    if (e.key() == "offset") offset = number(e.value());
    if (e.key() == "length") length = number(e.value());
  }
  const fs::path rel(location);
  PMT_THROW_IF(location.empty() || rel.is_absolute() ||
                   std::any_of(rel.begin(), rel.end(), [](const fs::path& p) { return p == ".."; }),
               kData, "{}: tensor '{}': external data location '{}' is not a file beside the model",
               origin_, io::shorten(t.name()), io::shorten(location));
  const fs::path file = dir_ / rel;
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  PMT_THROW_IF(ec, kData, "{}: tensor '{}': its external data file {} cannot be read", origin_,
               io::shorten(t.name()), file.string());
  PMT_THROW_IF(length != count * element || offset > size || length > size - offset, kData,
               "{}: tensor '{}': {} bytes at offset {} of {} ({} bytes) do not hold its {} values",
               origin_, io::shorten(t.name()), length, offset, file.string(), size, count);
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  bytes.resize(length);
  in.read(bytes.data(), static_cast<std::streamsize>(length));
  PMT_THROW_IF(!in, kData, "{}: cannot read {}", origin_, file.string());
}

const Value& OnnxConverter::value(const onnx::NodeProto& n, int k) {
  PMT_THROW_IF(!has_input(n, k), kData, "{}: {}: input {} missing", origin_, attr_name(n), k);
  const auto it = values_.find(n.input(k));
  PMT_THROW_IF(it == values_.end(), kData, "{}: {}: input '{}' is made by no earlier node", origin_,
               attr_name(n), io::shorten(n.input(k)));
  return it->second;
}

const Const& OnnxConverter::constant(const onnx::NodeProto& n, int k, bool need_values) {
  const Value& v = value(n, k);
  if (v.kind != Value::Kind::kConst)
    unsupported(n, fmt::format("input {} must be a constant (an initializer)", k));
  PMT_THROW_IF(need_values && !v.constant.loaded, kData, "{}: {}: its constant is not loaded",
               origin_, attr_name(n));
  return v.constant;
}

std::string OnnxConverter::add_layer(const onnx::NodeProto& n, json layer,
                                     const std::vector<std::string>& in) {
  std::string base = n.name().empty() ? n.output(0) : n.name();
  std::replace(base.begin(), base.end(), ' ', '_');
  while (!base.empty() && base[0] == '/') base = base.substr(1);
  if (base.empty()) base = "layer";
  std::string name = base;
  for (int k = 1; names_.count(name); ++k) name = fmt::format("{}_{}", base, k);
  names_.insert(name);
  // its output shape: pmt's inference on a one-layer graph of its inputs
  json probe{{"name", "probe"},
             {"dataset", "probe"},
             {"task", "regression"},
             {"metric", "loss"},
             {"inputs", json::array()}};
  json files = json::array();
  for (const std::string& t : in) {
    probe["inputs"].push_back({{"name", t}, {"shape", shape_of(t)}});
    files.push_back(t);
  }
  probe["data"] = {{"format", "npy"}, {"inputs", files}, {"targets", "y"}};
  layer["name"] = name;
  layer["inputs"] = in;
  probe["layers"] = {layer};
  std::vector<std::int64_t> shape;
  try {
    shape = model::infer_shapes(model::parse_subject(probe, origin_, false)).back();
  } catch (const Error& e) {
    const std::string what = e.what();
    PMT_THROW(kUsage, "{}: {}: {}", origin_, attr_name(n),
              what.rfind(origin_ + ": ", 0) == 0 ? what.substr(origin_.size() + 2) : what);
  }
  maps_.push_back({fmt::format("{}: {}", origin_, attr_name(n)),
                   fmt::format("layer {}: {}", layers_.size(), layer["type"].get<std::string>()),
                   0});
  layers_.push_back(layer);
  shapes_[name] = shape;
  return name;
}

std::vector<std::int64_t> OnnxConverter::shape_of(const std::string& tensor) const {
  const auto it = shapes_.find(tensor);
  PMT_THROW_IF(it == shapes_.end(), kData, "{}: no tensor '{}'", origin_, tensor);
  return it->second;
}

const Value& OnnxConverter::tensor_input(const onnx::NodeProto& n, int k, Layout want) {
  const Value& v = value(n, k);
  if (v.kind != Value::Kind::kTensor)
    unsupported(n, fmt::format("input {} is a constant; pmt layers read tensors", k));
  if (v.layout != want)
    unsupported(n, fmt::format("its input {} is in a layout pmt cannot map (a {}-D tensor "
                               "transposed or squeezed otherwise than the layers pmt knows)",
                               k, v.shape.size() + 1));
  return v;
}

void OnnxConverter::add_weight(std::size_t layer, const std::string& param,
                               std::vector<std::int64_t> shape, std::vector<float> data) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  maps_.back().parameters += n;
  total_ += n;
  if (options_.weights)
    weights_.push_back(
        {fmt::format("layer{}.{}", layer, param), std::move(shape), std::move(data)});
}

// Conv: conv2d (grouped) or depthwise_conv2d (a group per input channel), with its padding
// (symmetric: the layer's; uneven: a zero_padding2d before it).
void OnnxConverter::conv(const onnx::NodeProto& n) {
  const Value x = tensor_input(n, 0);
  if (x.shape.size() != 3) unsupported(n, "pmt imports 2-D convolutions of [N, C, H, W] tensors");
  const Const& w = constant(n, 1, false);
  if (w.dims.size() != 4) unsupported(n, "pmt imports 2-D convolutions (a 4-D kernel)");
  const std::int64_t c = x.shape[0], out = w.dims[0];
  const std::int64_t group = attr_int(n, "group", 1);
  PMT_THROW_IF(group < 1 || c % group != 0 || out % group != 0 || w.dims[1] * group != c, kData,
               "{}: {}: a kernel of [{}] does not fit {} channels in {} groups", origin_,
               attr_name(n), fmt::join(w.dims, ", "), c, group);
  json l;
  if (group == c && group > 1) {
    l = {{"type", "depthwise_conv2d"}, {"depth_multiplier", out / c}};
  } else {
    l = {{"type", "conv2d"}, {"filters", out}};
    if (group > 1) l["groups"] = group;
  }
  const auto k = attr_ints(n, "kernel_shape");
  if (!k.empty() && (k.size() != 2 || k[0] != w.dims[2] || k[1] != w.dims[3]))
    unsupported(n, "kernel_shape differs from the kernel's");
  l["kernel_size"] = {w.dims[2], w.dims[3]};
  const auto strides = attr_ints(n, "strides");
  const auto dilations = attr_ints(n, "dilations");
  if (!strides.empty()) l["strides"] = strides;
  if (!dilations.empty() && dilations != std::vector<std::int64_t>{1, 1})
    l["dilation_rate"] = dilations;
  std::vector<std::string> in{x.tensor};
  const std::string mode = attr_string(n, "auto_pad", "NOTSET");
  if (mode == "SAME_UPPER") {
    l["padding"] = "same";  // TF's same: the odd row or column after
  } else if (mode == "NOTSET") {
    const auto pads = attr_ints(n, "pads");
    if (!pads.empty()) {
      PMT_THROW_IF(pads.size() != 4, kData, "{}: {}: pads must be 4 numbers", origin_,
                   attr_name(n));
      if (pads[0] == pads[2] && pads[1] == pads[3]) {
        if (pads[0] || pads[1]) l["padding"] = {pads[0], pads[1]};
      } else {
        in = {add_layer(
            n, {{"type", "zero_padding2d"}, {"padding", {{pads[0], pads[2]}, {pads[1], pads[3]}}}},
            in)};
      }
    }
  } else if (mode != "VALID") {
    unsupported(n, "auto_pad " + mode + " is not supported (NOTSET, VALID, SAME_UPPER are)");
  }
  l["use_bias"] = has_input(n, 2);
  const std::string name = add_layer(n, l, in);
  const std::size_t index = layers_.size() - 1;
  add_weight(index, "weight", w.dims,
             options_.weights ? floats(constant(n, 1)) : std::vector<float>{});
  if (has_input(n, 2)) {
    const Const& b = constant(n, 2, false);
    PMT_THROW_IF(b.dims != std::vector<std::int64_t>{out}, kData, "{}: {}: a bias of [{}]", origin_,
                 attr_name(n), fmt::join(b.dims, ", "));
    add_weight(index, "bias", b.dims,
               options_.weights ? floats(constant(n, 2)) : std::vector<float>{});
  }
  set(n.output(0), tensor(name));
}

// Gemm (Y = alpha A B' + beta C, PyTorch's Linear: transB = 1) and MatMul by a constant.
void OnnxConverter::gemm(const onnx::NodeProto& n, bool matmul) {
  const Value x = tensor_input(n, 0);
  if (!matmul && attr_int(n, "transA", 0) != 0) unsupported(n, "transA = 1 is not supported");
  const Const& b = constant(n, 1, false);
  if (b.dims.size() != 2) unsupported(n, "its weights must be a matrix");
  const bool trans = !matmul && attr_int(n, "transB", 0) != 0;
  const std::int64_t in = trans ? b.dims[1] : b.dims[0], out = trans ? b.dims[0] : b.dims[1];
  PMT_THROW_IF(x.shape.back() != in, kData, "{}: {}: {} inputs for a [{}] weight matrix", origin_,
               attr_name(n), x.shape.back(), fmt::join(b.dims, ", "));
  const double alpha = matmul ? 1.0 : attr_float(n, "alpha", 1.0);
  const double beta = matmul ? 1.0 : attr_float(n, "beta", 1.0);
  const bool bias = !matmul && has_input(n, 2);
  const std::string name =
      add_layer(n, {{"type", "dense"}, {"units", out}, {"use_bias", bias}}, {x.tensor});
  const std::size_t index = layers_.size() - 1;
  std::vector<float> w;
  if (options_.weights) {
    const Const& bv = constant(n, 1);
    w.resize(bv.values.size());
    for (std::int64_t o = 0; o < out; ++o)  // LibTorch's (out, in)
      for (std::int64_t i = 0; i < in; ++i)
        w[static_cast<std::size_t>(o * in + i)] = static_cast<float>(
            alpha * bv.values[static_cast<std::size_t>(trans ? o * in + i : i * out + o)]);
  }
  add_weight(index, "weight", {out, in}, std::move(w));
  if (bias) {
    const Const& c = constant(n, 2, false);
    double count = 1;
    for (auto d : c.dims) count *= static_cast<double>(d);
    if (count != static_cast<double>(out))
      unsupported(n, "its bias C must hold one value per output (no other broadcasting)");
    std::vector<float> bv;
    if (options_.weights)
      for (double v : constant(n, 2).values) bv.push_back(static_cast<float>(beta * v));
    add_weight(index, "bias", {out}, std::move(bv));
  }
  set(n.output(0), tensor(name));
}

// MaxPool, AveragePool (symmetric padding; PyTorch's count_include_pad for average pooling).
void OnnxConverter::pool(const onnx::NodeProto& n) {
  const Value x = tensor_input(n, 0);
  if (x.shape.size() != 3) unsupported(n, "pmt imports 2-D pooling of [N, C, H, W] tensors");
  const bool max = n.op_type() == "MaxPool";
  if (attr_int(n, "ceil_mode", 0) != 0) unsupported(n, "ceil_mode = 1 is not supported");
  const auto dil = attr_ints(n, "dilations");
  if (!dil.empty() && dil != std::vector<std::int64_t>{1, 1})
    unsupported(n, "dilated pooling is not supported");
  if (max && n.output_size() > 1 && !n.output(1).empty())
    unsupported(n, "its Indices output is not supported");
  const auto k = attr_ints(n, "kernel_shape");
  PMT_THROW_IF(k.size() != 2, kData, "{}: {}: kernel_shape must be 2 numbers", origin_,
               attr_name(n));
  json l{{"type", max ? "max_pool2d" : "average_pool2d"}, {"pool_size", k}};
  const auto strides = attr_ints(n, "strides");
  l["strides"] = strides.empty() ? std::vector<std::int64_t>{1, 1} : strides;  // ONNX's default 1
  const std::string mode = attr_string(n, "auto_pad", "NOTSET");
  if (mode == "SAME_UPPER") {
    l["padding"] = "same";
  } else if (mode == "NOTSET") {
    const auto pads = attr_ints(n, "pads");
    if (!pads.empty() && std::any_of(pads.begin(), pads.end(), [](auto p) { return p != 0; })) {
      if (pads.size() != 4 || pads[0] != pads[2] || pads[1] != pads[3])
        unsupported(n, "uneven pooling pads are not supported");
      if (!max && attr_int(n, "count_include_pad", 0) == 0)
        unsupported(n,
                    "average pooling that leaves the padding out (count_include_pad = 0) "
                    "is not supported");
      l["padding"] = {pads[0], pads[1]};
    }
  } else if (mode != "VALID") {
    unsupported(n, "auto_pad " + mode + " is not supported");
  }
  set(n.output(0), tensor(add_layer(n, l, {x.tensor})));
}

// An activation: folded into the dense or convolutional layer before it when that layer has no
// activation yet and nothing else reads it, else an activation layer.
void OnnxConverter::activation(const onnx::NodeProto& n, const std::string& name, double alpha) {
  const Value& x = value(n, 0);
  if (x.kind != Value::Kind::kTensor || (x.layout != Layout::kSame && x.layout != Layout::kVec11))
    unsupported(n, "it acts on a tensor layout pmt cannot map");
  if (x.layout == Layout::kSame && !layers_.empty() && layers_.back()["name"] == x.tensor &&
      uses_[n.input(0)] == 1) {
    json& last = layers_.back();
    const std::string type = last["type"];
    if ((type == "dense" || type == "conv2d" || type == "depthwise_conv2d") &&
        last.value("activation", "linear") == "linear" && !graph_outputs_.count(n.input(0))) {
      last["activation"] = name;
      if (name == "leaky_relu") last["alpha"] = alpha;
      maps_.push_back({fmt::format("{}: {}", origin_, attr_name(n)),
                       fmt::format("layer {}'s activation", layers_.size() - 1), 0});
      set(n.output(0), x);
      return;
    }
  }
  json l{{"type", "activation"}, {"activation", name}};
  if (name == "leaky_relu") l["alpha"] = alpha;
  Value out = tensor(add_layer(n, l, {x.tensor}), x.layout);
  set(n.output(0), out);
}

// Add, Sub, Mul, Div: of two tensors of one shape (add, subtract, multiply); with a scalar
// constant, a rescaling; Add of a bias vector to a MatMul's dense, its bias.
void OnnxConverter::binary(const onnx::NodeProto& n) {
  const std::string op = n.op_type();
  const Value& a = value(n, 0);
  const Value& b = value(n, 1);
  const bool ca = a.kind == Value::Kind::kConst, cb = b.kind == Value::Kind::kConst;
  if (!ca && !cb) {
    const Value x = tensor_input(n, 0, a.layout), y = tensor_input(n, 1, a.layout);
    if (x.shape != y.shape || op == "Div" || x.layout != Layout::kSame)
      unsupported(n,
                  "pmt's elementwise layers take two tensors of one shape (no broadcasting, "
                  "no division)");
    const std::string type = op == "Add" ? "add" : op == "Sub" ? "subtract" : "multiply";
    set(n.output(0), tensor(add_layer(n, {{"type", type}}, {x.tensor, y.tensor})));
    return;
  }
  if (ca && cb) unsupported(n, "arithmetic on constants alone is not supported");
  const Value& x = ca ? b : a;
  const Const& c = (ca ? a : b).constant;
  if (x.kind != Value::Kind::kTensor || x.layout != Layout::kSame)
    unsupported(n, "it acts on a tensor layout pmt cannot map");
  PMT_THROW_IF(!c.loaded, kData, "{}: {}: its constant is not loaded", origin_, attr_name(n));
  // a MatMul's bias
  if (op == "Add" && c.values.size() == static_cast<std::size_t>(x.shape.back()) &&
      c.values.size() > 1 && !layers_.empty() && layers_.back()["name"] == x.tensor &&
      layers_.back()["type"] == "dense" && !layers_.back()["use_bias"].get<bool>() &&
      uses_[ca ? n.input(1) : n.input(0)] == 1) {
    layers_.back()["use_bias"] = true;
    add_weight(layers_.size() - 1, "bias", {x.shape.back()}, floats(c));
    set(n.output(0), x);
    return;
  }
  if (c.values.size() != 1)
    unsupported(n, "arithmetic with a constant that is not one number is not supported");
  const double v = c.values[0];
  double scale = 1, offset = 0;
  if (op == "Add") offset = v;
  if (op == "Sub") ca ? (scale = -1, offset = v) : (offset = -v, scale = 1);
  if (op == "Mul") scale = v;
  if (op == "Div") {
    if (ca) unsupported(n, "a constant divided by a tensor is not supported");
    scale = 1 / v;
  }
  set(n.output(0),
      tensor(
          add_layer(n, {{"type", "rescaling"}, {"scale", scale}, {"offset", offset}}, {x.tensor})));
}

// LSTM and GRU (forward, PyTorch's exports: sigmoid and tanh, zero initial states): X in the
// [seq, batch, feat] layout; Y_h (the last state) or Y (every step) used.
void OnnxConverter::recurrent(const onnx::NodeProto& n) {
  const bool lstm = n.op_type() == "LSTM";
  if (attr_int(n, "layout", 0) != 0) unsupported(n, "layout = 1 (batch first) is not supported");
  const Value x = tensor_input(n, 0, Layout::kSeqFirst);
  if (x.shape.size() != 2) unsupported(n, "its input must be a sequence");
  if (attr_string(n, "direction", "forward") != "forward")
    unsupported(n, "only forward recurrent layers are imported (not reverse or bidirectional)");
  if (!attr_ints(n, "activations").empty() && find_attr(n, "activations")->strings_size() > 0) {
    const auto* a = find_attr(n, "activations");
    const std::vector<std::string> want = lstm ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                                               : std::vector<std::string>{"Sigmoid", "Tanh"};
    if (std::vector<std::string>(a->strings().begin(), a->strings().end()) != want)
      unsupported(n, "only the default activations are supported");
  }
  if (find_attr(n, "clip")) unsupported(n, "cell clipping is not supported");
  if (lstm && attr_int(n, "input_forget", 0) != 0) unsupported(n, "input_forget is not supported");
  if (has_input(n, 4)) unsupported(n, "sequence_lens is not supported");
  for (int k : lstm ? std::vector<int>{5, 6} : std::vector<int>{5})
    if (has_input(n, k) && value(n, k).kind != Value::Kind::kZeros)
      unsupported(n, "a non-zero initial state is not supported");
  if (lstm && has_input(n, 7)) unsupported(n, "peepholes are not supported");
  const bool use_y = n.output_size() > 0 && uses_[n.output(0)] > 0;
  const bool use_h = n.output_size() > 1 && uses_[n.output(1)] > 0;
  if (lstm && n.output_size() > 2 && uses_[n.output(2)] > 0)
    unsupported(n, "its cell state output Y_c is not supported");
  if (use_y && use_h) unsupported(n, "both Y and Y_h used is not supported");
  const Const& w = constant(n, 1, false);
  const Const& r = constant(n, 2, false);
  const std::int64_t gates = lstm ? 4 : 3;
  const std::int64_t u = attr_int(n, "hidden_size", r.dims.size() == 3 ? r.dims[2] : 0);
  PMT_THROW_IF(w.dims != std::vector<std::int64_t>({1, gates * u, x.shape[1]}) ||
                   r.dims != std::vector<std::int64_t>({1, gates * u, u}),
               kData, "{}: {}: weights [{}] and [{}] do not fit {} units over {} features", origin_,
               attr_name(n), fmt::join(w.dims, ", "), fmt::join(r.dims, ", "), u, x.shape[1]);
  const bool bias = has_input(n, 3);
  const bool reset_after = !lstm && attr_int(n, "linear_before_reset", 0) != 0;
  if (!lstm && !reset_after && bias)
    note_once(
        "GRU with linear_before_reset = 0: pmt's reset_after=False GRU has one bias; the "
        "recurrent bias is added to the input bias");
  json l{{"type", lstm ? "lstm" : "gru"},
         {"units", u},
         {"use_bias", bias},
         {"return_sequences", use_y},
         {"recurrent_activation", "sigmoid"}};
  if (lstm) l["unit_forget_bias"] = false;
  if (!lstm) l["reset_after"] = reset_after;
  const std::string name = add_layer(n, l, {x.tensor});
  const std::size_t index = layers_.size() - 1;
  // Keras' gate order (i, f, c, o; GRU z, r, h) from ONNX's (i, o, f, c; GRU z, r, h)
  const std::vector<std::int64_t> order =
      lstm ? std::vector<std::int64_t>{0, 2, 3, 1} : std::vector<std::int64_t>{0, 1, 2};
  const auto kernel = [&](const Const& m,
                          std::int64_t cols) {  // (gates u, cols) -> (cols, gates u)
    std::vector<float> out;
    if (!options_.weights) return out;
    out.resize(static_cast<std::size_t>(cols * gates * u));
    for (std::int64_t g = 0; g < gates; ++g)
      for (std::int64_t j = 0; j < u; ++j)
        for (std::int64_t i = 0; i < cols; ++i)
          out[static_cast<std::size_t>(i * gates * u + g * u + j)] =
              static_cast<float>(m.values[static_cast<std::size_t>(
                  (order[static_cast<std::size_t>(g)] * u + j) * cols + i)]);
    return out;
  };
  add_weight(index, "kernel", {x.shape[1], gates * u},
             kernel(constant(n, 1, options_.weights), x.shape[1]));
  add_weight(index, "recurrent_kernel", {u, gates * u},
             kernel(constant(n, 2, options_.weights), u));
  if (bias) {
    const Const& b = constant(n, 3, false);
    PMT_THROW_IF(b.dims != std::vector<std::int64_t>({1, 2 * gates * u}), kData,
                 "{}: {}: a bias of [{}]", origin_, attr_name(n), fmt::join(b.dims, ", "));
    std::vector<float> bv;
    if (options_.weights) {
      const Const& bb = constant(n, 3);
      const auto at = [&](int part, std::int64_t g, std::int64_t j) {
        return bb.values[static_cast<std::size_t>(part * gates * u +
                                                  order[static_cast<std::size_t>(g)] * u + j)];
      };
      for (int part = 0; part < (reset_after ? 2 : 1); ++part)
        for (std::int64_t g = 0; g < gates; ++g)
          for (std::int64_t j = 0; j < u; ++j)
            bv.push_back(
                static_cast<float>(reset_after ? at(part, g, j) : at(0, g, j) + at(1, g, j)));
    }
    add_weight(index, "bias",
               reset_after ? std::vector<std::int64_t>{2, gates * u}
                           : std::vector<std::int64_t>{gates * u},
               std::move(bv));
  }
  if (use_y) set(n.output(0), tensor(name, Layout::kRnnY));
  if (use_h) set(n.output(1), tensor(name, Layout::kLead1));
}

void OnnxConverter::node(const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  PMT_THROW_IF(n.output_size() < 1, kData, "{}: {}: no output", origin_, attr_name(n));
  if (!n.domain().empty() && n.domain() != "ai.onnx")
    unsupported(n, "ops of domain '" + io::shorten(n.domain()) + "' are not supported");
  const auto alias = [&](const Value& v) { set(n.output(0), v); };
  if (op == "Constant") {
    const auto* a = find_attr(n, "value");
    Value v;
    v.kind = Value::Kind::kConst;
    if (a && a->has_t()) {
      v.constant = read_tensor(a->t(), true);
    } else if (const auto* f = find_attr(n, "value_float")) {
      v.constant = {{}, {f->f()}, true};
    } else if (const auto* i = find_attr(n, "value_int")) {
      v.constant = {{}, {static_cast<double>(i->i())}, true};
    } else if (const auto* is = find_attr(n, "value_ints")) {
      v.constant = {{is->ints_size()}, {is->ints().begin(), is->ints().end()}, true};
    } else {
      unsupported(n, "a Constant of this kind is not supported");
    }
    return set(n.output(0), v);
  }
  if (op == "Conv") return conv(n);
  if (op == "Gemm") return gemm(n, false);
  if (op == "MatMul") {
    if (value(n, 1).kind != Value::Kind::kConst)
      unsupported(n, "MatMul of two tensors is not supported (of a tensor by weights is)");
    return gemm(n, true);
  }
  if (op == "MaxPool" || op == "AveragePool") return pool(n);
  if (op == "LSTM" || op == "GRU") return recurrent(n);
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return binary(n);
  if (op == "Relu") return activation(n, "relu");
  if (op == "Sigmoid") return activation(n, "sigmoid");
  if (op == "Tanh") return activation(n, "tanh");
  if (op == "Softplus") return activation(n, "softplus");
  if (op == "Softsign") return activation(n, "softsign");
  if (op == "Gelu") {
    if (attr_string(n, "approximate", "none") != "none") unsupported(n, "tanh-approximated gelu");
    return activation(n, "gelu");
  }
  if (op == "LeakyRelu") return activation(n, "leaky_relu", attr_float(n, "alpha", 0.01));
  if (op == "Elu") {
    if (attr_float(n, "alpha", 1.0) != 1.0) unsupported(n, "Elu with alpha != 1 is not supported");
    return activation(n, "elu");
  }
  if (op == "Selu") {
    if (std::abs(attr_float(n, "alpha", 1.67326) - 1.67326) > 1e-4 ||
        std::abs(attr_float(n, "gamma", 1.0507) - 1.0507) > 1e-4)
      unsupported(n, "Selu with other constants than the defaults is not supported");
    return activation(n, "selu");
  }
  if (op == "HardSigmoid") {
    if (attr_float(n, "alpha", 0.2) != static_cast<float>(0.2) || attr_float(n, "beta", 0.5) != 0.5)
      unsupported(n, "HardSigmoid other than clip(0.2 x + 0.5, 0, 1) is not supported");
    return activation(n, "hard_sigmoid");
  }
  if (op == "Clip") {
    // opset < 11: min/max attributes; later: optional constant inputs
    double lo = attr_float(n, "min", -INFINITY), hi = attr_float(n, "max", INFINITY);
    if (has_input(n, 1)) lo = constant(n, 1).values.at(0);
    if (has_input(n, 2)) hi = constant(n, 2).values.at(0);
    if (lo == 0 && hi == 6) return activation(n, "relu6");
    if (lo == 0 && std::isinf(hi) && hi > 0) return activation(n, "relu");
    unsupported(n, fmt::format("Clip({}, {}) is not supported (relu6 and relu are)", lo, hi));
  }
  if (op == "Softmax") {
    const Value& x = value(n, 0);
    const std::int64_t axis = attr_int(n, "axis", -1);
    const std::int64_t rank = static_cast<std::int64_t>(x.shape.size()) + 1;
    if (x.kind != Value::Kind::kTensor || x.layout != Layout::kSame || rank != 2 ||
        (axis != -1 && axis != 1))
      unsupported(n, "softmax over a vector's values only is supported");
    return activation(n, "softmax");
  }
  if (op == "Identity" || op == "Dropout") {
    if (op == "Dropout" && n.output_size() > 1 && !n.output(1).empty() && uses_[n.output(1)] > 0)
      unsupported(n, "its mask output is not supported");
    return alias(value(n, 0));
  }
  if (op == "BatchNormalization") {
    const Value x = tensor_input(n, 0);
    if (attr_int(n, "training_mode", 0) != 0 || (n.output_size() > 1 && uses_[n.output(1)] > 0))
      unsupported(n, "batch normalization in training mode is not supported");
    const std::int64_t c = x.shape.size() == 3 ? x.shape[0] : x.shape.back();
    if (x.shape.size() == 2) unsupported(n, "batch normalization of a sequence is not supported");
    // ONNX's momentum weighs the running statistic (0.9 for PyTorch's 0.1)
    const double momentum = attr_float(n, "momentum", 0.9);
    const std::string name = add_layer(n,
                                       {{"type", "batch_normalization"},
                                        {"convention", "pytorch"},
                                        {"momentum", 1 - momentum},
                                        {"epsilon", attr_float(n, "epsilon", 1e-5)}},
                                       {x.tensor});
    const std::size_t index = layers_.size() - 1;
    const char* params[] = {"weight", "bias", "running_mean", "running_var"};
    for (int k = 0; k < 4; ++k) {
      const Const& p = constant(n, k + 1, false);
      PMT_THROW_IF(p.dims != std::vector<std::int64_t>{c}, kData, "{}: {}: input {} of [{}]",
                   origin_, attr_name(n), k + 1, fmt::join(p.dims, ", "));
      add_weight(index, params[k], {c},
                 options_.weights ? floats(constant(n, k + 1)) : std::vector<float>{});
    }
    return set(n.output(0), tensor(name));
  }
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
    const Value x = tensor_input(n, 0);
    if (x.shape.size() != 3) unsupported(n, "global pooling of [N, C, H, W] only");
    const std::string type =
        op == "GlobalAveragePool" ? "global_average_pool2d" : "global_max_pool2d";
    return set(n.output(0), tensor(add_layer(n, {{"type", type}}, {x.tensor}), Layout::kVec11));
  }
  if (op == "Flatten" || op == "Reshape" || op == "Squeeze" || op == "Unsqueeze" ||
      op == "Gather" || op == "Transpose" || op == "Shape" || op == "Concat" || op == "Expand" ||
      op == "ConstantOfShape" || op == "Pad")
    return shape_op(n);
  unsupported(n, "the op '" + io::shorten(op) +
                     "' is not supported (docs/import.md lists the ops pmt imports)");
}

// A constant or symbolic shape input as dims (nullopt: the batch size).
std::vector<std::optional<std::int64_t>> OnnxConverter::dims_of(const onnx::NodeProto& n, int k) {
  const Value& v = value(n, k);
  if (v.kind == Value::Kind::kDims) return v.dims;
  if (v.kind == Value::Kind::kConst && v.constant.loaded && v.constant.dims.size() <= 1) {
    std::vector<std::optional<std::int64_t>> out;
    for (double d : v.constant.values) out.emplace_back(static_cast<std::int64_t>(d));
    return out;
  }
  unsupported(n, fmt::format("input {} must be a shape known when the model is read", k));
}

// The ops that move, reshape or compute shapes: no layer, or flatten, reshape, concatenate,
// zero_padding2d; symbolic shapes for the batch size.
void OnnxConverter::shape_op(const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  const auto out = [&](Value v) { set(n.output(0), std::move(v)); };
  const auto axes = [&]() {  // Squeeze / Unsqueeze: attribute (opset < 13) or input
    std::vector<std::int64_t> a = attr_ints(n, "axes");
    if (has_input(n, 1))
      for (const auto& d : dims_of(n, 1)) a.push_back(d.value_or(-1000));
    return a;
  };
  if (op == "Shape") {
    const Value& x = value(n, 0);
    if (x.kind != Value::Kind::kTensor || find_attr(n, "start") || find_attr(n, "end"))
      unsupported(n, "Shape of this input is not supported");
    Value v;
    v.kind = Value::Kind::kDims;
    if (x.layout == Layout::kSame || x.layout == Layout::kVec11) {
      v.dims.emplace_back(std::nullopt);
      for (auto d : x.shape) v.dims.emplace_back(d);
      if (x.layout == Layout::kVec11) v.dims.insert(v.dims.end(), {1, 1});
    } else if (x.layout == Layout::kSeqFirst) {
      v.dims = {x.shape[0], std::nullopt, x.shape[1]};
    } else {
      unsupported(n, "Shape of this input is not supported");
    }
    return out(v);
  }
  if (op == "Gather") {
    const Value& x = value(n, 0);
    const Const& idx = constant(n, 1);
    const std::int64_t axis = attr_int(n, "axis", 0);
    if (idx.values.size() != 1 || !idx.dims.empty()) unsupported(n, "Gather of one index only");
    const auto i = static_cast<std::int64_t>(idx.values[0]);
    if (x.kind == Value::Kind::kDims && axis == 0) {
      const auto size = static_cast<std::int64_t>(x.dims.size());
      if (i < -size || i >= size) unsupported(n, "index out of range");
      Value v;
      v.kind = Value::Kind::kDims;
      v.dims = {x.dims[static_cast<std::size_t>(i < 0 ? i + size : i)]};
      v.scalar = true;
      return out(v);
    }
    if (x.kind == Value::Kind::kTensor && x.layout == Layout::kLead1 && axis == 0 &&
        (i == 0 || i == -1)) {
      Value v = x;
      v.layout = Layout::kSame;
      return out(v);
    }
    unsupported(n, "Gather other than of a shape or of a one-direction recurrent state");
  }
  if (op == "Unsqueeze") {
    const Value& x = value(n, 0);
    if (x.kind == Value::Kind::kDims && x.scalar && axes() == std::vector<std::int64_t>{0}) {
      Value v = x;
      v.scalar = false;
      return out(v);
    }
    if (x.kind == Value::Kind::kConst && x.constant.dims.empty() &&
        axes() == std::vector<std::int64_t>{0}) {
      Value v = x;
      v.constant.dims = {1};
      return out(v);
    }
    unsupported(n, "Unsqueeze other than of a shape's element");
  }
  if (op == "Concat") {
    const std::int64_t axis = attr_int(n, "axis", 0);
    bool shapes = true;
    for (int k = 0; k < n.input_size(); ++k)
      shapes = shapes &&
               (value(n, k).kind == Value::Kind::kDims || value(n, k).kind == Value::Kind::kConst);
    if (shapes) {
      Value v;
      v.kind = Value::Kind::kDims;
      for (int k = 0; k < n.input_size(); ++k) {
        const auto d = dims_of(n, k);
        v.dims.insert(v.dims.end(), d.begin(), d.end());
      }
      return out(v);
    }
    std::vector<std::string> in;
    for (int k = 0; k < n.input_size(); ++k) in.push_back(tensor_input(n, k).tensor);
    const auto rank = static_cast<std::int64_t>(value(n, 0).shape.size()) + 1;
    const std::int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 1 || a >= rank) unsupported(n, "concatenation along the batch is not supported");
    // Keras' axis over a sample's channels-last axes: an image's channels (ONNX 1) are -1
    const std::int64_t keras = rank == 4 ? (a == 1 ? -1 : a - 1) : a;
    return out(tensor(add_layer(n, {{"type", "concatenate"}, {"axis", keras}}, in)));
  }
  if (op == "Expand" || op == "ConstantOfShape") {
    bool zero = true;
    if (op == "Expand") {
      const Const& c = constant(n, 0);
      zero = std::all_of(c.values.begin(), c.values.end(), [](double v) { return v == 0; });
    } else if (const auto* a = find_attr(n, "value"); a && a->has_t()) {
      const Const c = read_tensor(a->t(), true);
      zero = std::all_of(c.values.begin(), c.values.end(), [](double v) { return v == 0; });
    }
    if (!zero) unsupported(n, "only zeros (a recurrent op's initial state) are supported");
    Value v;
    v.kind = Value::Kind::kZeros;
    v.dims = dims_of(n, op == "Expand" ? 1 : 0);
    return out(v);
  }
  const Value& x = value(n, 0);
  if (x.kind != Value::Kind::kTensor) unsupported(n, "it reshapes a constant");
  if (op == "Transpose") {
    const auto perm = attr_ints(n, "perm");
    if (perm == std::vector<std::int64_t>{1, 0, 2} && x.shape.size() == 2 &&
        (x.layout == Layout::kSame || x.layout == Layout::kSeqFirst)) {
      Value v = x;
      v.layout = x.layout == Layout::kSame ? Layout::kSeqFirst : Layout::kSame;
      return out(v);
    }
    // TensorFlow's NHWC and back
    if (x.shape.size() == 3 &&
        ((perm == std::vector<std::int64_t>{0, 3, 1, 2} && x.layout == Layout::kNhwc) ||
         (perm == std::vector<std::int64_t>{0, 2, 3, 1} && x.layout == Layout::kSame))) {
      Value v = x;
      v.layout = x.layout == Layout::kNhwc ? Layout::kSame : Layout::kNhwc;
      return out(v);
    }
    unsupported(n, fmt::format("Transpose [{}] is not supported (a sequence's [1, 0, 2] is)",
                               fmt::join(perm, ", ")));
  }
  if (op == "Squeeze") {
    const auto a = axes();
    Value v = x;
    v.layout = Layout::kSame;
    if (x.layout == Layout::kLead1 && a == std::vector<std::int64_t>{0}) return out(v);
    if (x.layout == Layout::kVec11 &&
        (a == std::vector<std::int64_t>{2, 3} || a == std::vector<std::int64_t>{-2, -1}))
      return out(v);
    if (x.layout == Layout::kRnnY && a == std::vector<std::int64_t>{1}) {
      v.layout = Layout::kSeqFirst;
      return out(v);
    }
    unsupported(n, "Squeeze of these axes is not supported");
  }
  if (op == "Pad") {
    if (x.layout != Layout::kSame || x.shape.size() != 3)
      unsupported(n, "padding of [N, C, H, W] tensors only");
    if (attr_string(n, "mode", "constant") != "constant")
      unsupported(n, "only constant (zero) padding is supported");
    std::vector<std::int64_t> pads = attr_ints(n, "pads");
    if (has_input(n, 1))
      for (const auto& d : dims_of(n, 1)) pads.push_back(d.value_or(-1));
    if (has_input(n, 2) && constant(n, 2).values.at(0) != 0)
      unsupported(n, "padding with a value other than 0 is not supported");
    if (attr_float(n, "value", 0) != 0) unsupported(n, "padding with a value other than 0");
    if (pads.size() != 8 || pads[0] || pads[1] || pads[4] || pads[5] ||
        std::any_of(pads.begin(), pads.end(), [](auto p) { return p < 0; }))
      unsupported(n, "padding other than of the height and width is not supported");
    return out(tensor(add_layer(
        n, {{"type", "zero_padding2d"}, {"padding", {{pads[2], pads[6]}, {pads[3], pads[7]}}}},
        {x.tensor})));
  }
  // Flatten and Reshape: [N, ...] -> [N, prod] is a flatten (PyTorch's C order is pmt's), other
  // reshapes of sequences and vectors a reshape
  std::int64_t size = 1;
  for (auto d : x.shape) size *= d;
  if (x.layout != Layout::kSame && x.layout != Layout::kVec11 && x.layout != Layout::kNhwc)
    unsupported(n, "it reshapes a tensor layout pmt cannot map");
  const auto flat = [&] {
    if (x.shape.size() == 1) return out(tensor(x.tensor));
    // an NHWC image flattens position by position: a reshape in Keras' element order
    if (x.layout == Layout::kNhwc)
      return out(tensor(add_layer(n, {{"type", "reshape"}, {"target_shape", {-1}}}, {x.tensor})));
    out(tensor(add_layer(n, {{"type", "flatten"}}, {x.tensor})));
  };
  if (op == "Flatten") {
    if (attr_int(n, "axis", 1) != 1) unsupported(n, "Flatten other than from axis 1");
    return flat();
  }
  auto target = dims_of(n, 1);  // Reshape
  if (attr_int(n, "allowzero", 0) == 0 && !target.empty() && target[0] == 0)
    target[0] = std::nullopt;  // 0 copies the batch
  const bool batch_first =
      !target.empty() && (!target[0].has_value() || (target[0] == -1 && target.size() == 2 &&
                                                     target[1].has_value() && *target[1] == size));
  if (!batch_first) unsupported(n, "Reshape that does not keep the batch axis is not supported");
  std::vector<std::int64_t> sample;
  for (std::size_t k = 1; k < target.size(); ++k) {
    if (!target[k]) unsupported(n, "Reshape to the batch size within a sample");
    sample.push_back(*target[k]);
  }
  if (sample.size() == 1 && (sample[0] == -1 || sample[0] == size)) return flat();
  if (sample == x.shape && x.layout != Layout::kNhwc) return out(tensor(x.tensor, Layout::kSame));
  if (x.shape.size() <= 2 && sample.size() <= 2 && x.layout == Layout::kSame)
    return out(tensor(add_layer(n, {{"type", "reshape"}, {"target_shape", sample}}, {x.tensor})));
  unsupported(n, "a reshape of images other than a flatten is not supported");
}

Imported OnnxConverter::convert(const onnx::ModelProto& m) {
  std::int64_t opset = -1;
  for (const auto& o : m.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  PMT_THROW_IF(opset < 7 || opset > 21, kUsage,
               "{}: opset {} of the default domain; pmt imports opsets 7 to 21", origin_, opset);
  const onnx::GraphProto& g = m.graph();
  PMT_THROW_IF(g.node_size() == 0 || g.node_size() > 1000000, kData, "{}: a graph of {} nodes",
               origin_, g.node_size());
  PMT_THROW_IF(g.output_size() != 1, kUsage, "{}: the model has {} outputs; a pmt subject has one",
               origin_, g.output_size());
  for (const auto& nd : g.node())
    for (const auto& i : nd.input())
      if (!i.empty()) ++uses_[i];
  for (const auto& o : g.output()) {
    ++uses_[o.name()];
    graph_outputs_.insert(o.name());
  }
  std::set<std::string> initializers;
  for (const auto& t : g.initializer()) {
    initializers.insert(t.name());
    Value v;
    v.kind = Value::Kind::kConst;
    const bool external = t.data_location() == onnx::TensorProto::EXTERNAL;
    double count = 1;
    for (const auto d : t.dims()) count *= static_cast<double>(d);
    // external weights are read with --weights; small external constants (shapes) always
    try {
      v.constant = read_tensor(t, !external || options_.weights || count <= 64);
    } catch (const Error&) {
      if (!external || options_.weights) throw;
      v.constant = read_tensor(t, false);
    }
    set(t.name(), v);
  }
  for (const auto& in : g.input()) {
    if (initializers.count(in.name())) continue;  // IR < 4 lists initializers as inputs too
    const std::string where = fmt::format("{}: input '{}'", origin_, io::shorten(in.name()));
    PMT_THROW_IF(!in.type().has_tensor_type(), kUsage, "{}: not a tensor", where);
    const auto& tt = in.type().tensor_type();
    PMT_THROW_IF(tt.elem_type() != onnx::TensorProto::FLOAT, kUsage,
                 "{}: of element type {}; pmt imports float inputs", where, tt.elem_type());
    std::vector<std::int64_t> shape;
    for (int k = 1; k < tt.shape().dim_size(); ++k) {
      const auto& d = tt.shape().dim(k);
      PMT_THROW_IF(!d.has_dim_value() || d.dim_value() < 1 || d.dim_value() > (1 << 24), kUsage,
                   "{}: axis {} has no fixed size: pmt trains fixed-size inputs (export with "
                   "dynamic_axes on the batch only)",
                   where, k);
      shape.push_back(d.dim_value());
    }
    PMT_THROW_IF(shape.empty() || shape.size() > 3, kUsage,
                 "{}: [batch, ...] of 1 to 3 sample axes expected", where);
    // an image that every reader transposes to NCHW first is TensorFlow's NHWC
    bool nhwc = shape.size() == 3;
    for (const auto& nd : g.node())
      for (const auto& i : nd.input())
        if (i == in.name())
          nhwc = nhwc && nd.op_type() == "Transpose" &&
                 attr_ints(nd, "perm") == std::vector<std::int64_t>{0, 3, 1, 2};
    if (nhwc) shape = {shape[2], shape[0], shape[1]};
    std::string name = in.name();
    names_.insert(name);
    inputs_.push_back({{"name", name}, {"shape", shape}, {"scale", 1}});
    shapes_[name] = shape;
    maps_.push_back({where,
                     fmt::format("input '{}' {}{}", name, json(shape).dump(),
                                 nhwc ? " (NHWC in the file)" : ""),
                     0});
    set(in.name(), tensor(name, nhwc ? Layout::kNhwc : Layout::kSame));
  }
  PMT_THROW_IF(inputs_.empty(), kUsage, "{}: the model has no input", origin_);
  for (const auto& nd : g.node()) node(nd);

  const std::string out_name = g.output(0).name();
  PMT_THROW_IF(!values_.count(out_name), kData, "{}: no node makes the output '{}'", origin_,
               io::shorten(out_name));
  const Value& y = values_[out_name];
  PMT_THROW_IF(y.kind != Value::Kind::kTensor || layers_.empty() ||
                   layers_.back()["name"] != y.tensor || y.shape.size() != 1 ||
                   (y.layout != Layout::kSame && y.layout != Layout::kVec11),
               kUsage, "{}: the output is not the last layer's vector (one per sample)", origin_);
  const std::int64_t width = y.shape[0];
  json& last = layers_.back();
  const std::string act = last.value("activation", "linear");
  const bool can_activate = last["type"] == "dense" || last["type"] == "conv2d";
  json spec = spec_frame(options_, origin_, inputs_, layers_);
  if (width >= 2 && (act == "softmax" || (act == "linear" && can_activate))) {
    if (act == "linear") {
      spec["layers"].back()["activation"] = "softmax";
      notes_.push_back(
          "the model outputs logits: the subject's last layer ends in softmax (what PyTorch's "
          "CrossEntropyLoss trains; the predicted classes are the same)");
    }
    spec["task"] = "classification";
    spec["num_classes"] = width;
    spec["loss"] = "categorical_crossentropy";
  } else {
    spec["task"] = "regression";
    spec["outputs"] = width;
    spec["loss"] = "mean_squared_error";
    spec["metric"] = "loss";
  }
  notes_.push_back(
      "ONNX holds no training configuration: Adam (learning rate 0.001), batch_size "
      "32, 1 epoch (edit the spec)");
  chain_to_stack(spec);
  model::parse_subject(spec, origin_);
  Imported imported;
  imported.spec = spec;
  imported.layers = maps_;
  imported.approximations = notes_;
  imported.weights = std::move(weights_);
  imported.parameters = total_;
  imported.format = fmt::format("ONNX opset {} ({} {})", opset, io::shorten(m.producer_name()),
                                io::shorten(m.producer_version()));
  return imported;
}

}  // namespace

Imported import_onnx(const fs::path& file, const Options& options) {
  const std::string origin = file.string();
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  PMT_THROW_IF(ec || size > kMaxModelBytes, kData, "{}: {}", origin,
               ec ? "cannot be read" : "over 2 GB (put the weights in an external data file)");
  const std::string bytes = io::read_file(file);
  onnx::ModelProto model;
  const bool parsed = model.ParseFromString(bytes);
  PMT_THROW_IF(!parsed && file.extension() == ".onnx", kData,
               "{}: not a readable ONNX model (a truncated or corrupt protobuf)", origin);
  PMT_THROW_IF(!parsed || !model.has_graph() || model.ir_version() < 3, kUsage,
               "{}: not a model file pmt reads (a Keras .h5 from model.save, a Keras 3 .keras zip, "
               "model.to_json() text, or an ONNX model)",
               origin);
  return OnnxConverter(origin, file.parent_path(), options).convert(model);
}

}  // namespace pmt::importer::detail
