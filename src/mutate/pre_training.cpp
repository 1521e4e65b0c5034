// DeepCrime's pre-training operators (see pre_training.hpp; reference: DeepCrime
// operators/training_data_operators.py, get_random_indexes: a random permutation of the
// candidates, of which the first int(n * pct / 100) are taken; the other operators/*.py edit one
// entry of the model's Keras config, as mutate_spec edits the spec).
#include "pmt/mutate/pre_training.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <random>

#include "pmt/error.hpp"

namespace pmt::mutate {

namespace {

// The first int(n * pct / 100) of a random permutation of `candidates`.
std::vector<std::int64_t> pick(std::vector<std::int64_t> candidates, double pct, stats::Rng& rng) {
  for (std::size_t i = candidates.size(); i > 1; --i)
    std::swap(candidates[i - 1], candidates[stats::bounded(rng, static_cast<std::uint32_t>(i))]);
  const auto k = static_cast<std::size_t>(static_cast<double>(candidates.size()) * pct / 100.0);
  candidates.resize(std::min(k, candidates.size()));
  return candidates;
}

std::vector<std::int64_t> indices_of(const Dataset& d, std::int64_t label) {
  std::vector<std::int64_t> idx;
  for (std::int64_t i = 0; i < d.size(); ++i)
    if (d.y[i] == label) idx.push_back(i);
  return idx;
}

// Labels present, most frequent first; ties: the larger label first, as DeepCrime's np.argmax
// over np.unique(y, axis=0) of one-hot rows (which sorts the rows from the last class to the
// first).
std::vector<std::int64_t> labels_by_frequency(const Dataset& d) {
  const auto counts = class_counts(d);
  std::vector<std::int64_t> labels;
  for (std::size_t c = 0; c < counts.size(); ++c)
    if (counts[c] > 0) labels.push_back(static_cast<std::int64_t>(c));
  std::stable_sort(labels.begin(), labels.end(), [&](std::int64_t a, std::int64_t b) {
    return counts[a] != counts[b] ? counts[a] > counts[b] : a > b;
  });
  return labels;
}

// Removes `drop` (any order) from d, keeping the order of the rest.
Dataset remove(const Dataset& d, const std::vector<std::int64_t>& drop) {
  std::vector<char> gone(d.y.size(), 0);
  for (auto i : drop) gone[i] = 1;
  std::vector<std::int64_t> keep;
  for (std::int64_t i = 0; i < d.size(); ++i)
    if (!gone[i]) keep.push_back(i);
  PMT_THROW_IF(keep.empty(), kUsage, "the mutation leaves no training data");
  return d.subset(keep);
}

// Shared by delete_training_data and unbalance_train_data (DeepCrime's delete_training_data).
Dataset delete_per_class(const Dataset& d, double pct, stats::Rng& rng, bool only_small) {
  const auto counts = class_counts(d);
  double total = 0, present = 0;
  for (auto c : counts)
    if (c > 0) total += static_cast<double>(c), present += 1;
  const double mean = total / present;
  std::vector<std::int64_t> drop;
  for (std::size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] == 0 || (only_small && !(static_cast<double>(counts[c]) < mean))) continue;
    const auto chosen = pick(indices_of(d, static_cast<std::int64_t>(c)), pct, rng);
    drop.insert(drop.end(), chosen.begin(), chosen.end());
  }
  return remove(d, drop);
}

}  // namespace

std::vector<std::int64_t> class_counts(const Dataset& d) {
  std::vector<std::int64_t> counts;
  for (auto y : d.y) {
    if (y >= static_cast<std::int64_t>(counts.size())) counts.resize(y + 1, 0);
    ++counts[y];
  }
  return counts;
}

Dataset change_label(const Dataset& d, double pct, stats::Rng& rng) {
  const auto labels = labels_by_frequency(d);
  PMT_THROW_IF(labels.size() < 2, kUsage, "change_label needs at least two classes");
  Dataset out = d;
  for (auto i : pick(indices_of(d, labels[0]), pct, rng)) {
    // uniformly among the other classes present
    out.y[i] = labels[1 + stats::bounded(rng, static_cast<std::uint32_t>(labels.size() - 1))];
  }
  return out;
}

Dataset delete_training_data(const Dataset& d, double pct, stats::Rng& rng) {
  return delete_per_class(d, pct, rng, false);
}

Dataset unbalance_train_data(const Dataset& d, double pct, stats::Rng& rng) {
  return delete_per_class(d, pct, rng, true);
}

