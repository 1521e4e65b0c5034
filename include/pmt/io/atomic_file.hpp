// Atomic file output: everything pmt writes goes to "<path>.tmp.<pid>" first and is renamed over
// <path> only once complete, so a killed run never leaves a half-written result, and a rerun can
// trust that any file present is whole (resumable work skips it).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace pmt::io {

// The naming half of an atomic write, for writers that open the file themselves (HDF5): tmp() is
// the sibling "<path>.tmp.<pid>" (parent directories created; the siblings "<path>.tmp.<pid>" of
// dead processes, left by a killed run, removed); commit() renames it over path().
// If the object is destroyed without commit() the temporary file is removed.
class AtomicPath {
 public:
  explicit AtomicPath(std::filesystem::path path);
  ~AtomicPath();
  AtomicPath(const AtomicPath&) = delete;
  AtomicPath& operator=(const AtomicPath&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& tmp() const { return tmp_; }
  void commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path tmp_;
  bool committed_ = false;
};

// Writes into a temporary sibling file; commit() renames it into place. If the object is
// destroyed without commit() (an exception, a crash path) the temporary file is removed.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path, bool binary = false);

  std::ofstream& stream() { return out_; }
  const std::filesystem::path& path() const { return target_.path(); }
  void commit();

 private:
  AtomicPath target_;  // declared first: destroyed after out_ has closed the temporary file
  std::ofstream out_;
};

// Whole-file convenience: creates parent directories, writes `content` atomically.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Removes the temporary files "<prefix>*.tmp.<pid>" in `folder` that a killed run left behind
// (SIGKILL mid-write): those of processes no longer alive; a live writer's file is kept. Tools
// call it before writing into a folder, so that a rerun after a crash leaves no temporary file.
void remove_stale_tmp(const std::filesystem::path& folder, const std::string& prefix);

// Reads a whole file; throws pmt::Error (data) naming the file when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace pmt::io
