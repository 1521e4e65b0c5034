// cluster's flags: the pipelines its search tries (flags.hpp).
#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/error.hpp"

namespace pmt::cli {

void add_cluster_flags(CLI::App& app, tools::ClusterOptions& o, ClusterFlags& f) {
  add_subject_flags(app, o.model, o.subject_file, o.data_dir);
  add_split_flag(app, o.split, "Which split's inputs");
  app.add_option("--classes", f.classes, "Classes to cluster, e.g. 0,5,7 [default: all]");
  app.add_option("--limit", o.limit, "Only the first N inputs of each class (0: all)")
      ->check(non_negative())
      ->capture_default_str();
  app.add_option("--scalings", f.scalings, "Scalings tried")->capture_default_str();
  app.add_option("--reductions", f.reductions,
                 "Reductions tried (none, pca, umap; \"\" with --embedding: only the embeddings)")
      ->capture_default_str();
  app.add_option(
         "--embedding", o.embedding_files,
         "An embedding of the split's inputs to try as a reduction (repeatable): an NPY "
         "of one row per input (e.g. the embed tool's vae_max.npy), its sidecar .json naming "
         "it and its scaling")
      ->check(CLI::ExistingFile);
  app.add_option("--umap-components", o.search.umap.n_components, "UMAP's output dimensions")
      ->check(positive())
      ->capture_default_str();
  app.add_option("--umap-neighbors", o.search.umap.n_neighbors, "UMAP's n_neighbors")
      ->check(CLI::Range(2, 1000000))
      ->capture_default_str();
  app.add_option("--umap-min-dist", o.search.umap.min_dist, "UMAP's min_dist (spread 1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--umap-epochs", o.search.umap.n_epochs,
                 "UMAP's SGD epochs (0: umap-learn's default, 500 up to 10,000 inputs, else 200)")
      ->check(non_negative())
      ->capture_default_str();
  app.add_option("--thresholds", f.thresholds, "Thresholding tried (off, on)")
      ->capture_default_str();
  app.add_option("--components", o.search.components, "PCA components")
      ->check(positive())
      ->capture_default_str();
  app.add_option("--algorithms", f.algorithms, "Clustering algorithms tried")
      ->capture_default_str();
  app.add_option("--min-cluster-sizes", f.sizes, "HDBSCAN's sizes tried [default: 10,20,...,200]");
  app.add_option("--metric", o.metric,
                 "Whose best combination gives the clusters: silhouette (k-means, agglomerative, "
                 "mixtures) or dbcv (HDBSCAN)")
      ->check(CLI::IsMember({"silhouette", "dbcv"}))
      ->capture_default_str();
  app.add_option("--pipeline", o.pipeline,
                 "Use this combination (a name from the report, e.g. all/standard/pca/kmeans-3)");
  app.add_option("--out", o.out_dir, "Output folder [default: <data-root>/clusters/<model>/]");
  app.add_flag("--no-plot", f.no_plot, "No figures");
}

void finish_cluster_flags(tools::ClusterOptions& o, const ClusterFlags& f) {
  o.plot = !f.no_plot;
  o.search.classes = int_list(f.classes, "--classes");
  o.search.scalings = parse_list(f.scalings, cluster::parse_scaling);
  o.search.reductions = parse_list(f.reductions, cluster::parse_reduction);
  o.search.algorithms = parse_list(f.algorithms, cluster::parse_algorithm);
  o.search.thresholds = parse_list(f.thresholds, [](const std::string& t) {
    PMT_THROW_IF(t != "on" && t != "off", kUsage, "--thresholds: on or off, got '{}'", t);
    return t == "on";
  });
  o.search.min_cluster_sizes = int_list(f.sizes, "--min-cluster-sizes", 2);
  PMT_THROW_IF(
      o.search.scalings.empty() || (o.search.reductions.empty() && o.embedding_files.empty()) ||
          o.search.thresholds.empty() || o.search.algorithms.empty(),
      kUsage, "--scalings, --reductions, --thresholds and --algorithms need at least one value");
}

}  // namespace pmt::cli
