#include "pmt/io/atomic_file.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <sstream>
#include <vector>

#include "pmt/core/error.hpp"

namespace pmt::io {

namespace fs = std::filesystem;

AtomicPath::AtomicPath(fs::path path) : path_(std::move(path)) {
  if (path_.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path_.parent_path(), ec);
    PMT_THROW_IF(ec, kData, "{}: cannot create directory: {}", path_.parent_path().string(),
                 ec.message());
  }
  tmp_ = path_;
  tmp_ += fmt::format(".tmp.{}", ::getpid());
  // A run killed while writing this very file left its temporary sibling: remove it.
  remove_stale_tmp(path_.has_parent_path() ? path_.parent_path() : fs::path("."),
                   path_.filename().string() + ".tmp.");
}

AtomicPath::~AtomicPath() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(tmp_, ec);
  }
}

void AtomicPath::commit() {
  std::error_code ec;
  fs::rename(tmp_, path_, ec);
  PMT_THROW_IF(ec, kData, "{}: cannot rename into place: {}", path_.string(), ec.message());
  committed_ = true;
}

AtomicFile::AtomicFile(fs::path path, bool binary) : target_(std::move(path)) {
  out_.open(target_.tmp(), binary ? std::ios::out | std::ios::binary | std::ios::trunc
                                  : std::ios::out | std::ios::trunc);
  PMT_THROW_IF(!out_, kData, "{}: cannot open for writing", target_.tmp().string());
}

void AtomicFile::commit() {
  out_.flush();
  PMT_THROW_IF(!out_, kData, "{}: write failed", target_.tmp().string());
  out_.close();
  target_.commit();
}

void write_file_atomic(const fs::path& path, std::string_view content) {
  AtomicFile file(path, true);
  file.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  file.commit();
}

void remove_stale_tmp(const fs::path& folder, const std::string& prefix) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    const std::string f = e.path().filename().string();
    const auto pos = f.rfind(".tmp.");
    if (f.rfind(prefix, 0) != 0 || pos == std::string::npos) continue;
    const std::string pid_text = f.substr(pos + 5);
    if (pid_text.empty() || pid_text.size() > 9 ||
        !std::all_of(pid_text.begin(), pid_text.end(),
                     [](unsigned char ch) { return std::isdigit(ch) != 0; }))
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) stale.push_back(e.path());
  }
  for (const auto& p : stale) fs::remove(p, ec);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  PMT_THROW_IF(!in, kData, "{}: cannot open (missing file?)", path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  PMT_THROW_IF(in.bad(), kData, "{}: read error", path.string());
  return ss.str();
}

}  // namespace pmt::io
