// train_mutants: trains instances of a subject (--mut original) or of a mutant and saves them
// under <data-root>/trained_models/<model>/<mut>[_<param>]/instance_<i>.pt (+ .json sidecar).
#include <cstdio>

#include <fmt/format.h>

#include "pmt/cli/common.hpp"
#include "pmt/cli/flags.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/mutate/registry.hpp"
#include "pmt/tools/shard.hpp"
#include "pmt/tools/training.hpp"
#include "pmt/tools/until_firm.hpp"

int main(int argc, char** argv) {
  CLI::App app;
  pmt::tools::CommonOptions common;
  pmt::tools::TrainMutantsOptions o;
  pmt::cli::setup_app(
      app,
      {"train_mutants",
       "Trains independent instances of a subject (the sound program, --mut original) or of a "
       "mutant made by one of DeepCrime's 24 pre-training operators, each with "
       "its own seed derived from --seed and its index. Saves "
       "trained_models/<model>/<mut>[_<param>]"
       "/instance_<i>.pt with a JSON sidecar (seed, per-epoch loss and accuracy, wall time). "
       "Existing instances are skipped, so a rerun resumes; writes are atomic. Progress (instance, "
       "epoch, loss, ETA) on stderr; a summary on stdout.\nMutations: " +
           pmt::model::join_names(pmt::mutate::operator_names(pmt::mutate::Stage::kPreTraining)) +
           ". --list-mutations [--model M] shows each operator's parameter, search space and "
           "whether (and on which layer) it applies to M; an operator that does not apply is a "
           "usage error saying why. It also lists the post-training operators, whose mutants "
           "mutate_model makes from trained sound instances. --until firm trains the sound "
           "subject and the mutant in rounds until ratio's verdict is firm: a verdict with as few "
           "instances as it needs.",
       "  scripts/get_data.sh\n"
       "  train_mutants --model mnist --mut original --instances 0-19\n"
       "  train_mutants --model mnist --mut delete_training_data --param 30.93 --instances 0-19\n"
       "  train_mutants --model mnist --mut change_activation_function --param elu\n"
       "  train_mutants --list-mutations --model mnist\n"
       "  train_mutants --model mnist --mut change_label --param 3.12 --until firm --cap 200\n"
       "  train_mutants --subject my_model.json --mut change_epochs --param 3 --jobs 2 --threads 1",
       "Humbatova, Jahangirova, Tonella. DeepCrime: mutation testing of deep learning systems "
       "based on real faults. ISSTA 2021.\nTambon, Khomh, Antoniol. A probabilistic framework "
       "for mutation testing in deep neural networks. IST 2023."},
      common, pmt::cli::kDataRoot | pmt::cli::kSeed | pmt::cli::kProc | pmt::cli::kJson);
  pmt::cli::add_config_flags(app, o, "Instances trained at once (0: one per core)");
  auto* instances =
      app.add_option("--instances", o.instances, "Instance indices, e.g. 0-19 or 0,3,5-7");
  std::string shard;
  pmt::cli::add_shard_flag(app, shard, "the instances of --instances");
  pmt::tools::UntilFirmOptions u;
  std::string until;
  app.add_option("--until", until,
                 "'firm': train the sound subject and the mutant in rounds (k instances per side, "
                 "then multiples of --step up to --cap), evaluate them on the test split (the "
                 "accuracy files of gen_acc) and stop at the first round whose ratio verdict is "
                 "firm: ratio > 1 in all --mc-reps repetitions (killed) or in none (not killed); "
                 "ratio --seed S on the files gives the same verdict")
      ->check(CLI::IsMember({"firm"}))
      ->excludes(instances);
  app.add_option("--cap", u.cap, "--until: the most instances per side")
      ->check(pmt::cli::positive());
  app.add_option("--step", u.step, "--until: rounds at multiples of this many instances")
      ->check(pmt::cli::positive());
  app.add_option("-k,--sample-size", u.sample,
                 "--until: instances per side in one mutation test, and the first round's size")
      ->check(pmt::cli::integer_in(2, 1000000));
  app.add_option("--mc-reps", u.mc_reps,
                 "--until: independent repetitions of ratio's bootstrap behind a firm verdict")
      ->check(pmt::cli::positive());
  app.add_option("--threads", o.threads, "Intra-op threads per instance (0: cores / jobs)")
      ->check(pmt::cli::non_negative());
  app.add_option("--fuse", o.fuse,
                 "Instances trained as ONE fused model (stacked weights, batched products, one "
                 "optimiser step for all), each keeping its own initial weights, data order, "
                 "dropout masks and optimiser state; the instances i with the same i / N form a "
                 "block, and --jobs counts fused models. 1: one model per instance (measured "
                 "fastest on a 2-core machine, docs/training.md). Subjects and operators that do "
                 "not fuse (graph subjects, early stopping: see --list-mutations) train one model "
                 "per instance")
      ->check(pmt::cli::positive());
  bool list = false;
  app.add_flag("--list-mutations", list,
               "List every operator (DeepCrime code, parameter kind, search values or bounds); "
               "with --model or --subject, whether it applies to that subject and which layer it "
               "targets; then exit");
  bool quiet = false;
  app.add_flag("-q,--quiet", quiet, "No per-epoch progress lines on stderr");
  return pmt::cli::run_main(app, argc, argv, common, [&] {
    o.data_root = common.data_root;
    pmt::install_interrupt_handlers();  // SIGINT/SIGTERM: stop cleanly, exit 128 + signal
    o.seed = common.seed;
    o.progress = !quiet;
    if (list) {
      std::fputs(pmt::tools::list_mutations(o, common.json).c_str(), stdout);
      return;
    }
    if (!until.empty()) {
      PMT_THROW_IF(!shard.empty(), kUsage,
                   "--until firm decides after each round: it does not split into --shard parts");
      static_cast<pmt::tools::TrainMutantsOptions&>(u) = o;
      u.proc = common.proc;
      u.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
      const auto s = pmt::tools::run_until_firm(u);
      if (common.json) {
        std::printf("%s\n", s.to_json().dump().c_str());
        return;
      }
      std::printf(
          "%s %s %s: %s with %d instances per side (cap %d, saving %.0f%%), %d trained here, %.1f "
          "s, peak RSS %.0f MB\n",
          s.model.c_str(), s.mut.c_str(), s.param.c_str(),
          s.firm() ? pmt::stats::to_string(s.rounds.back().verdict) : "borderline at the cap",
          s.instances(), s.cap, 100.0 * (1.0 - double(s.instances()) / s.cap), s.trained, s.seconds,
          s.peak_rss_mb);
      return;
    }
    o.shard = pmt::tools::resolve_shard(shard);
    const auto s = pmt::tools::run_train_mutants(o);
    if (common.json) {
      std::printf("%s\n", s.to_json().dump().c_str());
      return;
    }
    double mean = 0;
    for (double a : s.final_accuracy) mean += a / double(s.final_accuracy.size());
    std::printf(
        "%s%s: trained %zu, skipped %zu (already there), %d job(s) x %d thread(s), fused %d, "
        "%.1f s, peak RSS %.0f MB",
        s.folder.string().c_str(), o.shard.whole() ? "" : (" shard " + s.shard).c_str(),
        s.trained.size(), s.skipped.size(), s.jobs, s.threads, s.fuse, s.seconds, s.peak_rss_mb);
    if (!s.trained.empty()) std::printf(", mean final accuracy %.4f", mean);
    std::printf("\n");
  });
}
