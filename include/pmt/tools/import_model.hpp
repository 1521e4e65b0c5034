// import_model: a user's model file (Keras .h5 / .keras / model.to_json(), ONNX) becomes a subject
// spec that every tool takes, and with --weights a trained instance of it in the layout
// (trained_models/<model>/original/instance_0.pt), which gen_acc evaluates and the post-training
// operators mutate. docs/import.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/importer/importer.hpp"
#include "pmt/tools/options.hpp"

namespace pmt::tools {

struct ImportModelOptions {
  CommonOptions common;
  std::string file;
  std::string name;          // the subject's (and model folder's) name; "" = the file's stem
  std::string dataset;       // "" = the name
  std::string data = "npy";  // npy ({split}_x.npy, {split}_y.npy) or idx (the MNIST family's files)
  double scale = 1;          // the stored input values are divided by it (255: pixels in 0..255)
  std::string out;           // the spec to write; "" = <name>.json
  bool weights = false;      // also write the file's weights as a sound instance
  std::string instance;      // where; "" = <data-root>/trained_models/<name>/original/instance_0.pt
  std::vector<std::string> substitutes;  // NAME=JSON: a pmt layer for a Lambda or custom layer
  bool force = false;                    // overwrite an existing spec or instance
};

struct ImportModelSummary {
  std::filesystem::path file, spec;
  std::filesystem::path instance;    // empty without --weights
  importer::Imported imported;       // its weights dropped once written
  std::int64_t spec_parameters = 0;  // the subject network's parameters and buffers
  nlohmann::json to_json() const;
  std::string text() const;  // the summary on stdout: layers, parameters, mapping, approximations
};

// Throws pmt::Error: usage for what pmt cannot import (exit 2), data for malformed files; writes
// nothing then. The spec and the instance are each written atomically.
ImportModelSummary run_import_model(const ImportModelOptions& options);

}  // namespace pmt::tools
