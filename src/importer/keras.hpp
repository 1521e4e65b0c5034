// The Keras importer's parts (private to pmt_importer): a layer config reader, the converter
// that flattens a model config into spec layers, and the weight conversion.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/importer/importer.hpp"
#include "pmt/io/hdf5.hpp"

namespace pmt::importer::detail {

// One Keras layer's config, read with errors naming the file and the layer ("where").
class Cfg {
 public:
  Cfg(const nlohmann::json& j, std::string where, std::string name = "");
  bool has(const char* key) const;                   // present and not null
  const nlohmann::json& raw(const char* key) const;  // null when absent
  double number(const char* key, double fallback) const;
  int integer(const char* key, int fallback, int lo, int hi) const;
  bool flag(const char* key, bool fallback) const;
  std::string text(const char* key, const std::string& fallback) const;
  // n positive integers: an integer (repeated), [a] or n of them
  std::vector<int> ints(const char* key, std::size_t n, int fallback) const;
  [[noreturn]] void unsupported(const std::string& what) const;  // a usage error (exit 2)
  const std::string& where() const { return where_; }
  const std::string& name() const { return name_; }

 private:
  const nlohmann::json& j_;
  std::string where_, name_;
};

// A Keras tensor: output `tensor` of call `node` of `layer`.
struct TensorRef {
  std::string layer;
  std::size_t node = 0, tensor = 0;
};
TensorRef tensor_ref(const nlohmann::json& ref, const std::string& where);
std::string name_of(const nlohmann::json& layer);
nlohmann::json batch_shape_of(const nlohmann::json& config);

// A Keras layer with weights, in the model's (flattened) order.
struct Weighted {
  std::string keras_name, keras_class;
  std::size_t layer = 0;          // its spec layer
  std::string top;                // its top-level layer (a Keras 2 HDF5 weight group)
  std::string group;              // its Keras 3 weight group ("layers/dense_1")
  std::vector<std::string> vars;  // its Keras variables, in Keras' order
  std::size_t map = 0;            // its Imported::layers entry
};

// Where a model's layers sit: the name prefix of a nested model's layers, the top-level layer
// they belong to, the Keras 3 weight container, the nesting depth.
struct Scope {
  std::string prefix, top, weights = "layers";
  int depth = 0;
};

class Converter {
 public:
  Converter(std::string origin, const Options& options, std::string keras_version);
  // The spec of `model` ({class_name, config}) and `training` (a training_config, {} if none).
  Imported convert(const nlohmann::json& model, const nlohmann::json& training);
  const std::vector<Weighted>& weighted() const { return weighted_; }
  const std::set<std::size_t>& permuted() const { return permuted_; }

  // Used by the layer mapping (keras_config.cpp).
  nlohmann::json map_layer(const std::string& cls, const Cfg& cfg, std::vector<std::string>& vars);

 private:
  std::vector<std::string> add_model(const nlohmann::json& entry,
                                     const std::vector<std::string>& given, const Scope& scope);
  std::vector<std::string> add_layer(const nlohmann::json& entry,
                                     const std::vector<std::string>& inputs, const Scope& scope,
                                     const std::string& weights_key);
  std::string add_input(const std::string& keras_name, const nlohmann::json& batch_shape,
                        const std::string& where);
  std::vector<TensorRef> inbound(const nlohmann::json& entry, const std::string& where);
  std::vector<std::int64_t> input_shape(const nlohmann::json& batch_shape,
                                        const std::string& where);
  std::string activation(const nlohmann::json& value, const Cfg& where, nlohmann::json* layer);
  std::string initializer(const Cfg& cfg, const char* key, const std::string& fallback,
                          double* stddev = nullptr);
  void regularizers(const Cfg& cfg, const char* key, nlohmann::json& layer, const char* out_key);
  void training(const nlohmann::json& training, nlohmann::json& spec, int width,
                const std::string& output_activation);
  void flatten_order(nlohmann::json& spec);
  void note(const std::string& text);
  std::string unique_name(const std::string& wanted);

  std::string origin_;
  const Options& options_;
  std::string version_;
  bool keras3_ = false;
  std::vector<nlohmann::json> layers_, inputs_;
  std::vector<LayerMap> maps_;
  std::vector<std::string> notes_;
  std::set<std::string> names_, used_substitutes_;
  std::vector<Weighted> weighted_;
  std::vector<std::pair<std::size_t, std::int64_t>>
      axis_checks_;                     // normalisation layers' Keras axis
  std::set<std::size_t> permuted_;      // dense layers reading a channels-last Flatten
  std::vector<std::size_t> layer_map_;  // spec layer -> its maps_ entry
};

// The spec around imported layers: name, source, dataset (Options or the file's stem), the
// inputs (a graph), the layers, NPY data ({split}_x.npy, or {split}_<input>.npy for several).
nlohmann::json spec_frame(const Options& options, const std::string& origin,
                          const std::vector<nlohmann::json>& inputs,
                          const std::vector<nlohmann::json>& layers);
// A spec whose layers form a chain becomes a stack (input_shape, no names or edges), as
// hand-written specs are, so that every operator and the fused trainer apply.
void chain_to_stack(nlohmann::json& spec);

// An ONNX model (onnx.cpp).
Imported import_onnx(const std::filesystem::path& file, const Options& options);

// The Keras arrays of one weighted layer, in its vars' order (a source of weights).
using WeightSource = std::function<std::vector<io::Hdf5Array>(const Weighted&)>;

// Reads every weighted layer's arrays from `source`, checks their shapes against the spec's
// layers and converts them to pmt's layout into imported.weights; fills the per-layer and total
// parameter counts (from the spec's shapes alone when `source` is empty).
void convert_weights(Imported& imported, const Converter& converter, const WeightSource& source,
                     const std::string& origin);

}  // namespace pmt::importer::detail
