// Many instances of one subject trained as ONE fused model (train_mutants --fuse N): the
// weights of every layer stacked over the instances, one optimiser over the stacked tensors.
//
// Instance k keeps everything it has when fit() trains it alone (network.cpp): its initial
// weights (the fused layers are stacked from its own SubjectNet, and copied back into it at the
// end), its epoch shuffles and dropout masks (drawn from its own generator in fit()'s order: the
// shuffle at the start of each epoch, then one mask per dropout layer per batch, each a
// contiguous NCHW block of the per-instance shape), its optimiser state (every update rule is
// elementwise, with one step count per tensor, so one optimiser over stacked tensors keeps N
// independent states) and its loss: the fused loss is the SUM of the instances' batch losses
// (each the mean over its batch, plus its own regularisation penalty), so the gradient of
// instance k's weights is exactly its own. Results differ from fit() only by floating-point
// summation order.
//
// Layers: dense is one batched matrix product (baddbmm) over the stacked (N, batch, in) input,
// or, for an input shared by all instances (evaluation), ONE matrix product with all N kernels;
// conv2d runs each instance's convolution on its own NCHW tensor, as fit() does (one grouped
// convolution over the N instances, and channels-last tensors, were measured slower: oneDNN's
// per-instance convolution is already compute-bound); pooling, flatten,
// dropout and the activations act per instance or on the stacked tensor. The optimiser's update,
// the loss and the metric are a few operations for all N.
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>

#include "network_detail.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/train/network.hpp"
#include "pmt/train/optim.hpp"

namespace pmt::train {

using namespace detail;  // NOLINT: src/train's own helpers

namespace {

// How the instances' activations are held: one tensor (batch, ...) that is the same for every
// instance (an evaluation input), one tensor per instance (the convolutional part), or one
// stacked tensor (N, batch, ...) (the dense part: batched matrix products).
enum class Layout { kShared, kList, kNB };

struct Act {
  Layout layout = Layout::kShared;
  torch::Tensor t;                  // kShared, kNB
  std::vector<torch::Tensor> list;  // kList
};

torch::Tensor as_nb(const Act& a, std::int64_t n) {
  if (a.layout == Layout::kNB) return a.t;
  if (a.layout == Layout::kList) return torch::stack(a.list);
  std::vector<std::int64_t> sizes{n};
  sizes.insert(sizes.end(), a.t.sizes().begin(), a.t.sizes().end());
  return a.t.unsqueeze(0).expand(sizes);
}

std::vector<torch::Tensor> as_list(const Act& a, std::int64_t n) {
  if (a.layout == Layout::kList) return a.list;
  if (a.layout == Layout::kNB) return a.t.unbind(0);
  return std::vector<torch::Tensor>(static_cast<std::size_t>(n), a.t);
}

// Applies f to each instance's tensor (or to the one tensor), keeping the layout.
template <typename F>
Act each(Act a, F f) {
  if (a.layout == Layout::kList) {
    for (auto& t : a.list) t = f(t);
  } else {
    a.t = f(a.t);
  }
  return a;
}

// The layout the first weight layer reads: a list for a convolution, stacked for a product.
Layout input_layout(const model::SubjectSpec& spec) {
  for (const auto& l : spec.layers) {
    if (l.type == model::LayerType::kConv2d) return Layout::kList;
    if (l.type == model::LayerType::kDense) return Layout::kNB;
  }
  return Layout::kNB;
}

class FusedStack {
 public:
  explicit FusedStack(const std::vector<SubjectNet*>& nets) : nets_(nets) {
    torch::NoGradGuard no_grad;
    const model::SubjectSpec& spec = nets_.front()->spec();
    layers_.resize(spec.layers.size());
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
      const model::LayerType type = spec.layers[i].type;
      if (type != model::LayerType::kConv2d && type != model::LayerType::kDense) continue;
      const std::string name = "layer" + std::to_string(i);
      std::vector<torch::Tensor> w, b;
      for (SubjectNet* net : nets_) {
        const auto params = net->named_parameters();
        w.push_back(params[name + ".weight"]);
        if (const auto* bias = params.find(name + ".bias")) b.push_back(*bias);
      }
      layers_[i].w = torch::stack(w).requires_grad_(true);
      if (!b.empty()) layers_[i].b = torch::stack(b).requires_grad_(true);
    }
  }

