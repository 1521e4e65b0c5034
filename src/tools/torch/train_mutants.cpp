// train_mutants (training.hpp): trains instances of the sound subject or of a mutant, resumable,
// with JSON sidecars and progress on stderr.
#include <fmt/format.h>
#include "pmt/tools/training.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <dlfcn.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/rng.hpp"
#include "pmt/io/accuracy_csv.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/io/layout.hpp"
#include "pmt/io/number.hpp"
#include "pmt/mutate/pre_training.hpp"
#include "pmt/train/instance.hpp"
#include "pmt/train/network.hpp"
#include "store.hpp"

namespace pmt::tools {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace detail;
using namespace train;

json TrainMutantsSummary::to_json() const {
  json acc = json::array();
  for (double a : final_accuracy) acc.push_back(io::json_number(a));
  return {{"folder", folder.string()},
          {"trained", trained},
          {"skipped", skipped},
          {"final_accuracy", acc},
          {"wall_time_s", seconds},
          {"jobs", jobs},
          {"threads", threads},
          {"peak_rss_mb", peak_rss_mb},
          {"shard", shard},
          {"fuse", fuse},
          {"unfused_why", unfused_why}};
}

std::string TrainMutantsSummary::text() const {
  std::string out = fmt::format(
      "{}{}: trained {}, skipped {} (already there), {} job(s) x {} thread(s), fused {}, {:.1f} "
      "s, peak RSS {:.0f} MB",
      folder.string(), shard == Shard{}.to_string() ? "" : " shard " + shard, trained.size(),
      skipped.size(), jobs, threads, fuse, seconds, peak_rss_mb);
  double mean = 0;
  for (double a : final_accuracy) mean += a / double(final_accuracy.size());
  if (!trained.empty()) out += fmt::format(", mean final accuracy {:.4f}", mean);
  return out + "\n";
}

TrainMutantsSummary run_train_mutants(const TrainMutantsOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  PMT_THROW_IF(o.torchscript, kUsage, "train_mutants trains pmt subjects, not TorchScript models");
  keep_freed_memory();
  const Config c = resolve(o);
  PMT_THROW_IF(c.mutation.is_post_training(), kUsage,
               "--mut {} is a post-training operator: make its mutants from the trained sound "
               "instances with mutate_model",
               c.mutation.name);
  const std::vector<int> listed = parse_instances(o.instances);
  TrainMutantsSummary summary;
  summary.folder = c.folder;
  summary.shard = o.shard.to_string();
  // --fuse F: the listed instances i with the same i / F form a block, trained as one fused
  // model. An instance's bits are then a function of its block (seed, F, the block's listed
  // members), never of what an earlier run left: a block with a missing member is retrained
  // whole (only the missing members saved), and a shard owns the blocks at positions k mod n
  // (F = 1: the instances at positions k mod n, one model each).
  // (a size that makes disable_batching's batch the whole, large, training set)
  const model::SubjectSpec mutated = mutate::mutate_spec(c.spec, c.mutation, std::int64_t{1} << 30);
  const std::string blocker = model::fusion_blocker(mutated);
  summary.fuse = blocker.empty() ? std::max(1, o.fuse) : 1;
  if (o.fuse > 1 && !blocker.empty()) summary.unfused_why = blocker;
  std::vector<std::vector<int>> blocks;
  std::map<int, std::size_t> block_of;
  for (int i : listed) {
    const auto [it, added] = block_of.emplace(i / summary.fuse, blocks.size());
    if (added) blocks.emplace_back();
    blocks[it->second].push_back(i);
  }
  std::vector<std::vector<int>> todo;  // blocks to train
  std::set<int> pending;               // their members to save
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    if (!o.shard.owns(k)) continue;
    std::vector<int> done;
    const std::vector<int> missing = not_done(c.folder, blocks[k], done);
    summary.skipped.insert(summary.skipped.end(), done.begin(), done.end());
    if (missing.empty()) continue;
    todo.push_back(blocks[k]);
    pending.insert(missing.begin(), missing.end());
  }
  std::sort(summary.skipped.begin(), summary.skipped.end());
  std::tie(summary.jobs, summary.threads) = layout(o, todo.size());
  if (o.progress && !summary.unfused_why.empty())
    std::fprintf(stderr, "train_mutants: --fuse %d: one instance per model (%s)\n", o.fuse,
                 blocker.c_str());
  if (todo.empty()) {
    summary.peak_rss_mb = current_peak_rss_mb();
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return summary;
  }
  // Everything that can fail on bad input is checked before the first instance trains.
  const model::Dataset train_data = model::load_split(c.spec, c.data_dir, "train");
  // validation_data: the test split (DeepCrime's mnist) or the data's "val" split
  model::Dataset held_out;
  if (c.spec.validation.split())
    held_out = model::load_split(c.spec, c.data_dir, model::to_string(c.spec.validation));
  const InstanceStore store(c.folder);

  std::mutex mutex;  // guards the progress counters, stderr and the summary
  std::size_t epochs_done = 0, epochs_total = 0;
  double epoch_seconds = 0;  // summed over all instances
  std::size_t members = 0;
  for (const auto& block : todo) members += block.size();
  epochs_total =
      members * static_cast<std::size_t>(mutate::mutate_spec(c.spec, c.mutation, 1).epochs);
  std::map<int, double> accuracy;

