// cluster as a library function (cluster/search.hpp has the search). No LibTorch here.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/cluster/search.hpp"
#include "pmt/tools/options.hpp"

namespace pmt::tools {

// The `cluster` tool as a library function: loads the subject's split (raw values: IDX pixels
// 0-255), searches, and writes into `out_dir`: clusters.npy (one value per input of the split:
// its cluster within its class, -1 noise, -2 a class not clustered; float64, as numpy.save of
// small integers in floats), clusters.csv (index, class,
// cluster), report.json (every outcome, the rankings, the losses, the chosen pipeline per class),
// report.txt, and with `plot` a figure per class (class_<c>.png: the class's inputs on their first
// two principal components, coloured by cluster, noise grey).
struct ClusterOptions {
  CommonOptions common;  // --data-root, --seed, --proc, --json
  std::string model, subject_file, data_dir, split = "train", out_dir;
  // Precomputed embeddings of the split's inputs (e.g. the `embed` tool's VAE latent codes):
  // NPY files of one row per input, each with an optional sidecar <file minus .npy>.json whose
  // "reduction" names it (default: the file's stem) and "scaling" says which scaling its inputs
  // had (default none).
  std::vector<std::string> embedding_files;
  std::string metric = "silhouette";  // which group's best combination gives the clusters
  std::string pipeline;               // force a combination (its name in the report)
  int limit = 0;                      // the first N inputs of each class (0: all)
  bool plot = true;
  cluster::SearchOptions search;
};
struct ClusterSummary {
  std::string out_dir, chosen, metric;
  cluster::SearchResult result;
  std::vector<std::pair<int, std::string>> per_class;  // class, the pipeline that gave its clusters
  nlohmann::json to_json() const;
  std::string text() const;  // the summary on stdout (printed by cli::print)
};
ClusterSummary run_cluster(const ClusterOptions& options);

}  // namespace pmt::tools