  std::int64_t n() const { return static_cast<std::int64_t>(nets_.size()); }
  const model::SubjectSpec& spec() const { return nets_.front()->spec(); }

  std::vector<torch::Tensor> parameters() const {
    std::vector<torch::Tensor> out;
    for (const auto& l : layers_) {
      if (l.w.defined()) out.push_back(l.w);
      if (l.b.defined()) out.push_back(l.b);
    }
    return out;
  }

  // Each instance's regularisation penalty, (N); undefined when no layer has one.
  torch::Tensor penalty() const {
    torch::Tensor out;
    const model::SubjectSpec& s = spec();
    for (std::size_t i = 0; i < s.layers.size(); ++i) {
      const model::LayerSpec& l = s.layers[i];
      if (l.kernel_regularizer == "none" || !layers_[i].w.defined()) continue;
      const torch::Tensor w = layers_[i].w.flatten(1);
      torch::Tensor term = l.l1 * w.abs().sum(1) + l.l2 * w.pow(2).sum(1);
      out = out.defined() ? out + term : term;
    }
    return out;
  }

  // Every instance's last-layer output before its activation, (N, batch, outputs).
  torch::Tensor logits(Act a, bool training) {
    const model::SubjectSpec& s = spec();
    const std::int64_t n = this->n();
    for (std::size_t i = 0; i < s.layers.size(); ++i) {
      const model::LayerSpec& l = s.layers[i];
      const bool last = i + 1 == s.layers.size();
      const FusedLayer& f = layers_[i];
      if (l.type == model::LayerType::kConv2d) {
        const std::vector<torch::Tensor> in = as_list(a, n);
        const std::vector<torch::Tensor> w = f.w.unbind(0);
        const std::vector<torch::Tensor> b =
            f.b.defined() ? f.b.unbind(0) : std::vector<torch::Tensor>(in.size());
        a = {Layout::kList, {}, {}};
        for (std::size_t k = 0; k < in.size(); ++k)
          a.list.push_back(torch::conv2d(in[k], w[k], b[k]));
      } else if (l.type == model::LayerType::kDense) {
        if (a.layout == Layout::kShared) {            // one product with every instance's kernel
          const torch::Tensor w = f.w.flatten(0, 1);  // (N * out, in)
          const torch::Tensor y =
              f.b.defined() ? torch::addmm(f.b.flatten(), a.t, w.t()) : torch::mm(a.t, w.t());
          a = {Layout::kNB, y.view({y.size(0), n, l.units}).transpose(0, 1), {}};
        } else {
          const torch::Tensor t = as_nb(a, n);  // (N, B, in)
          const torch::Tensor wt = f.w.transpose(1, 2);
          a = {Layout::kNB,
               f.b.defined() ? torch::baddbmm(f.b.unsqueeze(1), t, wt) : torch::bmm(t, wt),
               {}};
        }
      } else if (l.type == model::LayerType::kMaxPool2d) {
        if (a.layout == Layout::kNB) a = {Layout::kList, {}, as_list(a, n)};
        a = each(std::move(a), [&](const torch::Tensor& t) {
          return torch::max_pool2d(t, {l.kernel[0], l.kernel[1]});
        });
      } else if (l.type == model::LayerType::kFlatten) {
        // (C, H, W) order, as fit() flattens its NCHW tensors
        const int from = a.layout == Layout::kNB ? 2 : 1;
        a = each(std::move(a), [&](const torch::Tensor& t) { return t.flatten(from); });
      } else if (l.type == model::LayerType::kDropout && training && l.rate > 0) {
        if (l.rate >= 1) {
          a = each(std::move(a), [](const torch::Tensor& t) { return torch::zeros_like(t); });
        } else {
          // instance k's mask: a contiguous block of its own shape (NCHW order) from its own
          // generator, as fit() draws it
          const double scale = 1.0 / (1 - l.rate);
          if (a.layout == Layout::kShared) a = {Layout::kNB, as_nb(a, n), {}};
          if (a.layout == Layout::kList) {
            for (std::size_t k = 0; k < a.list.size(); ++k) {
              torch::Tensor keep = torch::empty(a.list[k].sizes(), a.list[k].options());
              keep.bernoulli_(1 - l.rate, nets_[k]->generator());
              a.list[k] = a.list[k] * keep * scale;
            }
          } else {
            torch::Tensor keep = torch::empty(a.t.sizes(), a.t.options());
            for (std::int64_t k = 0; k < n; ++k)
              keep[k].bernoulli_(1 - l.rate, nets_[static_cast<std::size_t>(k)]->generator());
            a.t = a.t * keep * scale;
          }
        }
      }
      if ((l.type == model::LayerType::kConv2d || l.type == model::LayerType::kDense ||
           l.type == model::LayerType::kActivation) &&
          !last)
        a = each(std::move(a),
                 [&](const torch::Tensor& t) { return activate(t, l.activation, l.alpha); });
    }
    return as_nb(a, n);
  }

