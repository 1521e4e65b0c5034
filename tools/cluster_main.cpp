// cluster: the thesis' search over clustering pipelines for each class of a subject's inputs.
#include <cstdio>
#include <sstream>

#include "pmt/cli/common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/number.hpp"
#include "pmt/tools/cluster.hpp"

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::CommonOptions common;
  pmt::tools::ClusterOptions o;
  pmt::cli::setup_app(
      app,
      {"cluster",
       "Clusters each class's inputs of a subject's split as the USI thesis on targeted "
       "post-training mutants does (section 4.2): every combination of thresholding (off, or "
       "the features whose mean is below 7.8% of the maximum removed), scaling (none, max, "
       "normalization, standard, minmax), reduction (none; pca on the whole split; umap on each "
       "class's inputs, umap-learn's algorithm; --embedding: precomputed features such as the "
       "embed tool's VAE latent codes, one preprocessing each, never thresholded) "
       "and clustering (k-means, agglomerative ward/complete/average, Gaussian mixtures "
       "full/tied/diag/spherical with 2 to 5 clusters; HDBSCAN with minimum cluster sizes 10 to "
       "200), scored by the silhouette (DBCV for HDBSCAN), filtered (one cluster or only noise; "
       "largest cluster > 80% with smallest < 5%), ranked across classes (3, 2, 1 points for a "
       "class's three best) with each class's loss. Writes clusters.npy and clusters.csv (each "
       "input's cluster within its class, by the best combination of --metric's group), "
       "report.json, report.txt and a figure per class (its inputs on two principal components "
       "by cluster, and for images the 8 inputs nearest each cluster's mean) under --out (default "
       "<data-root>/clusters/<model>/). Progress on stderr.",
       "  cluster --model mnist_mlp --classes 0,5,7 --limit 800\n"
       "  cluster --model mnist --metric dbcv --scalings standard,minmax --json\n"
       "  cluster --model mnist --classes 0,5,7 --reductions pca,umap --embedding "
       "embeddings/mnist/vae_max.npy",
       "The 2024 USI master's thesis on targeted post-training mutation (with DeepCrime's "
       "authors); "
       "Campello, Moulavi, Sander, PAKDD 2013 (HDBSCAN); Moulavi et al., SDM 2014 (DBCV); "
       "McInnes, Healy, Melville, arXiv:1802.03426 (UMAP)."},
      common, pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kProc | pmt::cli::kJson);
  app.add_option("--model", o.model, "Subject: a built-in one (data/subjects/<model>.json)");
  app.add_option("--subject", o.subject_file, "A user's subject spec (JSON) instead")
      ->check(CLI::ExistingFile);
  app.add_option("--data-dir", o.data_dir, "Datasets folder [default: <data-root>/datasets]");
  app.add_option("--split", o.split, "Which split's inputs: train or test")
      ->check(CLI::IsMember({"train", "test"}))
      ->capture_default_str();
  std::string classes, scalings = "none,max,normalization,standard,minmax", reductions = "pca",
                       thresholds = "off,on", sizes,
                       algorithms = "kmeans,agglomerative,gmm,hdbscan";
  app.add_option("--classes", classes, "Classes to cluster, e.g. 0,5,7 [default: all]");
  app.add_option("--limit", o.limit, "Only the first N inputs of each class (0: all)")
      ->check(pmt::cli::non_negative())
      ->capture_default_str();
  app.add_option("--scalings", scalings, "Scalings tried")->capture_default_str();
  app.add_option("--reductions", reductions,
                 "Reductions tried (none, pca, umap; \"\" with --embedding: only the embeddings)")
      ->capture_default_str();
  app.add_option(
         "--embedding", o.embedding_files,
         "An embedding of the split's inputs to try as a reduction (repeatable): an NPY "
         "of one row per input (e.g. the embed tool's vae_max.npy), its sidecar .json naming "
         "it and its scaling")
      ->check(CLI::ExistingFile);
  app.add_option("--umap-components", o.search.umap.n_components, "UMAP's output dimensions")
      ->check(pmt::cli::positive())
      ->capture_default_str();
  app.add_option("--umap-neighbors", o.search.umap.n_neighbors, "UMAP's n_neighbors")
      ->check(CLI::Range(2, 1000000))
      ->capture_default_str();
  app.add_option("--umap-min-dist", o.search.umap.min_dist, "UMAP's min_dist (spread 1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--umap-epochs", o.search.umap.n_epochs,
                 "UMAP's SGD epochs (0: umap-learn's default, 500 up to 10,000 inputs, else 200)")
      ->check(pmt::cli::non_negative())
      ->capture_default_str();
  app.add_option("--thresholds", thresholds, "Thresholding tried (off, on)")->capture_default_str();
  app.add_option("--components", o.search.components, "PCA components")
      ->check(pmt::cli::positive())
      ->capture_default_str();
  app.add_option("--algorithms", algorithms, "Clustering algorithms tried")->capture_default_str();
  app.add_option("--min-cluster-sizes", sizes, "HDBSCAN's sizes tried [default: 10,20,...,200]");
  app.add_option("--metric", o.metric,
                 "Whose best combination gives the clusters: silhouette (k-means, agglomerative, "
                 "mixtures) or dbcv (HDBSCAN)")
      ->check(CLI::IsMember({"silhouette", "dbcv"}))
      ->capture_default_str();
  app.add_option("--pipeline", o.pipeline,
                 "Use this combination (a name from the report, e.g. all/standard/pca/kmeans-3)");
  app.add_option("--out", o.out_dir, "Output folder [default: <data-root>/clusters/<model>/]");
  bool no_plot = false;
  app.add_flag("--no-plot", no_plot, "No figures");
  return pmt::cli::run_main(app, argc, argv, common, [&] {
    o.data_root = common.data_root;
    o.plot = !no_plot;
    o.search.seed = common.seed;
    o.search.proc = common.proc;
    for (const auto& c : split_list(classes))
      o.search.classes.push_back(pmt::io::parse_int(c, "--classes", pmt::ErrorKind::kUsage, 0));
    o.search.scalings.clear();
    for (const auto& s : split_list(scalings))
      o.search.scalings.push_back(pmt::cluster::parse_scaling(s));
    o.search.reductions.clear();
    for (const auto& r : split_list(reductions))
      o.search.reductions.push_back(pmt::cluster::parse_reduction(r));
    o.search.algorithms.clear();
    for (const auto& a : split_list(algorithms))
      o.search.algorithms.push_back(pmt::cluster::parse_algorithm(a));
    o.search.thresholds.clear();
    for (const auto& t : split_list(thresholds)) {
      PMT_THROW_IF(t != "on" && t != "off", kUsage, "--thresholds: on or off, got '{}'", t);
      o.search.thresholds.push_back(t == "on");
    }
    for (const auto& m : split_list(sizes))
      o.search.min_cluster_sizes.push_back(
          pmt::io::parse_int(m, "--min-cluster-sizes", pmt::ErrorKind::kUsage, 2));
    PMT_THROW_IF(
        o.search.scalings.empty() || (o.search.reductions.empty() && o.embedding_files.empty()) ||
            o.search.thresholds.empty() || o.search.algorithms.empty(),
        kUsage, "--scalings, --reductions, --thresholds and --algorithms need at least one value");
    const auto s = pmt::tools::run_cluster(o);
    if (common.json) {
      std::printf("%s\n", s.to_json().dump().c_str());
      return;
    }
    std::fputs(s.result.report().c_str(), stdout);
    std::printf("clusters of %s (by %s) in %s\n", s.chosen.c_str(), o.metric.c_str(),
                s.out_dir.c_str());
  });
}
