// The training tools' flags: train_mutants, mutate_model, mutation_search, embed (flags.hpp).
#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/number.hpp"

namespace pmt::cli {

void add_train_mutants_flags(CLI::App& app, tools::TrainMutantsOptions& o, TrainMutantsFlags& f) {
  add_config_flags(app, o, "Instances trained");
  auto* instances = add_instances_flag(app, o.instances, "Instance indices");
  add_shard_flag(app, f.shard, "the instances of --instances");
  app.add_option("--until", f.until,
                 "'firm': train the sound subject and the mutant in rounds (k instances per side, "
                 "then multiples of --step up to --cap), evaluate them on the test split (the "
                 "accuracy files of gen_acc) and stop at the first round whose ratio verdict is "
                 "firm: ratio > 1 in all --mc-reps repetitions (killed) or in none (not killed); "
                 "ratio --seed S on the files gives the same verdict")
      ->check(CLI::IsMember({"firm"}))
      ->excludes(instances);
  app.add_option("--cap", f.until_firm.cap, "--until: the most instances per side")
      ->check(positive());
  app.add_option("--step", f.until_firm.step, "--until: rounds at multiples of this many instances")
      ->check(positive());
  app.add_option("-k,--sample-size", f.until_firm.sample,
                 "--until: instances per side in one mutation test, and the first round's size")
      ->check(integer_in(2, 1000000));
  app.add_option("--mc-reps", f.until_firm.mc_reps,
                 "--until: independent repetitions of ratio's bootstrap behind a firm verdict")
      ->check(positive());
  add_threads_flag(app, o.threads);
  app.add_option("--fuse", o.fuse,
                 "Instances trained as ONE fused model (stacked weights, batched products, one "
                 "optimiser step for all), each keeping its own initial weights, data order, "
                 "dropout masks and optimiser state; the instances i with the same i / N form a "
                 "block, and --jobs counts fused models. 1: one model per instance (measured "
                 "fastest on a 2-core machine, docs/training.md). Subjects and operators that do "
                 "not fuse (graph subjects, early stopping: see --list-mutations) train one model "
                 "per instance")
      ->check(positive());
  app.add_flag("--list-mutations", f.list,
               "List every operator (DeepCrime code, parameter kind, search values or bounds); "
               "with --model or --subject, whether it applies to that subject and which layer it "
               "targets; then exit");
  add_quiet_flag(app, f.quiet);
}

void add_mutate_model_flags(CLI::App& app, tools::MutateModelOptions& o, MutateModelFlags& f) {
  add_subject_flags(app, o.model, o.subject_file, o.data_dir);
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
  add_instances_flag(app, o.instances, "Sound instances to mutate [default: every one present]");
  app.add_option("--filter-factor", o.filter_factor,
                 "DeepMutation++'s filter: discard a draw whose accuracy is below this factor x "
                 "the sound instance's (0: no filter; PMT's operators are never filtered)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--max-draws", o.max_draws, "Draws per instance before giving up on it")
      ->check(positive());
  add_test_set_flags(app, o.test_set, o.test_labels,
                     "The filter's test set [default: the subject's test split; required with "
                     "--torchscript for the filtered operators]");
  add_jobs_flag(app, o.jobs, "Instances mutated");
  add_threads_flag(app, o.threads);
  add_torchscript_flags(app, o);
  app.add_flag("--list-layers", f.list,
               "List the model's weight layers (index, name, type, weight shape, bias) "
               "and the operators that target each by default; then exit");
  add_quiet_flag(app, f.quiet);
  add_shard_flag(app, f.shard, "the sound instances (--instances, or those present)");
}

void add_mutation_search_flags(CLI::App& app, tools::MutationSearchOptions& o,
                               MutationSearchFlags& f) {
  add_config_flags(app, o, "Instances trained", false);
  app.add_option("--instances", o.instances, "Instances per configuration (DeepCrime: 20 runs)")
      ->check(integer_in(2, 1000000))
      ->capture_default_str();
  app.add_option("--set", o.sets,
                 "Decide killing on the test set, the training set, or both (two searches)")
      ->check(CLI::IsMember({"test", "train", "both"}))
      ->capture_default_str();
  add_test_set_flags(app, o.test_set, o.test_labels,
                     "Another test set evaluated instead of the subject's test split, e.g. "
                     "weak_test_set's; needs --test-set-name");
  app.add_option("--test-set-name", o.test_set_name,
                 "Name of --test-set: results in <data-root>/search/<model>/<name>/, accuracy "
                 "files in <data-root>/test_sets/<name>/ (mutation_score --test-set-name)");
  app.add_flag("--deepcrime-power", f.deepcrime_power,
               "Power as DeepCrime's stats.py computes it (FTestAnovaPower with f = d, i.e. the "
               "t-test power of 2d: over-estimated) instead of the t-test power at d");
  app.add_flag("!--no-progress", o.progress, "No per-epoch training lines on stderr");
}

void add_embed_flags(CLI::App& app, tools::EmbedOptions& o, EmbedFlags& f) {
  add_subject_flags(app, o.model, o.subject_file, o.data_dir);
  add_split_flag(app, o.split, "Which split's inputs");
  app.add_option("--per", o.per, "all: one VAE on every class; class: one VAE per class")
      ->check(CLI::IsMember({"all", "class"}))
      ->capture_default_str();
  app.add_option("--scaling", o.scaling,
                 "Scaling of the inputs (none, max, normalization, "
                 "standard, minmax), as cluster's")
      ->check(CLI::IsMember({"none", "max", "normalization", "standard", "minmax"}))
      ->capture_default_str();
  app.add_option("--latent", o.vae.latent, "Latent dimensions")
      ->check(positive())
      ->capture_default_str();
  app.add_option("--epochs", o.vae.epochs, "Training epochs")
      ->check(positive())
      ->capture_default_str();
  app.add_option("--batch-size", o.vae.batch_size, "Batch size")
      ->check(positive())
      ->capture_default_str();
  app.add_option("--learning-rate", f.learning_rate, "Adam's learning rate")->capture_default_str();
  app.add_option(
         "--loss", o.vae.loss,
         "Reconstruction loss: auto (bce when every input is in [0, 1], else mse), bce, mse")
      ->check(CLI::IsMember({"auto", "bce", "mse"}))
      ->capture_default_str();
  app.add_option("--out", o.out_dir, "Output folder [default: <data-root>/embeddings/<model>/]");
}

void finish_embed_flags(tools::EmbedOptions& o, const EmbedFlags& f) {
  o.vae.learning_rate = io::parse_double(f.learning_rate, "--learning-rate", ErrorKind::kUsage);
  PMT_THROW_IF(!(o.vae.learning_rate > 0), kUsage, "--learning-rate must be positive, got {}",
               f.learning_rate);
}

}  // namespace pmt::cli
