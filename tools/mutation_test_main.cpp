// mutation_test: DeepCrime's statistical mutation test (comp_deepcrime.py). See run_mutation_test.
#include <iostream>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/tools/analysis.hpp"

int main(int argc, char** argv) {
  pmt::tools::MutationTestOptions o;
  CLI::App app;
  pmt::cli::setup_app(
      app,
      {"mutation_test",
       "Decides whether the mutants of one mutation operator are killed, with DeepCrime's test: a "
       "GLM (Gaussian, Acc ~ Mod) p-value, rounded to 3 decimals as the reference reads it, below "
       "0.05 and Cohen's d >= 0.5. With --dc: one test per parameter on DeepCrime's 20 instances "
       "(raw_data/deepcrime_comp/). Without: the repeated protocol of the probabilistic "
       "framework, --runs runs each splitting the instances into disjoint halves and running "
       "--trials tests of k vs k; prints the mean (std) kill rate. Zero pooled variance: equal "
       "means give p = 1, d = 0 (not killed); different means p = 0, d = inf (killed). --dc tests "
       "every usable instance (missing cells dropped, at least 2 per side). --test wilcoxon "
       "replaces the GLM by scipy 1.10's Mann-Whitney U (signed-rank with --same), its p compared "
       "unrounded.",
       "  mutation_test --model mnist --mut change_label --dc\n"
       "  mutation_test --model mnist --mut delete_training_data --json",
       "N. Humbatova, G. Jahangirova, P. Tonella. DeepCrime: Mutation Testing of Deep Learning "
       "Systems Based on Real Faults. ISSTA 2021.\nF. Tambon, F. Khomh, G. Antoniol. A "
       "Probabilistic Framework for Mutation Testing in Deep Neural Networks. Information and "
       "Software Technology 155 (2023). Replication package: FlowSs/PMT."},
      o.common, pmt::cli::kAllCommon);
  pmt::cli::add_analysis_flags(app, o,
                               "Only this parameter [default: every parameter in the settings]");
  app.add_flag("--dc", o.dc, "Single DeepCrime test per parameter on raw_data/deepcrime_comp/");
  app.add_option("--runs", o.runs, "Runs of the repeated protocol")->check(pmt::cli::positive());
  return pmt::cli::run_main(app, argc, argv, o.common,
                            [&] { pmt::tools::run_mutation_test(o, std::cout); });
}
