// DeepCrime's training-data and hyperparameter operators (see mutation.hpp; reference:
// DeepCrime operators/training_data_operators.py, get_random_indexes: a random permutation of
// the candidates, of which the first int(n * pct / 100) are taken).
#include "pmt/train/mutation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "pmt/error.hpp"

namespace pmt::train {

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

// Labels present, most frequent first (ties: smaller label first, like np.argmax on np.unique).
std::vector<std::int64_t> labels_by_frequency(const Dataset& d) {
  const auto counts = class_counts(d);
  std::vector<std::int64_t> labels;
  for (std::size_t c = 0; c < counts.size(); ++c)
    if (counts[c] > 0) labels.push_back(static_cast<std::int64_t>(c));
  std::stable_sort(labels.begin(), labels.end(),
                   [&](std::int64_t a, std::int64_t b) { return counts[a] > counts[b]; });
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

double parse_number(const std::string& name, const std::string& param, double lo, double hi,
                    bool integer) {
  double v = 0;
  std::size_t used = 0;
  try {
    v = std::stod(param, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  PMT_THROW_IF(param.empty() || used != param.size() || !(v >= lo && v <= hi) ||
                   (integer && v != std::floor(v)),
               kUsage, "--mut {}: --param must be {} in [{}, {}], got '{}'", name,
               integer ? "an integer" : "a number", lo, hi, param);
  return v;
}

struct OperatorInfo {
  const char* name;
  bool data;
  double lo, hi;
  bool integer;
};

const std::vector<OperatorInfo>& operators() {
  static const std::vector<OperatorInfo> ops{
      {"change_label", true, 0, 100, false},
      {"delete_training_data", true, 0, 99.99, false},
      {"unbalance_train_data", true, 0, 100, false},
      {"add_noise", true, 0, 100, false},
      {"make_output_classes_overlap", true, 0, 100, false},
      {"change_batch_size", false, 1, 1e9, true},
      {"change_learning_rate", false, 0, 1e9, false},
      {"change_epochs", false, 1, 1e6, true},
      {"disable_batching", false, 0, 0, false},
  };
  return ops;
}

const OperatorInfo& info(const std::string& name) {
  for (const auto& op : operators())
    if (name == op.name) return op;
  PMT_THROW(kUsage, "unknown mutation '{}' (valid: {})", name, join_names(mutation_names()));
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

const std::vector<std::string>& mutation_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v{"original"};
    for (const auto& op : operators()) v.emplace_back(op.name);
    return v;
  }();
  return names;
}

bool Mutation::is_data() const { return !is_original() && info(name).data; }

std::string Mutation::folder() const { return is_original() ? name : name + "_" + param; }

Mutation make_mutation(const std::string& name, const std::string& param) {
  if (name == "original") {
    PMT_THROW_IF(!param.empty(), kUsage, "--mut original takes no --param");
    return {};
  }
  const OperatorInfo& op = info(name);
  if (name == "disable_batching") {
    PMT_THROW_IF(!param.empty() && param != "full", kUsage,
                 "--mut disable_batching takes no --param (implied: full)");
    return {name, "full"};
  }
  PMT_THROW_IF(param.empty(), kUsage, "--mut {} needs --param", name);
  parse_number(name, param, op.lo, op.hi, op.integer);
  return {name, param};
}

SubjectSpec mutate_spec(const SubjectSpec& spec, const Mutation& m, std::int64_t train_size) {
  SubjectSpec s = spec;
  if (m.name == "change_batch_size") s.batch_size = std::stoi(m.param);
  if (m.name == "change_learning_rate") s.optimizer.learning_rate = std::stod(m.param);
  if (m.name == "change_epochs") s.epochs = std::stoi(m.param);
  if (m.name == "disable_batching") s.batch_size = static_cast<int>(train_size);
  return s;
}

Dataset mutate_data(const Dataset& d, const Mutation& m, stats::Rng& rng) {
  if (!m.is_data()) return d;
  const double pct = std::stod(m.param);
  if (m.name == "change_label") return change_label(d, pct, rng);
  if (m.name == "delete_training_data") return delete_training_data(d, pct, rng);
  if (m.name == "unbalance_train_data") return unbalance_train_data(d, pct, rng);
  if (m.name == "add_noise") return add_noise(d, pct, rng);
  return make_output_classes_overlap(d, pct, rng);
}

}  // namespace pmt::train
