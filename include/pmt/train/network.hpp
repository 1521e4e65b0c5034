// A subject spec as a LibTorch module, and Keras-style training (model.fit) and evaluation.
// Every random draw (initialisers, dropout masks, epoch shuffles) comes from one per-instance
// torch::Generator, never the global one, so concurrent instances are reproducible.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "pmt/model/dataset.hpp"
#include "pmt/model/subject.hpp"

namespace pmt::train {

class SubjectNet : public torch::nn::Module {
 public:
  // Builds the layers and initialises them with the spec's Keras initialisers drawn from `gen`.
  SubjectNet(const model::SubjectSpec& spec, torch::Generator gen);
  // Output of the last layer before its activation (logits when it is softmax), from a batch of
  // each input (a graph subject's inputs in spec order; a stack has one).
  torch::Tensor logits(torch::Tensor x);
  torch::Tensor logits(const std::vector<torch::Tensor>& inputs);
  // Output after the last activation (class probabilities for softmax).
  torch::Tensor forward(torch::Tensor x);
  // Every layer's output for a batch of each input, in layer order: after each layer's
  // activation, the last layer's before it (the logits). Arachne's localisation reads a layer's
  // input and output.
  std::vector<torch::Tensor> layer_outputs(const std::vector<torch::Tensor>& inputs);
  // A plain stack's logits from layer `layer` on, given that layer's input (the output of layer
  // layer - 1, as layer_outputs gives it): searches that change one layer's weights rerun only
  // the layers from there.
  torch::Tensor logits_from(std::size_t layer, torch::Tensor input);
  const model::SubjectSpec& spec() const { return spec_; }
  // Keras' kernel regularisation penalty summed over the layers (undefined when none has one).
  torch::Tensor regularization() const;
  // The instance's random stream (also used by fit() for the epoch shuffles).
  torch::Generator& generator() { return gen_; }

 private:
  torch::Tensor run(const std::vector<torch::Tensor>& inputs, bool last_activation,
                    std::vector<torch::Tensor>* all = nullptr, std::size_t from = 0);
  model::SubjectSpec spec_;
  torch::Generator gen_;
  std::vector<torch::nn::Conv2d> conv_;
  std::vector<torch::nn::Conv1d> conv1d_;
  std::vector<torch::nn::Linear> dense_;
  std::vector<torch::nn::Embedding> embedding_;
  // batch_normalization and layer_normalization: "weight" (gamma), "bias" (beta) when the spec
  // has them; batch_normalization's buffers "running_mean" and "running_var" (Keras' moving
  // statistics)
  std::vector<std::shared_ptr<torch::nn::Module>> norm_;
  // lstm and gru: "kernel" (features, gates x units), "recurrent_kernel" (units, gates x units)
  // and "bias", in Keras' layout and gate order (LSTM i, f, c, o; GRU z, r, h)
  std::vector<std::shared_ptr<torch::nn::Module>> recurrent_;
  // separable_conv2d: "depthwise_kernel" (in x multiplier, 1, kh, kw), "pointwise_kernel"
  // (filters, in x multiplier, 1, 1), "bias"; conv2d_transpose: "weight" (in, filters, kh, kw),
  // "bias"
  std::vector<std::shared_ptr<torch::nn::Module>> parts_;
  std::vector<std::vector<std::int64_t>> out_shape_;  // per layer (model::infer_shapes)
  std::vector<int> slot_;  // per layer: its index in conv_ / dense_ / embedding_
  // per layer: the padding a window layer adds (width before, after, height before, after)
  std::vector<std::array<std::int64_t, 4>> pads_;
  std::vector<std::vector<int>> edges_;  // per layer: what it reads (layer j >= 0, input k as
                                         // -1 - k)
};

struct EpochStats {
  int epoch = 0;  // 1-based
  double loss = 0, accuracy = 0;
  double val_loss = 0, val_accuracy = 0;  // NaN without validation data
  double seconds = 0;
};

struct TrainResult {
  std::vector<EpochStats> history;
  bool early_stopped = false;
  double seconds = 0;
};

// Keras model.fit: shuffles every epoch, mini-batches of spec.batch_size (the last one partial),
// the spec's loss and optimiser; validation data (may be null) evaluated after every epoch and
// monitored by early stopping (val_loss, min_delta 0) when spec.patience > 0, which restores the
// best epoch's weights when it stops training and spec.restore_best_weights (as Keras' does).
TrainResult fit(SubjectNet& net, const model::Dataset& train, const model::Dataset* validation,
                const std::function<void(const EpochStats&)>& on_epoch = {});

// fit() for N instances of one subject at once, trained as ONE fused model (fused.cpp): nets[k]
// on train[k] (one dataset may serve several instances), validated on validation[k] (all null,
// or all of one size). The spec must fuse (fusion_blocker(spec) == "": no early stopping) and
// the training sets must have one size. Instance k ends exactly as fit(*nets[k], ...) would
// leave it (weights, generator state, history) up to floating-point summation order; its epoch
// times are the fused model's. on_epoch(k, stats) after every epoch, for each instance.
std::vector<TrainResult> fit_fused(
    const std::vector<SubjectNet*>& nets, const std::vector<const model::Dataset*>& train,
    const std::vector<const model::Dataset*>& validation,
    const std::function<void(std::size_t, const EpochStats&)>& on_epoch = {});

// The network's outputs for every sample of `data` (size, outputs), in eval mode without
// gradients, in batches of spec.eval_batch_size: the logits, or after the last activation
// (num_classes columns: the spec's outputs).
torch::Tensor outputs(SubjectNet& net, const model::Dataset& data, bool last_activation);

// Loss (the spec's) and the metric of `net` on `data` (accuracy, a share or the loss); the
// predicted classes (regression: 1 where the metric counts the output as right; nothing for the
// "loss" metric) into *predictions.
std::pair<double, double> evaluate(SubjectNet& net, const model::Dataset& data,
                                   std::vector<std::int64_t>* predictions = nullptr);

// Atomic save (temp + rename) and load; load throws pmt::Error (data) naming a corrupt file.
void save_net(SubjectNet& net, const std::filesystem::path& path);
void load_net(SubjectNet& net, const std::filesystem::path& path);

}  // namespace pmt::train
