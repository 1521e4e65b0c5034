// The files: a Keras HDF5 file (model.save: the model_config and training_config attributes, the
// model_weights group), a Keras 3 .keras zip (config.json, metadata.json, model.weights.h5) and
// the JSON text of model.to_json(). The format is told by the first bytes, not the name.
#include <zip.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "keras.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/io/names.hpp"

namespace pmt::importer {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::uintmax_t kMaxText = std::uintmax_t{64} << 20;    // a config's JSON
constexpr std::uintmax_t kMaxWeights = std::uintmax_t{4} << 30;  // a .keras weights member

// An attribute that h5py may have split (Keras' save_attributes_to_hdf5_group writes name0,
// name1, ... when one would pass HDF5's 64 KB object-header limit); nullopt when absent.
std::optional<std::vector<std::string>> split_attribute(const io::Hdf5File& f,
                                                        const std::string& path,
                                                        const std::string& name) {
  if (auto whole = f.strings(path, name)) return whole;
  std::optional<std::vector<std::string>> out;
  for (int k = 0;; ++k) {
    const auto part = f.strings(path, fmt::format("{}{}", name, k));
    if (!part) break;
    if (!out) out.emplace();
    out->insert(out->end(), part->begin(), part->end());
  }
  return out;
}

// One scalar string attribute (empty when absent).
std::string text_attribute(const io::Hdf5File& f, const std::string& path,
                           const std::string& name) {
  const auto v = f.strings(path, name);
  if (!v || v->empty()) return "";
  PMT_THROW_IF(v->size() != 1, kData, "{}: attribute '{}' holds {} strings, not one", f.origin(),
               name, v->size());
  return v->front();
}

json parse_attribute(const io::Hdf5File& f, const std::string& name) {
  const std::string text = text_attribute(f, "", name);
  return text.empty() ? json::object()
                      : io::parse_json(text, fmt::format("{} (attribute '{}')", f.origin(), name));
}

// Keras 2 HDF5 weights: each top-level layer's group holds its arrays (nested models' too) in
// the order of its weight_names attribute; the weighted layers under it take them in turn.
class H5Weights {
 public:
  H5Weights(const io::Hdf5File& f, std::string root) : f_(f), root_(std::move(root)) {}

  std::vector<io::Hdf5Array> operator()(const detail::Weighted& w) {
    auto [it, fresh] = groups_.try_emplace(w.top);
    Group& g = it->second;
    if (fresh) {
      const std::string path = root_ + "/" + w.top;
      PMT_THROW_IF(!f_.is_group(path), kData, "{}: no weights for layer '{}' (no group '{}')",
                   f_.origin(), io::shorten(w.top), path);
      g.names = split_attribute(f_, path, "weight_names").value_or(std::vector<std::string>{});
      g.path = path;
    }
    std::vector<io::Hdf5Array> out;
    for (std::size_t k = 0; k < w.vars.size(); ++k) {
      PMT_THROW_IF(g.next >= g.names.size(), kData,
                   "{}: layer '{}' has fewer weight arrays in the file than pmt's layers need",
                   f_.origin(), io::shorten(w.top));
      out.push_back(f_.read(g.path + "/" + g.names[g.next++]));
    }
    return out;
  }

  // Every group's arrays were taken.
  void check_all_used() const {
    for (const auto& [top, g] : groups_)
      PMT_THROW_IF(g.next != g.names.size(), kData,
                   "{}: layer '{}' has {} weight arrays in the file; pmt's layers take {}",
                   f_.origin(), io::shorten(top), g.names.size(), g.next);
  }

