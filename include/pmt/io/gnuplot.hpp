// Figures: every figure is a data file (.dat) and a gnuplot script (.gp) written next to the PNG,
// so users can restyle it; the PNG is rendered when gnuplot is installed (Debian: gnuplot-nox),
// otherwise a note on stderr says how to render it later (`gnuplot file.gp`).
#pragma once

#include <filesystem>
#include <string>

namespace pmt::io {

struct Figure {
  std::filesystem::path png;  // plot_results/.../<name>.png; .dat and .gp share its stem
  std::string data;           // content of <stem>.dat
  std::string script;         // gnuplot commands after the terminal/output lines; refer to the
                              // data file as DATA (replaced by its quoted file name)
  std::string size = "1000,800";
};

// Writes .dat and .gp atomically and renders the PNG (atomically too). Returns true when the PNG
// was rendered. Never throws for a missing gnuplot; throws pmt::Error when gnuplot fails.
bool render(const Figure& figure);

}  // namespace pmt::io
