// What the training tools share (common.hpp): the resolved configuration, the jobs x threads
// layout, instance files, the sound instances a tool needs; --instances lists and
// --list-mutations.
#include "pmt/tools/subject.hpp"
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

namespace pmt::tools {

using namespace train;

namespace fs = std::filesystem;
using nlohmann::json;

namespace detail {

using mutate::Mutation;

fs::path models_folder(const ConfigOptions& o, const std::string& model,
                       const std::string& folder) {
  return fs::path(o.common.data_root) / "trained_models" / model / folder;
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
  for (const std::string_view part : io::split_list(text))
    shape.push_back(io::parse_int(part, fmt::format("--input-shape '{}'", io::shorten(text)),
                                  ErrorKind::kUsage, 1));
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
                                l.name.empty() ? "layer" + std::to_string(i) : l.name,
                                model::to_string(l.type)));
  }
  PMT_THROW(kUsage, "--layer: unknown layer '{}' (layers of {}: {})", io::shorten(text),
            spec.name.empty() ? std::string("the model") : spec.name, model::join_names(names));
}

Config resolve(const ConfigOptions& o) {
  Config c;
  c.data_dir = datasets_folder(o.data_dir, o.common);
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
    Subject s = find_subject(o.model, o.subject_file, o.data_dir, o.common);
    c.spec = std::move(s.spec);
    c.model = std::move(s.model);
  }
  int layer = o.layer;
  if (!o.layer_name.empty()) layer = find_layer(c.spec, o.layer_name);
  c.mutation = mutate::make_mutation(o.mut, o.param, c.spec, layer);
  c.folder = models_folder(o, c.model, c.mutation.folder());
  return c;
}

}  // namespace detail

std::vector<std::string> configuration_params(const ConfigOptions& o) {
  if (o.mut == "original" || o.torchscript || o.layer >= 0 || !o.layer_name.empty())
    return {o.param};
  if (!mutate::find_operator(o.mut).targets_layer()) return {o.param};
  const model::SubjectSpec spec = find_subject(o.model, o.subject_file, o.data_dir, o.common).spec;
  std::vector<std::string> params;
  for (const mutate::Mutation& m : mutate::make_mutations(o.mut, o.param, spec))
    params.push_back(m.param);
  return params.size() > 1 ? params : std::vector<std::string>{o.param};
}

namespace detail {

// The jobs x threads layout: by default one instance per core, one intra-op thread each
// (measured ~1.4x faster than one instance on all cores for the mnist subject on 2 cores).
std::pair<int, int> layout(const ConfigOptions& o, std::size_t pending) {
  const int cores = static_cast<int>(pmt::resolve_proc(0));
  int jobs = o.jobs > 0 ? o.jobs : std::max(1, std::min<int>(cores, static_cast<int>(pending)));
  int threads = o.threads > 0 ? o.threads : std::max(1, cores / jobs);
  return {jobs, threads};
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

std::string sound_hint(const ConfigOptions& o, const std::string& model,
                       const std::vector<int>& missing) {
  if (o.torchscript)
    return "save the sound TorchScript model there with torch.jit.save (docs/posttraining.md)";
  const std::string subject =
      o.subject_file.empty() ? "--model " + model : "--subject " + o.subject_file;
  std::string list;
  for (int i : missing) list += (list.empty() ? "" : ",") + std::to_string(i);
  return fmt::format("make {} with: train_mutants {} --mut original --instances {} --data-root {}",
                     missing.size() == 1 ? "it" : "them", subject, list, o.common.data_root);
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
  const auto parts = io::split_list(text);
  PMT_THROW_IF(parts.empty(), kUsage, "{}: expected e.g. 0-19 or 0,3,5-7", what);
  std::vector<int> out;
  for (const std::string_view part : parts) {
    const std::size_t dash = part.find('-');
    const int a = index(part.substr(0, dash));
    const int b = dash == std::string_view::npos ? a : index(part.substr(dash + 1));
    PMT_THROW_IF(b < a || b - a > 100000, kUsage, "--instances: bad range '{}'", io::shorten(part));
    for (int i = a; i <= b; ++i)
      if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
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

void check_test_set_name(const std::string& name) {
  const auto allowed = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
  };
  PMT_THROW_IF(name.empty() || name[0] == '.' || !std::all_of(name.begin(), name.end(), allowed),
               kUsage, "--test-set-name: '{}' must be letters, digits, '_', '-' or '.' (not first)",
               io::shorten(name));
}

}  // namespace pmt::tools
