// A union-find forest over the nodes of a merge tree (private to pmt_cluster): node v starts as
// its own root; merging two roots into a new node sets both parents to it; find() compresses the
// whole path to the root, as SciPy's and hdbscan's labelling do.
#pragma once

#include <cstddef>
#include <numeric>
#include <utility>
#include <vector>

namespace pmt::cluster::detail {

struct Forest {
  std::vector<std::size_t> parent;

  explicit Forest(std::size_t nodes) : parent(nodes) {
    std::iota(parent.begin(), parent.end(), std::size_t{0});
  }

  std::size_t find(std::size_t v) {
    std::size_t root = v;
    while (parent[root] != root) root = parent[root];
    while (parent[v] != root) v = std::exchange(parent[v], root);
    return root;
  }

  void merge(std::size_t a, std::size_t b, std::size_t into) { parent[a] = parent[b] = into; }
};

}  // namespace pmt::cluster::detail
