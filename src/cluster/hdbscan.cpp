// HDBSCAN (scikit-learn-contrib hdbscan 0.8) and the DBCV score over Prim's spanning trees.
#include "pmt/cluster/cluster.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <utility>

#include "forest.hpp"
#include "pmt/core/error.hpp"

namespace pmt::cluster {

namespace {

struct Edge {
  std::size_t a, b;
  double w;
};

// Prim's minimum spanning tree of the complete graph on n vertices with weights weight(a, b), in
// the order the vertices join (from vertex 0); a joining vertex's edge goes to the tree vertex
// nearest to it, the first found on ties.
std::vector<Edge> prim_mst(std::size_t n,
                           const std::function<double(std::size_t, std::size_t)>& weight) {
  std::vector<Edge> mst;
  std::vector<double> best(n, std::numeric_limits<double>::infinity());
  std::vector<std::size_t> from(n, 0);
  std::vector<bool> in(n, false);
  std::size_t current = 0;
  in[0] = true;
  for (std::size_t step = 1; step < n; ++step) {
    std::size_t next = n;
    for (std::size_t i = 0; i < n; ++i) {
      if (in[i]) continue;
      const double w = weight(current, i);
      if (w < best[i]) {
        best[i] = w;
        from[i] = current;
      }
      if (next == n || best[i] < best[next]) next = i;
    }
    mst.push_back({from[next], next, best[next]});
    in[next] = true;
    current = next;
  }
  return mst;
}

}  // namespace

HdbscanResult hdbscan(const Matrix& x, int min_cluster_size, int min_samples) {
  const auto n = static_cast<std::size_t>(x.rows());
  PMT_THROW_IF(min_cluster_size < 2, kUsage, "HDBSCAN: min_cluster_size must be at least 2");
  PMT_THROW_IF(n < 2, kUsage, "HDBSCAN needs at least 2 samples");
  if (min_samples <= 0) min_samples = min_cluster_size;
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(min_samples), n) - 1;
  // Distances, core distances (the point itself is its first neighbour), mutual reachability.
  std::vector<double> d(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      d[i * n + j] = d[j * n + i] =
          (x.row(static_cast<Eigen::Index>(i)) - x.row(static_cast<Eigen::Index>(j))).norm();
  std::vector<double> core(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> row(d.begin() + static_cast<long>(i * n),
                            d.begin() + static_cast<long>((i + 1) * n));
    std::nth_element(row.begin(), row.begin() + static_cast<long>(k), row.end());
    core[i] = row[k];
  }
  const auto reach = [&](std::size_t a, std::size_t b) {
    return std::max({core[a], core[b], d[a * n + b]});
  };
  // the minimum spanning tree of the mutual reachability graph
  std::vector<Edge> mst = prim_mst(n, reach);
  std::stable_sort(mst.begin(), mst.end(), [](const Edge& p, const Edge& q) { return p.w < q.w; });
  // The single-linkage tree: node n + i merges two roots at distance w.
  struct Node {
    std::size_t left, right, size;
    double dist;
  };
  std::vector<Node> tree;
  detail::Forest forest(2 * n - 1);
  std::vector<std::size_t> size(2 * n - 1, 1);
  for (const Edge& e : mst) {
    const std::size_t ra = forest.find(e.a), rb = forest.find(e.b), id = n + tree.size();
    tree.push_back({ra, rb, size[ra] + size[rb], e.w});
    forest.merge(ra, rb, id);
    size[id] = size[ra] + size[rb];
  }
  // The condensed tree (hdbscan's condense_tree): rows (parent cluster, child, lambda, size).
  struct Row {
    std::size_t parent, child;
    double lambda;
    std::size_t size;
  };
  std::vector<Row> rows;
  const std::size_t root = 2 * n - 2, mcs = static_cast<std::size_t>(min_cluster_size);
  std::vector<std::size_t> relabel(2 * n - 1, 0);
  std::size_t next_label = n + 1;
  relabel[root] = n;
  const auto count = [&](std::size_t v) { return v >= n ? tree[v - n].size : std::size_t{1}; };
  const auto fall_out = [&](std::size_t cluster, std::size_t v, double lambda) {
    std::vector<std::size_t> stack{v};
    while (!stack.empty()) {
      const std::size_t u = stack.back();
      stack.pop_back();
      if (u < n) {
        rows.push_back({cluster, u, lambda, 1});
      } else {
        stack.push_back(tree[u - n].left);
        stack.push_back(tree[u - n].right);
      }
    }
  };
  // breadth first from the root, so that parents are relabelled before their children
  std::vector<std::size_t> queue{root};
  for (std::size_t q = 0; q < queue.size(); ++q) {
    const std::size_t v = queue[q];
    if (v < n) continue;
    const Node& node = tree[v - n];
    const double lambda = node.dist > 0 ? 1.0 / node.dist : std::numeric_limits<double>::infinity();
    const std::size_t lc = count(node.left), rc = count(node.right), c = relabel[v];
    if (lc >= mcs && rc >= mcs) {
      relabel[node.left] = next_label++;
      rows.push_back({c, relabel[node.left], lambda, lc});
      relabel[node.right] = next_label++;
      rows.push_back({c, relabel[node.right], lambda, rc});
      queue.push_back(node.left);
      queue.push_back(node.right);
    } else if (lc < mcs && rc < mcs) {
      fall_out(c, node.left, lambda);
      fall_out(c, node.right, lambda);
    } else if (lc < mcs) {
      relabel[node.right] = c;
      fall_out(c, node.left, lambda);
      queue.push_back(node.right);
    } else {
      relabel[node.left] = c;
      fall_out(c, node.right, lambda);
      queue.push_back(node.left);
    }
  }
  // Stabilities (sum over children of (lambda - the cluster's birth lambda) x size), then the
  // excess-of-mass selection bottom-up (larger ids first), the root excluded.
  const std::size_t clusters_n = next_label - n;
  std::vector<double> birth(clusters_n, 0.0), stability(clusters_n, 0.0), death(clusters_n, 0.0);
  std::vector<std::size_t> cluster_parent(clusters_n, 0);
  std::vector<std::vector<std::size_t>> sub(clusters_n);
  for (const Row& r : rows)
    if (r.child >= n) {
      birth[r.child - n] = r.lambda;
      cluster_parent[r.child - n] = r.parent - n;
      sub[r.parent - n].push_back(r.child - n);
    }
  for (const Row& r : rows) {
    stability[r.parent - n] += (r.lambda - birth[r.parent - n]) * static_cast<double>(r.size);
    death[r.parent - n] = std::max(death[r.parent - n], r.lambda);
  }
  std::vector<bool> selected(clusters_n, false);
  for (std::size_t c = clusters_n; c-- > 1;) {
    double children = 0;
    for (std::size_t s : sub[c]) children += stability[s];
    if (children > stability[c]) {
      stability[c] = children;
    } else {
      selected[c] = true;
      std::vector<std::size_t> stack(sub[c]);
      while (!stack.empty()) {
        const std::size_t s = stack.back();
        stack.pop_back();
        selected[s] = false;
        stack.insert(stack.end(), sub[s].begin(), sub[s].end());
      }
    }
  }
  std::vector<int> number(clusters_n, -1);
  HdbscanResult r;
  for (std::size_t c = 1; c < clusters_n; ++c)
    if (selected[c]) number[c] = r.clusters++;
  // Each point: the selected cluster among its row's cluster and that cluster's ancestors.
  r.labels.assign(n, -1);
  r.probabilities.assign(n, 0.0);
  for (const Row& row : rows) {
    if (row.child >= n) continue;
    std::size_t c = row.parent - n;
    while (c != 0 && !selected[c]) c = cluster_parent[c];
    if (!selected[c]) continue;
    r.labels[row.child] = number[c];
    const double max_lambda = death[c];
    r.probabilities[row.child] = max_lambda == 0.0 || !std::isfinite(row.lambda)
                                     ? 1.0
                                     : std::min(row.lambda, max_lambda) / max_lambda;
  }
  return r;
}

double dbcv(const Matrix& x, const Labels& labels) {
  const auto n = static_cast<std::size_t>(x.rows());
  PMT_THROW_IF(labels.size() != n, kUsage, "DBCV: {} labels for {} samples", labels.size(), n);
  const double dims = static_cast<double>(x.cols());
  int k = 0;
  for (int l : labels) k = std::max(k, l + 1);
  struct Cluster {
    std::vector<std::size_t> members;   // sample indices
    std::vector<double> core;           // all-points core distance of each member
    std::vector<std::size_t> internal;  // positions (in members) of the MST's internal vertices
    double sparseness = 0;
  };
  std::vector<Cluster> clusters(static_cast<std::size_t>(k));
  for (std::size_t i = 0; i < n; ++i)
    if (labels[i] >= 0) clusters[static_cast<std::size_t>(labels[i])].members.push_back(i);
  std::size_t present = 0;
  for (const auto& c : clusters) present += c.members.empty() ? 0 : 1;
  PMT_THROW_IF(present < 2, kUsage, "DBCV needs at least 2 clusters, got {}", present);
  const auto dist = [&](std::size_t a, std::size_t b) {
    return (x.row(static_cast<Eigen::Index>(a)) - x.row(static_cast<Eigen::Index>(b))).norm();
  };
  for (auto& c : clusters) {
    const std::size_t m = c.members.size();
    if (m == 0) continue;
    // all-points core distance: ((sum over the others of (1 / d)^dims) / (m - 1))^(-1 / dims),
    // zero distances left out, computed in log space (dims may be in the hundreds)
    c.core.assign(m, std::numeric_limits<double>::infinity());
    for (std::size_t i = 0; i < m; ++i) {
      std::vector<double> logs;
      for (std::size_t j = 0; j < m; ++j) {
        const double v = j == i ? 0 : dist(c.members[i], c.members[j]);
        if (v != 0) logs.push_back(-dims * std::log(v));
      }
      if (logs.empty() || m < 2) continue;
      const double top = *std::max_element(logs.begin(), logs.end());
      double sum = 0;
      for (double l : logs) sum += std::exp(l - top);
      const double log_mean = top + std::log(sum) - std::log(static_cast<double>(m - 1));
      c.core[i] = std::exp(-log_mean / dims);
    }
    // Prim's MST of the mutual reachability distances within the cluster.
    const auto reach = [&](std::size_t i, std::size_t j) {
      return std::max({dist(c.members[i], c.members[j]), c.core[i], c.core[j]});
    };
    const std::vector<Edge> edges = prim_mst(m, reach);
    std::vector<std::size_t> degree(m, 0);
    for (const Edge& e : edges) {
      ++degree[e.a];
      ++degree[e.b];
    }
    for (std::size_t i = 0; i < m; ++i)
      if (degree[i] > 1) c.internal.push_back(i);
    if (c.internal.empty()) c.internal.push_back(0);
    // density sparseness: the largest internal edge (all edges when none is internal)
    bool any = false;
    for (const Edge& e : edges)
      if (degree[e.a] > 1 && degree[e.b] > 1) {
        c.sparseness = any ? std::max(c.sparseness, e.w) : e.w;
        any = true;
      }
    if (!any)
      for (const Edge& e : edges) c.sparseness = std::max(c.sparseness, e.w);
  }
  double result = 0;
  for (std::size_t i = 0; i < clusters.size(); ++i) {
    const Cluster& a = clusters[i];
    if (a.members.empty()) continue;
    double separation = std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < clusters.size(); ++j) {
      const Cluster& b = clusters[j];
      if (j == i || b.members.empty()) continue;
      for (std::size_t p : a.internal)
        for (std::size_t q : b.internal)
          separation = std::min(separation,
                                std::max({dist(a.members[p], b.members[q]), a.core[p], b.core[q]}));
    }
    const double validity = (separation - a.sparseness) / std::max(separation, a.sparseness);
    result += static_cast<double>(a.members.size()) / static_cast<double>(n) * validity;
  }
  return result;
}

}  // namespace pmt::cluster
