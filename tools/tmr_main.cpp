// tmr: Targeted Misbehavior Retraining (the USI thesis, section 4.4): mutants that misbehave on
// one cluster of a class's inputs, saved where gen_acc finds them.
#include <cstdio>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/tools/targeted.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::CommonOptions common;
  pmt::tools::TmrOptions o;
  pmt::cli::TargetedFlags flags;
  pmt::cli::setup_app(
      app,
      {"tmr",
       "Targeted Misbehavior Retraining (thesis section 4.4, Algorithm 5). For each sound "
       "instance i (trained_models/<model>/original/), each class C of --classes and each of its "
       "clusters C_k (clusters.npy of `cluster`): I_neg = the inputs of C_k that instance i "
       "classifies correctly, I_pos = those of C's other clusters (noise excluded); the mutant "
       "is instance i retrained --epochs epochs on I_neg relabelled to each input's second most "
       "probable label (instance i's), then --keep-epochs epoch(s) on I_pos with the true "
       "labels, with the subject's optimiser (fresh state), batch size and loss. Mutant i is "
       "saved as trained_models/<model>/tmr_c<C>_k<k>_e<E>/instance_<i>.pt with a sidecar (its "
       "evaluation included), so that gen_acc --mut tmr --param c<C>_k<k>_e<E>, ratio --same "
       "and mutation_test --same read it. Printed, over the instances: the accuracies of "
       "originals and mutants on I_neg, I_pos, the training split without C, the test split "
       "without C, the test inputs of C, the whole test split and --weak-test-set, each with "
       "the Wilcoxon signed-rank test (paired, scipy's) and Cohen's d (original - mutant); "
       "stat diff when p < 0.05 and d >= 0.5 (DeepCrime's rule, as the thesis used it); the "
       "thesis' Tables 5.10-5.12 and 5.14 in that form. Also written: "
       "<data-root>/targeted/<model>/tmr_<param>.json per target. Existing mutants are reused "
       "(a rerun resumes); writes are atomic; SIGINT/SIGTERM stop between mutants. The "
       "defaults are the thesis' algorithm, which barely moves a cluster of the mnist subject; "
       "--epochs 15 --rehearse 500 --fresh-rehearsal --learning-rate 0.3 corrupts 50-83% of four "
       "of its nine clusters with no stat diff on the other classes (docs/targeted.md).",
       "  cluster --model mnist --classes 0,5,7 --metric dbcv --data-root run\n"
       "  tmr --model mnist --classes 0,5,7 --instances 0-19 --data-root run\n"
       "  gen_acc --model mnist --mut tmr --param c0_k1_e2 --data-root run\n"
       "  ratio --model mnist --mut tmr --param c0_k1_e2 --same --data-root run",
       "F. Casari, Post-Training Mutation Tool for Deep Learning Systems, master's thesis, "
       "USI Lugano, January 2024 (supervised by P. Tonella, N. Humbatova, G. Jahangirova)."},
      common, pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kJson);
  pmt::cli::add_targeted_flags(app, o, flags);
  app.add_option("--epochs", o.epochs, "Retraining epochs on I_neg (the thesis: 2, then 5)")
      ->check(pmt::cli::positive())
      ->capture_default_str();
  app.add_option("--keep-epochs", o.keep_epochs,
                 "Epochs on I_pos afterwards (the thesis: 1; another value enters the parameter "
                 "as _p<N>)")
      ->check(pmt::cli::non_negative())
      ->capture_default_str();
  app.add_option("--rehearse", o.rehearse,
                 "pmt's variant: both retrainings also see N inputs of the split's other classes "
                 "with their true labels (drawn per mutant from its seed), so that the mutant "
                 "forgets nothing outside class C (0: the thesis' algorithm; N enters the "
                 "parameter as _r<N>)")
      ->check(pmt::cli::non_negative())
      ->capture_default_str();
  app.add_flag("--fresh-rehearsal", o.fresh_rehearsal,
               "With --rehearse N: every epoch sees N other inputs of its own (drawn through the "
               "other classes before any comes back), not the same N; the parameter's tag "
               "becomes _rf<N>");
  app.add_option("--batch-size", o.batch_size,
                 "Batch size of the retraining (0: the subject's; another enters the parameter "
                 "as _b<N>)")
      ->check(pmt::cli::non_negative())
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
      ->check(pmt::cli::non_negative())
      ->capture_default_str();
  return pmt::cli::run_main(app, argc, argv, common, [&] {
    o.data_root = common.data_root;
    o.seed = common.seed;
    pmt::cli::finish_targeted_flags(o, flags);
    pmt::install_interrupt_handlers();
    const auto s = pmt::tools::run_tmr(o);
    if (common.json) {
      std::printf("%s\n", s.to_json().dump().c_str());
      return;
    }
    std::fputs(s.report().c_str(), stdout);
    std::printf("tmr: %d mutant(s) made, %d found done, %d job(s) x %d thread(s), %.1f s\n", s.made,
                s.skipped, s.jobs, s.threads, s.seconds);
  });
}
