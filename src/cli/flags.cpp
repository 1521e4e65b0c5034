// The flag groups, each declared once (flags.hpp).
#include "pmt/cli/flags.hpp"

#include "pmt/cli/common.hpp"
#include "pmt/io/number.hpp"

namespace pmt::cli {

std::vector<int> int_list(const std::string& text, const char* flag, int min) {
  return parse_list(text, [&](const std::string& item) {
    return io::parse_int(item, flag, ErrorKind::kUsage, min);
  });
}

void add_subject_flags(CLI::App& app, std::string& model, std::string& subject_file,
                       std::string& data_dir) {
  app.add_option("--model", model,
                 "Subject: a built-in one (data/subjects/<model>.json: mnist, mnist_mlp, "
                 "fashion_mnist, lenet, movie_recomm) or, with --subject or --torchscript, the "
                 "name used for the output folders");
  app.add_option("--subject", subject_file,
                 "A user's subject spec (JSON) instead of a built-in one")
      ->check(CLI::ExistingFile);
  app.add_option("--data-dir", data_dir,
                 "Folder holding <dataset>/ with the subject's files: IDX "
                 "{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz], or the NPY / HDF5 files its "
                 "\"data\" names [default: <data-root>/datasets, filled by scripts/get_data.sh]");
}

void add_jobs_flag(CLI::App& app, int& jobs, const std::string& what) {
  app.add_option("--jobs", jobs, what + " at once (0: one per core)")->check(non_negative());
}

void add_threads_flag(CLI::App& app, int& threads) {
  app.add_option("--threads", threads, "Intra-op threads per job (0: cores / jobs)")
      ->check(non_negative());
}

CLI::Option* add_instances_flag(CLI::App& app, std::string& instances, const std::string& what) {
  return app.add_option("--instances", instances, what + ", e.g. 0-19 or 0,3,5-7");
}

void add_test_set_flags(CLI::App& app, std::string& images, std::string& labels,
                        const std::string& what) {
  app.add_option("--test-set", images,
                 what + "; IDX images (plain or .gz) or an NPY array of inputs")
      ->check(CLI::ExistingFile);
  app.add_option("--test-labels", labels,
                 "Its labels: IDX [default: --test-set with images-idx3 -> labels-idx1] or NPY "
                 "(required for an NPY test set)")
      ->check(CLI::ExistingFile);
}

void add_split_flag(CLI::App& app, std::string& split, const std::string& what) {
  app.add_option("--split", split, what + ": train or test")
      ->check(CLI::IsMember({"train", "test"}))
      ->capture_default_str();
}

void add_quiet_flag(CLI::App& app, bool& quiet) {
  app.add_flag("-q,--quiet", quiet, "No progress on stderr");
}

void add_shard_flag(CLI::App& app, std::string& text, const std::string& what) {
  app.add_option("--shard", text,
                 "i/n: only this shard's part of the work (" + what +
                     " at positions k with k mod n = i); default: the Slurm array task's "
                     "(SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT), "
                     "else all");
}

void add_analysis_flags(CLI::App& app, tools::AnalysisOptions& o, const std::string& param_help) {
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
  app.add_option("--bootstraps", o.bootstraps, "Bootstrap samples B")->check(positive());
  app.add_option("--trials", o.trials, "Mutation tests per bootstrap sample N")->check(positive());
  app.add_option("--sample-size", o.sample, "Instances per side in one mutation test k")
      ->check(integer_in(2, 100000));
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

void add_config_flags(CLI::App& app, tools::ConfigOptions& o, const std::string& jobs_what,
                      bool with_param) {
  add_subject_flags(app, o.model, o.subject_file, o.data_dir);
  app.add_option("--mut", o.mut, "Mutation operator, or original for the sound subject");
  if (with_param)
    app.add_option("--param", o.param,
                   "Operator parameter, used verbatim in folder and file names (the layer of a "
                   "layer operator with several default layers appears as <value>_layer<N>)");
  app.add_option("--layer", o.layer,
                 "Layer index a layer operator targets [default: each of its default layers in "
                 "turn, see train_mutants --list-mutations --model M]")
      ->check(non_negative());
  add_jobs_flag(app, o.jobs, jobs_what);
}

void add_torchscript_flags(CLI::App& app, tools::ConfigOptions& o) {
  app.add_flag("--torchscript", o.torchscript,
               "The instances are TorchScript modules saved from PyTorch (torch.jit.save; "
               "LibTorch 1.13 reads PyTorch <= 1.13's), not a pmt subject: --model names their "
               "folders, --test-set gives the test set (docs/posttraining.md)");
  app.add_option("--input-shape", o.input_shape,
                 "With --torchscript: the per-sample shape fed to the model, e.g. 1,28,28 or 784 "
                 "[default: the test set's, a channel axis added in front of 2-D IDX images]");
  app.add_option("--scale", o.scale,
                 "Test inputs are divided by it [default: the subject's; with --torchscript 255 "
                 "for IDX bytes, 1 for NPY]")
      ->check(CLI::PositiveNumber);
  app.add_option("--num-classes", o.num_classes,
                 "With --torchscript: the output width the model must have [default: checked "
                 "against the test set's labels only]")
      ->check(positive());
}

}  // namespace pmt::cli
