// mutation_search: DeepCrime's search of the killable magnitude of one operator on one subject
// (binary search for numeric operators, exhaustive for categorical ones), training and
// evaluating each configuration's instances as train_mutants and gen_acc do.
#include <cstdio>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/tools/mutation_search.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::MutationSearchOptions o;
  pmt::cli::MutationSearchFlags f;
  pmt::cli::setup_app(app, "mutation_search", o.common,
                      pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kJson);
  o.mut.clear();  // the operator is required (no "original" default)
  pmt::cli::add_mutation_search_flags(app, o, f);
  return pmt::cli::run_main(app, argc, argv, o.common, [&] {
    pmt::install_interrupt_handlers();  // SIGINT/SIGTERM: stop cleanly, exit 128 + signal
    if (f.deepcrime_power) o.power = pmt::stats::PowerKind::kDeepCrime;
    o.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    pmt::cli::print(pmt::tools::run_mutation_search(o), o.common.json);
  });
}
