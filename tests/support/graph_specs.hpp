// Small graph subjects shared by the spec tests (model_test) and the network tests (train_test).
#pragma once

#include <nlohmann/json.hpp>

namespace pmt::test {

// Two inputs (a 6x6 image and a 2-vector), a branch per input, concatenated: lenet's shape.
inline nlohmann::json two_inputs_spec() {
  return nlohmann::json::parse(R"({
    "name": "gaze", "dataset": "g", "num_classes": 2,
    "data": {"format": "npy", "inputs": ["{split}_eye.npy", "{split}_pose.npy"],
             "targets": "{split}_y.npy"},
    "inputs": [{"name": "eye", "shape": [1, 6, 6]}, {"name": "pose", "shape": [2]}],
    "layers": [
      {"type": "conv2d", "name": "c1", "inputs": ["eye"], "filters": 3, "kernel_size": 3,
       "activation": "relu"},
      {"type": "flatten", "name": "f"},
      {"type": "concatenate", "name": "cat", "inputs": ["f", "pose"]},
      {"type": "dense", "units": 2, "activation": "softmax"}]})");
}

// User and movie embeddings (vocabularies 5 and 7, 4 dimensions) and their dot product.
inline nlohmann::json recommender_spec() {
  return nlohmann::json::parse(R"({
    "name": "recomm", "dataset": "m", "num_classes": 2,
    "data": {"format": "npy", "inputs": ["{split}_u.npy", "{split}_m.npy"],
             "targets": "{split}_y.npy"},
    "inputs": [{"name": "user", "shape": [1]}, {"name": "movie", "shape": [1]}],
    "layers": [
      {"type": "embedding", "name": "u", "inputs": ["user"], "input_dim": 5, "output_dim": 4},
      {"type": "flatten", "name": "uf"},
      {"type": "embedding", "name": "m", "inputs": ["movie"], "input_dim": 7, "output_dim": 4,
       "embeddings_initializer": "he_normal"},
      {"type": "flatten", "name": "mf"},
      {"type": "dot", "name": "d", "inputs": ["uf", "mf"]},
      {"type": "dense", "units": 2, "activation": "softmax"}]})");
}

}  // namespace pmt::test
