// train_mutants and gen_acc (see tools.hpp): configuration lookup, the jobs x threads layout,
// resumable atomic saves with JSON sidecars, progress on stderr, and accuracy files.
#include "pmt/train/tools.hpp"

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

#include "pmt/cli/common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/core/parallel.hpp"
#include "pmt/core/rng.hpp"
#include "pmt/io/accuracy_csv.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/io/layout.hpp"
#include "pmt/io/number.hpp"
#include "pmt/mutate/pre_training.hpp"
#include "pmt/train/instance.hpp"
#include "pmt/train/network.hpp"
#include "tools_detail.hpp"

namespace pmt::train {

namespace fs = std::filesystem;
using nlohmann::json;

namespace detail {

using mutate::Mutation;

fs::path models_folder(const ConfigOptions& o, const std::string& model,
                       const std::string& folder) {
  return fs::path(o.data_root) / "trained_models" / model / folder;
}

std::vector<int> instances_in(const fs::path& folder, bool need_sidecar) {
  std::vector<int> found;
  std::error_code ec;
  const std::string prefix = "instance_", suffix = ".pt";
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    const std::string f = e.path().filename().string();
    if (f.size() <= prefix.size() + suffix.size() || f.rfind(prefix, 0) != 0 ||
        f.compare(f.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string digits = f.substr(prefix.size(), f.size() - prefix.size() - suffix.size());
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    const int i = io::parse_int(digits, e.path().string() + ": instance index", ErrorKind::kData);
    if (!need_sidecar || fs::exists(sidecar_file(folder, i))) found.push_back(i);
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::vector<int> not_done(const fs::path& folder, const std::vector<int>& wanted,
                          std::vector<int>& done) {
  std::vector<int> pending;
  for (int i : wanted) {
    if (fs::exists(model_file(folder, i)) && fs::exists(sidecar_file(folder, i)))
      done.push_back(i);
    else
      pending.push_back(i);
  }
  return pending;
}

std::vector<std::int64_t> parse_shape(const std::string& text) {
  std::vector<std::int64_t> shape;
  if (text.empty()) return shape;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string part = text.substr(start, comma - start);
    shape.push_back(io::parse_int(part, fmt::format("--input-shape '{}'", io::shorten(text)),
                                  ErrorKind::kUsage, 1));
    start = comma + 1;
  }
  return shape;
}

// A layer by index or by name ("layer<i>", the spec's name, a TorchScript module path).
int find_layer(const model::SubjectSpec& spec, const std::string& text) {
  const int n = static_cast<int>(spec.layers.size());
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
      text.size() < 9) {
    const int i = std::stoi(text);
    if (i < n) return i;
  }
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) {
    const model::LayerSpec& l = spec.layers[static_cast<std::size_t>(i)];
    if (text == "layer" + std::to_string(i) || (!l.name.empty() && text == l.name)) return i;
    names.push_back(fmt::format("{} {} ({})", i,
                                l.name.empty() ? "layer" + std::to_string(i) : l.name, l.type));
  }
  PMT_THROW(kUsage, "--layer: unknown layer '{}' (layers of {}: {})", io::shorten(text),
            spec.name.empty() ? std::string("the model") : spec.name, model::join_names(names));
}

Config resolve(const ConfigOptions& o) {
  Config c;
  c.data_dir = o.data_dir.empty() ? fs::path(o.data_root) / "datasets" : fs::path(o.data_dir);
  if (o.torchscript) {
    PMT_THROW_IF(o.model.empty(), kUsage,
                 "--torchscript needs --model (the name of the model's folders)");
    PMT_THROW_IF(!o.subject_file.empty(), kUsage, "--torchscript and --subject exclude each other");
    c.model = o.model;
    c.spec.name = o.model;
    if (o.mut != "original") {
      // The layers of the first sound instance: what the registry resolves layers against.
      const fs::path sound = models_folder(o, o.model, "original");
      const std::vector<int> present = instances_in(sound, false);
      PMT_THROW_IF(present.empty(), kData,
                   "{}: no sound instance instance_<i>.pt (save your TorchScript models there with "
                   "torch.jit.save; see docs/posttraining.md)",
                   sound.string());
      Instance first = Instance::load_torchscript(model_file(sound, present.front()));
      c.spec = torchscript_spec(first, o.model);
    }
  } else {
    PMT_THROW_IF(o.model.empty() && o.subject_file.empty(), kUsage,
                 "--model or --subject is required");
    const fs::path spec_file =
        o.subject_file.empty() ? model::builtin_subject_path(o.model) : fs::path(o.subject_file);
    c.spec = model::load_subject(spec_file);
    c.model = o.model.empty() ? c.spec.name : o.model;
  }
  int layer = o.layer;
  if (!o.layer_name.empty()) layer = find_layer(c.spec, o.layer_name);
  c.mutation = mutate::make_mutation(o.mut, o.param, c.spec, layer);
  c.folder = models_folder(o, c.model, c.mutation.folder());
  return c;
}

// The jobs x threads layout: by default one instance per core, one intra-op thread each
// (measured ~1.4x faster than one instance on all cores for the mnist subject on 2 cores).
std::pair<int, int> layout(const ConfigOptions& o, std::size_t pending) {
  const int cores = static_cast<int>(pmt::resolve_proc(0));
  int jobs = o.jobs > 0 ? o.jobs : std::max(1, std::min<int>(cores, static_cast<int>(pending)));
  int threads = o.threads > 0 ? o.threads : std::max(1, cores / jobs);
  return {jobs, threads};
}

// glibc returns every freed block above its mmap threshold to the kernel at once, and each batch
// then page-faults its activations back in: mnist on the 8,004 digits, 2 instance-epochs in one
// job, spent 4.2-6.4 s of system time (20-30% of its CPU time, /usr/bin/time). Keeping blocks up
// to glibc's largest threshold (32 MB: every activation of a training batch) on the heap, and
// not trimming it, makes the loop reuse its memory: 0.5-1.6 s. Process-wide; results unchanged.
void keep_freed_memory() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
  });
}

