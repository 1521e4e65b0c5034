// Saved instances, pmt subject networks or TorchScript modules (see instance.hpp).
#include "pmt/train/instance.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <climits>
#include <cmath>

#include <fmt/ranges.h>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/npy.hpp"

namespace pmt::train {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string first_line(const c10::Error& e) {
  const std::string what = e.what_without_backtrace();
  return what.substr(0, what.find('\n'));
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

}  // namespace

Instance::Instance(std::shared_ptr<SubjectNet> net) : net_(std::move(net)) {}

Instance Instance::load_subject(const fs::path& pt, const fs::path& sidecar) {
  const json side = json::parse(io::read_file(sidecar), nullptr, false);
  PMT_THROW_IF(side.is_discarded() || !side.contains("spec"), kData, "{}: corrupt sidecar",
               sidecar.string());
  const model::SubjectSpec spec = model::parse_subject(side["spec"], sidecar.string());
  Instance out;
  out.file_ = pt;
  out.net_ = std::make_shared<SubjectNet>(spec, at::make_generator<at::CPUGeneratorImpl>(0));
  load_net(*out.net_, pt);
  return out;
}

Instance Instance::load_torchscript(const fs::path& pt) {
  PMT_THROW_IF(!fs::exists(pt), kData, "{}: no such file", pt.string());
  Instance out;
  out.file_ = pt;
  try {
    out.module_ = torch::jit::load(pt.string(), torch::kCPU);
  } catch (const c10::Error& e) {
    PMT_THROW(kData, "{}: not a TorchScript model (torch.jit.save writes one; {})", pt.string(),
              first_line(e));
  } catch (const std::exception& e) {
    PMT_THROW(kData, "{}: not a TorchScript model ({})", pt.string(), e.what());
  }
  PMT_THROW_IF(!out.module_->find_method("forward"), kData,
               "{}: a TorchScript archive without a forward method (pmt's own instances are read "
               "without --torchscript)",
               pt.string());
  out.module_->eval();
  return out;
}

double Instance::evaluate(const model::Dataset& data, std::vector<std::int64_t>* predictions,
                          int num_classes) {
  if (!module_) {
    const double acc = train::evaluate(*net_, data, predictions).second;
    return acc;
  }
  torch::NoGradGuard no_grad;
  PMT_THROW_IF(data.regression() || data.inputs.size() != 1, kUsage,
               "TorchScript models are evaluated on one input and class labels");
  const auto& in = data.inputs[0];
  std::vector<std::int64_t> shape{data.size()};
  shape.insert(shape.end(), in.shape.begin(), in.shape.end());
  const torch::Tensor x = torch::from_blob(const_cast<float*>(in.x.data()), shape, torch::kFloat);
  const std::int64_t max_label =
      data.y.empty() ? 0 : *std::max_element(data.y.begin(), data.y.end());
  std::int64_t correct = 0;
  if (predictions) predictions->clear();
  const std::int64_t step = 1000;
  for (std::int64_t start = 0; start < data.size(); start += step) {
    const std::int64_t end = std::min(data.size(), start + step);
    c10::IValue result;
    try {
      result = module_->forward({x.slice(0, start, end)});
    } catch (const c10::Error& e) {
      PMT_THROW(kData, "{}: the model fails on inputs of per-sample shape {} (--input-shape; {})",
                file_.string(), shape_text(in.shape), first_line(e));
    } catch (const std::exception& e) {
      const std::string what = e.what();
      PMT_THROW(kData, "{}: the model fails on inputs of per-sample shape {} (--input-shape; {})",
                file_.string(), shape_text(in.shape), what.substr(0, what.find('\n')));
    }
    PMT_THROW_IF(!result.isTensor(), kData, "{}: forward returns {}, not a tensor of class scores",
                 file_.string(), result.tagKind());
    const torch::Tensor out = result.toTensor();
    const std::vector<std::int64_t> got(out.sizes().begin(), out.sizes().end());
    PMT_THROW_IF(out.dim() != 2 || out.size(0) != end - start, kData,
                 "{}: output of shape {} for a batch of {}: expected [batch, classes]",
                 file_.string(), shape_text(got), end - start);
    PMT_THROW_IF(num_classes > 0 && out.size(1) != num_classes, kData,
                 "{}: the model outputs {} scores per input but --num-classes is {}",
                 file_.string(), out.size(1), num_classes);
    PMT_THROW_IF(out.size(1) <= max_label, kData,
                 "{}: the model outputs {} scores per input but the test set's labels go up to {}",
                 file_.string(), out.size(1), max_label);
    const torch::Tensor pred = out.argmax(1).to(torch::kLong).contiguous();
    const std::int64_t* p = pred.data_ptr<std::int64_t>();
    for (std::int64_t k = start; k < end; ++k) correct += p[k - start] == data.y[k] ? 1 : 0;
    if (predictions) predictions->insert(predictions->end(), p, p + (end - start));
  }
  return double(correct) / std::max<double>(1.0, double(data.size()));
}

std::vector<mutate::WeightLayer> Instance::weight_layers() {
  std::vector<mutate::WeightLayer> out;
  if (!module_) {
    const auto params = net_->named_parameters();
    const auto& layers = net_->spec().layers;
    const auto param = [&](const std::string& name) {
      const auto* p = params.find(name);
      return p ? *p : torch::Tensor();
    };
    for (std::size_t i = 0; i < layers.size(); ++i) {
      const model::LayerType type = layers[i].type;
      if (!model::has_kernel(type)) continue;
      const std::string name = "layer" + std::to_string(i);
      if (!model::is_recurrent(type)) {
        mutate::WeightLayer l;
        l.index = static_cast<int>(i);
        l.name = name;
        l.type = type;
        l.weight = type == model::LayerType::kSeparableConv2d ? param(name + ".pointwise_kernel")
                   : type == model::LayerType::kConv2dTranspose
                       ? param(name + ".weight").transpose(0, 1)  // (in, filters, kh, kw)
                       : param(name + ".weight");
        l.bias = param(name + ".bias");
        out.push_back(l);
        continue;
      }
      // Keras' (in, gates * units) kernels and (gates * units) bias, units first
      const std::int64_t u = layers[i].units;
      for (const std::string prefix : {"", "backward_"}) {
        if (!prefix.empty() && layers[i].bidirectional.empty()) break;
        mutate::WeightLayer l;
        l.index = static_cast<int>(i);
        l.name = prefix.empty() ? name : name + ".backward";
        l.type = type;
        const auto units_first = [&](const torch::Tensor& k) {  // (rows, g u) -> (u, g, rows)
          return k.t().view({-1, u, k.size(0)}).transpose(0, 1);
        };
        l.weight = units_first(param(name + "." + prefix + "kernel"));
        l.recurrent = units_first(param(name + "." + prefix + "recurrent_kernel"));
        if (const torch::Tensor b = param(name + "." + prefix + "bias"); b.defined())
          l.bias = b.dim() == 1 ? b.view({-1, u}).t()                     // (g u) -> (u, g)
                                : b.view({2, -1, u}).permute({2, 0, 1});  // GRU reset_after
        out.push_back(l);
      }
    }
    return out;
  }
  // "<prefix>.weight" of 2 (dense) or 4 (conv) dimensions, with "<prefix>.bias" when present.
  std::vector<std::pair<std::string, torch::Tensor>> all;
  for (const auto& p : module_->named_parameters(true)) all.emplace_back(p.name, p.value);
  for (const auto& [name, value] : all) {
    const std::string suffix = ".weight";
    const bool weight =
        name == "weight" || (name.size() > suffix.size() &&
                             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0);
    if (!weight || (value.dim() != 2 && value.dim() != 4)) continue;
    mutate::WeightLayer l;
    l.index = static_cast<int>(out.size());
    l.name = name == "weight" ? "" : name.substr(0, name.size() - suffix.size());
    l.type = value.dim() == 2 ? model::LayerType::kDense : model::LayerType::kConv2d;
    l.weight = value;
    const std::string bias = l.name.empty() ? "bias" : l.name + ".bias";
    for (const auto& [n2, v2] : all)
      if (n2 == bias && v2.dim() == 1 && v2.size(0) == value.size(0)) l.bias = v2;
    out.push_back(l);
  }
  return out;
}

std::vector<torch::Tensor> Instance::parameters() {
  if (!module_) return net_->parameters();
  std::vector<torch::Tensor> out;
  for (const auto& p : module_->parameters(true)) out.push_back(p);
  return out;
}

std::vector<torch::Tensor> Instance::snapshot() {
  std::vector<torch::Tensor> out;
  for (const auto& p : parameters()) out.push_back(p.detach().clone());
  return out;
}

void Instance::restore(const std::vector<torch::Tensor>& saved) {
  torch::NoGradGuard no_grad;
  const auto params = parameters();
  for (std::size_t k = 0; k < params.size(); ++k) params[k].copy_(saved[k]);
}

void Instance::save(const fs::path& pt) {
  if (!module_) return save_net(*net_, pt);
  fs::create_directories(pt.parent_path());
  io::AtomicPath target(pt);
  try {
    module_->save(target.tmp().string());
  } catch (const c10::Error& e) {
    PMT_THROW(kData, "{}: write failed ({})", pt.string(), first_line(e));
  }
  target.commit();
}

model::SubjectSpec torchscript_spec(Instance& instance, const std::string& model) {
  model::SubjectSpec spec;
  spec.name = model;
  for (const auto& l : instance.weight_layers()) {
    model::LayerSpec ls;
    ls.type = l.type;
    ls.name = l.name;
    ls.units = static_cast<int>(l.weight.size(0));
    spec.layers.push_back(ls);
  }
  return spec;
}

model::Dataset load_test_set(const fs::path& images, const fs::path& labels,
                             std::vector<std::int64_t> sample_shape, double scale,
                             int num_classes) {
  const bool npy = images.extension() == ".npy";
  const int classes = num_classes > 0 ? num_classes : INT_MAX;
  if (!npy) {
    const fs::path label_file = labels.empty() ? model::labels_for_images(images) : labels;
    const model::IdxArray x = model::read_idx(images), y = model::read_idx(label_file);
    if (sample_shape.empty()) {
      sample_shape.assign(x.dims.begin() + (x.dims.empty() ? 0 : 1), x.dims.end());
      if (sample_shape.size() == 2) sample_shape.insert(sample_shape.begin(), 1);
    }
    return model::make_dataset(x, y, sample_shape, scale > 0 ? scale : 255.0, classes,
                               images.string(), label_file.string());
  }
  PMT_THROW_IF(labels.empty(), kUsage, "{}: an NPY test set needs --test-labels (an NPY of labels)",
               images.string());
  const io::NpyArray x = io::read_npy(images), y = io::read_npy(labels);
  PMT_THROW_IF(x.shape.empty() || y.shape.size() != 1 || x.shape[0] != y.shape[0], kData,
               "{} and {}: expected inputs (N, ...) and labels (N), got {} and {}", images.string(),
               labels.string(), x.shape_string(), y.shape_string());
  std::int64_t per = 1;
  for (std::size_t k = 1; k < x.shape.size(); ++k) per *= static_cast<std::int64_t>(x.shape[k]);
  if (sample_shape.empty()) sample_shape.assign(x.shape.begin() + 1, x.shape.end());
  std::int64_t want = 1;
  for (auto v : sample_shape) want *= v;
  PMT_THROW_IF(want != per, kData, "{}: inputs have {} values each but the shape {} needs {}",
               images.string(), per, shape_text(sample_shape), want);
  model::Dataset d;
  d.inputs = {{sample_shape, {}}};
  const double inv = 1.0 / (scale > 0 ? scale : 1.0);
  d.inputs[0].x.reserve(x.data.size());
  for (double v : x.data) d.inputs[0].x.push_back(static_cast<float>(v * inv));
  for (double v : y.data) {
    PMT_THROW_IF(v < 0 || v != std::floor(v) || v >= classes, kData,
                 "{}: label {} is not a class index{}", labels.string(), v,
                 num_classes > 0 ? fmt::format(" below --num-classes {}", num_classes) : "");
    d.y.push_back(static_cast<std::int64_t>(v));
  }
  return d;
}

}  // namespace pmt::train
