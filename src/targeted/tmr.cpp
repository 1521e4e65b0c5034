// tmr: Targeted Misbehavior Retraining (the USI thesis, section 4.4, Algorithm 5):
//   L_mis  <- the sound model's second most probable label of each input of C_i (I_neg)
//   mutant <- retrain(model, C_i, L_mis, N)          (N = --epochs, default 2)
//   mutant <- retrain(mutant, OtherClusters, 1)      (true labels; --keep-epochs)
// With --rehearse R (pmt's variant; 0, the thesis' algorithm, by default), both retrainings also
// see R inputs of the split's other classes with their true labels (drawn once per mutant from
// its seed), so that what the mutant forgets stays within class C. With --fresh-rehearsal every
// epoch sees R other inputs instead (the draws go through the other classes before any input
// comes back): the N epochs on C_i are then one shuffled pass over N copies of C_i and N * R
// rehearsal inputs (the same steps, one optimiser state). With --distill the rehearsal inputs'
// targets are the sound instance's class probabilities, not their labels (knowledge
// distillation, as Learning without Forgetting does), and with --freeze L the layers before L
// keep their weights.
// "retrain" is the subject's own training (pmt's Keras-style fit: its optimiser with a fresh
// state, its batch size and loss, an epoch shuffle); the thesis does not state these (its code
// is not public), so they are the subject's. The mutant's randomness (shuffles, dropout) comes
// from its seed (--seed, parameter, instance): the same command gives the same mutants.
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>

#include "pmt/core/error.hpp"
#include "pmt/targeted/method.hpp"

