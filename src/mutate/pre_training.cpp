// DeepCrime's pre-training operators (see pre_training.hpp; reference: DeepCrime
// operators/training_data_operators.py, get_random_indexes: a random permutation of the
// candidates, of which the first int(n * pct / 100) are taken; the other operators/*.py edit one
// entry of the model's Keras config, as mutate_spec edits the spec).
#include "pmt/mutate/pre_training.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "pmt/core/error.hpp"
#include "pmt/io/number.hpp"

namespace pmt::mutate {

namespace {

// The first int(n * pct / 100) of a random permutation of `candidates`.
std::vector<std::int64_t> pick(std::vector<std::int64_t> candidates, double pct, pmt::Rng& rng) {
  for (std::size_t i = candidates.size(); i > 1; --i)
    std::swap(candidates[i - 1], candidates[pmt::bounded(rng, static_cast<std::uint32_t>(i))]);
  const auto k = static_cast<std::size_t>(static_cast<double>(candidates.size()) * pct / 100.0);
  candidates.resize(std::min(k, candidates.size()));
  return candidates;
}

// The classes the class-based operators see: labels (classification), or for regression
// DeepCrime's std buckets (3 for one target column, 9 for two: thresholds +-std around 0, not
// around the mean; training_data_operators.py get_label_buckets) or the distinct target rows.
struct Classes {
  std::vector<std::int64_t> of;     // class of each sample
  std::vector<std::int64_t> count;  // samples per class (every possible class, empty ones too)
  std::vector<std::vector<float>> value;  // "values": the target row of each class (sorted)
  bool larger_first = true;  // frequency ties: the larger class first (one-hot rows) or not
};

Classes classes_of(const model::Dataset& d) {
  Classes c;
  const std::int64_t n = d.size();
  if (!d.regression()) {
    c.of = d.y;
    c.count = class_counts(d);
    return c;
  }
  c.larger_first = false;  // np.unique sorts ascending and np.argmax takes the first maximum
  const std::int64_t w = d.target_dim;
  const auto row = [&](std::int64_t i) {
    return std::vector<float>(d.t.begin() + i * w, d.t.begin() + (i + 1) * w);
  };
  if (d.classes == "values") {
    std::vector<std::vector<float>> rows;
    for (std::int64_t i = 0; i < n; ++i) rows.push_back(row(i));
    c.value = rows;
    std::sort(c.value.begin(), c.value.end());
    c.value.erase(std::unique(c.value.begin(), c.value.end()), c.value.end());
    c.count.assign(c.value.size(), 0);
    for (const auto& r : rows) {
      const auto k = std::lower_bound(c.value.begin(), c.value.end(), r) - c.value.begin();
      c.of.push_back(k);
      ++c.count[static_cast<std::size_t>(k)];
    }
    return c;
  }
  PMT_THROW_IF(w > 2, kUsage,
               "DeepCrime's std buckets need one or two target columns, the data has {}", w);
  std::vector<double> sd(static_cast<std::size_t>(w));
  for (std::int64_t j = 0; j < w; ++j) {  // numpy std (ddof 0); per column for two columns
    double mean = 0, sq = 0;
    for (std::int64_t i = 0; i < n; ++i) mean += d.t[i * w + j];
    mean /= static_cast<double>(n);
    for (std::int64_t i = 0; i < n; ++i) sq += (d.t[i * w + j] - mean) * (d.t[i * w + j] - mean);
    sd[static_cast<std::size_t>(j)] = std::sqrt(sq / static_cast<double>(n));
  }
  c.count.assign(w == 1 ? 3 : 9, 0);
  for (std::int64_t i = 0; i < n; ++i) {
    std::int64_t k = 0;
    if (w == 1) {  // -s <= v <= s is the middle bucket (closed on both sides)
      const double v = d.t[i], s = sd[0];
      k = v < -s ? 0 : v <= s ? 1 : 2;
    } else {  // 3 c(v0) + c(v1), c(v) = 0 if v < -s, 1 if -s <= v < s, 2 if v >= s
      for (std::int64_t j = 0; j < 2; ++j) {
        const double v = d.t[i * 2 + j], s = sd[static_cast<std::size_t>(j)];
        k = 3 * k + (v < -s ? 0 : v < s ? 1 : 2);
      }
    }
    c.of.push_back(k);
    ++c.count[static_cast<std::size_t>(k)];
  }
  return c;
}

std::vector<std::int64_t> indices_of(const Classes& c, std::int64_t cls) {
  std::vector<std::int64_t> idx;
  for (std::size_t i = 0; i < c.of.size(); ++i)
    if (c.of[i] == cls) idx.push_back(static_cast<std::int64_t>(i));
  return idx;
}

// Classes present, most frequent first (ties: see Classes::larger_first).
std::vector<std::int64_t> by_frequency(const Classes& c) {
  std::vector<std::int64_t> order;
  for (std::size_t k = 0; k < c.count.size(); ++k)
    if (c.count[k] > 0) order.push_back(static_cast<std::int64_t>(k));
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    if (c.count[a] != c.count[b]) return c.count[a] > c.count[b];
    return c.larger_first ? a > b : a < b;
  });
  return order;
}

// Removes `drop` (any order) from d, keeping the order of the rest.
model::Dataset remove(const model::Dataset& d, const std::vector<std::int64_t>& drop) {
  std::vector<char> gone(static_cast<std::size_t>(d.size()), 0);
  for (auto i : drop) gone[i] = 1;
  std::vector<std::int64_t> keep;
  for (std::int64_t i = 0; i < d.size(); ++i)
    if (!gone[i]) keep.push_back(i);
  PMT_THROW_IF(keep.empty(), kUsage, "the mutation leaves no training data");
  return d.subset(keep);
}

