// import_model (import_model.hpp): the importer's spec written for every tool, its weights
// loaded into the subject network and stored as the sound instance 0.
#include "pmt/tools/import_model.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/io/names.hpp"
#include "pmt/mutate/registry.hpp"
#include "pmt/train/network.hpp"

namespace pmt::tools {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A spec as people write them: one key per line, one layer per line.
std::string spec_text(const json& spec) {
  std::string out = "{\n";
  std::size_t k = 0;
  for (const auto& [key, value] : spec.items()) {
    out += fmt::format("  {}: ", json(key).dump());
    if (key == "layers") {
      out += "[\n";
      for (std::size_t i = 0; i < value.size(); ++i)
        out += fmt::format("    {}{}\n", value[i].dump(), i + 1 < value.size() ? "," : "");
      out += "  ]";
    } else {
      out += value.dump();
    }
    out += ++k < spec.size() ? ",\n" : "\n";
  }
  return out + "}\n";
}

std::string thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

std::map<std::string, json> parse_substitutes(const std::vector<std::string>& items) {
  std::map<std::string, json> out;
  for (const std::string& item : items) {
    const auto eq = item.find('=');
    PMT_THROW_IF(eq == std::string::npos || eq == 0, kUsage,
                 "--substitute '{}': expected NAME=JSON, e.g. lambda_1='{{\"type\": "
                 "\"rescaling\", \"scale\": 0.00784313725490196, \"offset\": -1}}'",
                 io::shorten(item));
    const std::string name = item.substr(0, eq);
    try {
      out[name] = io::parse_json(item.substr(eq + 1), "--substitute " + name);
    } catch (const Error& e) {
      PMT_THROW(kUsage, "{}", e.what());
    }
  }
  return out;
}

// Loads `weights` into `net` by parameter name; every parameter and buffer must get one.
void load_weights(train::SubjectNet& net, const std::vector<importer::Array>& weights,
                  const std::string& origin) {
  std::map<std::string, const importer::Array*> by_name;
  for (const auto& a : weights) by_name[a.name] = &a;
  torch::NoGradGuard no_grad;
  std::size_t used = 0;
  const auto fill = [&](const std::string& name, torch::Tensor& t) {
    const auto it = by_name.find(name);
    PMT_THROW_IF(it == by_name.end(), kData, "{}: no weights for the network's '{}'", origin, name);
    const importer::Array& a = *it->second;
    PMT_THROW_IF(std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()) != a.shape, kData,
                 "{}: the weights of '{}' have shape [{}], the network's [{}]", origin, name,
                 fmt::join(a.shape, ", "), fmt::join(t.sizes(), ", "));
    t.copy_(torch::from_blob(const_cast<float*>(a.data.data()), t.sizes(), torch::kFloat));
    ++used;
  };
  for (auto& p : net.named_parameters(true)) fill(p.key(), p.value());
  for (auto& b : net.named_buffers(true)) fill(b.key(), b.value());
  PMT_THROW_IF(used != weights.size(), kData,
               "{}: {} weight arrays converted, the network takes {}", origin, weights.size(),
               used);
}

// A file that exists and holds something else is kept unless --force.
void check_overwrite(const fs::path& path, const std::string& content, bool force) {
  std::error_code ec;
  if (force || !fs::exists(path, ec)) return;
  PMT_THROW_IF(content.empty() || io::read_file(path) != content, kUsage,
               "{}: exists (and differs): pass --force to replace it, or -o / --instance for "
               "another path",
               path.string());
}

}  // namespace