namespace pmt::targeted {

namespace {

// The weights and the buffers (batch normalisation's running statistics).
void copy_parameters(train::SubjectNet& from, train::SubjectNet& to) {
  torch::NoGradGuard no_grad;
  const auto src = from.parameters();
  const auto dst = to.parameters();
  for (std::size_t k = 0; k < src.size(); ++k) dst[k].copy_(src[k]);
  const auto src_buffers = from.buffers();
  const auto dst_buffers = to.buffers();
  for (std::size_t k = 0; k < src_buffers.size(); ++k) dst_buffers[k].copy_(src_buffers[k]);
}

// `net` trained `epochs` epochs on `data` (its spec otherwise), in place.
void retrain(train::SubjectNet& net, const model::Dataset& data, int epochs, std::uint64_t seed,
             const TmrSettings& o) {
  model::SubjectSpec spec = net.spec();
  spec.epochs = epochs;
  spec.patience = 0;
  if (o.batch_size > 0) spec.batch_size = o.batch_size;
  if (o.learning_rate > 0) spec.optimizer.learning_rate = o.learning_rate;
  train::SubjectNet work(spec, at::make_generator<at::CPUGeneratorImpl>(seed));
  copy_parameters(net, work);
  for (auto& p : work.named_parameters())  // "layer<i>.weight": frozen below --freeze
    if (std::stoi(p.key().substr(5)) < o.freeze) p.value().set_requires_grad(false);
  train::fit(work, data, nullptr);
  copy_parameters(work, net);
}

// `count` inputs of the split outside I_neg's class, drawn without replacement with the
// mutant's seed, in the order drawn; when there are fewer, all of them, or with `wrap` the same
// random order again until there are `count`.
std::vector<std::int64_t> rehearsal(const MutantInputs& in, std::size_t count, bool wrap) {
  if (count == 0 || in.neg.empty()) return {};
  const std::int64_t cls = in.split.y[static_cast<std::size_t>(in.neg.front())];
  std::vector<std::int64_t> others;
  for (std::int64_t i = 0; i < in.split.size(); ++i)
    if (in.split.y[static_cast<std::size_t>(i)] != cls) others.push_back(i);
  std::mt19937_64 rng(in.seed ^ 0x5265686561727365ULL);  // "Rehearse"
  if (others.empty()) return {};
  const auto n = std::min(count, others.size());
  for (std::size_t k = 0; k < n; ++k) {  // a partial Fisher-Yates shuffle
    std::uniform_int_distribution<std::size_t> pick(k, others.size() - 1);
    std::swap(others[k], others[pick(rng)]);
  }
  others.resize(n);
  if (count <= n || !wrap) return others;
  std::vector<std::int64_t> out(count);
  for (std::size_t k = 0; k < count; ++k) out[k] = others[k % n];
  return out;
}

// `data` `times` times over (once when times < 2).
model::Dataset repeated(const model::Dataset& data, int times) {
  model::Dataset out = data;
  for (int k = 1; k < times; ++k) out.append(data);
  return out;
}

// Samples [begin, begin + count) of `draws` (a copy of the split's inputs they index).
model::Dataset draw_slice(const MutantInputs& in, const std::vector<std::int64_t>& draws,
                          std::size_t begin, std::size_t count) {
  const auto first = draws.begin() + static_cast<std::ptrdiff_t>(begin);
  return in.split.subset({first, first + static_cast<std::ptrdiff_t>(count)});
}

// `d` with target rows instead of labels (a soft-label set, model/dataset.hpp): one-hot rows of
// its labels, or with `teacher` that network's class probabilities.
model::Dataset as_rows(model::Dataset d, int classes, train::SubjectNet* teacher) {
  const auto n = static_cast<std::size_t>(d.size());
  const auto width = static_cast<std::size_t>(classes);
  d.t.assign(n * width, 0.0f);
  if (teacher) {
    const torch::Tensor p = train::outputs(*teacher, d, true).contiguous();
    std::copy_n(p.data_ptr<float>(), p.numel(), d.t.data());
  } else {
    for (std::size_t i = 0; i < n; ++i) d.t[i * width + static_cast<std::size_t>(d.y[i])] = 1.0f;
  }
  d.target_dim = classes;
  d.y.clear();
  return d;
}

}  // namespace

Method tmr_method(const TmrSettings& o) {
  PMT_THROW_IF(o.epochs < 1, kUsage, "--epochs must be at least 1, got {}", o.epochs);
  PMT_THROW_IF(o.keep_epochs < 0, kUsage, "--keep-epochs must be 0 or more, got {}", o.keep_epochs);
  PMT_THROW_IF(o.rehearse < 0, kUsage, "--rehearse must be 0 or more, got {}", o.rehearse);
  PMT_THROW_IF(o.batch_size < 0 || !(o.learning_rate >= 0), kUsage,
               "--batch-size and --learning-rate must be positive (0: the subject's)");
  Method m;
  m.op = "tmr";
  m.how = fmt::format("e{}", o.epochs);
  if (o.keep_epochs != 1) m.how += fmt::format("_p{}", o.keep_epochs);
  PMT_THROW_IF(o.fresh_rehearsal && o.rehearse == 0, kUsage,
               "--fresh-rehearsal needs --rehearse N (the inputs per epoch)");
  PMT_THROW_IF(o.distill && o.rehearse == 0, kUsage,
               "--distill needs --rehearse N (the inputs it labels)");
  if (o.rehearse > 0) m.how += fmt::format(o.fresh_rehearsal ? "_rf{}" : "_r{}", o.rehearse);
  if (o.distill) m.how += "d";
  if (o.batch_size > 0) m.how += fmt::format("_b{}", o.batch_size);
  if (o.learning_rate > 0) m.how += fmt::format("_lr{}", o.learning_rate);
  if (o.freeze > 0) m.how += fmt::format("_fz{}", o.freeze);
  m.settings = {{"epochs", o.epochs},
                {"keep_epochs", o.keep_epochs},
                {"rehearse", o.rehearse},
                {"batch_size", o.batch_size},
                {"learning_rate", o.learning_rate}};
  // only when set: the settings enter the folder's fingerprint, which the mutants made before
  // the flag existed keep
  if (o.fresh_rehearsal) m.settings["fresh_rehearsal"] = true;
  if (o.freeze > 0) m.settings["freeze"] = o.freeze;
  if (o.distill) m.settings["distill"] = true;
  m.check = [&o](const model::SubjectSpec& spec) {
    bool trainable = false;
    for (std::size_t i = static_cast<std::size_t>(o.freeze); i < spec.layers.size(); ++i)
      if (const auto& t = spec.layers[i].type; t == model::LayerType::kDense ||
                                               t == model::LayerType::kConv2d ||
                                               t == model::LayerType::kEmbedding)
        trainable = true;
    PMT_THROW_IF(o.freeze < 0 || !trainable, kUsage,
                 "--freeze {}: {} has no dense or conv layer from layer {} on (it has {} layers)",
                 o.freeze, spec.name, o.freeze, spec.layers.size());
  };
  m.make = [&o](train::SubjectNet& net, const MutantInputs& in) {
    const auto t0 = std::chrono::steady_clock::now();
    const int classes = net.spec().num_classes;
    model::Dataset neg = in.split.subset(in.neg);
    neg.y = in.second;  // L_mis
    model::Dataset pos = in.split.subset(in.pos);
    if (o.distill) neg = as_rows(neg, classes, nullptr), pos = as_rows(pos, classes, nullptr);
    // the rehearsal inputs, labelled with the sound instance's probabilities under --distill
    const auto rehearsed = [&](model::Dataset d) {
      return o.distill ? as_rows(std::move(d), classes, &net) : d;
    };
    const auto per_epoch = static_cast<std::size_t>(o.rehearse);
    std::vector<std::int64_t> others;
    int neg_epochs = o.epochs, keep_epochs = o.keep_epochs;
    if (o.fresh_rehearsal) {  // N new inputs an epoch: the epochs as one pass over all of them
      const std::size_t neg_draws = per_epoch * static_cast<std::size_t>(o.epochs);
      others = rehearsal(in, neg_draws + per_epoch * static_cast<std::size_t>(o.keep_epochs), true);
      neg = repeated(neg, o.epochs);
      pos = repeated(pos, o.keep_epochs);
      if (!others.empty()) {
        neg.append(rehearsed(draw_slice(in, others, 0, neg_draws)));
        pos.append(rehearsed(draw_slice(in, others, neg_draws, others.size() - neg_draws)));
      }
      neg_epochs = 1;
      keep_epochs = std::min(1, o.keep_epochs);
    } else {
      others = rehearsal(in, per_epoch, false);
      std::sort(others.begin(), others.end());
      if (!others.empty()) {
        const model::Dataset r = rehearsed(in.split.subset(others));
        neg.append(r);
        pos.append(r);
      }
    }
    retrain(net, neg, neg_epochs, in.seed, o);
    if (keep_epochs > 0) retrain(net, pos, keep_epochs, in.seed + 1, o);
    std::vector<std::int64_t> distinct = others;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    return nlohmann::json{
        {"i_neg", in.neg.size()},
        {"i_pos", in.pos.size()},
        {"rehearsal", others.size()},
        {"rehearsal_distinct", distinct.size()},
        {"retrain_s",
         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()}};
  };
  return m;
}

}  // namespace pmt::targeted
