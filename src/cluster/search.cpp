// The search over clustering pipelines (see search.hpp).
#include "pmt/cluster/search.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/core/parallel.hpp"
#include "pmt/core/rng.hpp"

namespace pmt::cluster {

std::string Pipeline::name() const {
  std::string clustering;
  switch (algorithm) {
    case Algorithm::kKMeans:
      clustering = fmt::format("kmeans-{}", clusters);
      break;
    case Algorithm::kAgglomerative:
      clustering = fmt::format("agglomerative-{}-{}", cluster::to_string(linkage), clusters);
      break;
    case Algorithm::kGaussianMixture:
      clustering = fmt::format("gmm-{}-{}", cluster::to_string(covariance), clusters);
      break;
    case Algorithm::kHdbscan:
      clustering = fmt::format("hdbscan-{}", min_cluster_size);
      break;
  }
  return fmt::format("{}/{}/{}/{}", threshold ? "threshold" : "all", cluster::to_string(scaling),
                     reduction == Reduction::kEmbedding ? embedding : cluster::to_string(reduction),
                     clustering);
}

Matrix scale_features(const Matrix& x, bool threshold, Scaling scaling, double max_value) {
  Matrix out;
  if (threshold) {
    const Eigen::RowVectorXd mean = x.colwise().mean();
    std::vector<Eigen::Index> keep;
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      if (mean(j) >= 0.078 * max_value) keep.push_back(j);
    PMT_THROW_IF(keep.empty(), kData,
                 "thresholding removes every feature (no mean above 7.8% of {})", max_value);
    out.resize(x.rows(), static_cast<Eigen::Index>(keep.size()));
    for (std::size_t j = 0; j < keep.size(); ++j)
      out.col(static_cast<Eigen::Index>(j)) = x.col(keep[j]);
  } else {
    out = x;
  }
  switch (scaling) {
    case Scaling::kNone:
      break;
    case Scaling::kMax:
      out /= max_value;
      break;
    case Scaling::kNormalization: {
      const double mean = out.mean();
      const double sd = std::sqrt((out.array() - mean).square().mean());
      out = (out.array() - mean) / (sd > 0 ? sd : 1.0);
      break;
    }
    case Scaling::kStandard: {  // sklearn's StandardScaler: a constant feature keeps scale 1
      const Eigen::RowVectorXd mean = out.colwise().mean();
      Eigen::RowVectorXd sd =
          ((out.rowwise() - mean).array().square().colwise().mean()).sqrt().matrix();
      sd = sd.unaryExpr([](double v) { return v > 0 ? v : 1.0; });
      out = (out.rowwise() - mean).array().rowwise() / sd.array();
      break;
    }
    case Scaling::kMinMax: {  // sklearn's MinMaxScaler: a constant feature keeps range 1
      const Eigen::RowVectorXd lo = out.colwise().minCoeff();
      Eigen::RowVectorXd range = out.colwise().maxCoeff() - lo;
      range = range.unaryExpr([](double v) { return v > 0 ? v : 1.0; });
      out = (out.rowwise() - lo).array().rowwise() / range.array();
      break;
    }
  }
  return out;
}

namespace {

// The key of a pipeline's features: its preprocessing (thresholding, scaling, reduction).
std::string features_key(const Pipeline& p) {
  return fmt::format("{}/{}/{}", p.threshold, to_string(p.scaling),
                     p.reduction == Reduction::kEmbedding ? p.embedding : to_string(p.reduction));
}

Matrix rows_of(const Matrix& all, const std::vector<std::int64_t>& rows) {
  Matrix out(static_cast<Eigen::Index>(rows.size()), all.cols());
  for (std::size_t i = 0; i < rows.size(); ++i)
    out.row(static_cast<Eigen::Index>(i)) = all.row(rows[i]);
  return out;
}

Outcome run(const Matrix& x, const Pipeline& p, std::uint64_t seed) {
  const auto t0 = std::chrono::steady_clock::now();
  Outcome o;
  o.pipeline = p;
  switch (p.algorithm) {
    case Algorithm::kKMeans:
      o.labels = kmeans_plus_plus(x, p.clusters, 10, seed).labels;
      break;
    case Algorithm::kAgglomerative:
      o.labels = agglomerative(x, p.clusters, p.linkage);
      break;
    case Algorithm::kGaussianMixture: {
      // sklearn's init_params="kmeans": one k-means run, its labels as the start
      const Labels start = kmeans_plus_plus(x, p.clusters, 1, seed).labels;
      try {
        o.labels =
            gaussian_mixture(x, p.covariance, mixture_start(x, start, p.clusters, p.covariance))
                .labels;
      } catch (const Error& e) {
        o.dropped = e.what();
      }
      break;
    }
    case Algorithm::kHdbscan:
      o.labels = hdbscan(x, p.min_cluster_size).labels;
      break;
  }
  std::map<int, int> sizes;
  for (int l : o.labels) l < 0 ? void(++o.noise) : void(++sizes[l]);
  for (const auto& [label, size] : sizes) o.sizes.push_back(size);
  const auto n = static_cast<double>(o.labels.size());
  if (!o.dropped.empty()) {
  } else if (o.sizes.size() < 2) {
    o.dropped = o.sizes.empty() ? "only noise" : "a single cluster";
  } else {
    const int largest = *std::max_element(o.sizes.begin(), o.sizes.end());
    const int smallest = *std::min_element(o.sizes.begin(), o.sizes.end());
    if (largest > 0.8 * n && smallest < 0.05 * n)
      o.dropped = fmt::format("unbalanced: largest cluster {:.0f}%, smallest {:.1f}%",
                              100 * largest / n, 100 * smallest / n);
    else
      o.score = p.density() ? dbcv(x, o.labels) : silhouette_score(x, o.labels);
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

GroupRanking rank(const std::vector<ClassResult>& classes, bool density) {
  GroupRanking g;
  g.metric = density ? "dbcv" : "silhouette";
  std::map<std::string, int> points;
  std::vector<std::string> order;  // first appearance, for ties
  for (const auto& c : classes) {
    std::vector<const Outcome*> kept;
    for (const auto& o : c.outcomes)
      if (o.pipeline.density() == density && o.score) kept.push_back(&o);
    std::stable_sort(kept.begin(), kept.end(),
                     [](const Outcome* a, const Outcome* b) { return *a->score > *b->score; });
    for (std::size_t i = 0; i < kept.size() && i < 3; ++i) {
      const std::string name = kept[i]->pipeline.name();
      if (!points.count(name)) order.push_back(name);
      points[name] += static_cast<int>(3 - i);
    }
  }
  for (const auto& name : order) g.ranks.emplace_back(name, points[name]);
  std::stable_sort(g.ranks.begin(), g.ranks.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (!g.ranks.empty()) g.best = g.ranks.front().first;
  for (const auto& c : classes) {
    GroupRanking::Loss l{c.cls, std::nullopt, std::nullopt, std::nullopt};
    for (const auto& o : c.outcomes) {
      if (o.pipeline.density() != density || !o.score) continue;
      if (!l.best_score || *o.score > *l.best_score) l.best_score = o.score;
      if (o.pipeline.name() == g.best) l.chosen_score = o.score;
    }
    if (l.best_score && l.chosen_score) l.loss = *l.best_score - *l.chosen_score;
    g.losses.push_back(l);
  }
  return g;
}

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

}  // namespace

const Outcome& chosen(const ClassResult& c, const std::string& pipeline, bool density) {
  const Outcome* best = nullptr;
  for (const auto& o : c.outcomes) {
    if (o.pipeline.density() != density || !o.score) continue;
    if (o.pipeline.name() == pipeline) return o;
    if (!best || *o.score > *best->score) best = &o;
  }
  PMT_THROW_IF(!best, kData, "class {}: every {} pipeline was filtered out", c.cls,
               density ? "HDBSCAN" : "k-means/agglomerative/mixture");
  return *best;
}

SearchResult search_clusters(const Matrix& x, const std::vector<std::int64_t>& y,
                             const SearchOptions& o) {
  PMT_THROW_IF(static_cast<Eigen::Index>(y.size()) != x.rows(), kUsage,
               "cluster: {} labels for {} inputs", y.size(), x.rows());
  PMT_THROW_IF(!x.allFinite(), kData, "cluster: the inputs hold NaN or infinite values");
  std::set<std::int64_t> present(y.begin(), y.end());
  std::vector<int> classes = o.classes;
  if (classes.empty())
    for (auto c : present) classes.push_back(static_cast<int>(c));
  std::vector<int> mcs = o.min_cluster_sizes;
  if (mcs.empty())
    for (int m = 10; m <= 200; m += 10) mcs.push_back(m);
  SearchResult r;
  for (int c : classes) {
    ClassResult cr;
    cr.cls = c;
    for (std::size_t i = 0; i < y.size(); ++i)
      if (y[i] == c) cr.indices.push_back(static_cast<std::int64_t>(i));
    PMT_THROW_IF(cr.indices.empty(), kUsage, "cluster: class {} has no inputs", c);
    const int most = *std::max_element(o.cluster_counts.begin(), o.cluster_counts.end());
    PMT_THROW_IF(static_cast<int>(cr.indices.size()) <= most, kUsage,
                 "cluster: class {} has {} inputs, too few for {} clusters", c, cr.indices.size(),
                 most);
    bool varies = false;
    for (std::size_t i = 1; i < cr.indices.size() && !varies; ++i)
      varies = x.row(cr.indices[i]) != x.row(cr.indices[0]);
    PMT_THROW_IF(!varies, kData, "cluster: the {} inputs of class {} are all identical",
                 cr.indices.size(), c);
    r.classes.push_back(std::move(cr));
  }
  // Every (preprocessing, clustering) pair of every class, in a fixed order.
  std::vector<Pipeline> pipelines;
  const auto uses = [&](Algorithm a) {
    return std::find(o.algorithms.begin(), o.algorithms.end(), a) != o.algorithms.end();
  };
  PMT_THROW_IF(o.algorithms.empty(), kUsage, "cluster: no clustering algorithm to try");
  const auto add_clusterings = [&](Pipeline p) {
    for (int k : o.cluster_counts) {
      p.clusters = k;
      p.algorithm = Algorithm::kKMeans;
      if (uses(p.algorithm)) pipelines.push_back(p);
      p.algorithm = Algorithm::kAgglomerative;
      for (Linkage l : {Linkage::kWard, Linkage::kComplete, Linkage::kAverage}) {
        p.linkage = l;
        if (uses(p.algorithm)) pipelines.push_back(p);
      }
      p.algorithm = Algorithm::kGaussianMixture;
      for (Covariance cv :
           {Covariance::kFull, Covariance::kTied, Covariance::kDiag, Covariance::kSpherical}) {
        p.covariance = cv;
        if (uses(p.algorithm)) pipelines.push_back(p);
      }
    }
    p.algorithm = Algorithm::kHdbscan;
    for (int m : mcs) {
      p.min_cluster_size = m;
      if (uses(p.algorithm)) pipelines.push_back(p);
    }
  };
  for (bool t : o.thresholds)
    for (Scaling s : o.scalings)
      for (Reduction red : o.reductions) {
        PMT_THROW_IF(red == Reduction::kEmbedding, kUsage,
                     "cluster: embeddings are given as SearchOptions::embeddings");
        Pipeline p;
        p.threshold = t;
        p.scaling = s;
        p.reduction = red;
        add_clusterings(p);
      }
  std::set<std::pair<std::string, Scaling>> names;
  for (const auto& e : o.embeddings) {
    PMT_THROW_IF(e.features.rows() != x.rows(), kData,
                 "cluster: the embedding '{}' has {} rows for {} inputs", e.name, e.features.rows(),
                 x.rows());
    PMT_THROW_IF(e.features.cols() < 1, kData, "cluster: the embedding '{}' has no features",
                 e.name);
    PMT_THROW_IF(!e.features.allFinite(), kData,
                 "cluster: the embedding '{}' holds NaN or infinite values", e.name);
    check_embedding_name(e.name, "cluster");
    PMT_THROW_IF(!names.insert({e.name, e.scaling}).second, kUsage,
                 "cluster: two embeddings named '{}' of {} inputs", e.name, to_string(e.scaling));
    Pipeline p;
    p.scaling = e.scaling;
    p.reduction = Reduction::kEmbedding;
    p.embedding = e.name;
    add_clusterings(p);
  }
  // The preprocessed features of each (threshold, scaling, reduction) over the whole split,
  // computed once; UMAP's are fitted per class, below.
  std::map<std::string, Matrix> features;
  std::vector<std::pair<std::size_t, std::string>> umap_tasks;  // (class position, key)
  for (const auto& p : pipelines) {
    const std::string key = features_key(p);
    if (features.count(key)) continue;
    if (p.reduction == Reduction::kEmbedding) {
      for (const auto& e : o.embeddings)
        if (e.name == p.embedding) features[key] = e.features;
      continue;
    }
    Matrix f = scale_features(x, p.threshold, p.scaling, o.max_value);
    if (p.reduction == Reduction::kPca)
      f = fit_pca(f, std::min<int>(o.components, static_cast<int>(std::min(f.rows(), f.cols()))))
              .transform(f);
    if (p.reduction == Reduction::kUmap)
      for (std::size_t c = 0; c < r.classes.size(); ++c) umap_tasks.emplace_back(c, key);
    features[key] = std::move(f);
  }
  std::map<std::pair<std::size_t, std::string>, Matrix> class_features;  // UMAP's, per class
  for (const auto& t : umap_tasks) class_features[t];
  if (!umap_tasks.empty()) {
    pmt::Progress umap_progress(
        fmt::format("cluster: UMAP of {} (class, preprocessing) pairs", umap_tasks.size()),
        umap_tasks.size());
    pmt::parallel_for(
        umap_tasks.size(), o.proc,
        [&](std::size_t task) {
          const auto& [c, key] = umap_tasks[task];
          UmapOptions u = o.umap;
          // each embedding's stream: (seed, class, preprocessing), whatever the threads
          u.seed = pmt::mix64(o.seed ^ pmt::key_of(key.c_str()) ^
                              pmt::mix64(static_cast<std::uint64_t>(r.classes[c].cls) + 1000));
          class_features.at(umap_tasks[task]) =
              umap(rows_of(features.at(key), r.classes[c].indices), u);
        },
        &umap_progress);
  }
  for (auto& cr : r.classes) cr.outcomes.resize(pipelines.size());
  const std::size_t total = pipelines.size() * r.classes.size();
  pmt::Progress progress(
      fmt::format("cluster: {} classes x {} pipelines", r.classes.size(), pipelines.size()), total);
  pmt::parallel_for(
      total, o.proc,
      [&](std::size_t task) {
        const std::size_t c = task / pipelines.size();
        ClassResult& cr = r.classes[c];
        const std::size_t at = task % pipelines.size();
        const Pipeline& p = pipelines[at];
        const std::string key = features_key(p);
        const Matrix xc = p.reduction == Reduction::kUmap ? class_features.at({c, key})
                                                          : rows_of(features.at(key), cr.indices);
        // each pipeline's stream: (seed, class, pipeline), whatever the threads
        cr.outcomes[at] = run(xc, p,
                              pmt::mix64(o.seed ^ pmt::mix64(at + 1) ^
                                         pmt::mix64(static_cast<std::uint64_t>(cr.cls) + 1000)));
      },
      &progress);
  r.silhouette = rank(r.classes, false);
  r.dbcv = rank(r.classes, true);
  return r;
}

nlohmann::json SearchResult::to_json() const {
  nlohmann::json j;
  for (const GroupRanking* g : {&silhouette, &dbcv}) {
    nlohmann::json ranks = nlohmann::json::array(), losses = nlohmann::json::array();
    for (const auto& [name, points] : g->ranks)
      ranks.push_back({{"pipeline", name}, {"rank", points}});
    for (const auto& l : g->losses)
      losses.push_back({{"class", l.cls},
                        {"best_score", optional_json(l.best_score)},
                        {"chosen_score", optional_json(l.chosen_score)},
                        {"loss", optional_json(l.loss)}});
    j[g->metric] = {{"best", g->best}, {"ranks", ranks}, {"losses", losses}};
  }
  nlohmann::json cls = nlohmann::json::array();
  for (const auto& c : classes) {
    nlohmann::json outcomes = nlohmann::json::array();
    for (const auto& o : c.outcomes)
      outcomes.push_back({{"pipeline", o.pipeline.name()},
                          {"sizes", o.sizes},
                          {"noise", o.noise},
                          {"score", optional_json(o.score)},
                          {"dropped", o.dropped},
                          {"seconds", o.seconds}});
    cls.push_back({{"class", c.cls}, {"inputs", c.indices.size()}, {"outcomes", outcomes}});
  }
  j["classes"] = cls;
  return j;
}

std::string SearchResult::report() const {
  std::string s;
  for (const GroupRanking* g : {&silhouette, &dbcv}) {
    s += fmt::format("== {} ({}): best combination {}\n", g->metric,
                     g == &silhouette ? "k-means, agglomerative, Gaussian mixtures" : "HDBSCAN",
                     g->best.empty() ? "none (everything filtered out)" : g->best);
    for (std::size_t i = 0; i < g->ranks.size() && i < 10; ++i)
      s += fmt::format("  rank {:>3}  {}\n", g->ranks[i].second, g->ranks[i].first);
    s += fmt::format("  {:>5}  {:>10}  {:>10}  {:>10}\n", "class", "best", "chosen", "loss");
    for (const auto& l : g->losses)
      s += fmt::format("  {:>5}  {:>10}  {:>10}  {:>10}\n", l.cls,
                       l.best_score ? fmt::format("{:.4f}", *l.best_score) : "-",
                       l.chosen_score ? fmt::format("{:.4f}", *l.chosen_score) : "filtered",
                       l.loss ? fmt::format("{:.4f}", *l.loss) : "-");
  }
  return s;
}

}  // namespace pmt::cluster
