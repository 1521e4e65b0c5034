// The clusters reader and Arachne's Pareto front (targeted.hpp).
#include <cmath>
#include <filesystem>

#include "pmt/core/error.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/targeted/targeted.hpp"

namespace pmt::targeted {

namespace fs = std::filesystem;

std::vector<int> read_clusters(const std::string& file, std::int64_t n) {
  PMT_THROW_IF(!fs::exists(file), kData,
               "{}: no such file (make the clusters with: cluster --model M --classes ...)", file);
  const io::NpyArray a = io::read_npy(file);
  PMT_THROW_IF(a.shape.size() != 1 || static_cast<std::int64_t>(a.shape[0]) != n, kData,
               "{}: shape {}, expected ({},): one cluster per input of the split (was it made "
               "with another --split or dataset?)",
               file, a.shape_string(), n);
  std::vector<int> out;
  out.reserve(a.data.size());
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    const double v = a.data[i];
    PMT_THROW_IF(!(v >= -2 && v < 1e6 && v == std::floor(v)), kData,
                 "{}: input {} has cluster {}, not an integer >= -2", file, i, v);
    out.push_back(static_cast<int>(v));
  }
  return out;
}

std::vector<std::int64_t> pareto_front(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<std::int64_t> idx(a.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<std::int64_t>(i);
  std::size_t next = 0;
  while (next < idx.size()) {
    const auto n = static_cast<std::size_t>(idx[next]);
    std::vector<std::int64_t> kept;
    std::size_t before = 0;  // survivors ahead of the current point
    for (std::size_t k = 0; k < idx.size(); ++k) {
      const auto u = static_cast<std::size_t>(idx[k]);
      if (k == next || a[u] > a[n] || b[u] > b[n]) {
        before += k < next ? 1 : 0;
        kept.push_back(idx[k]);
      }
    }
    idx = std::move(kept);
    next = before + 1;
  }
  return idx;
}

}  // namespace pmt::targeted