Dataset add_noise(const Dataset& d, double pct, stats::Rng& rng) {
  std::vector<std::int64_t> all(d.y.size());
  std::iota(all.begin(), all.end(), 0);
  Dataset out = d;
  const std::int64_t n = d.sample_size();
  for (auto i : pick(all, pct, rng)) {
    float* x = out.x.data() + i * n;
    double mean = 0, sq = 0;
    for (std::int64_t k = 0; k < n; ++k) mean += x[k];
    mean /= static_cast<double>(n);
    for (std::int64_t k = 0; k < n; ++k) sq += (x[k] - mean) * (x[k] - mean);
    const double sigma = std::sqrt(sq / static_cast<double>(n)) * pct / 100.0;  // numpy std
    if (!(sigma > 0)) continue;
    std::normal_distribution<double> noise(0.0, sigma);
    for (std::int64_t k = 0; k < n; ++k) x[k] = static_cast<float>(x[k] + noise(rng));
  }
  return out;
}

Dataset make_output_classes_overlap(const Dataset& d, double pct, stats::Rng& rng) {
  const auto labels = labels_by_frequency(d);
  PMT_THROW_IF(labels.size() < 2, kUsage, "make_output_classes_overlap needs at least two classes");
  const auto copies = pick(indices_of(d, labels[0]), pct, rng);
  Dataset extra = d.subset(copies);
  std::fill(extra.y.begin(), extra.y.end(), labels[1]);
  Dataset out = d;
  out.x.insert(out.x.end(), extra.x.begin(), extra.x.end());
  out.y.insert(out.y.end(), extra.y.begin(), extra.y.end());
  return out;
}

namespace {

// The operator's numeric value (checked by make_mutation).
double number(const Mutation& m) {
  double v = 0;
  const std::string& t = m.value;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

train::LayerSpec& target(SubjectSpec& s, const Mutation& m) {
  PMT_THROW_IF(m.layer < 0 || m.layer >= static_cast<int>(s.layers.size()), kUsage,
               "--mut {}: no layer {} in subject '{}'", m.name, m.layer, s.name);
  return s.layers[static_cast<std::size_t>(m.layer)];
}

}  // namespace

SubjectSpec mutate_spec(const SubjectSpec& spec, const Mutation& m, std::int64_t train_size) {
  SubjectSpec s = spec;
  const std::string& n = m.name;
  if (m.is_original() || m.is_data()) return s;
  if (n == "change_batch_size") {
    s.batch_size = static_cast<int>(number(m));
  } else if (n == "change_learning_rate") {
    s.optimizer.learning_rate = number(m);
  } else if (n == "change_epochs") {
    s.epochs = static_cast<int>(number(m));
  } else if (n == "disable_batching") {
    s.batch_size = static_cast<int>(train_size);
  } else if (n == "change_activation_function" || n == "add_activation_function") {
    target(s, m).activation = m.value;
  } else if (n == "remove_activation_function") {
    target(s, m).activation = "linear";
  } else if (n == "add_weights_regularisation" || n == "change_weights_regularisation") {
    train::set_regularizer(target(s, m), m.value);
  } else if (n == "remove_weights_regularisation") {
    train::set_regularizer(target(s, m), "none");
  } else if (n == "change_dropout_rate") {
    target(s, m).rate = number(m);
  } else if (n == "change_earlystopping_patience") {
    s.patience = static_cast<int>(number(m));
  } else if (n == "change_weights_initialisation") {
    target(s, m).kernel_initializer = m.value;
  } else if (n == "add_bias" || n == "remove_bias") {
    target(s, m).use_bias = n == "add_bias";
  } else if (n == "change_loss_function") {
    s.loss = m.value;
  } else if (n == "change_optimisation_function") {
    // DeepCrime compiles with the optimiser's name: Keras' defaults, other settings dropped
    // (TF 2.3: learning rate 0.01 for SGD, 0.001 for the others).
    s.optimizer = train::OptimizerSpec{m.value, m.value == "sgd" ? 0.01 : 0.001, {}};
  } else if (n == "change_gradient_clip") {
    const auto cut = m.value.find('_');
    s.optimizer.params.erase("clipnorm");
    s.optimizer.params.erase("clipvalue");
    double c = 0;
    std::from_chars(m.value.data() + cut + 1, m.value.data() + m.value.size(), c);
    s.optimizer.params[m.value.substr(0, cut)] = c;
  } else if (n == "remove_validation_set") {
    s.validation = "none";
    s.patience = 0;  // Keras' EarlyStopping has no val_loss to monitor without validation data
  } else {
    PMT_THROW(kUsage, "--mut {}: not a pre-training operator", n);
  }
  return s;
}

Dataset mutate_data(const Dataset& d, const Mutation& m, stats::Rng& rng) {
  if (!m.is_data()) return d;
  const double pct = number(m);
  if (m.name == "change_label") return change_label(d, pct, rng);
  if (m.name == "delete_training_data") return delete_training_data(d, pct, rng);
  if (m.name == "unbalance_train_data") return unbalance_train_data(d, pct, rng);
  if (m.name == "add_noise") return add_noise(d, pct, rng);
  return make_output_classes_overlap(d, pct, rng);
}

}  // namespace pmt::mutate
