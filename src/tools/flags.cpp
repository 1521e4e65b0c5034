// The analysis tools' shared flags, defined once (see analysis.hpp).
#include <CLI/CLI.hpp>

#include "pmt/tools/analysis.hpp"

namespace pmt::tools {

void add_analysis_flags(CLI::App& app, AnalysisOptions& o, const std::string& param_help) {
  app.add_option("--model", o.model,
                 "Subject model, as named in the settings (mnist, lenet, movie_recomm, ...) or "
                 "with accuracy files in raw_data/<model>/")
      ->required();
  app.add_option("--mut", o.mut,
                 "Mutation operator, as named in the settings (e.g. change_label). One the "
                 "settings do not list (a model trained here) takes its parameters from "
                 "raw_data/<model>/results_<model>_<mut>_mutated0_MP_<param>.csv: numeric order "
                 "when all are numbers, else lexicographic")
      ->required();
  app.add_option("--param", o.param, param_help);
  app.add_flag("--same", o.same,
               "Pair mutant i with sound instance i (post-training mutations such as "
               "neurons_freezing, weights_fuzzing)");
  app.add_option("--bootstraps", o.bootstraps, "Bootstrap samples B")->check(pmt::cli::positive());
  app.add_option("--trials", o.trials, "Mutation tests per bootstrap sample N")
      ->check(pmt::cli::positive());
  app.add_option("--sample-size", o.sample, "Instances per side in one mutation test k")
      ->check(pmt::cli::integer_in(2, 100000));
  app.add_option_function<std::string>(
         "--test", [&o](const std::string& s) { o.test.kind = stats::TestOptions::parse_kind(s); },
         "Killing test: glm (DeepCrime's GLM Wald p-value, the reference) or wilcoxon (DeepCrime's "
         "WLX, two-sided, as scipy 1.10 computes it: Mann-Whitney U, exact when a side has at "
         "most 8 instances and no ties; with --same the signed-rank test, exact up to 50 pairs "
         "without zero differences; p compared unrounded). Both also need the effect size. "
         "Wilcoxon caches, arrays and figures are named <name>_wilcoxon [default: glm]")
      ->check(CLI::IsMember({"glm", "wilcoxon"}));
  app.add_flag_callback(
      "--exact-p", [&o] { o.test.round_p = false; },
      "GLM: compare the exact p-value with 0.05 (default: rounded to 3 decimals "
      "first, as the reference)");
  app.add_option_function<std::string>(
         "--effect",
         [&o](const std::string& s) { o.test.effect = stats::TestOptions::parse_effect(s); },
         "Effect-size rule: abs (|d| >= 0.5, PMT), positive (d >= 0.5, DeepCrime classification), "
         "negative (d <= -0.5, DeepCrime regression) [default: abs]")
      ->check(CLI::IsMember({"abs", "positive", "negative"}));
}

void add_jackknife_flag(CLI::App& app, stats::JackknifeDivisor& divisor) {
  app.add_flag_callback(
      "--textbook", [&divisor] { divisor = stats::JackknifeDivisor::kTextbook; },
      "Jackknife leave-one-out values divide by R - 1 (default: by R, as the reference)");
}

}  // namespace pmt::tools
