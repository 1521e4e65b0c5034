// Model import: a user's model file becomes a pmt subject spec, and with its weights a trained
// instance. Keras 2.x and 3.x (an HDF5 file of model.save, a Keras 3 .keras zip, the JSON text of
// model.to_json()) map layer by layer, ONNX models (torch.onnx.export's) op by op, onto the
// spec's vocabulary (docs/import.md has the tables).
// No LibTorch here: the weights come out as plain arrays in pmt's layout, named as the subject
// network's parameters, and the import_model tool stores them as an instance.
//
// Files from strangers are read as hostile: sizes and nesting are bounded, every problem is one
// pmt::Error naming the file (and the layer): data errors (exit 1) for malformed files, usage
// errors (exit 2) for what pmt cannot express (a Lambda layer, a custom class, an option of a
// layer that pmt's layer lacks), each with what to do instead.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pmt::importer {

struct Options {
  std::string name;      // the subject's name ("" = the file's stem)
  std::string dataset;   // its dataset folder ("" = the name)
  bool weights = false;  // read the weights (Keras' .h5 and .keras files and ONNX hold them)
  // Keras layer name -> the pmt layer spec that stands for it ({"type": "rescaling", ...}): for
  // Lambda layers and custom classes, whose Python code cannot be read
  std::map<std::string, nlohmann::json> substitutes;
};

// One parameter or buffer of the subject network ("layer3.weight", "layer5.running_mean"), in
// LibTorch's layout.
struct Array {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> data;
};

// What one layer of the file became.
struct LayerMap {
  std::string source;           // "conv2d_1 (Conv2D)"
  std::string target;           // "layer 3: conv2d" (or "input 'x'", or "(nothing: InputLayer)")
  std::int64_t parameters = 0;  // the file's weights of this layer (trainable and not)
};

struct Imported {
  std::string format;   // "Keras 2.2.4 HDF5 (model.save)", "ONNX opset 13 (pytorch 1.13.0)"
  nlohmann::json spec;  // a subject spec that model::parse_subject accepts
  std::vector<LayerMap> layers;
  std::vector<std::string> approximations;  // what the spec does not model exactly
  std::vector<Array> weights;               // with Options::weights; empty otherwise
  std::int64_t parameters = 0;  // the model's weight values (Keras' "Total params"), from the
                                // file's arrays when read, else from the spec's shapes
};

// Reads `file` (the format told by its first bytes: HDF5, zip, JSON text, else ONNX). Throws
// pmt::Error as above; nothing is written.
Imported import_model(const std::filesystem::path& file, const Options& options);

// The Keras config part alone: `model` is {"class_name", "config"} (a model_config attribute, a
// config.json, a to_json() text), `training` the training_config ({} when none), `keras_version`
// as the file says ("" unknown). Imported::weights stays empty.
Imported import_keras_config(const nlohmann::json& model, const nlohmann::json& training,
                             const std::string& keras_version, const std::string& origin,
                             const Options& options);

}  // namespace pmt::importer
