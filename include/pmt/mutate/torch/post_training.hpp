// Post-training (model-level) weight operators: they act in place on the weights of a trained
// model's dense, convolutional and recurrent layers (WeightLayer: neuron-first views of LibTorch's
// parameters), so that they serve pmt's subject networks and users' TorchScript modules alike.
// A neuron is an output unit or channel: a recurrent layer's unit owns its columns of every gate
// in the kernel, the recurrent kernel and the bias. The kernel-entry operators (weights_fuzzing,
// GF, WS) change input kernels only, as the references change Keras' weights[0]; the neuron
// operators (neurons_freezing, NEB, NAI, NS) change the neuron's kernel, recurrent kernel and bias
// slices. Normalisation and embedding parameters are left alone.
//   neurons_freezing, weights_fuzzing: the PMT package (FlowSs/PMT operators/weights_operators.py)
//     on ONE layer: int(r * units) units (at least 1) zeroed, kernel slice and bias; int(r * size)
//     kernel entries (no minimum) get w + N(0,1) * m * |w|; the bias is untouched.
//   GF, WS, NEB, NAI, NS: DeepMutation++ (wellido/mutation_tool cnn_mutation/src/cnn_operator.py)
//     over all weight layers: a budget of int(r * total) kernel weights (GF) or neurons
//     (the others), at least 1, drawn without replacement over the layers together.
// Where pmt departs from the reference code (docs/reference/posttraining.md §2.3): every neuron
// can be drawn (DeepMutation++'s range(0, n - 1) never draws a layer's last one; DeepCrime's copy
// fixed it), and NS swaps the two neurons (the reference's NumPy view aliasing copies b onto a).
// The structural operators (LD, LAm, AFRm) change the subject's spec: their layer_change in the
// registry, the weights carried over by mutate_model (tools/torch/mutate_model.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "pmt/model/subject.hpp"
#include "pmt/mutate/registry.hpp"

namespace pmt::mutate {

// One weight layer of a trained model, each tensor a view of the model's own parameter (changed
// in place) with the layer's neurons (output units or channels) first.
struct WeightLayer {
  int index = 0;     // in the subject's layer list (TorchScript: in weight_layers order)
  std::string name;  // "layer1" (pmt subject; "layer1.backward": a Bidirectional's backward
                     // direction, with the same index) or the TorchScript module path ("fc1")
  model::LayerType type = model::LayerType::kDense;
  // the input kernel (neurons, ...): dense (out, in), convolutions (out, in / groups, [kh,] kw),
  // a separable convolution's pointwise kernel, a transposed convolution's (filters, in, kh, kw)
  // view, a recurrent layer's (units, gates, in) view of Keras' (in, gates * units) kernel
  torch::Tensor weight;
  torch::Tensor bias;       // (neurons), a recurrent layer's (units, gates) or (units, 2, gates)
                            // view, or undefined
  torch::Tensor recurrent;  // a recurrent layer's (units, gates, units) view, else undefined
};

// A weight operator's behaviour: `layers` changed in place, drawing from `gen`; returns what
// changed (see apply_weight_operator).
using WeightChange = nlohmann::json (*)(const Mutation& m, std::vector<WeightLayer>& layers,
                                        torch::Generator& gen);
// The registered behaviour of the post-training weight operator `name` (an entry of the registry
// with stage post-training and no layer change); null for every other name.
WeightChange weight_operator(const std::string& name);

// Applies weight operator `m` (neurons_freezing, weights_fuzzing, GF, WS, NEB, NAI, NS) to
// `layers` in place, drawing from `gen`; neurons_freezing and weights_fuzzing act on the layer
// whose index is m.layer. Returns what changed, per layer: {"layer", "name", "neurons" or
// "weights" (count), "indices" (output units, or flat kernel indices when at most 1,000)}.
nlohmann::json apply_weight_operator(const Mutation& m, std::vector<WeightLayer>& layers,
                                     torch::Generator& gen);

}  // namespace pmt::mutate
