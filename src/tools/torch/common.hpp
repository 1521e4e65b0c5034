// What the training tools share (common.cpp): the resolved configuration, the jobs x threads
// layout, instance file names. Private to src/tools/torch/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "pmt/model/dataset.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/mutate/registry.hpp"
#include "pmt/tools/training.hpp"
#include "pmt/train/runtime.hpp"

namespace pmt::tools::detail {

struct Config {
  std::string model;
  model::SubjectSpec spec;  // unmutated (--torchscript: the layer list of a sound instance)
  mutate::Mutation mutation;
  std::filesystem::path data_dir;
  std::filesystem::path folder;
};

Config resolve(const ConfigOptions& o);
// <data_root>/trained_models/<model>/<folder>
std::filesystem::path models_folder(const ConfigOptions& o, const std::string& model,
                                    const std::string& folder);
// The jobs x threads layout for `pending` instances.
std::pair<int, int> layout(const ConfigOptions& o, std::size_t pending);
// The seed of instance i of mutation m for one purpose (initialisation, data, shuffling...).
std::uint64_t instance_seed(std::uint64_t seed, const mutate::Mutation& m, int i,
                            std::uint64_t purpose);
std::filesystem::path model_file(const std::filesystem::path& folder, int i);
std::filesystem::path sidecar_file(const std::filesystem::path& folder, int i);
// Indices i of the instance_<i>.pt files in `folder` (with their sidecar unless torchscript).
std::vector<int> instances_in(const std::filesystem::path& folder, bool need_sidecar);
// The instances of `wanted` whose model or sidecar is missing in `folder`; the others into `done`.
std::vector<int> not_done(const std::filesystem::path& folder, const std::vector<int>& wanted,
                          std::vector<int>& done);
// What to run to make the missing sound instances `missing` of `model`.
std::string sound_hint(const ConfigOptions& o, const std::string& model,
                       const std::vector<int>& missing);
// Throws pmt::Error (data) naming the first of `wanted` whose sound instance (with its sidecar,
// unless TorchScript) is missing, and the command that makes them (mutate_model, tmr, arachne).
void require_sound(const ConfigOptions& o, const std::string& model,
                   const std::vector<int>& wanted);
// --input-shape "1,28,28" -> {1, 28, 28}; empty -> {}.
std::vector<std::int64_t> parse_shape(const std::string& text);

}  // namespace pmt::tools::detail