ImportModelSummary run_import_model(const ImportModelOptions& o) {
  importer::Options io_options;
  io_options.name = o.name;
  io_options.dataset = o.dataset;
  io_options.weights = o.weights;
  io_options.substitutes = parse_substitutes(o.substitutes);
  ImportModelSummary s;
  s.file = o.file;
  s.imported = importer::import_model(o.file, io_options);
  json& spec_json = s.imported.spec;
  // the data as the user has them: IDX files (mnist, fashion_mnist), pixels to divide
  PMT_THROW_IF(o.data != "npy" && o.data != "idx", kUsage, "--data: npy or idx, not '{}'",
               io::shorten(o.data));
  PMT_THROW_IF(!(o.scale > 0) || !std::isfinite(o.scale), kUsage, "--scale must be > 0");
  if (o.data == "idx") spec_json["data"] = {{"format", "idx"}};
  if (spec_json.contains("input_shape"))
    spec_json["scale"] = o.scale;
  else
    for (json& in : spec_json["inputs"]) in["scale"] = o.scale;
  const std::string model = spec_json["name"];
  const model::SubjectSpec spec = model::parse_subject(spec_json, o.file);
  s.spec = o.out.empty() ? fs::path(model + ".json") : fs::path(o.out);
  const std::string text = spec_text(spec_json);
  check_overwrite(s.spec, text, o.force);

  train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(0));
  for (const auto& p : net.parameters(true)) s.spec_parameters += p.numel();
  for (const auto& b : net.buffers(true)) s.spec_parameters += b.numel();
  PMT_THROW_IF(s.spec_parameters != s.imported.parameters, kData,
               "{}: the subject network has {} parameters, the model {}", o.file, s.spec_parameters,
               s.imported.parameters);
  if (o.weights) {
    load_weights(net, s.imported.weights, o.file);
    s.instance = o.instance.empty()
                     ? detail::model_file(
                           fs::path(o.common.data_root) / "trained_models" / model / "original", 0)
                     : fs::path(o.instance);
    fs::path sidecar = s.instance;
    sidecar.replace_extension(".json");
    const mutate::Mutation original;
    json side{{"subject", model},
              {"mutation", original.name},
              {"parameter", original.param},
              {"operator", original.to_json()},
              {"instance", 0},
              {"base_seed", o.common.seed},
              {"imported_from", o.file},
              {"format", s.imported.format},
              {"spec", spec_json}};
    const std::string side_text = side.dump(2) + "\n";
    // the same import again rewrites the same instance; another model's is kept
    std::error_code ec;
    if (!o.force && fs::exists(sidecar, ec)) check_overwrite(sidecar, side_text, false);
    save_net(net, s.instance);
    io::write_file_atomic(sidecar, side_text);
    s.imported.weights.clear();
  }
  io::write_file_atomic(s.spec, text);
  return s;
}

json ImportModelSummary::to_json() const {
  json layers = json::array();
  for (const auto& l : imported.layers)
    layers.push_back({{"source", l.source}, {"target", l.target}, {"parameters", l.parameters}});
  json out{{"file", file.string()},
           {"format", imported.format},
           {"spec", spec.string()},
           {"parameters", imported.parameters},
           {"spec_parameters", spec_parameters},
           {"layers", layers},
           {"approximations", imported.approximations}};
  if (!instance.empty()) out["instance"] = instance.string();
  return out;
}

std::string ImportModelSummary::text() const {
  const std::string prefix = file.string() + ": ";
  const auto shorter = [&](const std::string& s) {
    return s.rfind(prefix, 0) == 0 ? s.substr(prefix.size()) : s;
  };
  std::size_t width = 11;  // "in the file"
  for (const auto& l : imported.layers) width = std::max(width, shorter(l.source).size());
  width = std::min<std::size_t>(width, 60);
  std::string out =
      fmt::format("import_model: {} ({}) -> {}\n", file.string(), imported.format, spec.string());
  const std::size_t n = imported.spec["layers"].size();
  out += fmt::format("  {} layers, {} weights (trainable and not: Keras' total params)\n", n,
                     thousands(imported.parameters));
  out += fmt::format("  {:<{}}  {:<28}  {:>10}\n", "in the file", width, "pmt", "weights");
  for (const auto& l : imported.layers)
    out += fmt::format("  {:<{}}  {:<28}  {:>10}\n", shorter(l.source), width, l.target,
                       l.parameters ? thousands(l.parameters) : "");
  if (!imported.approximations.empty()) {
    out += "  not modelled exactly:\n";
    for (const auto& a : imported.approximations) out += "    - " + shorter(a) + "\n";
  }
  const json& sj = imported.spec;
  out += fmt::format(
      "  task: {}, loss {}, optimiser {}; batch_size and epochs are not in "
      "the file: {} and {} (edit the spec)\n",
      sj.value("task", "classification"), sj.value("loss", "?"),
      sj.contains("optimizer") ? sj["optimizer"].dump() : "adam (default)",
      sj.value("batch_size", 32), sj.value("epochs", 1));
  if (!instance.empty()) out += fmt::format("  weights: {}\n", instance.string());
  const bool idx = sj["data"].value("format", "npy") == "idx";
  const std::string data =
      idx ? fmt::format("the IDX files of <data-root>/datasets/{}/", sj.value("dataset", "?"))
          : fmt::format(
                "<data-root>/datasets/{}/{{train,test}}_{{x,y}}.npy (samples as the "
                "model takes them)",
                sj.value("dataset", "?"));
  out +=
      fmt::format("  data: {}, then: gen_acc --subject {} --mut original\n", data, spec.string());
  return out;
}

}  // namespace pmt::tools
