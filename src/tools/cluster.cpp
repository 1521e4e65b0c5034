// The `cluster` tool (tools/cluster.hpp): the subject's split in, clusters and reports out.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/gnuplot.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/model/dataset.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/tools/cluster.hpp"
#include "pmt/tools/subject.hpp"

namespace pmt::tools {

using namespace cluster;

namespace fs = std::filesystem;

nlohmann::json ClusterSummary::to_json() const {
  nlohmann::json j = result.to_json();
  j["out_dir"] = out_dir;
  j["chosen"] = chosen;
  nlohmann::json per = nlohmann::json::array();
  for (const auto& [cls, name] : per_class) per.push_back({{"class", cls}, {"pipeline", name}});
  j["per_class"] = per;
  return j;
}

std::string ClusterSummary::text() const {
  return result.report() + fmt::format("clusters of {} (by {}) in {}\n", chosen, metric, out_dir);
}

namespace {

// An embedding file (see ClusterOptions::embedding_files): the rows of the inputs clustered.
Embedding read_embedding(const fs::path& file, const std::vector<std::int64_t>& rows,
                         std::int64_t inputs) {
  const io::NpyArray a = io::read_npy(file);
  PMT_THROW_IF(
      a.shape.size() != 2 || a.shape[0] != static_cast<std::size_t>(inputs) || a.shape[1] == 0,
      kData, "{}: an embedding of shape {}; expected ({}, features), one row per input",
      file.string(), a.shape_string(), inputs);
  Embedding e;
  e.name = file.stem().string();
  fs::path sidecar = file;
  sidecar.replace_extension(".json");
  if (fs::exists(sidecar)) read_embedding_sidecar(io::read_file(sidecar), sidecar.string(), e);
  const std::size_t d = a.shape[1];
  e.features.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(d));
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t j = 0; j < d; ++j) {
      const double v = a.data[static_cast<std::size_t>(rows[r]) * d + j];
      PMT_THROW_IF(!std::isfinite(v), kData, "{}: row {} holds a non-finite value ({})",
                   file.string(), rows[r], v);
      e.features(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = v;
    }
  return e;
}

// The examples panel of a class's figure: for each cluster (noise last), the kExamples inputs
// nearest the cluster's mean, side by side, as gnuplot image data ("x y value" per pixel, or
// "x y r g b" for 3-channel images; other channel counts are averaged), clusters top to bottom.
// Empty data unless the inputs are images (a per-sample shape of at least two dimensions);
// `ytics` labels the rows ("cluster k (n)").
constexpr int kExamples = 8;
struct Mosaic {
  std::string data, ytics;
  bool rgb = false;
};
Mosaic example_mosaic(const Matrix& xc, const std::vector<int>& labels,
                      const std::vector<std::int64_t>& shape) {
  Mosaic m;
  if (shape.size() < 2) return m;
  const std::int64_t h = shape[shape.size() - 2], w = shape[shape.size() - 1];
  if (h < 1 || w < 1 || xc.cols() % (h * w) != 0) return m;
  const std::int64_t channels = xc.cols() / (h * w);
  const bool rgb = m.rgb = channels == 3;
  std::vector<int> ids;
  for (const int l : labels)
    if (std::find(ids.begin(), ids.end(), l) == ids.end()) ids.push_back(l);
  std::sort(ids.begin(), ids.end(),
            [](int a, int b) { return (a < 0) != (b < 0) ? b < 0 : a < b; });
  const std::int64_t gap = 2, tile_w = w + gap, tile_h = h + gap;
  std::vector<std::vector<Eigen::Index>> picks;
  for (std::size_t r = 0; r < ids.size(); ++r) {
    std::vector<Eigen::Index> members;
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] == ids[r]) members.push_back(static_cast<Eigen::Index>(i));
    Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(xc.cols());
    for (const auto i : members) mean += xc.row(i);
    mean /= static_cast<double>(members.size());
    std::vector<std::pair<double, Eigen::Index>> by_distance;
    for (const auto i : members) by_distance.emplace_back((xc.row(i) - mean).squaredNorm(), i);
    const auto n = std::min<std::size_t>(kExamples, by_distance.size());
    std::partial_sort(by_distance.begin(), by_distance.begin() + static_cast<std::ptrdiff_t>(n),
                      by_distance.end());
    picks.emplace_back();
    for (std::size_t k = 0; k < n; ++k) picks.back().push_back(by_distance[k].second);
    m.ytics += fmt::format("{}'{} ({})' {}", r ? ", " : "",
                           ids[r] < 0 ? std::string("noise") : fmt::format("cluster {}", ids[r]),
                           members.size(), static_cast<double>(r) * tile_h + (h - 1) / 2.0);
  }
  std::string& out = m.data;
  const auto rows = static_cast<std::int64_t>(ids.size()) * tile_h;
  for (std::int64_t y = 0; y < rows; ++y) {
    const auto& row_picks = picks[static_cast<std::size_t>(y / tile_h)];
    const std::int64_t i = y % tile_h;
    for (std::int64_t x = 0; x < kExamples * tile_w; ++x) {
      const std::int64_t k = x / tile_w, j = x % tile_w;
      double v[3] = {0, 0, 0};  // the gaps and missing examples: background
      if (i < h && j < w && k < static_cast<std::int64_t>(row_picks.size())) {
        const auto row = row_picks[static_cast<std::size_t>(k)];
        for (std::int64_t c = 0; c < channels; ++c) {
          const double p = xc(row, static_cast<Eigen::Index>((c * h + i) * w + j));
          if (rgb)
            v[c] = p;
          else
            v[0] += p / static_cast<double>(channels);
        }
      }
      out += rgb ? fmt::format("{} {} {:.4g} {:.4g} {:.4g}\n", x, y, v[0], v[1], v[2])
                 : fmt::format("{} {} {:.4g}\n", x, y, v[0]);
    }
    out += "\n";
  }
  return m;
}

}  // namespace

