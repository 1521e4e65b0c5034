// The parts of the targeted driver without LibTorch (private to src/targeted/ and its tests):
// the clusters reader and Arachne's Pareto front.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pmt::targeted::detail {

// The clusters of `cluster` for a split of `n` inputs: per input its cluster within its class
// (-1 noise, -2 not clustered). Throws pmt::Error (data) naming the file: unreadable, not one
// value per input of the split, a value that is not an integer >= -2.
std::vector<int> read_clusters(const std::string& file, std::int64_t n);

// The first Pareto front of the points (a[k], b[k]), both maximised: Arachne's run_localise.py
// loop (a point stays while some coordinate of it beats the current point's); indices ascending.
std::vector<std::int64_t> pareto_front(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace pmt::targeted::detail
