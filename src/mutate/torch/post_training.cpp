// Post-training weight operators (see post_training.hpp): PMT's neurons_freezing and
// weights_fuzzing, DeepMutation++'s GF, WS, NEB, NAI and NS, on LibTorch tensors.
#include "pmt/mutate/torch/post_training.hpp"

#include <algorithm>
#include <map>

#include "pmt/core/error.hpp"

namespace pmt::mutate {

using nlohmann::json;

namespace {

constexpr std::int64_t kMaxListed = 1000;  // flat kernel indices listed in the sidecar

// k of [0, n) without replacement, ascending.
torch::Tensor choose(std::int64_t n, std::int64_t k, torch::Generator& gen) {
  torch::Tensor pick = torch::randperm(n, gen, torch::kLong).slice(0, 0, k);
  return std::get<0>(pick.sort());
}

std::vector<std::int64_t> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kLong).contiguous();
  return {c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel()};
}

json change(const WeightLayer& l, const char* what, const torch::Tensor& idx) {
  json j{{"layer", l.index}, {"name", l.name}, {what, idx.numel()}};
  if (std::string(what) == "neurons" || idx.numel() <= kMaxListed) j["indices"] = to_vector(idx);
  return j;
}

// The weight layers of subject layer `index` (two for a Bidirectional: its directions).
std::vector<WeightLayer*> layer_at(std::vector<WeightLayer>& layers, int index,
                                   const std::string& op) {
  std::vector<WeightLayer*> out;
  for (auto& l : layers)
    if (l.index == index) out.push_back(&l);
  PMT_THROW_IF(out.empty(), kUsage,
               "--mut {}: layer {} has no weights (dense, convolutional or recurrent)", op, index);
  return out;
}

// f(t) on the neuron's tensors: kernel, recurrent kernel and bias (those defined).
template <typename F>
void each_tensor(WeightLayer& l, F f) {
  for (torch::Tensor* t : {&l.weight, &l.recurrent, &l.bias})
    if (t->defined()) f(*t);
}

// f(flat) on the entries of t in its own order (row-major over its sizes), written back when t
// is not contiguous (flatten() may then copy; when it returns a view, the copy back is a no-op).
template <typename F>
void edit_flat(torch::Tensor t, F f) {
  torch::Tensor flat = t.is_contiguous() ? t.view(-1) : t.flatten();
  f(flat);
  if (!t.is_contiguous()) t.copy_(flat.view(t.sizes()));
}

// DeepMutation++'s budget: int(r * total), at least 1 (cnn_operator.py:24-27).
std::int64_t budget(std::int64_t total, double ratio) {
  const auto k = static_cast<std::int64_t>(static_cast<double>(total) * ratio);
  return std::clamp<std::int64_t>(k, 1, total);
}

// The budget drawn over the layers together (DeepMutation++'s random_select over cumulative
// offsets); `size(l)` counts what layer l offers. Per layer: the indices local to it, ascending.
template <typename Size>
std::vector<torch::Tensor> spread(const std::vector<WeightLayer>& layers, double ratio, Size size,
                                  torch::Generator& gen) {
  std::vector<std::int64_t> offset{0};
  for (const auto& l : layers) offset.push_back(offset.back() + size(l));
  const std::int64_t total = offset.back();
  PMT_THROW_IF(total == 0, kUsage,
               "the model has no weight layer (dense, convolutional or recurrent) to mutate");
  const std::vector<std::int64_t> picked = to_vector(choose(total, budget(total, ratio), gen));
  std::vector<torch::Tensor> out;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    std::vector<std::int64_t> local;
    for (std::int64_t g : picked)
      if (g >= offset[k] && g < offset[k + 1]) local.push_back(g - offset[k]);
    out.push_back(torch::tensor(local, torch::kLong));
  }
  return out;
}

// PMT weights_operators.py:52-58: size = int(C * r), or 1 when that is 0 (each direction of a
// Bidirectional).
json neurons_freezing(const Mutation& m, std::vector<WeightLayer>& layers, torch::Generator& gen) {
  json changes = json::array();
  for (WeightLayer* l : layer_at(layers, m.layer, m.name)) {
    const std::int64_t units = l->weight.size(0);
    std::int64_t k = static_cast<std::int64_t>(static_cast<double>(units) * m.ratio);
    if (k == 0) k = 1;
    const torch::Tensor idx = choose(units, k, gen);
    each_tensor(*l, [&](torch::Tensor& t) { t.index_fill_(0, idx, 0.0); });
    changes.push_back(change(*l, "neurons", idx));
  }
  return changes;
}

// PMT weights_operators.py:24-30: int(size * r) entries (no minimum), w + N(0,1) m |w|.
json weights_fuzzing(const Mutation& m, std::vector<WeightLayer>& layers, torch::Generator& gen) {
  json changes = json::array();
  for (WeightLayer* l : layer_at(layers, m.layer, m.name)) {
    torch::Tensor idx;
    edit_flat(l->weight, [&](torch::Tensor& flat) {
      const auto k = static_cast<std::int64_t>(static_cast<double>(flat.numel()) * m.ratio);
      idx = choose(flat.numel(), k, gen);
      const torch::Tensor w = flat.index_select(0, idx);
      const torch::Tensor z = torch::empty({k}, w.options()).normal_(0.0, 1.0, gen);
      flat.index_copy_(0, idx, w + z * m.scale * w.abs());
    });
    changes.push_back(change(*l, "weights", idx));
  }
  return changes;
}

