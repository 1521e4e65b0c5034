// posterior: bagged Beta posteriors of the kill probability (plot_posterior.py). See run_posterior.
#include <iostream>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/tools/analysis.hpp"

int main(int argc, char** argv) {
  pmt::tools::PosteriorOptions o;
  CLI::App app;
  pmt::cli::setup_app(
      app,
      {"posterior",
       "Bootstrap kill rates (B bootstraps of N mutation tests of k vs k) of the sound instances "
       "and of every parameter of a mutation, their bagged Beta posterior (each rate p gives "
       "Beta(pN+1, N-pN+1); the pdfs are averaged on a grid of step 0.001 and a Beta is fitted by "
       "least squares, as scipy's trust-region curve_fit), and its mean and 95% credible "
       "interval (mean +- 1.96 sd clipped to [0, 1], or --hdi). Kill rates are cached where the "
       "reference caches them (<model>_orig.npy or _orig_same.npy at the data root, "
       "plot_results/<model>/<model>_<mut>_param/list_mut.npy) and read from there when present. "
       "Figure: plot_results/<model>/<model>_<mut>.png with its .dat and .gp beside it.",
       "  posterior --model mnist --mut delete_training_data\n"
       "  posterior --model mnist --mut neurons_freezing --same --json",
       "F. Tambon, F. Khomh, G. Antoniol. A Probabilistic Framework for Mutation Testing in Deep "
       "Neural Networks. Information and Software Technology 155 (2023). Replication package: "
       "FlowSs/PMT."},
      o.common, pmt::cli::kAllCommon);
  pmt::cli::add_analysis_flags(app, o, "Only report this parameter [default: every parameter]");
  app.add_flag("--hdi", o.hdi, "Highest-density 95% interval instead of mean +- 1.96 sd");
  app.add_flag_callback(
      "--no-plot", [&o] { o.plot = false; }, "Do not write the figure");
  return pmt::cli::run_main(app, argc, argv, o.common,
                            [&] { pmt::tools::run_posterior(o, std::cout); });
}