  // Copies the trained weights back into the instances' own networks.
  void unstack() const {
    torch::NoGradGuard no_grad;
    const model::SubjectSpec& s = spec();
    for (std::size_t k = 0; k < nets_.size(); ++k) {
      auto params = nets_[k]->named_parameters();
      for (std::size_t i = 0; i < s.layers.size(); ++i) {
        if (!layers_[i].w.defined()) continue;
        const std::string name = "layer" + std::to_string(i);
        params[name + ".weight"].copy_(layers_[i].w[static_cast<std::int64_t>(k)]);
        if (layers_[i].b.defined())
          params[name + ".bias"].copy_(layers_[i].b[static_cast<std::int64_t>(k)]);
      }
    }
  }

 private:
  struct FusedLayer {
    torch::Tensor w, b;  // (N, out, in[, kh, kw]), (N, out); undefined without weights
  };
  std::vector<SubjectNet*> nets_;
  std::vector<FusedLayer> layers_;  // per spec layer
};

// Each instance's batch loss (N) from logits (N, B, outputs) and targets (N, B[, dims]).
torch::Tensor instance_losses(const model::SubjectSpec& spec, const torch::Tensor& logits,
                              const torch::Tensor& target) {
  if (spec.task != model::Task::kRegression && spec.loss == model::Loss::kCategoricalCrossentropy &&
      model::output_activation(spec) == model::Activation::kSoftmax)
    return -torch::log_softmax(logits, 2).gather(2, target.unsqueeze(2)).squeeze(2).mean(1);
  std::vector<torch::Tensor> out;
  for (std::int64_t k = 0; k < logits.size(0); ++k)
    out.push_back(batch_loss(spec, logits[k], target[k]));
  return torch::stack(out);
}

// Per instance and sample (N, B): 1 when the metric counts the output as right (the "loss"
// metric: the batch's mean loss, each sample's share of the batch's sum).
torch::Tensor instance_hits(const model::SubjectSpec& spec, const torch::Tensor& logits,
                            const torch::Tensor& target) {
  if (model::parse_metric(spec.metric).kind == "accuracy")
    return predicted_classes(spec, logits).eq(target);
  std::vector<torch::Tensor> out;
  for (std::int64_t k = 0; k < logits.size(0); ++k)
    out.push_back(metric_hits(spec, logits[k], target[k]));
  return torch::stack(out);
}

// Keras' per-tensor gradient clipping, per instance: each instance's slice of a stacked gradient
// is clipped on its own, as fit() clips that instance's tensor.
void clip_fused(const std::vector<torch::Tensor>& params, double clipnorm, double clipvalue) {
  if (clipnorm <= 0 && clipvalue <= 0) return;
  torch::NoGradGuard no_grad;
  for (const auto& p : params) {
    torch::Tensor g = p.grad();
    if (!g.defined()) continue;
    if (clipnorm > 0) {
      const torch::Tensor norm = g.flatten(1).norm(2, 1);
      const torch::Tensor factor =
          torch::where(norm > clipnorm, clipnorm / norm, torch::ones_like(norm));
      std::vector<std::int64_t> shape(static_cast<std::size_t>(g.dim()), 1);
      shape[0] = g.size(0);
      g.mul_(factor.view(shape));
    }
    if (clipvalue > 0) g.clamp_(-clipvalue, clipvalue);
  }
}

// The instances' data as one batch source: one dataset shared by all, or one each (a data
// operator); the batch of instance k takes the rows idx[k] of its own.
class FusedData {
 public:
  FusedData(const std::vector<const model::Dataset*>& data, Layout layout) : layout_(layout) {
    for (const model::Dataset* d : data) shared_ = shared_ && d == data.front();
    for (std::size_t k = 0; k < (shared_ ? 1 : data.size()); ++k) {
      const std::vector<torch::Tensor> in = input_tensors(*data[k]);
      x_.push_back(in.front());
      y_.push_back(target_tensor(*data[k]));
    }
    n_ = static_cast<std::int64_t>(data.size());
  }

