// Tiny generated image datasets and a subject for the training tests (seconds in all): class c of
// `classes` is a bright band of rows (band c of `classes` equal bands) on a dark background, plus
// noise, so a small network learns it in one epoch. With 2 classes and 4x4 images: bright top vs
// bottom. `bright`, `dark` and `noise` (its sd) set how hard the task is.
#pragma once

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>

#include "pmt/model/dataset.hpp"

namespace pmt::test {

inline void write_split(const std::filesystem::path& dir, const std::string& prefix, int n,
                        unsigned seed, int classes = 2, int side = 4, double bright = 200,
                        double dark = 40, double noise_sd = 30) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> noise(0, noise_sd);
  pmt::model::IdxArray x{{n, side, side}, {}}, y{{n}, {}};
  for (int i = 0; i < n; ++i) {
    const int label = i % classes;
    for (int r = 0; r < side; ++r)
      for (int c = 0; c < side; ++c) {
        const double v = (r * classes / side == label ? bright : dark) + noise(gen);
        x.data.push_back(static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0)));
      }
    y.data.push_back(static_cast<std::uint8_t>(label));
  }
  std::filesystem::create_directories(dir);
  pmt::model::write_idx(dir / (prefix + "-images-idx3-ubyte.gz"), x);
  pmt::model::write_idx(dir / (prefix + "-labels-idx1-ubyte"), y);
}

// The training tests' subject on those images (4x4, 2 classes): flatten, dense 8 relu, softmax;
// Adam 0.02, batches of 32, 2 epochs; `more` adds members (", \"mutation_search\": {...}").
inline std::string tiny_subject(const std::string& more = "") {
  return R"({
    "name": "tiny", "dataset": "tiny", "input_shape": [1, 4, 4], "num_classes": 2,
    "layers": [{"type": "flatten"}, {"type": "dense", "units": 8, "activation": "relu"},
               {"type": "dense", "units": 2, "activation": "softmax"}],
    "optimizer": {"name": "adam", "learning_rate": 0.02}, "batch_size": 32, "epochs": 2)" +
         more + "}";
}

}  // namespace pmt::test