 private:
  struct Group {
    std::string path;
    std::vector<std::string> names;
    std::size_t next = 0;
  };
  const io::Hdf5File& f_;
  std::string root_;
  std::map<std::string, Group> groups_;
};

// Keras 3 weights (model.weights.h5 of a .keras zip): a layer's group holds vars/0, vars/1, ...
// and its sub-objects' groups (an RNN's cell, a Bidirectional's forward_layer and
// backward_layer, a TimeDistributed's layer), each again with vars.
void keras3_vars(const io::Hdf5File& f, const std::string& group, std::vector<io::Hdf5Array>& out,
                 int depth) {
  PMT_THROW_IF(depth > 8, kData, "{}: weight groups nested too deep under '{}'", f.origin(), group);
  const std::string vars = group + "/vars";
  if (f.is_group(vars)) {
    const auto members = f.members(vars);
    for (std::size_t k = 0; k < members.size(); ++k) {
      const std::string name = std::to_string(k);
      PMT_THROW_IF(std::find(members.begin(), members.end(), name) == members.end(), kData,
                   "{}: '{}' lacks variable {}", f.origin(), vars, k);
      out.push_back(f.read(vars + "/" + name));
    }
  }
  std::vector<std::string> subs = f.members(group);
  subs.erase(std::remove(subs.begin(), subs.end(), "vars"), subs.end());
  static const std::vector<std::string> kFirst{"cell", "forward_layer", "backward_layer", "layer"};
  std::stable_sort(subs.begin(), subs.end(), [](const std::string& a, const std::string& b) {
    const auto rank = [](const std::string& s) {
      return std::find(kFirst.begin(), kFirst.end(), s) - kFirst.begin();
    };
    return rank(a) < rank(b);
  });
  for (const std::string& s : subs)
    if (f.is_group(group + "/" + s)) keras3_vars(f, group + "/" + s, out, depth + 1);
}

// The bytes of a zip member, at most `limit`.
std::string zip_member(zip_t* z, const std::string& origin, const std::string& name,
                       std::uintmax_t limit) {
  const zip_int64_t index = zip_name_locate(z, name.c_str(), 0);
  PMT_THROW_IF(index < 0, kData, "{}: a zip without '{}' (not a Keras 3 .keras file?)", origin,
               name);
  zip_stat_t st;
  zip_stat_init(&st);
  PMT_THROW_IF(zip_stat_index(z, static_cast<zip_uint64_t>(index), 0, &st) != 0, kData,
               "{}: '{}': {}", origin, name, zip_strerror(z));
  PMT_THROW_IF((st.valid & ZIP_STAT_SIZE) && st.size > limit, kData,
               "{}: '{}' is {} bytes, over the limit of {}", origin, name, st.size, limit);
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> file(
      zip_fopen_index(z, static_cast<zip_uint64_t>(index), 0), zip_fclose);
  PMT_THROW_IF(!file, kData, "{}: cannot read '{}': {}", origin, name, zip_strerror(z));
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    const zip_int64_t n = zip_fread(file.get(), buffer, sizeof buffer);
    PMT_THROW_IF(n < 0, kData, "{}: cannot read '{}' (corrupt zip?): {}", origin, name,
                 zip_file_strerror(file.get()));
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
    PMT_THROW_IF(out.size() > limit, kData, "{}: '{}' is over the limit of {} bytes", origin, name,
                 limit);
  }
  return out;
}

Imported finish(detail::Converter& converter, const json& model, const json& training,
                const std::string& origin, const detail::WeightSource& source) {
  Imported imported = converter.convert(model, training);
  detail::convert_weights(imported, converter, source, origin);
  return imported;
}

Imported import_h5(const fs::path& file, const Options& options) {
  const io::Hdf5File f(file);
  const std::string origin = f.origin();
  const std::string config = text_attribute(f, "", "model_config");
  if (config.empty()) {
    PMT_THROW_IF(f.strings("", "layer_names").has_value() || f.strings("", "layer_names0"), kUsage,
                 "{}: holds weights only (model.save_weights): save the whole model "
                 "(model.save(\"model.h5\")), or give its architecture (model.to_json())",
                 origin);
    PMT_THROW(kData,
              "{}: an HDF5 file without a Keras model_config attribute (not written by "
              "Keras' model.save?)",
              origin);
  }
  std::string version = text_attribute(f, "", "keras_version");
  if (version.empty()) version = text_attribute(f, "model_weights", "keras_version");
  const json model = io::parse_json(config, origin + " (attribute 'model_config')");
  const json training = parse_attribute(f, "training_config");
  detail::Converter converter(origin, options, version);
  Imported imported;
  if (options.weights) {
    PMT_THROW_IF(!f.is_group("model_weights"), kData, "{}: no model_weights group", origin);
    auto weights = std::make_shared<H5Weights>(f, "model_weights");
    imported = finish(converter, model, training, origin,
                      [weights](const detail::Weighted& w) { return (*weights)(w); });
    weights->check_all_used();
  } else {
    imported = finish(converter, model, training, origin, {});
  }
  imported.format = fmt::format("Keras {} HDF5 (model.save)", version.empty() ? "?" : version);
  return imported;
}