// cnn_operator.py weights_gaussian_fuzzing: w * (1 + N(0, sigma)), then the whole kernel of every
// touched layer clipped to [-1, 1]; biases untouched.
json gaussian_fuzzing(const Mutation& m, std::vector<WeightLayer>& layers, torch::Generator& gen) {
  const auto picks = spread(
      layers, m.ratio, [](const WeightLayer& l) { return l.weight.numel(); }, gen);
  json changes = json::array();
  for (std::size_t k = 0; k < layers.size(); ++k) {
    if (picks[k].numel() == 0) continue;
    edit_flat(layers[k].weight, [&](torch::Tensor& flat) {
      const torch::Tensor w = flat.index_select(0, picks[k]);
      const torch::Tensor z =
          torch::empty({picks[k].numel()}, w.options()).normal_(0.0, m.scale, gen);
      flat.index_copy_(0, picks[k], w * (1 + z));
    });
    layers[k].weight.clamp_(-1.0, 1.0);
    changes.push_back(change(layers[k], "weights", picks[k]));
  }
  return changes;
}

// The neuron operators of DeepMutation++: the budget of neurons drawn over all layers, then
// `act(layer, its indices)` on each layer that got some.
template <typename Act>
json per_neuron(const Mutation& m, std::vector<WeightLayer>& layers, torch::Generator& gen,
                Act act) {
  const auto picks = spread(
      layers, m.ratio, [](const WeightLayer& l) { return l.weight.size(0); }, gen);
  json changes = json::array();
  for (std::size_t k = 0; k < layers.size(); ++k)
    if (picks[k].numel() > 0)
      if (json c = act(layers[k], picks[k]); !c.is_null()) changes.push_back(std::move(c));
  return changes;
}

// Each neuron's input-kernel weights, among themselves.
json weights_shuffling(const Mutation& m, std::vector<WeightLayer>& layers, torch::Generator& gen) {
  return per_neuron(m, layers, gen, [&](WeightLayer& l, const torch::Tensor& idx) {
    for (std::int64_t j : to_vector(idx))
      edit_flat(l.weight[j], [&](torch::Tensor& row) {
        row.copy_(row.index_select(0, torch::randperm(row.numel(), gen, torch::kLong)));
      });
    return change(l, "neurons", idx);
  });
}

json neuron_effect_block(const Mutation& m, std::vector<WeightLayer>& layers,
                         torch::Generator& gen) {
  return per_neuron(m, layers, gen, [](WeightLayer& l, const torch::Tensor& idx) {
    each_tensor(l, [&](torch::Tensor& t) { t.index_fill_(0, idx, 0.0); });
    return change(l, "neurons", idx);
  });
}

json neuron_activation_inverse(const Mutation& m, std::vector<WeightLayer>& layers,
                               torch::Generator& gen) {
  return per_neuron(m, layers, gen, [](WeightLayer& l, const torch::Tensor& idx) {
    each_tensor(l, [&](torch::Tensor& t) { t.index_copy_(0, idx, -t.index_select(0, idx)); });
    return change(l, "neurons", idx);
  });
}

// The layer's share of the budget as random pairs, swapped.
json neuron_switch(const Mutation& m, std::vector<WeightLayer>& layers, torch::Generator& gen) {
  return per_neuron(m, layers, gen, [&](WeightLayer& l, const torch::Tensor& idx) {
    const std::int64_t units = l.weight.size(0);
    if (units < 2) return json();
    std::vector<std::int64_t> swapped;
    for (std::int64_t n = 0; n < idx.numel(); ++n) {
      const torch::Tensor pair = torch::randperm(units, gen, torch::kLong).slice(0, 0, 2);
      const torch::Tensor flipped = pair.flip(0);
      each_tensor(l, [&](torch::Tensor& t) { t.index_copy_(0, pair, t.index_select(0, flipped)); });
      for (std::int64_t v : to_vector(pair)) swapped.push_back(v);
    }
    return json{{"layer", l.index}, {"name", l.name}, {"pairs", idx.numel()}, {"indices", swapped}};
  });
}

}  // namespace

WeightChange weight_operator(const std::string& name) {
  static const std::map<std::string, WeightChange> table{
      {"neurons_freezing", neurons_freezing},
      {"weights_fuzzing", weights_fuzzing},
      {"gaussian_fuzzing", gaussian_fuzzing},
      {"weights_shuffling", weights_shuffling},
      {"neuron_effect_block", neuron_effect_block},
      {"neuron_activation_inverse", neuron_activation_inverse},
      {"neuron_switch", neuron_switch},
  };
  const auto it = table.find(name);
  return it == table.end() ? nullptr : it->second;
}

json apply_weight_operator(const Mutation& m, std::vector<WeightLayer>& layers,
                           torch::Generator& gen) {
  const WeightChange f = weight_operator(m.name);
  PMT_THROW_IF(!f, kUsage, "--mut {}: not a post-training weight operator", m.name);
  torch::NoGradGuard no_grad;
  return f(m, layers, gen);
}

}  // namespace pmt::mutate
