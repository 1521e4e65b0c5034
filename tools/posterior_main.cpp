// posterior: bagged Beta posteriors of the kill probability (plot_posterior.py). See run_posterior.
#include <iostream>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/tools/analysis.hpp"

int main(int argc, char** argv) {
  pmt::tools::PosteriorOptions o;
  CLI::App app;
  pmt::cli::setup_app(app, "posterior", o.common, pmt::cli::kAllCommon);
  pmt::cli::add_analysis_flags(app, o, "Only report this parameter [default: every parameter]");
  app.add_flag("--hdi", o.hdi, "Highest-density 95% interval instead of mean +- 1.96 sd");
  app.add_flag_callback(
      "--no-plot", [&o] { o.plot = false; }, "Do not write the figure");
  return pmt::cli::run_main(app, argc, argv, o.common,
                            [&] { pmt::cli::print(pmt::tools::run_posterior(o), o.common.json); });
}
