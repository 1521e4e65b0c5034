// What the unfused and the fused training loops share (network.cpp, fused.cpp): Keras
// activations and losses, the metric, and a dataset's tensors. Private to src/train/.
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>

#include "pmt/model/dataset.hpp"
#include "pmt/model/subject.hpp"

namespace pmt::train::detail {

// A Keras activation (softmax over the channels); `alpha`: leaky_relu's negative slope.
torch::Tensor activate(const torch::Tensor& x, model::Activation activation, double alpha = 0.2);
// The activation after the subject's last layer (output_activation, with the layer's alpha).
torch::Tensor activate_output(const model::SubjectSpec& spec, const torch::Tensor& x);
// Keras losses on the output `p` (after the last activation) against one-hot (or regression)
// targets `y`: the mean over the batch of each sample's loss.
torch::Tensor keras_loss(model::Loss loss, const torch::Tensor& p, const torch::Tensor& y);
// The predicted classes: the argmax of the activated output, as Keras' categorical_accuracy
// (the first index on ties), over the last axis.
torch::Tensor predicted_classes(const model::SubjectSpec& spec, const torch::Tensor& logits);
// Loss of a batch from the last layer's pre-activation output (batch, outputs) against the
// targets (class indices, rows of class probabilities, or target rows for regression).
torch::Tensor batch_loss(const model::SubjectSpec& spec, const torch::Tensor& logits,
                         const torch::Tensor& target);
// Per sample: 1 when the subject's metric counts the output as right.
torch::Tensor metric_hits(const model::SubjectSpec& spec, const torch::Tensor& logits,
                          const torch::Tensor& target);
// The dataset's arrays as tensors (views of its memory: the dataset must outlive them).
std::vector<torch::Tensor> input_tensors(const model::Dataset& d);
torch::Tensor target_tensor(const model::Dataset& d);

}  // namespace pmt::train::detail
