// Optimisers missing from LibTorch 1.13's C++ API, as torch::optim::Optimizer subclasses with
// Keras (TF 2.3) semantics and defaults, plus a factory for all the subject optimisers.
//
// Adadelta (Zeiler 2012; Keras lr=0.001, rho=0.95, eps=1e-7):
//   E[g2] = rho E[g2] + (1-rho) g^2;  d = g sqrt(E[dx2] + eps) / sqrt(E[g2] + eps);
//   p -= lr d;  E[dx2] = rho E[dx2] + (1-rho) d^2
// Adamax (Kingma & Ba 2015, sec. 7.1; Keras lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
//   m = b1 m + (1-b1) g;  u = max(b2 u, |g|);  p -= lr / (1 - b1^t) * m / (u + eps)
// Nadam (Dozat 2016, as in Keras; lr=0.001, b1=0.9, b2=0.999, eps=1e-7, schedule_decay=0.004):
//   mu_t = b1 (1 - 0.5 * 0.96^(t * sd));  mu_t1 = b1 (1 - 0.5 * 0.96^((t+1) * sd));
//   S_t = S_{t-1} mu_t (S_0 = 1);  g' = g / (1 - S_t);
//   m = b1 m + (1-b1) g;  m' = m / (1 - S_t mu_t1);  v = b2 v + (1-b2) g^2;  v' = v / (1 - b2^t)
//   p -= lr ((1 - mu_t) g' + mu_t1 m') / (sqrt(v') + eps)
#pragma once

#include <memory>
#include <vector>

#include <torch/torch.h>

#include "pmt/model/subject.hpp"

namespace pmt::train {

struct KerasOptimOptions : torch::optim::OptimizerCloneableOptions<KerasOptimOptions> {
  explicit KerasOptimOptions(double lr = 0.001) : lr_(lr) {}
  TORCH_ARG(double, lr);
  TORCH_ARG(double, rho) = 0.95;      // Adadelta
  TORCH_ARG(double, beta_1) = 0.9;    // Adamax, Nadam
  TORCH_ARG(double, beta_2) = 0.999;  // Adamax, Nadam
  TORCH_ARG(double, eps) = 1e-7;
  TORCH_ARG(double, schedule_decay) = 0.004;  // Nadam
 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
};

struct KerasOptimState : torch::optim::OptimizerCloneableParamState<KerasOptimState> {
  TORCH_ARG(int64_t, step) = 0;
  TORCH_ARG(torch::Tensor, a);  // Adadelta E[g2]; Adamax/Nadam first moment
  TORCH_ARG(torch::Tensor, b);  // Adadelta E[dx2]; Adamax infinity norm; Nadam second moment
  TORCH_ARG(double, m_schedule) = 1.0;  // Nadam S_t
};

// One class per rule; they share options, state and the per-parameter loop.
class KerasOptimizer : public torch::optim::Optimizer {
 public:
  enum class Rule { kAdadelta, kAdamax, kNadam };
  KerasOptimizer(Rule rule, std::vector<torch::Tensor> params, KerasOptimOptions options);
  torch::Tensor step(LossClosure closure = nullptr) override;

 private:
  Rule rule_;
};

struct Adadelta : KerasOptimizer {
  explicit Adadelta(std::vector<torch::Tensor> p, KerasOptimOptions o = KerasOptimOptions(0.001))
      : KerasOptimizer(Rule::kAdadelta, std::move(p), o) {}
};
struct Adamax : KerasOptimizer {
  explicit Adamax(std::vector<torch::Tensor> p, KerasOptimOptions o = KerasOptimOptions(0.001))
      : KerasOptimizer(Rule::kAdamax, std::move(p), o) {}
};
struct Nadam : KerasOptimizer {
  explicit Nadam(std::vector<torch::Tensor> p, KerasOptimOptions o = KerasOptimOptions(0.001))
      : KerasOptimizer(Rule::kNadam, std::move(p), o) {}
};

// The optimiser of a subject spec with Keras defaults for parameters the spec does not set
// (sgd: momentum 0, nesterov 0; rmsprop: rho 0.9, momentum 0; adagrad: initial accumulator 0.1;
// adam: beta_1 0.9, beta_2 0.999; all: epsilon 1e-7).
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const model::OptimizerSpec& spec,
                                                        std::vector<torch::Tensor> params);

}  // namespace pmt::train