  // The instances' inputs (laid out as layout_) and targets (N, B[, dims]) of rows idx (N, B).
  std::pair<Act, torch::Tensor> rows(const torch::Tensor& idx) const {
    const std::int64_t b = idx.size(1);
    const auto x = [&](std::int64_t k) { return x_[shared_ ? 0 : static_cast<std::size_t>(k)]; };
    const auto y = [&](std::int64_t k) { return y_[shared_ ? 0 : static_cast<std::size_t>(k)]; };
    Act a{layout_, {}, {}};
    torch::Tensor targets;
    if (shared_) {  // one gather for every instance
      std::vector<std::int64_t> yshape{n_, b};
      yshape.insert(yshape.end(), y_[0].sizes().begin() + 1, y_[0].sizes().end());
      targets = y_[0].index_select(0, idx.reshape(-1)).view(yshape);
    } else {
      std::vector<torch::Tensor> ys;
      for (std::int64_t k = 0; k < n_; ++k) ys.push_back(y(k).index_select(0, idx[k]));
      targets = torch::stack(ys);
    }
    if (layout_ == Layout::kList) {
      for (std::int64_t k = 0; k < n_; ++k) a.list.push_back(x(k).index_select(0, idx[k]));
    } else if (shared_) {
      std::vector<std::int64_t> shape{n_, b};
      shape.insert(shape.end(), x_[0].sizes().begin() + 1, x_[0].sizes().end());
      a.t = x_[0].index_select(0, idx.reshape(-1)).view(shape);
    } else {
      std::vector<torch::Tensor> xs;
      for (std::int64_t k = 0; k < n_; ++k) xs.push_back(x(k).index_select(0, idx[k]));
      a.t = torch::stack(xs);
    }
    return {a, targets};
  }

  // Rows [begin, end) of every instance's data: shared, or each instance's own.
  std::pair<Act, torch::Tensor> slice(std::int64_t begin, std::int64_t end) const {
    if (shared_) {
      const torch::Tensor y = y_[0].slice(0, begin, end);
      std::vector<std::int64_t> yshape{n_};
      yshape.insert(yshape.end(), y.sizes().begin(), y.sizes().end());
      return {{Layout::kShared, x_[0].slice(0, begin, end), {}}, y.unsqueeze(0).expand(yshape)};
    }
    Act a{Layout::kList, {}, {}};
    std::vector<torch::Tensor> ys;
    for (std::size_t k = 0; k < x_.size(); ++k) {
      a.list.push_back(x_[k].slice(0, begin, end));
      ys.push_back(y_[k].slice(0, begin, end));
    }
    if (layout_ == Layout::kNB) a = {Layout::kNB, torch::stack(a.list), {}};
    return {a, torch::stack(ys)};
  }

 private:
  Layout layout_;
  bool shared_ = true;
  std::int64_t n_ = 0;
  std::vector<torch::Tensor> x_, y_;
};

// Each instance's (loss, metric) on its data, as evaluate() computes them. Batches of
// eval_batch_size / N samples keep the stacked activations as large as one unfused batch's.
std::vector<std::pair<double, double>> evaluate_fused(FusedStack& model, const FusedData& data,
                                                      std::int64_t size) {
  torch::NoGradGuard no_grad;
  const model::SubjectSpec& spec = model.spec();
  const std::int64_t n = model.n();
  const std::int64_t step = std::max<std::int64_t>(1, (spec.eval_batch_size + n - 1) / n);
  torch::Tensor loss = torch::zeros({n}, torch::kDouble);
  torch::Tensor correct = torch::zeros({n}, torch::kDouble);
  for (std::int64_t start = 0; start < size; start += step) {
    const std::int64_t end = std::min(size, start + step);
    const auto [x, y] = data.slice(start, end);
    const torch::Tensor out = model.logits(x, false);
    loss += instance_losses(spec, out, y).to(torch::kDouble) * double(end - start);
    correct += instance_hits(spec, out, y).sum(1);
  }
  const double count = std::max<double>(1.0, double(size));
  std::vector<std::pair<double, double>> out;
  for (std::int64_t k = 0; k < n; ++k)
    out.emplace_back(loss[k].item<double>() / count, correct[k].item<double>() / count);
  return out;
}

}  // namespace