// Intra-op threads of the calling thread (OpenMP's per-thread setting) and OpenBLAS's pool.
void use_threads(int threads) {
  at::set_num_threads(threads);
  using SetFn = void (*)(int);
  if (auto fn = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    fn(threads);
}

std::uint64_t instance_seed(std::uint64_t seed, const Mutation& m, int i, std::uint64_t purpose) {
  pmt::Rng r = pmt::make_stream(
      seed, {pmt::key_of(m.folder().c_str()), static_cast<std::uint64_t>(i), purpose});
  return (static_cast<std::uint64_t>(r()) << 32) | r();
}

fs::path model_file(const fs::path& folder, int i) {
  return folder / fmt::format("instance_{}.pt", i);
}
fs::path sidecar_file(const fs::path& folder, int i) {
  return folder / fmt::format("instance_{}.json", i);
}

// The process's peak resident set size so far, in MB (getrusage's ru_maxrss is in KB on Linux).
double current_peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

std::string sound_hint(const ConfigOptions& o, const std::string& model,
                       const std::vector<int>& missing) {
  if (o.torchscript)
    return "save the sound TorchScript model there with torch.jit.save (docs/posttraining.md)";
  const std::string subject =
      o.subject_file.empty() ? "--model " + model : "--subject " + o.subject_file;
  std::string list;
  for (int i : missing) list += (list.empty() ? "" : ",") + std::to_string(i);
  return fmt::format("make {} with: train_mutants {} --mut original --instances {} --data-root {}",
                     missing.size() == 1 ? "it" : "them", subject, list, o.data_root);
}

void require_sound(const ConfigOptions& o, const std::string& model,
                   const std::vector<int>& wanted) {
  const fs::path sound = models_folder(o, model, "original");
  std::vector<int> missing;
  for (int i : wanted)
    if (!fs::exists(model_file(sound, i)) ||
        (!o.torchscript && !fs::exists(sidecar_file(sound, i))))
      missing.push_back(i);
  PMT_THROW_IF(!missing.empty(), kData, "{}: no such sound instance{} ({})",
               model_file(sound, missing.front()).string(),
               missing.size() > 1 ? fmt::format(" (and {} more)", missing.size() - 1) : "",
               sound_hint(o, model, missing));
}

}  // namespace detail

using namespace detail;

