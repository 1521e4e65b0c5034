// The targeted tools' flags: the group tmr and arachne share, and each one's own (flags.hpp).
#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"

namespace pmt::cli {

void add_targeted_flags(CLI::App& app, tools::TargetedOptions& o, TargetedFlags& f) {
  add_subject_flags(app, o.model, o.subject_file, o.data_dir);
  add_instances_flag(app, o.instances,
                     "Sound instances (trained_models/<model>/original/) [default: every one "
                     "present]");
  app.add_option("--clusters", o.clusters,
                 "clusters.npy of `cluster` (one cluster per input of the split; -1 noise, -2 "
                 "not clustered) [default: <data-root>/clusters/<model>/clusters.npy]");
  add_split_flag(app, o.split, "The split the clusters index");
  app.add_option("--classes", f.classes,
                 "Classes C to target, e.g. 0,5,7 [default: every clustered class]");
  app.add_option("--cluster", f.cluster_ids,
                 "Clusters of each class to target, e.g. 0 or 0,2 [default: all of them]");
  app.add_option("--weak-test-set", o.weak_test_set,
                 "IDX images of a weak test set (weak_test_set): the accuracy drop on it beside "
                 "the drop on the whole test split (the thesis' section 5.7)")
      ->check(CLI::ExistingFile);
  app.add_option("--weak-test-labels", o.weak_test_labels,
                 "Its labels [default: images-idx3 -> labels-idx1 beside it]")
      ->check(CLI::ExistingFile);
  add_jobs_flag(app, o.jobs, "Sound instances processed");
  add_threads_flag(app, o.threads);
  add_quiet_flag(app, f.quiet);
}

void finish_targeted_flags(tools::TargetedOptions& o, const TargetedFlags& f) {
  if (!f.classes.empty()) o.classes = int_list(f.classes, "--classes");
  if (!f.cluster_ids.empty()) o.cluster_ids = int_list(f.cluster_ids, "--cluster");
  o.progress = !f.quiet;
}

void add_tmr_flags(CLI::App& app, tools::TmrOptions& o, TargetedFlags& f) {
  add_targeted_flags(app, o, f);
  app.add_option("--epochs", o.epochs, "Retraining epochs on I_neg (the thesis: 2, then 5)")
      ->check(positive())
      ->capture_default_str();
  app.add_option("--keep-epochs", o.keep_epochs,
                 "Epochs on I_pos afterwards (the thesis: 1; another value enters the parameter "
                 "as _p<N>)")
      ->check(non_negative())
      ->capture_default_str();
  app.add_option("--rehearse", o.rehearse,
                 "pmt's variant: both retrainings also see N inputs of the split's other classes "
                 "with their true labels (drawn per mutant from its seed), so that the mutant "
                 "forgets nothing outside class C (0: the thesis' algorithm; N enters the "
                 "parameter as _r<N>)")
      ->check(non_negative())
      ->capture_default_str();
  app.add_flag("--fresh-rehearsal", o.fresh_rehearsal,
               "With --rehearse N: every epoch sees N other inputs of its own (drawn through the "
               "other classes before any comes back), not the same N; the parameter's tag "
               "becomes _rf<N>");
  app.add_option("--batch-size", o.batch_size,
                 "Batch size of the retraining (0: the subject's; another enters the parameter "
                 "as _b<N>)")
      ->check(non_negative())
      ->capture_default_str();
  app.add_option("--learning-rate", o.learning_rate,
                 "Learning rate of the retraining's optimiser (0: the subject's; another enters "
                 "the parameter as _lr<X>)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("--distill", o.distill,
               "With --rehearse N: the rehearsal inputs' targets are the sound instance's class "
               "probabilities instead of their labels (knowledge distillation); the tag gains a "
               "d (_r<N>d, _rf<N>d)");
  app.add_option("--freeze", o.freeze,
                 "Layers before layer N keep the sound instance's weights; only the layers from "
                 "N on are retrained (0: all of them; N enters the parameter as _fz<N>)")
      ->check(non_negative())
      ->capture_default_str();
}

void add_arachne_flags(CLI::App& app, tools::ArachneOptions& o, ArachneFlags& f) {
  add_targeted_flags(app, o, f);
  app.add_option("--method", o.method, "gn (Gaussian noise) or de (differential evolution)")
      ->check(CLI::IsMember({"gn", "de"}))
      ->capture_default_str();
  app.add_option("--layer", o.target_layer,
                 "The layer whose kernel is localised (index in the subject's layers; -1: every "
                 "dense/conv layer but the output one)")
      ->capture_default_str();
  app.add_option("--sigma", o.sigma, "gn: the noise's standard deviation")->capture_default_str();
  app.add_option("--population", o.population, "de: population size")
      ->check(positive())
      ->capture_default_str();
  app.add_option("--generations", o.generations, "de: at most this many generations")
      ->check(positive())
      ->capture_default_str();
  app.add_option("--patience", o.patience,
                 "de: stop after this many generations without a "
                 "better best fitness")
      ->check(positive())
      ->capture_default_str();
  app.add_option("--max-inputs", o.max_inputs,
                 "de: at most this many inputs of I_neg and of I_pos in the fitness (a seeded "
                 "sample; 0: all)")
      ->check(non_negative())
      ->capture_default_str();
  app.add_flag("--no-clip", f.no_clip,
               "de: no clipping of the genes to eq. 4.14's bounds (the parameter gains _noclip)");
}

}  // namespace pmt::cli