std::vector<TrainResult> fit_fused(
    const std::vector<SubjectNet*>& nets, const std::vector<const model::Dataset*>& train,
    const std::vector<const model::Dataset*>& validation,
    const std::function<void(std::size_t, const EpochStats&)>& on_epoch) {
  PMT_THROW_IF(nets.empty() || train.size() != nets.size() || validation.size() != nets.size(),
               kData, "fit_fused: one network, training set and validation set per instance");
  const model::SubjectSpec& spec = nets.front()->spec();
  const std::string blocker = model::fusion_blocker(spec);
  PMT_THROW_IF(!blocker.empty(), kData, "fit_fused: subject '{}' does not fuse: {}", spec.name,
               blocker);
  const std::string spec_text = to_json(spec).dump();
  const std::int64_t size = train.front()->size();
  const bool validate = validation.front() != nullptr;
  for (std::size_t k = 0; k < nets.size(); ++k) {
    PMT_THROW_IF(to_json(nets[k]->spec()).dump() != spec_text, kData,
                 "fit_fused: the instances' specs differ");
    PMT_THROW_IF(train[k]->size() != size, kData,
                 "fit_fused: training sets of different sizes ({} and {})", size, train[k]->size());
    PMT_THROW_IF((validation[k] != nullptr) != validate ||
                     (validate && validation[k]->size() != validation.front()->size()),
                 kData, "fit_fused: validation sets differ in presence or size");
  }
  PMT_THROW_IF(size == 0, kData, "no training data");
  const std::int64_t n = static_cast<std::int64_t>(nets.size());
  const Layout layout = input_layout(spec);
  FusedStack model(nets);
  const std::vector<torch::Tensor> params = model.parameters();
  auto optimizer = make_optimizer(spec.optimizer, params);
  const auto option = [&](const char* key) {
    const auto it = spec.optimizer.params.find(key);
    return it == spec.optimizer.params.end() ? 0.0 : it->second;
  };
  const double clipnorm = option("clipnorm"), clipvalue = option("clipvalue");
  const FusedData data(train, layout);
  std::optional<FusedData> held_out;
  if (validate) held_out.emplace(validation, layout);

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<TrainResult> results(nets.size());
  for (int epoch = 1; epoch <= spec.epochs; ++epoch) {
    const auto e0 = std::chrono::steady_clock::now();
    std::vector<torch::Tensor> order;
    for (SubjectNet* net : nets)
      order.push_back(torch::randperm(size, net->generator(), torch::kLong));
    const torch::Tensor orders = torch::stack(order);  // (N, size)
    torch::Tensor loss_sum = torch::zeros({n}, torch::kDouble);
    torch::Tensor correct = torch::zeros({n}, torch::kDouble);
    for (std::int64_t start = 0; start < size; start += spec.batch_size) {
      throw_if_interrupted();  // SIGINT/SIGTERM: stop between batches (core/interrupt.hpp)
      const std::int64_t end = std::min(size, start + std::int64_t(spec.batch_size));
      const auto [xb, yb] = data.rows(orders.slice(1, start, end));
      optimizer->zero_grad();
      const torch::Tensor out = model.logits(xb, true);
      torch::Tensor loss = instance_losses(spec, out, yb);
      if (const torch::Tensor penalty = model.penalty(); penalty.defined()) loss = loss + penalty;
      loss.sum().backward();
      clip_fused(params, clipnorm, clipvalue);
      optimizer->step();
      loss_sum += loss.detach().to(torch::kDouble) * double(end - start);
      correct += instance_hits(spec, out.detach(), yb).sum(1);
    }
    std::vector<std::pair<double, double>> val(
        nets.size(),
        {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()});
    if (validate) val = evaluate_fused(model, *held_out, validation.front()->size());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
    for (std::size_t k = 0; k < nets.size(); ++k) {
      EpochStats s;
      s.epoch = epoch;
      s.loss = loss_sum[static_cast<std::int64_t>(k)].item<double>() / double(size);
      s.accuracy = correct[static_cast<std::int64_t>(k)].item<double>() / double(size);
      std::tie(s.val_loss, s.val_accuracy) = val[k];
      s.seconds = seconds;
      results[k].history.push_back(s);
      if (on_epoch) on_epoch(k, s);
    }
  }
  model.unstack();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& r : results) r.seconds = seconds;
  return results;
}

}  // namespace pmt::train
