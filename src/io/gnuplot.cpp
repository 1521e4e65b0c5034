#include "pmt/io/gnuplot.hpp"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"

namespace pmt::io {

namespace fs = std::filesystem;

namespace {

bool have_gnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

}  // namespace

bool render(const Figure& figure) {
  fs::path dat = figure.png, gp = figure.png;
  dat.replace_extension(".dat");
  gp.replace_extension(".gp");
  io::write_file_atomic(dat, figure.data);
  const std::string script =
      fmt::format(
          "# Rendered by pmt; rerun with: gnuplot {}\n"
          "set terminal pngcairo size {} enhanced font 'DejaVu Sans,11'\n"
          "set output '{}'\n",
          gp.filename().string(), figure.size, figure.png.filename().string()) +
      replace_all(figure.script, "DATA", "'" + dat.filename().string() + "'");
  io::write_file_atomic(gp, script);
  if (!have_gnuplot()) {
    std::fprintf(
        stderr, "note: gnuplot not found; figure data in %s (render: cd %s && gnuplot %s)\n",
        dat.string().c_str(), gp.parent_path().string().c_str(), gp.filename().string().c_str());
    return false;
  }
  // Render into a temporary name, then rename: a killed run leaves no half-drawn PNG.
  const std::string tmp_name = figure.png.filename().string() + ".tmp.png";
  const std::string tmp_script =
      replace_all(script, "set output '" + figure.png.filename().string() + "'",
                  "set output '" + tmp_name + "'");
  fs::path tmp_gp = gp;
  tmp_gp += ".tmp";
  io::write_file_atomic(tmp_gp, tmp_script);
  const std::string cmd = fmt::format("cd '{}' && gnuplot '{}' 2>&1", gp.parent_path().string(),
                                      tmp_gp.filename().string());
  FILE* pipe = ::popen(cmd.c_str(), "r");
  std::string output;
  if (pipe) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, pipe)) output += buf;
  }
  const int status = pipe ? ::pclose(pipe) : -1;
  std::error_code ec;
  fs::remove(tmp_gp, ec);
  const fs::path tmp_png = gp.parent_path() / tmp_name;
  if (status != 0) {
    fs::remove(tmp_png, ec);
    PMT_THROW(kData, "{}: gnuplot failed: {}", gp.string(), output.substr(0, 300));
  }
  fs::rename(tmp_png, figure.png, ec);
  PMT_THROW_IF(ec, kData, "{}: cannot rename into place: {}", figure.png.string(), ec.message());
  return true;
}

}  // namespace pmt::io