std::vector<int> parse_instances(const std::string& text) {
  // No std::regex: it recurses once per character of a long argument.
  const std::string what = fmt::format("--instances '{}'", io::shorten(text));
  const auto trim = [](std::string_view v) {
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
    while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
    return v;
  };
  const auto index = [&](std::string_view v) {
    v = trim(v);
    PMT_THROW_IF(v.empty() || !std::isdigit(static_cast<unsigned char>(v.front())), kUsage,
                 "{}: expected e.g. 0-19 or 0,3,5-7", what);
    return io::parse_int(v, what, ErrorKind::kUsage, 0);
  };
  std::vector<int> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view part = std::string_view(text).substr(start, comma - start);
    const std::size_t dash = part.find('-');
    const int a = index(part.substr(0, dash));
    const int b = dash == std::string_view::npos ? a : index(part.substr(dash + 1));
    PMT_THROW_IF(b < a || b - a > 100000, kUsage, "--instances: bad range '{}'", io::shorten(part));
    for (int i = a; i <= b; ++i)
      if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
    start = comma + 1;
  }
  return out;
}

fs::path instances_folder(const ConfigOptions& options) { return resolve(options).folder; }

std::string list_mutations(const ConfigOptions& o, bool as_json) {
  std::optional<model::SubjectSpec> spec;
  if (!o.model.empty() || !o.subject_file.empty()) {
    spec = model::load_subject(o.subject_file.empty() ? model::builtin_subject_path(o.model)
                                                      : fs::path(o.subject_file));
    if (!o.model.empty()) spec->name = o.model;
  }
  const model::SubjectSpec* s = spec ? &*spec : nullptr;
  if (as_json) return mutate::registry_json(s).dump() + "\n";
  return mutate::registry_table(s);
}

void add_config_flags(CLI::App& app, ConfigOptions& o, const std::string& jobs_help,
                      bool with_param) {
  app.add_option("--model", o.model,
                 "Subject: a built-in one (data/subjects/<model>.json: mnist, mnist_mlp, "
                 "fashion_mnist, lenet, movie_recomm) or, with --subject, the name used for the "
                 "output folders");
  app.add_option("--subject", o.subject_file,
                 "A user's subject spec (JSON) instead of a built-in one")
      ->check(CLI::ExistingFile);
  app.add_option("--mut", o.mut, "Mutation operator, or original for the sound subject");
  if (with_param)
    app.add_option("--param", o.param,
                   "Operator parameter, used verbatim in folder and file names (a layer other "
                   "than the subject's default appears as <value>_layer<N>)");
  app.add_option("--layer", o.layer,
                 "Layer index a layer operator targets [default: the subject's, see "
                 "train_mutants --list-mutations --model M]")
      ->check(pmt::cli::non_negative());
  app.add_option("--data-dir", o.data_dir,
                 "Folder holding <dataset>/ with the subject's files: IDX "
                 "{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz], or the NPY / HDF5 files its "
                 "\"data\" names [default: <data-root>/datasets, filled by scripts/get_data.sh]");
  app.add_option("--jobs", o.jobs, jobs_help)->check(pmt::cli::non_negative());
}

void add_torchscript_flags(CLI::App& app, ConfigOptions& o) {
  app.add_flag("--torchscript", o.torchscript,
               "The instances are TorchScript modules saved from PyTorch (torch.jit.save; "
               "LibTorch 1.13 reads PyTorch <= 1.13's), not a pmt subject: --model names their "
               "folders, --test-set gives the test set (docs/posttraining.md)");
  app.add_option("--input-shape", o.input_shape,
                 "With --torchscript: the per-sample shape fed to the model, e.g. 1,28,28 or 784 "
                 "[default: the test set's, a channel axis added in front of 2-D IDX images]");
  app.add_option("--scale", o.scale,
                 "Test inputs are divided by it [default: the subject's; with --torchscript 255 "
                 "for IDX bytes, 1 for NPY]")
      ->check(CLI::PositiveNumber);
  app.add_option("--num-classes", o.num_classes,
                 "With --torchscript: the output width the model must have [default: checked "
                 "against the test set's labels only]")
      ->check(pmt::cli::positive());
}

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

