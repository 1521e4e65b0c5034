// train_mutants --until firm (see until_firm.hpp): rounds of run_train_mutants + run_gen_acc on
// both sides, each followed by ratio's Monte-Carlo verdict. Plain C++ (the LibTorch work is
// behind tools.hpp), so this compiles in seconds.
#include "pmt/tools/until_firm.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/tools/analysis.hpp"

namespace pmt::tools {

namespace fs = std::filesystem;
using nlohmann::json;

json UntilFirmSummary::to_json() const {
  json r = json::array();
  for (const auto& x : rounds)
    r.push_back({{"n", x.n},
                 {"verdict", stats::to_string(x.verdict)},
                 {"killed_reps", x.killed},
                 {"reps", x.reps},
                 {"ratio_interval", {x.ratio_lo, x.ratio_hi}},
                 {"seconds", x.seconds}});
  return {{"model", model},
          {"mut", mut},
          {"param", param},
          {"cap", cap},
          {"firm", firm()},
          {"verdict", rounds.empty() ? "" : stats::to_string(rounds.back().verdict)},
          {"instances_per_side", instances()},
          {"saving_vs_cap", cap > 0 ? 1.0 - double(instances()) / cap : 0.0},
          {"trained", trained},
          {"seconds", seconds},
          {"peak_rss_mb", peak_rss_mb},
          {"rounds", r}};
}

std::string UntilFirmSummary::text() const {
  return fmt::format(
      "{} {} {}: {} with {} instances per side (cap {}, saving {:.0f}%), {} trained here, {:.1f} "
      "s, peak RSS {:.0f} MB\n",
      model, mut, param, firm() ? stats::to_string(rounds.back().verdict) : "borderline at the cap",
      instances(), cap, 100.0 * (1.0 - double(instances()) / cap), trained, seconds, peak_rss_mb);
}

namespace {

// The accuracies of instances 0..n-1 (gen_acc evaluates every saved one, maybe more than n).
std::vector<double> first_n(const GenAccSummary& s, int n) {
  std::vector<double> v;
  for (std::size_t k = 0; k < s.instances.size(); ++k)
    if (s.instances[k] < n) v.push_back(s.accuracy[k]);
  PMT_THROW_IF(static_cast<int>(v.size()) != n, kData, "{}: {} of the first {} instances evaluated",
               s.file.string(), v.size(), n);
  return v;
}

}  // namespace

UntilFirmSummary run_until_firm(const UntilFirmOptions& o) {
  PMT_THROW_IF(o.model.empty() && o.subject_file.empty(), kUsage,
               "--model or --subject is required");
  PMT_THROW_IF(o.mut.empty() || o.mut == "original", kUsage,
               "--until firm: name a mutation with --mut (the sound instances are trained "
               "alongside it)");
  PMT_THROW_IF(o.sample < 2, kUsage, "--sample-size must be at least 2, got {}", o.sample);
  PMT_THROW_IF(o.cap < o.sample, kUsage, "--cap ({}) must be at least --sample-size ({})", o.cap,
               o.sample);
  PMT_THROW_IF(o.mc_reps < 1, kUsage,
               "--mc-reps must be at least 1 (the repetitions behind a "
               "firm verdict)");
  const auto grid =
      stats::budget_grid(static_cast<std::size_t>(o.sample), static_cast<std::size_t>(o.step),
                         static_cast<std::size_t>(o.cap));
  const auto t0 = std::chrono::steady_clock::now();
  const auto since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };

  UntilFirmSummary summary;
  summary.model = o.model.empty() ? model::load_subject(fs::path(o.subject_file)).name : o.model;
  summary.mut = o.mut;
  summary.cap = o.cap;
  // The accuracy files' parameter: the mutant folder's name after "<mut>_" (the layer suffix
  // included), as gen_acc names them.
  const std::string folder = instances_folder(o).filename().string();
  summary.param = folder.size() > o.mut.size() ? folder.substr(o.mut.size() + 1) : "";

  tools::RatioOptions r;
  r.model = summary.model;
  r.mut = o.mut;
  r.param = summary.param;
  r.sample = o.sample;
  r.bootstraps = o.bootstraps;
  r.trials = o.trials;
  r.mc_reps = o.mc_reps;
  r.common.seed = o.common.seed;
  r.common.proc = o.common.proc;
  r.common.data_root = o.common.data_root;

  for (std::size_t n : grid) {
    const auto t_round = std::chrono::steady_clock::now();
    stats::Population pop;
    for (const bool sound : {true, false}) {
      TrainMutantsOptions t = o;
      if (sound) {
        t.mut = "original";
        t.param.clear();
        t.layer = -1;
      }
      t.instances = fmt::format("0-{}", n - 1);
      const TrainMutantsSummary trained = run_train_mutants(t);
      summary.trained += static_cast<int>(trained.trained.size());
      summary.peak_rss_mb = std::max(summary.peak_rss_mb, trained.peak_rss_mb);
      GenAccOptions g;
      static_cast<ConfigOptions&>(g) = t;
      g.progress = false;
      const auto acc = first_n(run_gen_acc(g), static_cast<int>(n));
      (sound ? pop.sound : pop.mutant) = acc;
    }
    throw_if_interrupted();
    const tools::RatioVerdict v = tools::ratio_verdict(r, pop, summary.param);
    UntilFirmRound round{static_cast<int>(n), v.verdict(), v.killed,      v.reps,
                         v.ratio_lo,          v.ratio_hi,  since(t_round)};
    summary.rounds.push_back(round);
    if (o.log)
      o.log(
          fmt::format("until firm: n = {} per side: {} (ratio > 1 in {}/{} repetitions, 95% "
                      "range {:.4g} to {:.4g}), round {:.1f} s",
                      n, stats::to_string(round.verdict), round.killed, round.reps, round.ratio_lo,
                      round.ratio_hi, round.seconds));
    if (round.verdict != stats::Verdict::kBorderline) break;
  }
  summary.seconds = since(t0);
  return summary;
}

}  // namespace pmt::tools