Imported import_keras_zip(const fs::path& file, const Options& options) {
  const std::string origin = file.string();
  int error = 0;
  std::unique_ptr<zip_t, void (*)(zip_t*)> z(zip_open(origin.c_str(), ZIP_RDONLY, &error),
                                             zip_discard);
  if (!z) {
    zip_error_t e;
    zip_error_init_with_code(&e, error);
    const std::string why = zip_error_strerror(&e);
    zip_error_fini(&e);
    PMT_THROW(kData, "{}: not a readable zip (a Keras 3 .keras file): {}", origin, why);
  }
  const json config =
      io::parse_json(zip_member(z.get(), origin, "config.json", kMaxText), origin + " config.json");
  std::string version;
  if (zip_name_locate(z.get(), "metadata.json", 0) >= 0) {
    const json meta = io::parse_json(zip_member(z.get(), origin, "metadata.json", kMaxText),
                                     origin + " metadata.json");
    if (meta.is_object() && meta.contains("keras_version") && meta["keras_version"].is_string())
      version = meta["keras_version"];
  }
  const json compile =
      config.is_object() ? config.value("compile_config", json::object()) : json::object();
  json training = json::object();
  if (compile.is_object()) {
    if (compile.contains("loss")) training["loss"] = compile["loss"];
    if (compile.contains("optimizer")) training["optimizer_config"] = compile["optimizer"];
  }
  detail::Converter converter(origin, options, version.empty() ? "3" : version);
  Imported imported;
  if (options.weights) {
    PMT_THROW_IF(zip_name_locate(z.get(), "model.weights.h5", 0) < 0, kUsage,
                 "{}: its weights are not in model.weights.h5 (a .npz weights store?): pmt reads "
                 "the HDF5 one, Keras' default",
                 origin);
    const io::Hdf5File f(zip_member(z.get(), origin, "model.weights.h5", kMaxWeights),
                         origin + " model.weights.h5");
    imported = finish(converter, config, training, origin, [&f](const detail::Weighted& w) {
      std::vector<io::Hdf5Array> out;
      PMT_THROW_IF(!f.is_group(w.group), kData, "{}: no weights for layer '{}' (no group '{}')",
                   f.origin(), io::shorten(w.keras_name), w.group);
      keras3_vars(f, w.group, out, 0);
      return out;
    });
  } else {
    imported = finish(converter, config, training, origin, {});
  }
  imported.format = fmt::format("Keras {} .keras zip", version.empty() ? "3" : version);
  return imported;
}

}  // namespace

Imported import_keras_config(const json& model, const json& training,
                             const std::string& keras_version, const std::string& origin,
                             const Options& options) {
  detail::Converter converter(origin, options, keras_version);
  return finish(converter, model, training, origin, {});
}

Imported import_model(const fs::path& file, const Options& options) {
  const std::string origin = file.string();
  std::error_code ec;
  PMT_THROW_IF(!fs::is_regular_file(file, ec), kData, "{}: no such file", origin);
  std::string head(8, '\0');
  {
    std::ifstream in(file, std::ios::binary);
    in.read(head.data(), 8);
    head.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (head.rfind("\x89HDF\r\n\x1a\n", 0) == 0) return import_h5(file, options);
  if (head.rfind("PK\x03\x04", 0) == 0) return import_keras_zip(file, options);
  const auto first = head.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && head[first] == '{') {
    PMT_THROW_IF(fs::file_size(file, ec) > kMaxText, kData, "{}: over {} MB of JSON", origin,
                 kMaxText >> 20);
    const json model = io::read_json(file);
    PMT_THROW_IF(options.weights, kUsage,
                 "{}: model.to_json() text holds no weights (--weights needs a model.save file)",
                 origin);
    const std::string version =
        model.is_object() && model.contains("keras_version") && model["keras_version"].is_string()
            ? model["keras_version"].get<std::string>()
            : "";
    Imported imported = import_keras_config(model, json::object(), version, origin, options);
    imported.format = fmt::format("Keras {} model.to_json()", version.empty() ? "?" : version);
    return imported;
  }
  return detail::import_onnx(file, options);
}

}  // namespace pmt::importer
