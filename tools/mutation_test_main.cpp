// mutation_test: DeepCrime's statistical mutation test (comp_deepcrime.py). See run_mutation_test.
#include <iostream>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/tools/analysis.hpp"

int main(int argc, char** argv) {
  pmt::tools::MutationTestOptions o;
  CLI::App app;
  pmt::cli::setup_app(app, "mutation_test", o.common, pmt::cli::kAllCommon);
  pmt::cli::add_analysis_flags(app, o,
                               "Only this parameter [default: every parameter in the settings]");
  app.add_flag("--dc", o.dc, "Single DeepCrime test per parameter on raw_data/deepcrime_comp/");
  app.add_option("--runs", o.runs, "Runs of the repeated protocol")->check(pmt::cli::positive());
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    pmt::cli::print(pmt::tools::run_mutation_test(o), o.common.json);
  });
}