  // One instance's training inputs: its seed, its (possibly mutated) data and spec, its network.
  struct Prepared {
    int i = 0;
    std::uint64_t seed = 0;
    std::chrono::steady_clock::time_point t0;
    model::Dataset own, validation;
    const model::Dataset* train = nullptr;
    const model::Dataset* val = nullptr;
    model::SubjectSpec spec;
    std::unique_ptr<SubjectNet> net;
  };
  const auto prepare = [&](int i) {
    auto p = std::make_unique<Prepared>();
    p->i = i;
    p->t0 = std::chrono::steady_clock::now();
    p->seed = instance_seed(o.common.seed, c.mutation, p->i, 0);
    pmt::Rng data_rng = pmt::make_stream(instance_seed(o.common.seed, c.mutation, p->i, 1), {});
    // The shared training split itself unless the instance's data differ (a data operator, or a
    // validation split): two instances at once would otherwise hold two copies of it (2 x 188 MB
    // for MNIST's 60,000 images).
    p->train = &train_data;
    if (c.mutation.is_data()) {
      p->own = mutate::mutate_data(train_data, c.mutation, data_rng);
      p->train = &p->own;
    }
    p->spec = mutate::mutate_spec(c.spec, c.mutation, p->train->size());
    if (p->spec.validation.split()) {
      p->val = &held_out;
    } else if (!p->spec.validation.none()) {  // Keras validation_split: the last fraction
      const model::Dataset* full = p->train;
      // Keras 2.4: split_at = int(floor(n * (1 - validation_split))) samples train
      const auto n_val =
          full->size() - static_cast<std::int64_t>(std::floor(static_cast<double>(full->size()) *
                                                              (1.0 - p->spec.validation.fraction)));
      p->validation = full->slice(full->size() - n_val, full->size());
      p->own = full->slice(0, full->size() - n_val);
      p->train = &p->own;
      p->val = &p->validation;
    }
    p->net =
        std::make_unique<SubjectNet>(p->spec, at::make_generator<at::CPUGeneratorImpl>(p->seed));
    return p;
  };
  const auto on_epoch = [&](const Prepared& p, const EpochStats& s) {
    std::lock_guard<std::mutex> lock(mutex);
    ++epochs_done;
    epoch_seconds += s.seconds;
    if (!o.progress) return;
    // remaining epochs x mean epoch time, spread over the jobs running at once (a fused group's
    // epoch time counts once for all its instances)
    const double eta = epoch_seconds / double(epochs_done) * double(epochs_total - epochs_done) /
                       double(std::min<std::size_t>(summary.jobs * summary.fuse, members));
    std::string val_text =
        p.val ? fmt::format(" val_loss {:.4f} val_acc {:.4f}", s.val_loss, s.val_accuracy) : "";
    std::fprintf(stderr,
                 "train_mutants: %s/%s instance %d epoch %d/%d loss %.4f acc %.4f%s "
                 "(%.1f s) ETA %s\n",
                 c.model.c_str(), c.mutation.folder().c_str(), p.i, s.epoch, p.spec.epochs, s.loss,
                 s.accuracy, val_text.c_str(), s.seconds, pmt::format_duration(eta).c_str());
  };
  const auto finish = [&](Prepared& p, const TrainResult& r, std::size_t fused_with) {
    if (pending.count(p.i) == 0) return;  // retrained with its block, saved already
    json history = json::array();
    for (const auto& s : r.history)
      history.push_back({{"epoch", s.epoch},
                         {"loss", io::json_number(s.loss)},
                         {"accuracy", io::json_number(s.accuracy)},
                         {"val_loss", io::json_number(s.val_loss)},
                         {"val_accuracy", io::json_number(s.val_accuracy)},
                         {"seconds", s.seconds}});
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - p.t0).count();
    const json side{{"seed", p.seed},
                    {"epochs", r.history.size()},
                    {"early_stopped", r.early_stopped},
                    {"train_size", p.train->size()},
                    {"train_class_counts", mutate::class_counts(*p.train)},
                    {"history", history},
                    {"wall_time_s", wall},
                    {"threads", summary.threads},
                    {"fused_with", fused_with},
                    {"peak_rss_mb", current_peak_rss_mb()},
                    {"spec", to_json(p.spec)}};
    store.save(
        p.i, [&](const fs::path& file) { save_net(*p.net, file); },
        {c.model, c.mutation, c.mutation.to_json(), o.common.seed}, side);
    const auto& last = r.history.back();
    std::lock_guard<std::mutex> lock(mutex);
    accuracy[p.i] = p.val ? last.val_accuracy : last.accuracy;
  };
  const auto train_group = [&](std::size_t g) {
    std::vector<std::unique_ptr<Prepared>> group;
    for (int i : todo[g]) group.push_back(prepare(i));
    bool same = true;
    for (const auto& p : group)
      same = same && p->train->size() == group.front()->train->size() &&
             (p->val == nullptr) == (group.front()->val == nullptr) &&
             (!p->val || p->val->size() == group.front()->val->size());
    if (group.size() == 1 || !same) {
      for (auto& p : group) {
        const TrainResult r =
            fit(*p->net, *p->train, p->val, [&](const EpochStats& s) { on_epoch(*p, s); });
        finish(*p, r, 1);
      }
      return;
    }
    std::vector<SubjectNet*> nets;
    std::vector<const model::Dataset*> trains, vals;
    for (const auto& p : group) {
      nets.push_back(p->net.get());
      trains.push_back(p->train);
      vals.push_back(p->val);
    }
    const std::vector<TrainResult> r = fit_fused(
        nets, trains, vals, [&](std::size_t k, const EpochStats& s) { on_epoch(*group[k], s); });
    for (std::size_t k = 0; k < group.size(); ++k) finish(*group[k], r[k], group.size());
  };
  run_resumable(todo.size(), summary.jobs, summary.threads, train_group, nullptr,
                [&] { return fmt::format("{} instance(s)", accuracy.size()); });
  for (const auto& [i, a] : accuracy) {
    summary.trained.push_back(i);
    summary.final_accuracy.push_back(a);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.peak_rss_mb = current_peak_rss_mb();
  return summary;
}

}  // namespace pmt::tools
