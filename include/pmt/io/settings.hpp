// The mutation/parameter table (the replication package's settings.py) as data/settings.json:
//   {"models": {"<model>": {"<mutation>": ["<param>", ...], ...}, ...},
//    "model_level_mutations": ["neurons_freezing", ...]}
// Parameter strings are used verbatim in file names ("0.05_1", "50.0").
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pmt::io {

class Settings {
 public:
  // Throws pmt::Error (data) for a missing or malformed file.
  static Settings load(const std::filesystem::path& path);
  // The same from the file's text (`path` names it in messages).
  static Settings parse(const std::string& text, const std::filesystem::path& path);

  bool has_model(const std::string& model) const;
  bool has_mutation(const std::string& model, const std::string& mut) const;

  std::vector<std::string> models() const;
  std::vector<std::string> mutations(const std::string& model) const;
  // Throws pmt::Error (usage) listing the valid names when the model or mutation is unknown.
  std::vector<std::string> params(const std::string& model, const std::string& mut) const;
  // Checks that `param` is one of params(model, mut); throws (usage) otherwise.
  void check_param(const std::string& model, const std::string& mut,
                   const std::string& param) const;
  // Post-training mutations, where mutant i derives from sound instance i (use --same).
  bool is_model_level(const std::string& mut) const;
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  nlohmann::json json_;
};

// Locates a file shipped in the project's data/ folder (settings.json, subjects/...), whatever the
// working directory: $PMT_DATA_DIR, then <executable>/../data, <executable>/../../data,
// <executable>/../share/pmt/data, then the source tree the binary was built from.
std::filesystem::path find_data_file(const std::string& relative);

}  // namespace pmt::io
