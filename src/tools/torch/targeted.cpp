// tmr and arachne (tools/targeted.hpp): the thesis' evaluation pipeline (section 4.5,
// Fig. 4.8) around a method that makes one mutant. Per sound instance (one task, `--jobs` at
// once): its predictions on the split, the test split and the weak test set are computed once,
// then for each pending (class, cluster) the network is restored to the sound weights, mutated,
// evaluated, saved (model then sidecar, atomically) and restored. Everything that can fail on bad
// input (clusters, classes, cluster ids, sound instances, datasets) is checked before the first
// file is written.
#include "pmt/tools/targeted.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>

#include <fmt/ranges.h>

#include "common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/core/rng.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/mutate/registry.hpp"
#include "pmt/targeted/method.hpp"
#include "pmt/train/instance.hpp"
#include "store.hpp"

namespace pmt::tools {

using namespace train;
using targeted::compare_sets;
using targeted::Method;
using targeted::MutantInputs;
using targeted::read_clusters;

namespace fs = std::filesystem;
using model::Dataset;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct TargetJob {
  int cls = 0, cluster = 0;
  std::string param;
  mutate::Mutation mutation;
  fs::path folder;
  std::string fingerprint;  // of the class's clusters and the method's settings
};

// FNV-1a of the class's cluster labels and the settings: a mutant folder holds the mutants of
// one clustering and one setting only.
std::string fingerprint(const std::vector<int>& clusters, const model::Dataset& split, int cls,
                        const json& settings) {
  std::uint64_t h = 1469598103934665603ULL;
  const auto eat = [&](std::uint64_t v) {
    for (int b = 0; b < 8; ++b) h = (h ^ ((v >> (8 * b)) & 0xff)) * 1099511628211ULL;
  };
  for (std::size_t i = 0; i < clusters.size(); ++i)
    if (split.y[i] == cls) eat(static_cast<std::uint64_t>(clusters[i] + 2) << 32 | i);
  for (char ch : settings.dump()) eat(static_cast<unsigned char>(ch));
  return fmt::format("{:016x}", h);
}

// Accuracy of `pred` on the inputs `rows` of `data` (NaN when there are none).
double accuracy(const std::vector<std::int64_t>& pred, const model::Dataset& data,
                const std::vector<std::int64_t>& rows) {
  if (rows.empty()) return std::nan("");
  std::int64_t hits = 0;
  for (auto r : rows)
    hits += pred[static_cast<std::size_t>(r)] == data.y[static_cast<std::size_t>(r)] ? 1 : 0;
  return static_cast<double>(hits) / static_cast<double>(rows.size());
}

std::vector<std::int64_t> rows_where(const model::Dataset& d,
                                     const std::function<bool(std::int64_t)>& f) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 0; i < d.size(); ++i)
    if (f(d.y[static_cast<std::size_t>(i)])) out.push_back(i);
  return out;
}

std::vector<std::int64_t> all_rows(const model::Dataset& d) {
  return rows_where(d, [](std::int64_t) { return true; });
}

std::vector<std::int64_t> predict(train::SubjectNet& net, const model::Dataset& d) {
  std::vector<std::int64_t> pred;
  train::evaluate(net, d, &pred);
  return pred;
}

// The second most probable class of each of `rows` (the network's softmax output).
std::vector<std::int64_t> second_labels(train::SubjectNet& net, const model::Dataset& d,
                                        const std::vector<std::int64_t>& rows) {
  const torch::Tensor logits = train::outputs(net, d.subset(rows), false);
  const torch::Tensor top = std::get<1>(logits.topk(2, 1)).select(1, 1).contiguous();
  const std::int64_t* p = top.data_ptr<std::int64_t>();
  return {p, p + top.size(0)};
}

json read_json(const fs::path& file) {
  const json j = json::parse(io::read_file(file), nullptr, false);
  PMT_THROW_IF(j.is_discarded() || !j.is_object(), kData, "{}: corrupt sidecar", file.string());
  return j;
}

}  // namespace

