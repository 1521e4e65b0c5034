// mutate_model: post-training (model-level) mutants of the trained sound instances, saved where
// gen_acc finds them (trained_models/<model>/<mut>_<param>/instance_<i>.pt + sidecar).
#include <cstdio>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/mutate/registry.hpp"
#include "pmt/tools/shard.hpp"
#include "pmt/tools/training.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::CommonOptions common;
  pmt::tools::MutateModelOptions o;
  o.mut.clear();  // no default: name the operator
  pmt::cli::setup_app(
      app,
      {"mutate_model",
       "Makes post-training (model-level) mutants without retraining: mutant i from sound "
       "instance i (trained_models/<model>/original/instance_<i>.pt, from train_mutants or, with "
       "--torchscript, saved from PyTorch), saved as trained_models/<model>/<mut>_<param>/"
       "instance_<i>.pt with a JSON sidecar (operator, parameters, seed, draws, discarded draws, "
       "which weights changed), so that gen_acc and the analysis tools (with --same: mutant i "
       "paired with sound instance i) read them. Operators: " +
           pmt::model::join_names(pmt::mutate::operator_names(pmt::mutate::Stage::kPostTraining)) +
           ".\nneurons_freezing R (PMT): int(R x units) units of one layer (at least 1) get "
           "a zero kernel slice and bias; weights_fuzzing R_M (PMT): int(R x size) entries of the "
           "layer's kernel get w + N(0,1) x M x |w|; both target the first dense/conv layer unless "
           "--layer, as the PMT package does, and are not filtered. DeepMutation++'s operators "
           "act on all dense and conv layers together with a budget of int(R x total) kernel "
           "weights (gaussian_fuzzing R[_S]: w x (1 + N(0, S)), S = 0.5, touched kernels clipped "
           "to [-1, 1]) or neurons (weights_shuffling, neuron_effect_block, "
           "neuron_activation_inverse, neuron_switch), at least 1; layer_deactivation, "
           "layer_addition and activation_removal take a layer index as parameter (the first that "
           "fits by default; pmt subjects only). DeepMutation++'s filter: a draw whose test "
           "accuracy is below --filter-factor x the sound instance's is discarded and redrawn, up "
           "to --max-draws draws (an instance without an accepted draw is reported and the run "
           "exits 1). Each draw is seeded from --seed, the operator and parameter, the instance "
           "and the draw: the same mutants whatever --jobs. Existing mutants are skipped (a rerun "
           "resumes); writes are atomic. --list-mutations (train_mutants) shows the registry.",
       "  mutate_model --model mnist --mut neurons_freezing --param 0.1\n"
       "  mutate_model --model mnist --mut weights_fuzzing --param 0.05_1 --instances 0-19\n"
       "  mutate_model --model mnist_mlp --mut gaussian_fuzzing --param 0.05 --filter-factor 0.9\n"
       "  mutate_model --model mnist_mlp --list-layers\n"
       "  mutate_model --torchscript --model mine --mut neuron_effect_block --param 0.01 "
       "--test-set t10k-images-idx3-ubyte.gz",
       "F. Tambon, F. Khomh, G. Antoniol. A Probabilistic Framework for Mutation Testing in Deep "
       "Neural Networks. IST 155 (2023) (FlowSs/PMT operators/weights_operators.py).\nQ. Hu, L. "
       "Ma, X. Xie, B. Yu, Y. Liu, J. Zhao. DeepMutation++: a mutation testing framework for deep "
       "learning systems. ASE 2019 (cnn_mutation/src/cnn_operator.py)."},
      common, pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kJson);
  app.add_option("--model", o.model,
                 "Subject: a built-in one (data/subjects/<model>.json) or, with --subject or "
                 "--torchscript, the name of the output folders");
  app.add_option("--subject", o.subject_file, "A user's subject spec (JSON)")
      ->check(CLI::ExistingFile);
  app.add_option("--mut", o.mut, "Post-training operator");
  app.add_option("--param", o.param,
                 "Its parameter: a ratio in (0, 1]; weights_fuzzing ratio_magnitude (PMT's "
                 "\"0.05_1\"); gaussian_fuzzing ratio[_sigma]; a layer index for "
                 "layer_deactivation, layer_addition, activation_removal (or --layer). Used "
                 "verbatim in folder and file names");
  app.add_option("--layer", o.layer_name,
                 "The layer a layer operator targets, by index or name (see --list-layers) "
                 "[default: the first that fits]; another than the default enters the parameter "
                 "as <value>_layer<N>");
  app.add_option("--instances", o.instances,
                 "Sound instances to mutate, e.g. 0-19 or 0,3,5-7 [default: every one present]");
  app.add_option("--filter-factor", o.filter_factor,
                 "DeepMutation++'s filter: discard a draw whose accuracy is below this factor x "
                 "the sound instance's (0: no filter; PMT's operators are never filtered)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--max-draws", o.max_draws, "Draws per instance before giving up on it")
      ->check(pmt::cli::positive());
  app.add_option("--test-set", o.test_set,
                 "The filter's test set, IDX images (plain or .gz) or NPY inputs [default: the "
                 "subject's test split; required with --torchscript for the filtered operators]")
      ->check(CLI::ExistingFile);
  app.add_option("--test-labels", o.test_labels,
                 "Its labels [default for IDX: --test-set with images-idx3 -> labels-idx1; "
                 "required for NPY]")
      ->check(CLI::ExistingFile);
  app.add_option("--data-dir", o.data_dir,
                 "Folder holding the subject's dataset [default: <data-root>/datasets]");
  app.add_option("--jobs", o.jobs, "Instances mutated at once (0: one per core)")
      ->check(pmt::cli::non_negative());
  app.add_option("--threads", o.threads, "Intra-op threads per job (0: cores / jobs)")
      ->check(pmt::cli::non_negative());
  pmt::cli::add_torchscript_flags(app, o);
  bool list = false;
  app.add_flag("--list-layers", list,
               "List the model's dense and conv layers (index, name, type, weight shape, bias) "
               "and the operators that target each by default; then exit");
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "No progress bar on stderr");
  std::string shard;
  pmt::cli::add_shard_flag(app, shard, "the sound instances (--instances, or those present)");
  return pmt::cli::run_main(app, argc, argv, common, [&] {
    o.data_root = common.data_root;
    o.seed = common.seed;
    o.progress = !quiet;
    if (list) {
      std::fputs(pmt::tools::list_layers(o, common.json).c_str(), stdout);
      return;
    }
    pmt::install_interrupt_handlers();  // SIGINT/SIGTERM: stop cleanly, exit 128 + signal
    o.shard = pmt::tools::resolve_shard(shard);
    const auto s = pmt::tools::run_mutate_model(o);
    if (common.json) {
      std::printf("%s\n", s.to_json().dump().c_str());
    } else {
      int discarded = 0;
      for (int d : s.discarded) discarded += d;
      std::printf(
          "%s: made %zu, skipped %zu (already there), %d job(s) x %d thread(s), %.2f s (filter "
          "evaluation %.2f s), %d draw(s) discarded by the filter\n",
          s.folder.string().c_str(), s.made.size(), s.skipped.size(), s.jobs, s.threads, s.seconds,
          s.filter_seconds, discarded);
    }
    std::string gave_up;
    for (int i : s.gave_up) gave_up += (gave_up.empty() ? "" : ",") + std::to_string(i);
    PMT_THROW_IF(!s.gave_up.empty(), kData,
                 "{}: no draw passed the filter within --max-draws {} for instance(s) {} (a "
                 "smaller ratio, a lower --filter-factor or more --max-draws)",
                 s.folder.string(), o.max_draws, gave_up);
  });
}
