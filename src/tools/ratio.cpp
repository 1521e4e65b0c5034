// ratio: plot_param.py of the PMT replication package. Hellinger distances of each bagged
// posterior to the ideal sound posterior Beta(1, N+1) and the ideal mutant posterior
// Beta(N+1, 1); the mutant is killed when their ratio exceeds 1. Beyond the reference, each
// verdict carries its Monte-Carlo uncertainty: the bootstrap is repeated --mc-reps times with
// independent streams and the verdict is "firm" when every repetition agrees, "borderline"
// otherwise (a ratio near 1 is a coin toss between runs).
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "pmt/error.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/stats/posterior.hpp"

namespace pmt::tools {

using io::json_number;
using io::py_repr;

namespace {

struct Uncertainty {
  int reps = 0;
  int killed = 0;
  double ratio_lo = 0, ratio_hi = 0;  // 2.5% and 97.5% quantiles over repetitions
};

Uncertainty mc_uncertainty(const RatioOptions& o, const detail::Context& ctx,
                           const stats::PosteriorFitter& fitter, const std::string& param) {
  Uncertainty u;
  const auto pop = detail::load_population(o, ctx.layout, o.mut, param);
  const auto B = static_cast<std::size_t>(o.bootstraps);
  // Repetitions 1..mc_reps: repetition 0 is the main run (the cached kill rates).
  const auto rates = detail::repeated_kill_rates(pop, detail::bootstrap_options(o), o.common.seed,
                                                 detail::config_key(o, o.mut, param, "bootstrap"),
                                                 o.mc_reps, o.common.proc, param + " (MC)", 1);
  std::vector<double> ratios;
  for (int r = 0; r < o.mc_reps; ++r) {
    const auto d = stats::ideal_distances(fitter.fit(rates.data() + r * B, B), o.trials);
    ratios.push_back(std::isnan(d.ratio) ? 0.0 : d.ratio);
    u.killed += d.killed() ? 1 : 0;
  }
  u.reps = o.mc_reps;
  u.ratio_lo = stats::quantile(ratios, 0.025);
  u.ratio_hi = stats::quantile(ratios, 0.975);
  return u;
}

bool raw_data_present(const RatioOptions& o, const detail::Context& ctx, const std::string& param) {
  return std::filesystem::exists(ctx.layout.accuracy_csv(o.model, "original", "")) &&
         std::filesystem::exists(ctx.layout.accuracy_csv(o.model, o.mut, param));
}

}  // namespace

void run_ratio(const RatioOptions& o, std::ostream& out) {
  PMT_THROW_IF(o.mut == "original", kUsage,
               "--mut original: name a mutation (the sound "
               "instances' ratio is always included)");
  PMT_THROW_IF(o.mc_reps < 0, kUsage, "--mc-reps must be 0 or more");
  const auto ctx = detail::make_context(o, false);
  detail::warn_pairing(o, ctx.settings);
  const auto kr = detail::kill_rates_for(o, ctx);
  const stats::PosteriorFitter fitter(o.trials, o.grid_step);
  const auto d0 =
      stats::ideal_distances(detail::fit_posterior(fitter, kr.original, "original"), o.trials);

  nlohmann::json j = {{"model", o.model},
                      {"test", detail::test_name(o)},
                      {"mut", o.mut},
                      {"original",
                       {{"to_sound", json_number(d0.to_sound)},
                        {"to_mutant", json_number(d0.to_mutant)},
                        {"ratio", json_number(d0.ratio)}}},
                      {"mutants", nlohmann::json::array()}};
  if (!o.common.json) {
    out << fmt::format("Model {}, Mutation {}\n", o.model, o.mut);
    out << fmt::format(
        "Original: Hellinger distance to ideal non-mutant posterior: {:.5f}, "
        "Hellinger distance to ideal mutant posterior: {:.5f}\nRatio:  {}\n",
        d0.to_sound, d0.to_mutant, py_repr(d0.ratio));
  }
  for (std::size_t i = 0; i < kr.params.size(); ++i) {
    const std::string& param = kr.params[i];
    if (std::find(ctx.params.begin(), ctx.params.end(), param) == ctx.params.end()) continue;
    const auto d =
        stats::ideal_distances(detail::fit_posterior(fitter, kr.mutants[i], param), o.trials);
    const bool can_repeat = o.mc_reps > 0 && raw_data_present(o, ctx, param);
    const Uncertainty u = can_repeat ? mc_uncertainty(o, ctx, fitter, param) : Uncertainty{};
    const int agree = d.killed() ? u.killed : u.reps - u.killed;
    const bool firm = u.reps > 0 && agree == u.reps;
    if (o.common.json) {
      nlohmann::json m = {{"param", param},
                          {"to_sound", json_number(d.to_sound)},
                          {"to_mutant", json_number(d.to_mutant)},
                          {"ratio", json_number(d.ratio)},
                          {"killed", d.killed()}};
      if (u.reps > 0) {
        m["mc"] = {{"reps", u.reps},
                   {"killed_fraction", static_cast<double>(u.killed) / u.reps},
                   {"ratio_interval", {json_number(u.ratio_lo), json_number(u.ratio_hi)}},
                   {"firm", firm}};
      }
      j["mutants"].push_back(m);
      continue;
    }
    out << fmt::format(
        "Mut: {}, Hellinger distance to ideal non-mutant posterior: {:.5f}, "
        "Hellinger distance to ideal mutant posterior: {}\nRatio:  {}\n",
        param, d.to_sound, py_repr(d.to_mutant), py_repr(d.ratio));
    std::string verdict = d.killed() ? "killed" : "not killed";
    if (u.reps > 0) {
      out << fmt::format(
          "Verdict: {} ({}: ratio > 1 in {}/{} independent repetitions, ratio "
          "95% range {:.4g} to {:.4g})\n",
          verdict, firm ? "firm" : "borderline", u.killed, u.reps, u.ratio_lo, u.ratio_hi);
    } else {
      out << fmt::format("Verdict: {} (Monte-Carlo uncertainty not assessed: {})\n", verdict,
                         o.mc_reps == 0 ? "--mc-reps 0" : "raw accuracies not found");
    }
  }
  if (o.common.json) out << j.dump() << "\n";
  out.flush();
}

}  // namespace pmt::tools
