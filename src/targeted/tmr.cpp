// tmr: Targeted Misbehavior Retraining (the USI thesis, section 4.4, Algorithm 5):
//   L_mis  <- the sound model's second most probable label of each input of C_i (I_neg)
//   mutant <- retrain(model, C_i, L_mis, N)          (N = --epochs, default 2)
//   mutant <- retrain(mutant, OtherClusters, 1)      (true labels; --keep-epochs)
// "retrain" is the subject's own training (pmt's Keras-style fit: its optimiser with a fresh
// state, its batch size and loss, an epoch shuffle); the thesis does not state these (its code
// is not public), so they are the subject's. The mutant's randomness (shuffles, dropout) comes
// from its seed (--seed, parameter, instance): the same command gives the same mutants.
#include <ATen/CPUGeneratorImpl.h>

#include <chrono>

#include "driver.hpp"
#include "pmt/error.hpp"

namespace pmt::targeted {

namespace {

void copy_parameters(train::SubjectNet& from, train::SubjectNet& to) {
  torch::NoGradGuard no_grad;
  const auto src = from.parameters();
  const auto dst = to.parameters();
  for (std::size_t k = 0; k < src.size(); ++k) dst[k].copy_(src[k]);
}

// `net` trained `epochs` epochs on `data` (its spec otherwise), in place.
void retrain(train::SubjectNet& net, const train::Dataset& data, int epochs, std::uint64_t seed,
             const TmrOptions& o) {
  train::SubjectSpec spec = net.spec();
  spec.epochs = epochs;
  spec.patience = 0;
  if (o.batch_size > 0) spec.batch_size = o.batch_size;
  if (o.learning_rate > 0) spec.optimizer.learning_rate = o.learning_rate;
  train::SubjectNet work(spec, at::make_generator<at::CPUGeneratorImpl>(seed));
  copy_parameters(net, work);
  train::fit(work, data, nullptr);
  copy_parameters(work, net);
}

}  // namespace

TargetedSummary run_tmr(const TmrOptions& o) {
  PMT_THROW_IF(o.epochs < 1, kUsage, "--epochs must be at least 1, got {}", o.epochs);
  PMT_THROW_IF(o.keep_epochs < 0, kUsage, "--keep-epochs must be 0 or more, got {}", o.keep_epochs);
  PMT_THROW_IF(o.batch_size < 0 || !(o.learning_rate >= 0), kUsage,
               "--batch-size and --learning-rate must be positive (0: the subject's)");
  detail::Method m;
  m.op = "tmr";
  m.how = fmt::format("e{}", o.epochs);
  if (o.keep_epochs != 1) m.how += fmt::format("_p{}", o.keep_epochs);
  if (o.batch_size > 0) m.how += fmt::format("_b{}", o.batch_size);
  if (o.learning_rate > 0) m.how += fmt::format("_lr{}", o.learning_rate);
  m.settings = {{"epochs", o.epochs},
                {"keep_epochs", o.keep_epochs},
                {"batch_size", o.batch_size},
                {"learning_rate", o.learning_rate}};
  m.make = [&o](train::SubjectNet& net, const detail::MutantInputs& in) {
    const auto t0 = std::chrono::steady_clock::now();
    train::Dataset neg = in.split.subset(in.neg);
    neg.y = in.second;  // L_mis
    retrain(net, neg, o.epochs, in.seed, o);
    if (o.keep_epochs > 0) retrain(net, in.split.subset(in.pos), o.keep_epochs, in.seed + 1, o);
    return nlohmann::json{
        {"i_neg", in.neg.size()},
        {"i_pos", in.pos.size()},
        {"retrain_s",
         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}};
  };
  return detail::run_targeted(o, m);
}

}  // namespace pmt::targeted
