// The names of the search's pipeline parts, and the sidecar JSON that names a precomputed
// embedding (see search.hpp). Torch- and Eigen-free: the fuzz harness of the sidecar compiles it.
#include <string>
#include <string_view>

#include "pmt/cluster/search.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/io/names.hpp"
#include "pmt/io/number.hpp"

namespace pmt::cluster {

namespace {
constexpr io::NameTable<Scaling, 5> kScalings{{{Scaling::kNone, "none"},
                                               {Scaling::kMax, "max"},
                                               {Scaling::kNormalization, "normalization"},
                                               {Scaling::kStandard, "standard"},
                                               {Scaling::kMinMax, "minmax"}}};
constexpr io::NameTable<Reduction, 3> kReductions{
    {{Reduction::kNone, "none"}, {Reduction::kPca, "pca"}, {Reduction::kUmap, "umap"}}};
constexpr io::NameTable<Algorithm, 4> kAlgorithms{{{Algorithm::kKMeans, "kmeans"},
                                                   {Algorithm::kAgglomerative, "agglomerative"},
                                                   {Algorithm::kGaussianMixture, "gmm"},
                                                   {Algorithm::kHdbscan, "hdbscan"}}};
}  // namespace

Scaling parse_scaling(const std::string& name) {
  return io::parse_name(kScalings, name, "scaling");
}
Algorithm parse_algorithm(const std::string& name) {
  return io::parse_name(kAlgorithms, name, "clustering algorithm");
}
Reduction parse_reduction(const std::string& name) {
  return io::parse_name(kReductions, name, "reduction");
}
const char* to_string(Scaling s) { return io::name_of(kScalings, s); }
const char* to_string(Reduction r) {
  return r == Reduction::kEmbedding ? "embedding" : io::name_of(kReductions, r);
}
const char* to_string(Algorithm a) { return io::name_of(kAlgorithms, a); }

void check_embedding_name(const std::string& name, std::string_view where) {
  PMT_THROW_IF(name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                      "0123456789_-") != std::string::npos,
               kUsage, "{}: embedding name '{}': letters, digits, '_' or '-' only", where,
               io::shorten(name, 60));
  PMT_THROW_IF(name == "none" || name == "pca" || name == "umap", kUsage,
               "{}: an embedding cannot be named '{}' (a built-in reduction)", where, name);
}

void read_embedding_sidecar(const std::string& text, const std::string& file, Embedding& e) {
  const nlohmann::json j = io::parse_json(text, file);
  PMT_THROW_IF(!j.is_object(), kData, "{}: not a JSON object", file);
  for (const char* key : {"reduction", "scaling"})
    PMT_THROW_IF(j.contains(key) && !j.at(key).is_string(), kData, "{}: \"{}\" must be a string",
                 file, key);
  std::string name = e.name;
  Scaling scaling = e.scaling;
  if (j.contains("reduction")) name = j.at("reduction").get<std::string>();
  if (j.contains("scaling")) {
    try {
      scaling = parse_scaling(j.at("scaling").get<std::string>());
    } catch (const Error& ex) {
      PMT_THROW(kData, "{}: {}", file, ex.what());
    }
  }
  try {
    check_embedding_name(name, file);  // a usage error for a name given on the command line
  } catch (const Error& ex) {
    throw Error(ErrorKind::kData, ex.what(), __FILE__, __LINE__);
  }
  e.name = name;
  e.scaling = scaling;
}

}  // namespace pmt::cluster
