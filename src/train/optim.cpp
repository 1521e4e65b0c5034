// Keras-semantics Adadelta, Adamax and Nadam for LibTorch, and the optimiser factory
// (update rules in optim.hpp).
#include "pmt/train/optim.hpp"

#include <cmath>

#include "pmt/core/error.hpp"

namespace pmt::train {

KerasOptimizer::KerasOptimizer(Rule rule, std::vector<torch::Tensor> params,
                               KerasOptimOptions options)
    : torch::optim::Optimizer({torch::optim::OptimizerParamGroup(std::move(params))},
                              std::make_unique<KerasOptimOptions>(options)),
      rule_(rule) {}

torch::Tensor KerasOptimizer::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure != nullptr) {
    torch::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& o = static_cast<const KerasOptimOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor g = p.grad();
      auto key = c10::guts::to_string(p.unsafeGetTensorImpl());
      if (state_.find(key) == state_.end()) {
        auto s = std::make_unique<KerasOptimState>();
        s->a(torch::zeros_like(p));
        s->b(torch::zeros_like(p));
        state_[key] = std::move(s);
      }
      auto& s = static_cast<KerasOptimState&>(*state_[key]);
      s.step(s.step() + 1);
      const double t = static_cast<double>(s.step());
      torch::Tensor& a = s.a();
      torch::Tensor& b = s.b();
      switch (rule_) {
        case Rule::kAdadelta: {
          a.mul_(o.rho()).addcmul_(g, g, 1 - o.rho());
          torch::Tensor d = (b + o.eps()).sqrt_().div_((a + o.eps()).sqrt_()).mul_(g);
          p.add_(d, -o.lr());
          b.mul_(o.rho()).addcmul_(d, d, 1 - o.rho());
          break;
        }
        case Rule::kAdamax: {
          a.mul_(o.beta_1()).add_(g, 1 - o.beta_1());
          torch::maximum_out(b, b * o.beta_2(), g.abs());
          const double lr_t = o.lr() / (1 - std::pow(o.beta_1(), t));
          p.addcdiv_(a, b + o.eps(), -lr_t);
          break;
        }
        case Rule::kNadam: {
          const double mu_t = o.beta_1() * (1 - 0.5 * std::pow(0.96, t * o.schedule_decay()));
          const double mu_t1 =
              o.beta_1() * (1 - 0.5 * std::pow(0.96, (t + 1) * o.schedule_decay()));
          const double sched = s.m_schedule() * mu_t;
          s.m_schedule(sched);
          a.mul_(o.beta_1()).add_(g, 1 - o.beta_1());
          b.mul_(o.beta_2()).addcmul_(g, g, 1 - o.beta_2());
          torch::Tensor m_bar = g * ((1 - mu_t) / (1 - sched)) + a * (mu_t1 / (1 - sched * mu_t1));
          torch::Tensor denom = (b / (1 - std::pow(o.beta_2(), t))).sqrt_().add_(o.eps());
          p.addcdiv_(m_bar, denom, -o.lr());
          break;
        }
      }
    }
  }
  return loss;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const model::OptimizerSpec& spec,
                                                        std::vector<torch::Tensor> params) {
  auto get = [&](const char* key, double fallback) {
    const auto it = spec.params.find(key);
    return it == spec.params.end() ? fallback : it->second;
  };
  const double lr = spec.learning_rate;
  const double eps = get("epsilon", 1e-7);
  if (spec.name == "sgd")
    return std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(lr)
                                                           .momentum(get("momentum", 0))
                                                           .nesterov(get("nesterov", 0) != 0));
  if (spec.name == "rmsprop")
    return std::make_unique<torch::optim::RMSprop>(params, torch::optim::RMSpropOptions(lr)
                                                               .alpha(get("rho", 0.9))
                                                               .momentum(get("momentum", 0))
                                                               .eps(eps));
  if (spec.name == "adagrad")
    return std::make_unique<torch::optim::Adagrad>(
        params, torch::optim::AdagradOptions(lr)
                    .initial_accumulator_value(get("initial_accumulator_value", 0.1))
                    .eps(eps));
  if (spec.name == "adam")
    return std::make_unique<torch::optim::Adam>(
        params,
        torch::optim::AdamOptions(lr).betas({get("beta_1", 0.9), get("beta_2", 0.999)}).eps(eps));
  KerasOptimOptions o(lr);
  o.rho(get("rho", 0.95)).beta_1(get("beta_1", 0.9)).beta_2(get("beta_2", 0.999)).eps(eps);
  o.schedule_decay(get("schedule_decay", 0.004));
  if (spec.name == "adadelta") return std::make_unique<Adadelta>(params, o);
  if (spec.name == "adamax") return std::make_unique<Adamax>(params, o);
  if (spec.name == "nadam") return std::make_unique<Nadam>(params, o);
  PMT_THROW(kData, "unknown optimiser '{}' (valid: {})", spec.name,
            model::join_names(model::optimizer_names()));
}

}  // namespace pmt::train
