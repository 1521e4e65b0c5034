// What the training tools share (tools.cpp, mutate_model.cpp): the resolved configuration, the
// jobs x threads layout, instance file names. Private to src/train/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "pmt/model/dataset.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/mutate/registry.hpp"
#include "pmt/train/tools.hpp"

namespace pmt::train::detail {

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
// Intra-op threads of the calling thread (and OpenBLAS's pool).
void use_threads(int threads);
// glibc keeps freed blocks up to 32 MB (a training batch's activations) on the heap and does not
// trim it, so a training loop reuses its memory instead of page-faulting it back in every batch.
void keep_freed_memory();
std::filesystem::path model_file(const std::filesystem::path& folder, int i);
std::filesystem::path sidecar_file(const std::filesystem::path& folder, int i);
// Indices i of the instance_<i>.pt files in `folder` (with their sidecar unless torchscript).
std::vector<int> instances_in(const std::filesystem::path& folder, bool need_sidecar);
// The instances of `wanted` whose model or sidecar is missing in `folder`; the others into `done`.
std::vector<int> not_done(const std::filesystem::path& folder, const std::vector<int>& wanted,
                          std::vector<int>& done);
double current_peak_rss_mb();
// What to run to make the missing sound instances `missing` of `model`.
std::string sound_hint(const ConfigOptions& o, const std::string& model,
                       const std::vector<int>& missing);
// Throws pmt::Error (data) naming the first of `wanted` whose sound instance (with its sidecar,
// unless TorchScript) is missing, and the command that makes them (mutate_model, tmr, arachne).
void require_sound(const ConfigOptions& o, const std::string& model,
                   const std::vector<int>& wanted);
// --input-shape "1,28,28" -> {1, 28, 28}; empty -> {}.
std::vector<std::int64_t> parse_shape(const std::string& text);

}  // namespace pmt::train::detail
