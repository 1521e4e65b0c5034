// The subject a tool is given, found one way for every tool: --subject FILE, else the built-in
// --model (data/subjects/<model>.json); a usage error without either.
#pragma once

#include <filesystem>
#include <string>

#include "pmt/model/subject.hpp"
#include "pmt/tools/options.hpp"

namespace pmt::tools {

struct Subject {
  model::SubjectSpec spec;
  std::string model;               // the name of its output folders: --model, else the spec's
  std::filesystem::path data_dir;  // its datasets: --data-dir, else <data-root>/datasets
};

// --data-dir, else <data-root>/datasets.
std::filesystem::path datasets_folder(const std::string& data_dir, const CommonOptions& common);
// Throws pmt::Error: usage without a subject, data for a spec that does not parse.
Subject find_subject(const std::string& model, const std::string& subject_file,
                     const std::string& data_dir, const CommonOptions& common);

}  // namespace pmt::tools
