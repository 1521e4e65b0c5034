// The mutation/parameter table (see settings.hpp): loading, validation, name checks with the
// valid names in the message, and the lookup of the project's data/ folder.
#include "pmt/io/settings.hpp"

#include <unistd.h>

#include <algorithm>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/io/number.hpp"

#ifndef PMT_SOURCE_DATA_DIR
#define PMT_SOURCE_DATA_DIR ""
#endif

namespace pmt::io {

namespace fs = std::filesystem;

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

Settings Settings::load(const fs::path& path) { return parse(read_file(path), path); }

Settings Settings::parse(const std::string& text, const fs::path& path) {
  Settings s;
  s.file_ = path;
  s.json_ = parse_json(text, path.string());
  PMT_THROW_IF(
      !s.json_.is_object() || !s.json_.contains("models") || !s.json_["models"].is_object(), kData,
      "{}: expected an object with a \"models\" table", path.string());
  for (const auto& [model, muts] : s.json_["models"].items()) {
    PMT_THROW_IF(!muts.is_object(), kData, "{}: models.{} must be an object", path.string(),
                 shorten(model));
    for (const auto& [mut, params] : muts.items()) {
      PMT_THROW_IF(
          !params.is_array() || !std::all_of(params.begin(), params.end(),
                                             [](const nlohmann::json& p) { return p.is_string(); }),
          kData, "{}: models.{}.{} must be a list of strings", path.string(), shorten(model),
          shorten(mut));
    }
  }
  return s;
}

bool Settings::has_model(const std::string& model) const { return json_["models"].contains(model); }

bool Settings::has_mutation(const std::string& model, const std::string& mut) const {
  return has_model(model) && json_["models"][model].contains(mut);
}

std::vector<std::string> Settings::models() const {
  std::vector<std::string> out;
  for (const auto& [model, _] : json_["models"].items()) out.push_back(model);
  return out;
}

std::vector<std::string> Settings::mutations(const std::string& model) const {
  PMT_THROW_IF(!json_["models"].contains(model), kUsage, "unknown model '{}' (in {}: {})", model,
               file_.string(), join(models()));
  std::vector<std::string> out;
  for (const auto& [mut, _] : json_["models"][model].items()) out.push_back(mut);
  return out;
}

std::vector<std::string> Settings::params(const std::string& model, const std::string& mut) const {
  const auto muts = mutations(model);
  PMT_THROW_IF(std::find(muts.begin(), muts.end(), mut) == muts.end(), kUsage,
               "unknown mutation '{}' for model {} (in {}: {})", mut, model, file_.string(),
               join(muts));
  return json_["models"][model][mut].get<std::vector<std::string>>();
}

void Settings::check_param(const std::string& model, const std::string& mut,
                           const std::string& param) const {
  const auto ps = params(model, mut);
  PMT_THROW_IF(std::find(ps.begin(), ps.end(), param) == ps.end(), kUsage,
               "unknown parameter '{}' for {} {} (in {}: {})", param, model, mut, file_.string(),
               join(ps));
}

bool Settings::is_model_level(const std::string& mut) const {
  if (!json_.contains("model_level_mutations")) return false;
  for (const auto& m : json_["model_level_mutations"])
    if (m.is_string() && m.get<std::string>() == mut) return true;
  return false;
}

fs::path find_data_file(const std::string& relative) {
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("PMT_DATA_DIR")) roots.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    roots.push_back(exe.parent_path() / ".." / "data");
    roots.push_back(exe.parent_path() / ".." / ".." / "data");
    roots.push_back(exe.parent_path() / ".." / "share" / "pmt" / "data");
  }
  if (*PMT_SOURCE_DATA_DIR) roots.emplace_back(PMT_SOURCE_DATA_DIR);
  for (const auto& root : roots) {
    if (fs::exists(root / relative, ec)) return fs::weakly_canonical(root / relative, ec);
  }
  PMT_THROW(kData, "cannot find data/{} (set PMT_DATA_DIR to the project's data/ folder)",
            relative);
}

}  // namespace pmt::io
