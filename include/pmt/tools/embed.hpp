// embed as a library function: the VAE codes of a subject's split for `cluster --embedding`
// (train/vae.hpp has the network). No LibTorch here.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "pmt/tools/options.hpp"
#include "pmt/train/vae.hpp"

namespace pmt::tools {

// The `embed` tool: the subject's split (IDX pixels 0-255), scaled as the `cluster` search
// scales (cluster::scale_features), one VAE (per "all") or one per class (per "class"), written
// to out_dir (default <data-root>/embeddings/<model>/) as <name>_<scaling>.npy (float64, one row
// per input of the split) and its sidecar <name>_<scaling>.json (reduction name "vae" or
// "vae_s", scaling, options, per-VAE epoch losses and seconds). An existing pair made with the
// same options is kept (a rerun skips it).
struct EmbedOptions {
  CommonOptions common;  // --data-root, --seed, --proc, --json
  std::string model, subject_file, data_dir, split = "train", out_dir;
  std::string per = "all";      // all: "vae"; class: "vae_s"
  std::string scaling = "max";  // as cluster --scalings: none, max, normalization, standard, minmax
  train::VaeOptions vae;
};
struct EmbedSummary {
  std::filesystem::path npy, sidecar;
  bool skipped = false;
  nlohmann::json sidecar_json;
  nlohmann::json to_json() const;
  std::string text() const;  // the summary on stdout (printed by cli::print)
};
EmbedSummary run_embed(const EmbedOptions& options);

}  // namespace pmt::tools
