// A saved instance, whatever made it: a pmt subject network (instance_<i>.pt with the spec in its
// sidecar instance_<i>.json, from train_mutants or mutate_model) or a user's TorchScript module
// (torch.jit.save from Python; LibTorch 1.13 reads what PyTorch <= 1.13 writes). gen_acc
// evaluates both, mutate_model mutates both through their weight layers
// (TorchScript: parameters "<prefix>.weight" of 2 or 4 dimensions).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/script.h>
#include <torch/torch.h>

#include "pmt/model/dataset.hpp"
#include "pmt/mutate/torch/post_training.hpp"
#include "pmt/train/network.hpp"

namespace pmt::train {

class Instance {
 public:
  // A pmt subject instance: the spec from `sidecar` (throws naming a corrupt one), then the
  // weights of `pt` (throws naming a file that is not a pmt model).
  static Instance load_subject(const std::filesystem::path& pt,
                               const std::filesystem::path& sidecar);
  // A TorchScript module; throws pmt::Error (data) naming `pt` when it is not one.
  static Instance load_torchscript(const std::filesystem::path& pt);
  // A subject network as it is (mutate_model's structural operators build new ones).
  explicit Instance(std::shared_ptr<SubjectNet> net);

  bool torchscript() const { return module_.has_value(); }
  SubjectNet& net() { return *net_; }
  const std::filesystem::path& file() const { return file_; }

  // Accuracy on `data` (the subject's metric; TorchScript: argmax of the output against the
  // labels), predictions into *predictions. A TorchScript output that is not one score per class
  // for every input (or narrower than the labels need, or not `num_classes` wide when that is
  // > 0) is a data error naming the file.
  double evaluate(const model::Dataset& data, std::vector<std::int64_t>* predictions = nullptr,
                  int num_classes = 0);
  // The weight layers, their tensors being views of the model's own (mutated in place).
  std::vector<mutate::WeightLayer> weight_layers();
  // Every parameter, copied (to restore between draws) and restored.
  std::vector<torch::Tensor> snapshot();
  void restore(const std::vector<torch::Tensor>& saved);
  // Atomic save (temp + rename).
  void save(const std::filesystem::path& pt);

 private:
  Instance() = default;
  std::vector<torch::Tensor> parameters();
  std::filesystem::path file_;
  std::shared_ptr<SubjectNet> net_;
  std::optional<torch::jit::Module> module_;
};

// The layer list of a TorchScript model as a spec that the operator registry reads (one dense or
// conv2d entry per weight layer, in the module's parameter order, named by module path).
model::SubjectSpec torchscript_spec(Instance& instance, const std::string& model);

// A test set for --test-set: IDX images (labels beside, or `labels`) or NPY (an array of inputs
// and one of labels, `labels` required). Values are divided by `scale`; each sample is reshaped to
// `sample_shape` (empty: the file's per-sample shape, a channel axis added in front of 2-D IDX
// images). Labels are checked against num_classes when it is > 0.
model::Dataset load_test_set(const std::filesystem::path& images,
                             const std::filesystem::path& labels,
                             std::vector<std::int64_t> sample_shape, double scale, int num_classes);

}  // namespace pmt::train