namespace {

TargetedSummary run_targeted(const TargetedOptions& o, const Method& method) {
  const auto start = Clock::now();
  using namespace detail;
  PMT_THROW_IF(o.torchscript, kUsage,
               "{} retrains or perturbs pmt subject networks: TorchScript models are not "
               "supported",
               method.op);
  PMT_THROW_IF(o.split != "train" && o.split != "test", kUsage, "--split: train or test, got '{}'",
               o.split);
  keep_freed_memory();
  tools::ConfigOptions base = o;
  base.mut = "original";
  base.param.clear();
  const Config c = resolve(base);
  PMT_THROW_IF(c.spec.task == model::Task::kRegression, kUsage,
               "{}: {} is a regression subject; targeted mutants need classes", method.op, c.model);
  if (method.check) method.check(c.spec);

  // The sound instances, all present before anything else is read.
  const fs::path sound_dir = models_folder(o, c.model, "original");
  const std::vector<int> listed =
      o.instances.empty() ? instances_in(sound_dir, true) : tools::parse_instances(o.instances);
  PMT_THROW_IF(listed.empty(), kData, "{}: no sound instances ({})", sound_dir.string(),
               sound_hint(o, c.model, {0}));
  require_sound(o, c.model, listed);

  const model::Dataset split = model::load_split(c.spec, c.data_dir, o.split);
  const model::Dataset test =
      o.split == "test" ? split : model::load_split(c.spec, c.data_dir, "test");
  const model::Dataset train_set =
      o.split == "train" ? split : model::load_split(c.spec, c.data_dir, "train");
  model::Dataset weak;
  const bool has_weak = !o.weak_test_set.empty();
  if (has_weak)
    weak = train::load_test_set(o.weak_test_set, o.weak_test_labels, c.spec.input_shape,
                                c.spec.inputs.at(0).scale, c.spec.num_classes);

  const std::string clusters_file =
      o.clusters.empty()
          ? (fs::path(o.common.data_root) / "clusters" / c.model / "clusters.npy").string()
          : o.clusters;
  const std::vector<int> clusters = read_clusters(clusters_file, split.size());
  std::map<int, std::set<int>> of_class;  // class -> its cluster ids (noise excluded)
  std::set<int> clustered;
  for (std::size_t i = 0; i < clusters.size(); ++i) {
    const int cls = static_cast<int>(split.y[i]);
    if (clusters[i] >= -1) clustered.insert(cls);
    if (clusters[i] >= 0) of_class[cls].insert(clusters[i]);
  }
  PMT_THROW_IF(clustered.empty(), kData, "{}: no input is clustered", clusters_file);
  std::vector<int> classes = o.classes;
  if (classes.empty()) classes.assign(clustered.begin(), clustered.end());
  std::vector<TargetJob> targets;
  for (int cls : classes) {
    PMT_THROW_IF(!clustered.count(cls), kUsage,
                 "--classes {}: {} has no clusters of class {} "
                 "(clustered classes: {})",
                 cls, clusters_file, cls, fmt::join(clustered, ", "));
    const std::set<int>& ids = of_class[cls];
    PMT_THROW_IF(ids.size() < 2, kData,
                 "{}: class {} has {} cluster(s): I_pos (the other clusters) would be empty",
                 clusters_file, cls, ids.size());
    std::vector<int> wanted = o.cluster_ids;
    if (wanted.empty()) wanted.assign(ids.begin(), ids.end());
    for (int k : wanted) {
      PMT_THROW_IF(!ids.count(k), kUsage, "--clusters {}: class {} has clusters {} in {}", k, cls,
                   fmt::join(ids, ", "), clusters_file);
      TargetJob t;
      t.cls = cls;
      t.cluster = k;
      t.param = fmt::format("c{}_k{}_{}", cls, k, method.how);
      t.mutation = mutate::make_mutation(method.op, t.param, c.spec);
      t.folder = models_folder(o, c.model, t.mutation.folder());
      t.fingerprint = fingerprint(clusters, split, cls, method.settings);
      targets.push_back(std::move(t));
    }
  }

  // Pending (instance, target) pairs; an instance with none is not even loaded.
  std::vector<int> pending;
  std::map<int, std::vector<std::size_t>> todo;
  TargetedSummary summary;
  summary.tool = method.op;
  summary.model = c.model;
  for (int i : listed) {
    for (std::size_t t = 0; t < targets.size(); ++t) {
      const fs::path side = sidecar_file(targets[t].folder, i);
      if (fs::exists(model_file(targets[t].folder, i)) && fs::exists(side)) {
        const json j = read_json(side);
        PMT_THROW_IF(j.value("fingerprint", "") != targets[t].fingerprint, kData,
                     "{}: made from other clusters or settings than {} gives now (fingerprint {} "
                     "vs {}); delete {} or use another --data-root",
                     side.string(), clusters_file, j.value("fingerprint", "none"),
                     targets[t].fingerprint, targets[t].folder.string());
        ++summary.skipped;
      } else {
        todo[i].push_back(t);
      }
    }
    if (!todo[i].empty()) pending.push_back(i);
  }
  std::tie(summary.jobs, summary.threads) = layout(o, pending.size());
  std::vector<InstanceStore> stores;
  for (const auto& t : targets) stores.emplace_back(t.folder);

  std::mutex mutex;
  std::size_t total_pending = 0;
  for (int i : pending) total_pending += todo[i].size();
  pmt::Progress progress(
      fmt::format("{}: {} mutants of {} instances", method.op, total_pending, pending.size()),
      pending.size());
  const auto one_instance = [&](std::size_t k) {
    const int i = pending[k];
    train::Instance sound =
        train::Instance::load_subject(model_file(sound_dir, i), sidecar_file(sound_dir, i));
    train::SubjectNet& net = sound.net();
    // The sound instance's predictions, once for all its targets.
    const std::vector<std::int64_t> p_split = predict(net, split);
    const std::vector<std::int64_t> p_test = predict(net, test);
    const std::vector<std::int64_t> p_train =
        o.split == "train" ? p_split : predict(net, train_set);
    const std::vector<std::int64_t> p_weak =
        has_weak ? predict(net, weak) : std::vector<std::int64_t>{};
    const std::vector<torch::Tensor> saved = sound.snapshot();
    for (std::size_t t : todo[i]) {
      throw_if_interrupted();
      const TargetJob& job = targets[t];
      const auto t0 = Clock::now();
      MutantInputs in{split, {}, {}, {}, 0};
      for (std::int64_t r = 0; r < split.size(); ++r) {
        const auto u = static_cast<std::size_t>(r);
        if (split.y[u] != job.cls || clusters[u] < 0 || p_split[u] != split.y[u]) continue;
        (clusters[u] == job.cluster ? in.neg : in.pos).push_back(r);
      }
      PMT_THROW_IF(in.neg.empty() || in.pos.empty(), kData,
                   "instance {}: class {} cluster {}: no correctly classified input in {}", i,
                   job.cls, job.cluster,
                   in.neg.empty() ? "the cluster (I_neg)"
                                  : "the other "
                                    "clusters (I_pos)");
      in.second = second_labels(net, split, in.neg);
      pmt::Rng r = pmt::make_stream(o.common.seed, {pmt::key_of(job.mutation.folder().c_str()),
                                                    static_cast<std::uint64_t>(i), 7});
      in.seed = (static_cast<std::uint64_t>(r()) << 32) | r();
      const json made = method.make(net, in);
      // The mutant on every set; the sound instance's accuracies from its predictions.
      const std::vector<std::int64_t> m_split = predict(net, split);
      const std::vector<std::int64_t> m_test = predict(net, test);
      const std::vector<std::int64_t> m_train =
          o.split == "train" ? m_split : predict(net, train_set);
      json eval = json::object();
      const auto record = [&](const char* set, const std::vector<std::int64_t>& ps,
                              const std::vector<std::int64_t>& pm, const model::Dataset& d,
                              const std::vector<std::int64_t>& rows) {
        eval[set] = {{"original", accuracy(ps, d, rows)},
                     {"mutant", accuracy(pm, d, rows)},
                     {"inputs", rows.size()}};
      };
      const auto cls = static_cast<std::int64_t>(job.cls);
      record("i_neg", p_split, m_split, split, in.neg);
      record("i_pos", p_split, m_split, split, in.pos);
      record("train_other", p_train, m_train, train_set,
             rows_where(train_set, [&](std::int64_t y) { return y != cls; }));
      record("test_other", p_test, m_test, test,
             rows_where(test, [&](std::int64_t y) { return y != cls; }));
      record("test_class", p_test, m_test, test,
             rows_where(test, [&](std::int64_t y) { return y == cls; }));
      record("test", p_test, m_test, test, all_rows(test));
      if (has_weak) record("weak_test", p_weak, predict(net, weak), weak, all_rows(weak));
      json op = job.mutation.to_json();
      op["stage"] = "targeted";
      op["source"] = "USI thesis";
      const json side{{"sound_instance", model_file(sound_dir, i).string()},
                      {"class", job.cls},
                      {"cluster", job.cluster},
                      {"clusters", clusters_file},
                      {"fingerprint", job.fingerprint},
                      {"split", o.split},
                      {"seed", in.seed},
                      {"settings", method.settings},
                      {"method", made},
                      {"evaluation", eval},
                      {"weak_test_set", has_weak ? json(o.weak_test_set) : json()},
                      {"wall_time_s", since(t0)},
                      {"spec", model::to_json(net.spec())}};
      stores[t].save(
          i, [&](const fs::path& file) { sound.save(file); },
          {c.model, job.mutation, op, o.common.seed}, side);
      sound.restore(saved);
      std::lock_guard<std::mutex> lock(mutex);
      ++summary.made;
      if (o.progress)
        std::fprintf(stderr,
                     "%s %s instance %d: I_neg %zu inputs, %.1f%% mispredicted; I_pos %zu, "
                     "%.1f%% mispredicted (%.1f s)\n",
                     method.op.c_str(), job.param.c_str(), i, in.neg.size(),
                     100 * (1 - eval["i_neg"]["mutant"].get<double>()), in.pos.size(),
                     100 * (1 - eval["i_pos"]["mutant"].get<double>()), since(t0));
    }
  };
  run_resumable(pending.size(), summary.jobs, summary.threads, one_instance,
                o.progress ? &progress : nullptr,
                [&] { return fmt::format("{} mutant(s)", summary.made); });

  // Over the instances, from the sidecars (those made now and those a previous run made).
  const std::vector<std::string> sets = [&] {
    std::vector<std::string> s{"i_neg", "i_pos", "train_other", "test_other", "test_class", "test"};
    if (has_weak) s.push_back("weak_test");
    return s;
  }();
  for (const auto& t : targets) {
    TargetSummary ts;
    ts.cls = t.cls;
    ts.cluster = t.cluster;
    ts.param = t.param;
    ts.folder = t.folder.string();
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> values;
    for (int i : listed) {
      const json side = read_json(sidecar_file(t.folder, i));
      PMT_THROW_IF(!side.contains("evaluation") || !side["evaluation"].is_object(), kData,
                   "{}: no evaluation in the sidecar", sidecar_file(t.folder, i).string());
      const json& ev = side["evaluation"];
      bool complete = true;
      for (const auto& s : sets) complete = complete && ev.contains(s);
      if (!complete) {
        std::fprintf(stderr,
                     "%s: %s lacks a set (made without the weak test set?): instance %d left out "
                     "of the statistics; delete it and rerun to include it\n",
                     method.op.c_str(), sidecar_file(t.folder, i).string().c_str(), i);
        continue;
      }
      ts.instances.push_back(i);
      ts.neg.push_back(ev["i_neg"]["inputs"].get<std::int64_t>());
      ts.pos.push_back(ev["i_pos"]["inputs"].get<std::int64_t>());
      for (const auto& s : sets) {
        values[s].first.push_back(ev[s]["original"].get<double>());
        values[s].second.push_back(ev[s]["mutant"].get<double>());
      }
    }
    for (const auto& s : sets)
      ts.sets.push_back(compare_sets(s, values[s].first, values[s].second));
    io::write_file_atomic(
        fs::path(o.common.data_root) / "targeted" / c.model / (t.mutation.folder() + ".json"),
        ts.to_json().dump(1) + "\n");
    summary.targets.push_back(std::move(ts));
  }
  summary.seconds = since(start);
  return summary;
}

}  // namespace

TargetedSummary run_tmr(const TmrOptions& options) {
  return run_targeted(options, targeted::tmr_method(options));
}

TargetedSummary run_arachne(const ArachneOptions& options) {
  return run_targeted(options, targeted::arachne_method(options));
}

}  // namespace pmt::tools