// Shared by delete_training_data and unbalance_train_data (DeepCrime's delete_training_data).
// The mean class size counts the classes present (classification) or every bucket, empty ones
// included (regression, as DeepCrime's mean over get_label_buckets' counts).
model::Dataset delete_per_class(const model::Dataset& d, double pct, pmt::Rng& rng,
                                bool only_small) {
  const Classes c = classes_of(d);
  double total = 0, classes = 0;
  for (auto n : c.count)
    if (n > 0 || (d.regression() && d.classes == "std_buckets"))
      total += static_cast<double>(n), classes += 1;
  const double mean = total / classes;
  std::vector<std::int64_t> drop;
  for (std::size_t k = 0; k < c.count.size(); ++k) {
    if (c.count[k] == 0 || (only_small && !(static_cast<double>(c.count[k]) < mean))) continue;
    const auto chosen = pick(indices_of(c, static_cast<std::int64_t>(k)), pct, rng);
    drop.insert(drop.end(), chosen.begin(), chosen.end());
  }
  return remove(d, drop);
}

}  // namespace

std::vector<std::int64_t> class_counts(const model::Dataset& d) {
  if (d.regression()) return classes_of(d).count;
  std::vector<std::int64_t> counts;
  for (auto y : d.y) {
    if (y >= static_cast<std::int64_t>(counts.size())) counts.resize(y + 1, 0);
    ++counts[y];
  }
  return counts;
}

model::Dataset change_label(const model::Dataset& d, double pct, pmt::Rng& rng) {
  model::Dataset out = d;
  if (d.regression() && d.classes == "std_buckets") {
    // DeepCrime's regression TCL: N(0, |std(all targets) * pct / 100|) added to every target
    double mean = 0, sq = 0;
    for (float v : d.t) mean += v;
    mean /= static_cast<double>(d.t.size());
    for (float v : d.t) sq += (v - mean) * (v - mean);
    const double sigma = std::abs(std::sqrt(sq / static_cast<double>(d.t.size())) * pct / 100.0);
    if (!(sigma > 0)) return out;
    std::normal_distribution<double> noise(0.0, sigma);
    for (float& v : out.t) v = static_cast<float>(v + noise(rng));
    return out;
  }
  const Classes c = classes_of(d);
  const auto order = by_frequency(c);
  PMT_THROW_IF(order.size() < 2, kUsage, "change_label needs at least two classes");
  for (auto i : pick(indices_of(c, order[0]), pct, rng)) {
    // uniformly among the other classes present
    const auto to = order[1 + pmt::bounded(rng, static_cast<std::uint32_t>(order.size() - 1))];
    if (!d.regression()) {
      out.y[i] = to;
    } else {
      std::copy(c.value[to].begin(), c.value[to].end(), out.t.begin() + i * d.target_dim);
    }
  }
  return out;
}

model::Dataset delete_training_data(const model::Dataset& d, double pct, pmt::Rng& rng) {
  return delete_per_class(d, pct, rng, false);
}

model::Dataset unbalance_train_data(const model::Dataset& d, double pct, pmt::Rng& rng) {
  return delete_per_class(d, pct, rng, true);
}

model::Dataset add_noise(const model::Dataset& d, double pct, pmt::Rng& rng) {
  // DeepCrime noises x_train, or its first array when the model has several inputs
  std::vector<std::int64_t> all(static_cast<std::size_t>(d.size()));
  std::iota(all.begin(), all.end(), 0);
  model::Dataset out = d;
  const std::int64_t n = d.sample_size(0);
  for (auto i : pick(all, pct, rng)) {
    float* x = out.inputs[0].x.data() + i * n;
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

model::Dataset make_output_classes_overlap(const model::Dataset& d, double pct, pmt::Rng& rng) {
  const Classes c = classes_of(d);
  const auto order = by_frequency(c);
  PMT_THROW_IF(order.size() < 2, kUsage, "make_output_classes_overlap needs at least two classes");
  const auto copies = pick(indices_of(c, order[0]), pct, rng);
  model::Dataset extra = d.subset(copies);
  if (!d.regression()) {
    std::fill(extra.y.begin(), extra.y.end(), order[1]);
  } else {
    // DeepCrime: the distinct target rows of the second class (sorted), repeated in turn
    std::vector<std::vector<float>> rows;
    for (auto i : indices_of(c, order[1]))
      rows.emplace_back(d.t.begin() + i * d.target_dim, d.t.begin() + (i + 1) * d.target_dim);
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    for (std::size_t k = 0; k < copies.size(); ++k)
      std::copy(rows[k % rows.size()].begin(), rows[k % rows.size()].end(),
                extra.t.begin() + static_cast<std::int64_t>(k) * d.target_dim);
  }
  model::Dataset out = d;
  out.append(extra);
  return out;
}

model::SubjectSpec mutate_spec(const model::SubjectSpec& spec, const Mutation& m,
                               std::int64_t train_size) {
  model::SubjectSpec s = spec;
  if (m.is_original() || m.is_data()) return s;
  const OperatorInfo& op = find_operator(m.name);
  PMT_THROW_IF(!op.spec_change, kUsage, "--mut {}: not a pre-training operator", m.name);
  op.spec_change(s, m, train_size);
  return s;
}

model::Dataset mutate_data(const model::Dataset& d, const Mutation& m, pmt::Rng& rng) {
  if (!m.is_data()) return d;
  return find_operator(m.name).data_change(d, io::to_double(m.value).value_or(0), rng);
}

}  // namespace pmt::mutate
