// train_mutants: trains instances of a subject (--mut original) or of a mutant and saves them
// under <data-root>/trained_models/<model>/<mut>[_<param>]/instance_<i>.pt (+ .json sidecar).
#include <cstdio>

#include <fmt/format.h>

#include "pmt/cli/common.hpp"
#include "pmt/train/mutation.hpp"
#include "pmt/train/subject.hpp"
#include "pmt/train/tools.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::cli::CommonOptions common;
  pmt::train::TrainMutantsOptions o;
  pmt::cli::setup_app(
      app,
      {"train_mutants",
       "Trains independent instances of a subject (the sound program, --mut original) or of a "
       "mutant made by one of DeepCrime's training-data or hyperparameter operators, each with "
       "its own seed derived from --seed and its index. Saves "
       "trained_models/<model>/<mut>[_<param>]"
       "/instance_<i>.pt with a JSON sidecar (seed, per-epoch loss and accuracy, wall time). "
       "Existing instances are skipped, so a rerun resumes; writes are atomic. Progress (instance, "
       "epoch, loss, ETA) on stderr; a summary on stdout.\nMutations: " +
           pmt::train::join_names(pmt::train::mutation_names()) +
           ". Data operators take a percentage (0-100) as --param; change_batch_size a batch "
           "size, change_learning_rate a rate, change_epochs an epoch count; disable_batching "
           "none.",
       "  scripts/get_data.sh\n"
       "  train_mutants --model mnist --mut original --instances 0-19\n"
       "  train_mutants --model mnist --mut delete_training_data --param 30.93 --instances 0-19\n"
       "  train_mutants --subject my_model.json --mut change_epochs --param 3 --jobs 2 --threads 1",
       "Humbatova, Jahangirova, Tonella. DeepCrime: mutation testing of deep learning systems "
       "based on real faults. ISSTA 2021.\nTambon, Khomh, Antoniol. A probabilistic framework "
       "for mutation testing in deep neural networks. IST 2023."},
      common, pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kJson);
  app.add_option("--model", o.model,
                 "Subject: a built-in one (data/subjects/<model>.json: mnist, mnist_mlp) or, with "
                 "--subject, the name used for the output folders");
  app.add_option("--subject", o.subject_file,
                 "A user's subject spec (JSON) instead of a built-in one")
      ->check(CLI::ExistingFile);
  app.add_option("--mut", o.mut, "Mutation operator, or original for the sound subject");
  app.add_option("--param", o.param, "Operator parameter, used verbatim in folder and file names");
  app.add_option("--instances", o.instances, "Instance indices, e.g. 0-19 or 0,3,5-7");
  app.add_option("--data-dir", o.data_dir,
                 "Folder holding <dataset>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] "
                 "[default: <data-root>/datasets, filled by scripts/get_data.sh]");
  app.add_option("--jobs", o.jobs, "Instances trained at once (0: one per core)")
      ->check(pmt::cli::non_negative());
  app.add_option("--threads", o.threads, "Intra-op threads per instance (0: cores / jobs)")
      ->check(pmt::cli::non_negative());
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "No per-epoch progress lines on stderr");
  return pmt::cli::run_main(app, argc, argv, common, [&] {
    o.data_root = common.data_root;
    o.seed = common.seed;
    o.progress = !quiet;
    const auto s = pmt::train::run_train_mutants(o);
    if (common.json) {
      std::printf("%s\n", s.to_json().dump().c_str());
      return;
    }
    double mean = 0;
    for (double a : s.final_accuracy) mean += a / double(s.final_accuracy.size());
    std::printf("%s: trained %zu, skipped %zu (already there), %d job(s) x %d thread(s), %.1f s",
                s.folder.string().c_str(), s.trained.size(), s.skipped.size(), s.jobs, s.threads,
                s.seconds);
    if (!s.trained.empty()) std::printf(", mean final accuracy %.4f", mean);
    std::printf("\n");
  });
}
