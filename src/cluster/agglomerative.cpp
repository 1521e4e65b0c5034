// Agglomerative clustering (ward, complete, average) as scikit-learn 1.2 and SciPy compute it.
#include "pmt/cluster/cluster.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "forest.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/names.hpp"

namespace pmt::cluster {

namespace {
constexpr io::NameTable<Linkage, 3> kLinkages{
    {{Linkage::kWard, "ward"}, {Linkage::kComplete, "complete"}, {Linkage::kAverage, "average"}}};
}  // namespace

Linkage parse_linkage(const std::string& name) {
  return io::parse_name(kLinkages, name, "linkage");
}
const char* to_string(Linkage l) { return io::name_of(kLinkages, l); }

namespace {

// Python's heapq on a min-heap of ints (heappush, heappushpop), so that the heap's array order,
// which numbers sklearn's clusters, is the same.
void sift_down(std::vector<long>& heap, std::size_t start, std::size_t pos) {
  const long item = heap[pos];
  while (pos > start) {
    const std::size_t parent = (pos - 1) >> 1;
    if (item < heap[parent]) {
      heap[pos] = heap[parent];
      pos = parent;
      continue;
    }
    break;
  }
  heap[pos] = item;
}
void sift_up(std::vector<long>& heap, std::size_t pos) {
  const std::size_t end = heap.size(), start = pos;
  const long item = heap[pos];
  std::size_t child = 2 * pos + 1;
  while (child < end) {
    const std::size_t right = child + 1;
    if (right < end && !(heap[child] < heap[right])) child = right;
    heap[pos] = heap[child];
    pos = child;
    child = 2 * pos + 1;
  }
  heap[pos] = item;
  sift_down(heap, start, pos);
}
void heap_push(std::vector<long>& heap, long item) {
  heap.push_back(item);
  sift_down(heap, 0, heap.size() - 1);
}
void heap_push_pop(std::vector<long>& heap, long item) {
  if (!heap.empty() && heap[0] < item) {
    heap[0] = item;
    sift_up(heap, 0);
  }
}

}  // namespace

Labels agglomerative(const Matrix& x, int n_clusters, Linkage linkage) {
  const auto n = static_cast<std::size_t>(x.rows());
  PMT_THROW_IF(n < 2, kUsage, "agglomerative clustering needs at least 2 samples");
  PMT_THROW_IF(n_clusters < 1 || static_cast<std::size_t>(n_clusters) > n, kUsage,
               "agglomerative clustering: {} clusters of {} samples", n_clusters, n);
  // SciPy's nn_chain on the full distance matrix.
  std::vector<double> d(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      d[i * n + j] = d[j * n + i] =
          std::sqrt((x.row(static_cast<Eigen::Index>(i)) - x.row(static_cast<Eigen::Index>(j)))
                        .squaredNorm());
  struct Merge {
    std::size_t a, b;
    double dist;
  };
  std::vector<Merge> z;
  std::vector<std::size_t> size(n, 1), chain;
  for (std::size_t k = 0; k + 1 < n; ++k) {
    if (chain.empty())
      for (std::size_t i = 0; i < n; ++i)
        if (size[i] > 0) {
          chain.push_back(i);
          break;
        }
    std::size_t a = 0, b = 0;
    double best = 0;
    while (true) {
      a = chain.back();
      if (chain.size() > 1) {
        b = chain[chain.size() - 2];
        best = d[a * n + b];
      } else {
        best = std::numeric_limits<double>::infinity();
      }
      for (std::size_t i = 0; i < n; ++i) {
        if (size[i] == 0 || i == a) continue;
        if (d[a * n + i] < best) {
          best = d[a * n + i];
          b = i;
        }
      }
      if (chain.size() > 1 && b == chain[chain.size() - 2]) break;
      chain.push_back(b);
    }
    chain.resize(chain.size() - 2);
    if (a > b) std::swap(a, b);
    const double na = static_cast<double>(size[a]), nb = static_cast<double>(size[b]);
    z.push_back({a, b, best});
    size[a] = 0;
    size[b] += static_cast<std::size_t>(na);
    for (std::size_t i = 0; i < n; ++i) {
      if (size[i] == 0 || i == b) continue;
      const double ni = static_cast<double>(size[i]), dai = d[i * n + a], dbi = d[i * n + b];
      double v = 0;
      switch (linkage) {
        case Linkage::kWard: {
          const double t = 1.0 / (na + nb + ni);
          v = std::sqrt((ni + na) * t * dai * dai + (ni + nb) * t * dbi * dbi -
                        ni * t * best * best);
          break;
        }
        case Linkage::kComplete:
          v = std::max(dai, dbi);
          break;
        case Linkage::kAverage:
          v = (na * dai + nb * dbi) / (na + nb);
          break;
      }
      d[i * n + b] = d[b * n + i] = v;
    }
  }
  std::stable_sort(z.begin(), z.end(),
                   [](const Merge& p, const Merge& q) { return p.dist < q.dist; });
  // SciPy's label(): union-find relabelling, the smaller root first.
  detail::Forest forest(2 * n - 1);
  std::vector<std::array<std::size_t, 2>> children;
  for (std::size_t i = 0; i < z.size(); ++i) {
    const std::size_t ra = forest.find(z[i].a), rb = forest.find(z[i].b);
    children.push_back({std::min(ra, rb), std::max(ra, rb)});
    forest.merge(ra, rb, n + i);
  }
  // sklearn's _hc_cut.
  std::vector<long> nodes{-static_cast<long>(std::max(children.back()[0], children.back()[1]) + 1)};
  for (int c = 0; c + 1 < n_clusters; ++c) {
    const auto& these = children[static_cast<std::size_t>(-nodes[0]) - n];
    heap_push(nodes, -static_cast<long>(these[0]));
    heap_push_pop(nodes, -static_cast<long>(these[1]));
  }
  Labels labels(n, 0);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    std::vector<std::size_t> stack{static_cast<std::size_t>(-nodes[i])};
    while (!stack.empty()) {
      const std::size_t v = stack.back();
      stack.pop_back();
      if (v < n) {
        labels[v] = static_cast<int>(i);
      } else {
        stack.push_back(children[v - n][0]);
        stack.push_back(children[v - n][1]);
      }
    }
  }
  return labels;
}

}  // namespace pmt::cluster
