// mutate_model (tools.hpp): post-training mutants of the saved sound instances, mutant i from
// sound instance i (PMT's mutated_models/*/..._mutated0.py loops; DeepMutation++'s
// cnn_mutation/src/generator.py with its accuracy filter). Each draw is seeded from (--seed,
// operator and parameter, instance, draw), so the mutants are the same whatever --jobs; a mutant
// and its sidecar are written atomically, the sidecar last, and a rerun skips finished ones.
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>

#include <fmt/ranges.h>

#include "common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/core/rng.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/mutate/torch/post_training.hpp"
#include "pmt/tools/training.hpp"
#include "pmt/train/instance.hpp"
#include "store.hpp"

namespace pmt::tools {

using namespace train;

namespace fs = std::filesystem;
using nlohmann::json;
using namespace detail;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The seed of draw `draw` of mutant i.
std::uint64_t draw_seed(std::uint64_t seed, const mutate::Mutation& m, int i, int draw) {
  pmt::Rng r =
      pmt::make_stream(seed, {pmt::key_of(m.folder().c_str()), static_cast<std::uint64_t>(i),
                              static_cast<std::uint64_t>(draw), 3});
  return (static_cast<std::uint64_t>(r()) << 32) | r();
}

// LD, LAm, AFRm on a subject network: the mutated spec, and a network holding the sound one's
// weights (layer k of the mutant takes the weights of layer from[k] of the sound network).
Instance structural_mutant(Instance& sound, const mutate::Mutation& m, json& changes) {
  const model::SubjectSpec& spec = sound.net().spec();
  model::SubjectSpec out = spec;
  out.mutation_layers.clear();  // indices of the sound spec's layers
  std::vector<std::size_t> from(spec.layers.size());
  for (std::size_t k = 0; k < from.size(); ++k) from[k] = k;
  json c{{"layer", m.layer}, {"name", "layer" + std::to_string(m.layer)}};
  const mutate::OperatorInfo& op = mutate::find_operator(m.name);
  PMT_THROW_IF(!op.structural(), kUsage, "--mut {}: not a structural operator", m.name);
  op.layer_change(out, m, from, c);
  changes = json::array({c});
  auto net = std::make_shared<SubjectNet>(out, at::make_generator<at::CPUGeneratorImpl>(0));
  torch::NoGradGuard no_grad;
  // "layer<k>.<tensor>" -> "layer<from[k]>.<tensor>", weights and buffers (batch
  // normalisation's running statistics)
  const auto copy = [&](const auto& old_tensors, const auto& new_tensors) {
    for (const auto& p : new_tensors) {
      const std::string& name = p.key();
      const auto dot = name.find('.');
      const auto k = static_cast<std::size_t>(std::stoul(name.substr(5, dot - 5)));
      p.value().copy_(old_tensors["layer" + std::to_string(from[k]) + name.substr(dot)]);
    }
  };
  copy(sound.net().named_parameters(), net->named_parameters());
  copy(sound.net().named_buffers(), net->named_buffers());
  return Instance(net);
}

}  // namespace

json MutateModelSummary::to_json() const {
  return {{"folder", folder.string()},
          {"made", made},
          {"skipped", skipped},
          {"gave_up", gave_up},
          {"discarded", discarded},
          {"wall_time_s", seconds},
          {"filter_time_s", filter_seconds},
          {"jobs", jobs},
          {"threads", threads}};
}

std::string MutateModelSummary::text() const {
  int dropped = 0;
  for (int d : discarded) dropped += d;
  return fmt::format(
      "{}: made {}, skipped {} (already there), {} job(s) x {} thread(s), {:.2f} s (filter "
      "evaluation {:.2f} s), {} draw(s) discarded by the filter\n",
      folder.string(), made.size(), skipped.size(), jobs, threads, seconds, filter_seconds,
      dropped);
}