json GenAccSummary::to_json() const {
  json acc = json::array();
  for (double a : accuracy) acc.push_back(io::json_number(a));
  return {{"file", file.string()}, {"instances", instances}, {"accuracy", acc}};
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
  if (c.spec.validation == "test" || c.spec.validation == "val")
    held_out = model::load_split(c.spec, c.data_dir, c.spec.validation);
  fs::create_directories(c.folder);
  io::remove_stale_tmp(c.folder, "instance_");

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
    p->seed = instance_seed(o.seed, c.mutation, p->i, 0);
    pmt::Rng data_rng = pmt::make_stream(instance_seed(o.seed, c.mutation, p->i, 1), {});
    // The shared training split itself unless the instance's data differ (a data operator, or a
    // validation split): two instances at once would otherwise hold two copies of it (2 x 188 MB
    // for MNIST's 60,000 images).
    p->train = &train_data;
    if (c.mutation.is_data()) {
      p->own = mutate::mutate_data(train_data, c.mutation, data_rng);
      p->train = &p->own;
    }
    p->spec = mutate::mutate_spec(c.spec, c.mutation, p->train->size());
    if (p->spec.validation == "test" || p->spec.validation == "val") {
      p->val = &held_out;
    } else if (p->spec.validation != "none") {  // Keras validation_split: the last fraction
      const model::Dataset* full = p->train;
      const auto n_val = static_cast<std::int64_t>(
          full->size() * io::parse_double(p->spec.validation, "validation", ErrorKind::kData));
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
    save_net(*p.net, model_file(c.folder, p.i));
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
    const json side{{"subject", c.model},
                    {"mutation", c.mutation.name},
                    {"parameter", c.mutation.param},
                    {"operator", c.mutation.to_json()},
                    {"instance", p.i},
                    {"seed", p.seed},
                    {"base_seed", o.seed},
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
    io::write_file_atomic(sidecar_file(c.folder, p.i), side.dump(2) + "\n");
    const auto& last = r.history.back();
    std::lock_guard<std::mutex> lock(mutex);
    accuracy[p.i] = p.val ? last.val_accuracy : last.accuracy;
  };
  const auto train_group = [&](std::size_t g) {
    throw_if_interrupted();
    use_threads(summary.threads);
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
  try {
    pmt::parallel_for(todo.size(), summary.jobs, train_group);
  } catch (const Interrupted& e) {
    // the other jobs have stopped too (parallel_for joins them); what is saved is complete
    throw Interrupted(e.signal(),
                      fmt::format("{} instance(s) saved, rerun to resume", accuracy.size()));
  }
  for (const auto& [i, a] : accuracy) {
    summary.trained.push_back(i);
    summary.final_accuracy.push_back(a);
  }
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.peak_rss_mb = current_peak_rss_mb();
  return summary;
}

GenAccSummary run_gen_acc(const GenAccOptions& o) {
  keep_freed_memory();
  const Config c = resolve(o);
  // Instances present: instance_<i>.pt with its sidecar instance_<i>.json (written last); a
  // user's TorchScript instances need none.
  const std::vector<int> found = instances_in(c.folder, !o.torchscript);
  const bool targeted = !c.mutation.is_original() &&
                        mutate::find_operator(c.mutation.name).stage == mutate::Stage::kTargeted;
  PMT_THROW_IF(found.empty(), kData, "no {}instances in {} ({})",
               o.torchscript ? "TorchScript " : "trained ", c.folder.string(),
               o.torchscript ? "save them there as instance_<i>.pt with torch.jit.save"
               : targeted    ? "run " + c.mutation.name + " first"
               : c.mutation.is_post_training() ? "run mutate_model first"
                                               : "run train_mutants first");

  PMT_THROW_IF(o.split != "test" && o.split != "train", kUsage,
               "gen_acc: split must be test or train, got '{}'", o.split);
  PMT_THROW_IF(o.split == "train" && !o.test_set.empty(), kUsage,
               "gen_acc: --test-set evaluates a test set, not the training split");
  PMT_THROW_IF(!o.test_set_name.empty() && o.test_set.empty(), kUsage,
               "--test-set-name needs --test-set");
  PMT_THROW_IF(o.torchscript && o.test_set.empty(), kUsage,
               "--torchscript needs --test-set (IDX or NPY): a TorchScript model names no dataset");
  if (!o.test_set_name.empty()) check_test_set_name(o.test_set_name);
  model::Dataset test;
  if (o.split == "train") {
    test = model::load_split(c.spec, c.data_dir, "train");
  } else if (o.test_set.empty()) {
    test = model::load_split(c.spec, c.data_dir, "test");
  } else if (o.torchscript) {
    test = load_test_set(o.test_set, o.test_labels, parse_shape(o.input_shape), o.scale,
                         o.num_classes);
  } else {
    test = load_test_set(o.test_set, o.test_labels, c.spec.input_shape,
                         o.scale > 0 ? o.scale : c.spec.inputs.at(0).scale, c.spec.num_classes);
  }

  // Columns 0..max instance; a gap (an instance whose training is missing) is an empty cell.
  const int columns = found.back() + 1;
  std::vector<double> accuracy(columns, std::nan(""));
  std::vector<std::vector<std::int64_t>> predictions(columns);
  const auto [jobs, threads] = layout(o, found.size());
  pmt::Progress progress(
      "gen_acc " + c.mutation.folder() + (o.split == "train" ? " (training set)" : ""),
      found.size());
  pmt::parallel_for(
      found.size(), jobs,
      [&](std::size_t k) {
        throw_if_interrupted("no accuracy file written, rerun to evaluate");
        use_threads(threads);
        const int i = found[k];
        Instance model = o.torchscript ? Instance::load_torchscript(model_file(c.folder, i))
                                       : Instance::load_subject(model_file(c.folder, i),
                                                                sidecar_file(c.folder, i));
        accuracy[i] = model.evaluate(test, &predictions[i], o.num_classes);
      },
      o.progress ? &progress : nullptr);

  std::vector<std::string> names;
  for (int i = 0; i < columns; ++i) names.push_back(fmt::format("pred_label_model_{}", i));
  std::vector<std::vector<std::string>> rows(test.size());
  for (std::int64_t s = 0; s < test.size(); ++s) {
    rows[s].reserve(columns + 1);
    // classification: the true label; regression: the test input's index (each instance's cell
    // is then 1 when the metric counts its output as right, else 0)
    rows[s].push_back(std::to_string(test.regression() ? s : test.y[s]));
    for (int i = 0; i < columns; ++i)
      rows[s].push_back(predictions[i].empty() ? "" : std::to_string(predictions[i][s]));
  }
  GenAccSummary summary;
  const fs::path root = o.split == "train" ? fs::path(o.data_root) / "train_set"
                        : !o.test_set_name.empty()
                            ? fs::path(o.data_root) / "test_sets" / o.test_set_name
                            : fs::path(o.data_root);
  summary.file = io::Layout(root).accuracy_csv(c.model, c.mutation.name, c.mutation.param);
  fs::create_directories(summary.file.parent_path());
  io::remove_stale_tmp(summary.file.parent_path(), summary.file.filename().string());
  throw_if_interrupted("no accuracy file written, rerun to evaluate");
  io::write_accuracy_csv(summary.file, names, accuracy, rows);
  summary.instances = found;
  for (int i : found) summary.accuracy.push_back(accuracy[i]);
  return summary;
}

void check_test_set_name(const std::string& name) {
  const auto allowed = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
  };
  PMT_THROW_IF(name.empty() || name[0] == '.' || !std::all_of(name.begin(), name.end(), allowed),
               kUsage, "--test-set-name: '{}' must be letters, digits, '_', '-' or '.' (not first)",
               io::shorten(name));
}

json WeakTestSetSummary::to_json() const {
  return {{"images", images.string()},
          {"labels", labels.string()},
          {"test_size", test_size},
          {"correct", correct},
          {"kept", kept},
          {"min_confidence", io::json_number(min_confidence)}};
}

WeakTestSetSummary run_weak_test_set(const WeakTestSetOptions& o) {
  ConfigOptions co = o;
  co.mut = "original";
  co.param.clear();
  co.layer = -1;
  const Config c = resolve(co);
  PMT_THROW_IF(
      c.spec.task != "classification" || c.spec.data.format != "idx" || c.spec.inputs.size() != 1,
      kUsage, "weak_test_set: subject '{}' is not a classification subject on IDX data", c.model);
  PMT_THROW_IF(!(o.fraction > 0 && o.fraction <= 1), kUsage, "--fraction must be in (0, 1], got {}",
               o.fraction);
  PMT_THROW_IF(o.out.empty(), kUsage, "--out is required");
  const fs::path images_out = o.out;
  const fs::path labels_out = model::labels_for_images(images_out);
  PMT_THROW_IF(!fs::exists(model_file(c.folder, o.instance)), kData,
               "{}: missing (train the sound instance {} first: train_mutants)",
               model_file(c.folder, o.instance).string(), o.instance);

  const model::DatasetFiles files = model::locate_dataset(c.spec.dataset, c.data_dir, "test");
  const model::IdxArray images = model::read_idx(files.images),
                        labels = model::read_idx(files.labels);
  const model::Dataset test =
      model::load_dataset(files, c.spec.input_shape, c.spec.inputs.at(0).scale, c.spec.num_classes);
  const fs::path side_file = sidecar_file(c.folder, o.instance);
  const json side = json::parse(io::read_file(side_file), nullptr, false);
  PMT_THROW_IF(side.is_discarded() || !side.contains("spec"), kData, "{}: corrupt sidecar",
               side_file.string());
  const model::SubjectSpec spec = model::parse_subject(side["spec"], side_file.string());
  SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(0));
  load_net(net, model_file(c.folder, o.instance));

  // Softmax confidence of the predicted class, and whether it is the right one.
  const std::int64_t n = test.size();
  std::vector<double> confidence(n);
  std::vector<char> right(n);
  {
    torch::NoGradGuard no_grad;
    net.eval();
    std::vector<std::int64_t> shape{n};
    shape.insert(shape.end(), test.inputs[0].shape.begin(), test.inputs[0].shape.end());
    const torch::Tensor x =
        torch::from_blob(const_cast<float*>(test.inputs[0].x.data()), shape, torch::kFloat);
    const std::int64_t step = spec.eval_batch_size;
    for (std::int64_t start = 0; start < n; start += step) {
      const std::int64_t end = std::min(n, start + step);
      const torch::Tensor p = torch::softmax(net.logits(x.slice(0, start, end)), 1);
      const auto [top, pred] = p.max(1);
      for (std::int64_t k = start; k < end; ++k) {
        confidence[k] = top[k - start].item<double>();
        right[k] = pred[k - start].item<std::int64_t>() == test.y[k];
      }
    }
  }
  std::vector<std::int64_t> correct;
  for (std::int64_t k = 0; k < n; ++k)
    if (right[k]) correct.push_back(k);
  // the most confident first (ties: the earlier input), then back to the test set's order
  std::stable_sort(correct.begin(), correct.end(),
                   [&](std::int64_t a, std::int64_t b) { return confidence[a] > confidence[b]; });
  const auto want = static_cast<std::size_t>(std::llround(o.fraction * double(n)));
  std::vector<std::int64_t> kept(correct.begin(), correct.begin() + std::min(want, correct.size()));
  PMT_THROW_IF(kept.empty(), kData, "weak_test_set: instance {} classifies no test input right",
               o.instance);
  WeakTestSetSummary summary;
  summary.min_confidence = confidence[kept.back()];
  std::sort(kept.begin(), kept.end());

  model::IdxArray x_out{images.dims, {}}, y_out{labels.dims, {}};
  x_out.dims[0] = y_out.dims[0] = static_cast<std::int64_t>(kept.size());
  const std::size_t per = images.data.size() / static_cast<std::size_t>(n);
  for (std::int64_t k : kept) {
    x_out.data.insert(x_out.data.end(), images.data.begin() + k * per,
                      images.data.begin() + (k + 1) * per);
    y_out.data.push_back(labels.data[k]);
  }
  if (!images_out.parent_path().empty()) fs::create_directories(images_out.parent_path());
  model::write_idx(images_out, x_out);
  model::write_idx(labels_out, y_out);
  summary.images = images_out;
  summary.labels = labels_out;
  summary.test_size = n;
  summary.correct = static_cast<std::int64_t>(correct.size());
  summary.kept = static_cast<std::int64_t>(kept.size());
  return summary;
}

}  // namespace pmt::train