ClusterSummary run_cluster(const ClusterOptions& o) {
  PMT_THROW_IF(o.metric != "silhouette" && o.metric != "dbcv", kUsage,
               "--metric: silhouette or dbcv, got '{}'", o.metric);
  PMT_THROW_IF(o.limit < 0, kUsage, "--limit must be 0 (all) or more");
  const Subject subject = find_subject(o.model, o.subject_file, o.data_dir, o.common);
  const model::SubjectSpec& spec = subject.spec;
  const std::string& model = subject.model;
  PMT_THROW_IF(spec.task == model::Task::kRegression, kUsage,
               "cluster: {} is a regression subject; clusters are made per class", model);
  const model::Dataset data = model::load_split(spec, subject.data_dir, o.split);
  // Raw values: the loader divides by the subject's scale (255 for IDX pixels).
  const double scale = spec.scale > 0 ? spec.scale : 1.0;
  std::vector<std::int64_t> rows;
  std::map<std::int64_t, int> taken;
  for (std::int64_t i = 0; i < data.size(); ++i)
    if (o.limit == 0 || taken[data.y[static_cast<std::size_t>(i)]]++ < o.limit) rows.push_back(i);
  const auto width = data.sample_size(0);
  Matrix x(static_cast<Eigen::Index>(rows.size()), width);
  std::vector<std::int64_t> y;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::int64_t j = 0; j < width; ++j)
      x(static_cast<Eigen::Index>(r), j) =
          static_cast<double>(data.inputs[0].x[static_cast<std::size_t>(rows[r] * width + j)]) *
          scale;
    y.push_back(data.y[static_cast<std::size_t>(rows[r])]);
  }
  SearchOptions so = o.search;
  so.seed = o.common.seed;
  so.proc = o.common.proc;
  so.max_value = spec.scale > 1 ? spec.scale : x.maxCoeff();
  for (const auto& file : o.embedding_files)
    so.embeddings.push_back(read_embedding(file, rows, data.size()));
  ClusterSummary s;
  s.result = search_clusters(x, y, so);
  const bool density = o.metric == "dbcv";
  const GroupRanking& g = density ? s.result.dbcv : s.result.silhouette;
  s.chosen = o.pipeline.empty() ? g.best : o.pipeline;
  s.metric = o.metric;
  PMT_THROW_IF(s.chosen.empty(), kData,
               "cluster: every {} pipeline was filtered out in every class (see the report)",
               o.metric);
  if (!o.pipeline.empty()) {
    bool known = false;
    for (const auto& c : s.result.classes)
      for (const auto& oc : c.outcomes) known = known || oc.pipeline.name() == o.pipeline;
    PMT_THROW_IF(!known, kUsage,
                 "--pipeline '{}': no pipeline of that name was searched (names as in the report, "
                 "e.g. {})",
                 o.pipeline, g.best.empty() ? "all/standard/pca/kmeans-3" : g.best);
  }
  const fs::path out =
      o.out_dir.empty() ? fs::path(o.common.data_root) / "clusters" / model : fs::path(o.out_dir);
  s.out_dir = out.string();
  std::vector<double> assignment(static_cast<std::size_t>(data.size()), -2.0);
  std::string csv = "index,class,cluster\n";
  for (const auto& c : s.result.classes) {
    const Outcome& chosen = cluster::chosen(c, s.chosen, density);
    s.per_class.emplace_back(c.cls, chosen.pipeline.name());
    for (std::size_t i = 0; i < c.indices.size(); ++i) {
      const std::int64_t index = rows[static_cast<std::size_t>(c.indices[i])];
      assignment[static_cast<std::size_t>(index)] = chosen.labels[i];
      csv += fmt::format("{},{},{}\n", index, c.cls, chosen.labels[i]);
    }
    if (o.plot) {
      Matrix xc(static_cast<Eigen::Index>(c.indices.size()), x.cols());
      for (std::size_t i = 0; i < c.indices.size(); ++i)
        xc.row(static_cast<Eigen::Index>(i)) = x.row(c.indices[i]);
      const Matrix p = fit_pca(xc, 2).transform(xc);
      io::Figure fig;
      fig.png = out / fmt::format("class_{}.png", c.cls);
      for (Eigen::Index i = 0; i < p.rows(); ++i)
        fig.data += fmt::format("{:.6g} {:.6g} {}\n", p(i, 0), p(i, 1),
                                chosen.labels[static_cast<std::size_t>(i)]);
      const std::string scatter = fmt::format(
          "set title 'class {}: {} (first two principal components)' noenhanced\nset xlabel 'PC "
          "1'\nset ylabel 'PC 2'\nset key off\n"
          "set palette defined (-1 'grey', 0 '#1f77b4', 1 '#ff7f0e', 2 '#2ca02c', 3 '#d62728', "
          "4 '#9467bd')\nset cbrange [-1:4]\nunset colorbox\nplot DATA index 0 using 1:2:3 with "
          "points pt 7 ps 0.6 palette\n",
          c.cls, chosen.pipeline.name());
      const Mosaic mosaic = example_mosaic(xc, chosen.labels, data.inputs[0].shape);
      if (mosaic.data.empty()) {
        fig.size = "900,750";
        fig.script = scatter;
      } else {
        // Two panels: the projection, and the inputs nearest each cluster's mean.
        fig.size = "1700,750";
        fig.data += "\n\n" + mosaic.data;
        fig.script = "set multiplot layout 1,2\n" + scatter +
                     fmt::format(
                         "set title 'the {} inputs nearest each cluster''s mean'\nunset xlabel\n"
                         "unset ylabel\nunset xtics\nset ytics ({}) scale 0\nset size ratio -1\n"
                         "set autoscale fix\nset yrange [*:*] reverse\nset cbrange [*:*]\n{}"
                         "plot DATA index 1 using 1:2:3{} with {}\nunset multiplot\n",
                         kExamples, mosaic.ytics, mosaic.rgb ? "" : "set palette gray negative\n",
                         mosaic.rgb ? ":4:5" : "", mosaic.rgb ? "rgbimage" : "image");
      }
      io::render(fig);
    }
  }
  // The clusters per input as int64 through the float64 writer would lose the type: write the
  // labels as float64 (exact for these small integers) with the CSV as the typed copy.
  io::write_npy(out / "clusters.npy", {assignment.size()}, assignment);
  io::write_file_atomic(out / "clusters.csv", csv);
  io::write_file_atomic(out / "report.json", s.to_json().dump(1) + "\n");
  io::write_file_atomic(out / "report.txt",
                        s.result.report() + fmt::format("chosen: {}\n", s.chosen));
  return s;
}

}  // namespace pmt::tools