MutateModelSummary run_mutate_model(const MutateModelOptions& o) {
  const auto start = Clock::now();
  keep_freed_memory();
  const std::string post = model::join_names(mutate::operator_names(mutate::Stage::kPostTraining));
  PMT_THROW_IF(o.mut.empty() || o.mut == "original", kUsage,
               "--mut: name a post-training operator ({})", post);
  const mutate::OperatorInfo& op = mutate::find_operator(o.mut);
  PMT_THROW_IF(op.stage == mutate::Stage::kTargeted, kUsage,
               "--mut {} is a targeted mutant: the {} tool makes it from the clusters of `cluster` "
               "(docs/targeted.md)",
               o.mut, o.mut);
  PMT_THROW_IF(op.stage != mutate::Stage::kPostTraining, kUsage,
               "--mut {} is a pre-training operator: train its mutants with train_mutants "
               "(post-training operators: {})",
               o.mut, post);
  PMT_THROW_IF(o.torchscript && op.structural(), kUsage,
               "--mut {} changes the layers, which needs a pmt subject spec: TorchScript models "
               "take the weight operators",
               o.mut);
  PMT_THROW_IF(!(o.filter_factor >= 0 && o.filter_factor <= 1), kUsage,
               "--filter-factor must be in [0, 1], got {}", o.filter_factor);
  PMT_THROW_IF(o.max_draws < 1, kUsage, "--max-draws must be at least 1");
  const Config c = resolve(o);
  const fs::path sound = models_folder(o, c.model, "original");
  const bool need_sidecar = !o.torchscript;

  // Every sound instance needed is there before anything is written.
  const std::vector<int> listed =
      o.instances.empty() ? instances_in(sound, need_sidecar) : parse_instances(o.instances);
  std::vector<int> wanted;  // this shard's: positions k of the list with k mod n == i
  for (std::size_t k = 0; k < listed.size(); ++k)
    if (o.shard.owns(k)) wanted.push_back(listed[k]);
  PMT_THROW_IF(listed.empty(), kData, "{}: no sound instances ({})", sound.string(),
               sound_hint(o, c.model, {0}));
  require_sound(o, c.model, wanted);

  MutateModelSummary summary;
  summary.folder = c.folder;
  const std::vector<int> pending = not_done(c.folder, wanted, summary.skipped);
  std::tie(summary.jobs, summary.threads) = layout(o, pending.size());
  if (pending.empty()) {
    summary.seconds = since(start);
    return summary;
  }

  const bool filter = op.filtered && o.filter_factor > 0;
  model::Dataset test;
  std::string test_name;
  if (filter) {
    PMT_THROW_IF(o.torchscript && o.test_set.empty(), kUsage,
                 "--mut {}: the mutant filter evaluates on a test set: --test-set (or "
                 "--filter-factor 0)",
                 o.mut);
    if (!o.test_set.empty()) {
      test = o.torchscript ? load_test_set(o.test_set, o.test_labels, parse_shape(o.input_shape),
                                           o.scale, o.num_classes)
                           : load_test_set(o.test_set, o.test_labels, c.spec.input_shape,
                                           o.scale > 0 ? o.scale : c.spec.inputs.at(0).scale,
                                           c.spec.num_classes);
      test_name = o.test_set;
    } else {
      test = model::load_split(c.spec, c.data_dir, "test");
      test_name = c.spec.dataset + " test split";
    }
  }
  const InstanceStore store(c.folder);

  std::mutex mutex;
  std::map<int, int> discarded;
  std::vector<int> gave_up;
  pmt::Progress progress("mutate_model " + c.mutation.folder(), pending.size());
  const auto mutate_one = [&](std::size_t k) {
    const int i = pending[k];
    const auto t0 = Clock::now();
    Instance model = o.torchscript
                         ? Instance::load_torchscript(model_file(sound, i))
                         : Instance::load_subject(model_file(sound, i), sidecar_file(sound, i));
    double filter_s = 0;
    double sound_acc = std::nan(""), acc = std::nan("");
    if (filter) {
      const auto tf = Clock::now();
      sound_acc = model.evaluate(test, nullptr, o.num_classes);
      filter_s += since(tf);
    }
    const double threshold = o.filter_factor * sound_acc;
    json changes;
    int draws = 0, discards = 0;
    std::uint64_t seed = 0;
    bool ok = false;
    std::optional<Instance> rebuilt;
    if (op.structural()) {  // no randomness: the layer is the parameter, one draw
      rebuilt = structural_mutant(model, c.mutation, changes);
      draws = 1;
      ok = true;
      if (filter) {
        const auto tf = Clock::now();
        acc = rebuilt->evaluate(test, nullptr, o.num_classes);
        filter_s += since(tf);
        ok = !(acc < threshold);
        discards = ok ? 0 : 1;
      }
    } else {
      const std::vector<torch::Tensor> saved = model.snapshot();
      for (int draw = 0; draw < o.max_draws && !ok; ++draw) {
        throw_if_interrupted();
        if (draw > 0) model.restore(saved);
        seed = draw_seed(o.common.seed, c.mutation, i, draw);
        torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
        std::vector<mutate::WeightLayer> layers = model.weight_layers();
        changes = mutate::apply_weight_operator(c.mutation, layers, gen);
        ++draws;
        if (!filter) {
          ok = true;
        } else {
          const auto tf = Clock::now();
          acc = model.evaluate(test, nullptr, o.num_classes);
          filter_s += since(tf);
          ok = !(acc < threshold);
          discards += ok ? 0 : 1;
        }
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      summary.filter_seconds += filter_s;
      if (!ok) {
        gave_up.push_back(i);
        return;
      }
    }
    Instance& mutant = rebuilt ? *rebuilt : model;
    json op_json = c.mutation.to_json();
    op_json["stage"] = "post-training";
    op_json["source"] = op.source;
    if (c.mutation.ratio > 0) op_json["ratio"] = c.mutation.ratio;
    if (c.mutation.scale > 0) op_json["scale"] = c.mutation.scale;
    json side{{"sound_instance", model_file(sound, i).string()},
              {"torchscript", o.torchscript},
              {"draws", draws},
              {"discarded", discards},
              {"changes", changes},
              {"filter", nullptr},
              {"wall_time_s", since(t0)}};
    if (!op.structural()) side["seed"] = seed;
    if (filter)
      side["filter"] = {{"factor", o.filter_factor},
                        {"test_set", test_name},
                        {"sound_accuracy", io::json_number(sound_acc)},
                        {"accuracy", io::json_number(acc)},
                        {"threshold", io::json_number(threshold)}};
    if (!o.torchscript) side["spec"] = to_json(mutant.net().spec());
    store.save(
        i, [&](const fs::path& file) { mutant.save(file); },
        {c.model, c.mutation, op_json, o.common.seed}, side);
    std::lock_guard<std::mutex> lock(mutex);
    discarded[i] = discards;
  };
  run_resumable(pending.size(), summary.jobs, summary.threads, mutate_one,
                o.progress ? &progress : nullptr,
                [&] { return fmt::format("{} mutant(s)", discarded.size()); });
  for (const auto& [i, d] : discarded) {
    summary.made.push_back(i);
    summary.discarded.push_back(d);
  }
  std::sort(gave_up.begin(), gave_up.end());
  summary.gave_up = gave_up;
  summary.seconds = since(start);
  return summary;
}

std::string list_layers(const MutateModelOptions& o, bool as_json) {
  MutateModelOptions base = o;
  base.mut = "original";
  base.param.clear();
  base.layer = -1;
  base.layer_name.clear();
  const Config c = resolve(base);
  model::SubjectSpec spec = c.spec;
  std::optional<Instance> model;
  if (o.torchscript) {
    const fs::path sound = models_folder(o, c.model, "original");
    const std::vector<int> present =
        o.instances.empty() ? instances_in(sound, false) : parse_instances(o.instances);
    PMT_THROW_IF(present.empty(), kData, "{}: no sound instance ({})", sound.string(),
                 sound_hint(o, c.model, {0}));
    model = Instance::load_torchscript(model_file(sound, present.front()));
    spec = torchscript_spec(*model, c.model);
  } else {
    model.emplace(std::make_shared<SubjectNet>(spec, at::make_generator<at::CPUGeneratorImpl>(0)));
  }
  // Which post-training operators target each layer by default.
  std::map<int, std::vector<std::string>> defaults;
  for (const auto& op : mutate::operators()) {
    if (op.stage != mutate::Stage::kPostTraining || !op.targets_layer()) continue;
    if (o.torchscript && op.structural()) continue;
    for (int l : mutate::default_layers(op, spec)) defaults[l].push_back(op.name);
  }
  json list = json::array();
  std::string text = fmt::format("{:<6} {:<20} {:<7} {:<16} {:<5} {}\n", "index", "name", "type",
                                 "weight", "bias", "default layer of");
  for (const auto& l : model->weight_layers()) {
    const std::vector<std::int64_t> shape(l.weight.sizes().begin(), l.weight.sizes().end());
    const std::string name = o.torchscript
                                 ? l.name
                                 : (spec.layers[static_cast<std::size_t>(l.index)].name.empty()
                                        ? l.name
                                        : spec.layers[static_cast<std::size_t>(l.index)].name);
    const auto& d = defaults[l.index];
    list.push_back({{"index", l.index},
                    {"name", name},
                    {"type", model::to_string(l.type)},
                    {"weight", shape},
                    {"bias", l.bias.defined()},
                    {"default_of", d}});
    text += fmt::format("{:<6} {:<20} {:<7} {:<16} {:<5} {}\n", l.index, name,
                        model::to_string(l.type), fmt::format("[{}]", fmt::join(shape, ", ")),
                        l.bias.defined() ? "yes" : "no", model::join_names(d));
  }
  if (as_json) return json{{"model", c.model}, {"layers", list}}.dump() + "\n";
  return text;
}

}  // namespace pmt::tools
