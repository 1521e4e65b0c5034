// cluster: the thesis' search over clustering pipelines for each class of a subject's inputs.
#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/tools/cluster.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::ClusterOptions o;
  pmt::cli::ClusterFlags f;
  pmt::cli::setup_app(app, "cluster", o.common,
                      pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kProc | pmt::cli::kJson);
  pmt::cli::add_cluster_flags(app, o, f);
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    pmt::cli::finish_cluster_flags(o, f);
    pmt::cli::print(pmt::tools::run_cluster(o), o.common.json);
  });
}
