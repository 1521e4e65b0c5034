// The options every tool shares (see options.hpp).
#include "pmt/tools/options.hpp"

#include "pmt/io/settings.hpp"

namespace pmt::tools {

std::string settings_path(const CommonOptions& common) {
  return common.settings.empty() ? io::find_data_file("settings.json").string() : common.settings;
}

}  // namespace pmt::tools
