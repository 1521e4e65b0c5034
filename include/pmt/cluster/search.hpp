// The thesis' search over clustering pipelines (`cluster`; USI 2024 thesis, sections
// 4.2.1-4.2.8): for each class, every combination of thresholding (off, or features whose mean
// over the whole split is below 7.8% of the data's maximum removed), scaling (none, /max,
// normalization: one mean and standard deviation over everything, standard: per feature,
// min-max: per feature), reduction (none; PCA fitted on the whole split; UMAP fitted on each
// class's inputs; or precomputed embeddings of every input such as the `embed` tool's VAE latent
// codes, each computed from inputs of one scaling and never thresholded) and clustering (k-means,
// agglomerative ward/complete/average, Gaussian mixtures full/tied/diag/spherical for 2 to 5
// clusters; HDBSCAN with minimum cluster sizes 10 to 200 by 10), scored by the silhouette (DBCV
// for HDBSCAN), filtered (one cluster or only noise; largest cluster > 80% and smallest < 5% of
// the class), then ranked across classes (3, 2, 1 points to a class's three best; the best
// combination has the most points) with each class's loss. No LibTorch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/cluster/cluster.hpp"
#include "pmt/cluster/umap.hpp"

namespace pmt::cluster {

enum class Scaling { kNone, kMax, kNormalization, kStandard, kMinMax };
enum class Reduction { kNone, kPca, kUmap, kEmbedding };
enum class Algorithm { kKMeans, kAgglomerative, kGaussianMixture, kHdbscan };
Scaling parse_scaling(const std::string& name);      // none, max, normalization, standard, minmax
Algorithm parse_algorithm(const std::string& name);  // kmeans, agglomerative, gmm, hdbscan
Reduction parse_reduction(const std::string& name);  // none, pca, umap (embeddings: by name)
const char* to_string(Scaling s);
const char* to_string(Reduction r);
const char* to_string(Algorithm a);

struct Pipeline {
  bool threshold = false;
  Scaling scaling = Scaling::kNone;
  Reduction reduction = Reduction::kPca;
  Algorithm algorithm = Algorithm::kKMeans;
  int clusters = 2;  // k-means, agglomerative, Gaussian mixture
  Linkage linkage = Linkage::kWard;
  Covariance covariance = Covariance::kFull;
  int min_cluster_size = 10;  // HDBSCAN
  std::string embedding;  // Reduction::kEmbedding: its name (e.g. "vae"), the name's reduction part
  bool density() const { return algorithm == Algorithm::kHdbscan; }  // scored by DBCV
  std::string name() const;  // e.g. "threshold/standard/pca/gmm-diag-3", "all/max/vae/kmeans-3"
};

// Precomputed features of every input of the split (one row each, in the split's order), e.g.
// the latent codes of a VAE trained by the `embed` tool on inputs scaled by `scaling`.
struct Embedding {
  std::string name;  // the pipelines' reduction part: letters, digits, '_' or '-'
  Scaling scaling = Scaling::kNone;
  Matrix features;
};

// Throws pmt::Error (usage, prefixed by `where`) unless `name` is letters, digits, '_' or '-' and
// not a built-in reduction's.
void check_embedding_name(const std::string& name, std::string_view where);
// The sidecar JSON of an embedding file (`text`, read from `file`): {"reduction": its name,
// "scaling": the scaling of the inputs it was computed from}, both optional strings; sets them in
// `e`. Throws pmt::Error (data, naming `file`) on anything else; `e` is then unchanged.
void read_embedding_sidecar(const std::string& text, const std::string& file, Embedding& e);

// Thresholding and scaling of every input (rows), their statistics over all rows (the thesis
// computes them over the entire dataset). Throws pmt::Error (data) when thresholding removes
// every feature.
Matrix scale_features(const Matrix& x, bool threshold, Scaling scaling, double max_value);

struct Outcome {
  Pipeline pipeline;
  std::vector<int> sizes;  // per cluster (noise excluded)
  int noise = 0;
  std::optional<double> score;  // silhouette or DBCV; none when filtered before scoring
  std::string dropped;          // why the post-filter removed it ("" when kept)
  double seconds = 0;
  Labels labels;
};

struct ClassResult {
  int cls = 0;
  std::vector<std::int64_t> indices;  // the class's inputs (indices into the split)
  std::vector<Outcome> outcomes;      // every pipeline, in search order
};

struct GroupRanking {  // silhouette (k-means, agglomerative, mixtures) or DBCV (HDBSCAN)
  std::string metric;
  std::vector<std::pair<std::string, int>> ranks;  // pipeline name, overall rank; best first
  std::string best;                                // "" when nothing was kept
  struct Loss {
    int cls;
    std::optional<double> best_score, chosen_score;  // chosen: the best combination's
    std::optional<double> loss;
  };
  std::vector<Loss> losses;
};

struct SearchOptions {
  std::vector<int> classes;  // empty: all
  std::vector<bool> thresholds{false, true};
  std::vector<Scaling> scalings{Scaling::kNone, Scaling::kMax, Scaling::kNormalization,
                                Scaling::kStandard, Scaling::kMinMax};
  std::vector<Reduction> reductions{Reduction::kPca};  // none, pca, umap
  std::vector<Embedding> embeddings;                   // each adds its pipelines
  int components = 10;                                 // PCA
  UmapOptions umap;                                    // its seed is derived from `seed`
  std::vector<Algorithm> algorithms{Algorithm::kKMeans, Algorithm::kAgglomerative,
                                    Algorithm::kGaussianMixture, Algorithm::kHdbscan};
  std::vector<int> cluster_counts{2, 3, 4, 5};
  std::vector<int> min_cluster_sizes;  // empty: 10, 20, ..., 200
  double max_value = 255;              // the data's largest possible value (/max, threshold)
  std::uint64_t seed = 42;
  int proc = 0;  // threads (0: all cores); results do not depend on it
};

struct SearchResult {
  std::vector<ClassResult> classes;
  GroupRanking silhouette, dbcv;
  nlohmann::json to_json() const;  // everything but the labels
  std::string report() const;      // the ranked combinations and losses as text
};

// x: one row per input of the split (raw values), y its class. Throws pmt::Error (usage) for a
// class with fewer inputs than clusters or an unknown class, (data) for NaN or infinite
// features (inputs or embeddings), a class whose inputs are all identical.
SearchResult search_clusters(const Matrix& x, const std::vector<std::int64_t>& y,
                             const SearchOptions& options);

// The labels of `pipeline` (by name) in each class's outcomes, or that class's best of the same
// group when it was filtered out there.
const Outcome& chosen(const ClassResult& c, const std::string& pipeline, bool density);

}  // namespace pmt::cluster
