// Finding the subject a tool is given (subject.hpp).
#include "pmt/tools/subject.hpp"

#include "pmt/core/error.hpp"

namespace pmt::tools {

namespace fs = std::filesystem;

fs::path datasets_folder(const std::string& data_dir, const CommonOptions& common) {
  return data_dir.empty() ? fs::path(common.data_root) / "datasets" : fs::path(data_dir);
}

Subject find_subject(const std::string& model, const std::string& subject_file,
                     const std::string& data_dir, const CommonOptions& common) {
  PMT_THROW_IF(model.empty() && subject_file.empty(), kUsage, "--model or --subject is required");
  Subject s;
  s.spec = model::load_subject(subject_file.empty() ? model::builtin_subject_path(model)
                                                    : fs::path(subject_file));
  s.model = model.empty() ? s.spec.name : model;
  s.data_dir = datasets_folder(data_dir, common);
  return s;
}

}  // namespace pmt::tools
