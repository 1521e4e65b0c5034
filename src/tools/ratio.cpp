// ratio: plot_param.py of the PMT replication package. Hellinger distances of each bagged
// posterior to the ideal sound posterior Beta(1, N+1) and the ideal mutant posterior
// Beta(N+1, 1); the mutant is killed when their ratio exceeds 1. Beyond the reference, each
// verdict carries its Monte-Carlo uncertainty: the bootstrap is repeated --mc-reps times with
// independent streams and the verdict is "firm" when every repetition agrees, "borderline"
// otherwise (a ratio near 1 is a coin toss between runs).
// --budget: instead, per parameter, how many instances per side (the first n of each accuracy
// file) would have given the full population's firm verdict (stats/budget.hpp).
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/stats/budget.hpp"
#include "pmt/stats/posterior.hpp"

namespace pmt::tools {

using io::json_number;
using io::py_repr;

namespace {

// R independent repetitions of the bootstrap on `pop` (repetition r uses stream key, first_rep + r)
// and their ratios.
RatioVerdict repeat_ratios(const RatioOptions& o, const stats::PosteriorFitter& fitter,
                           const stats::Population& pop, const std::vector<std::uint64_t>& key,
                           int first_rep, const std::string& label) {
  RatioVerdict u;
  const auto B = static_cast<std::size_t>(o.bootstraps);
  const auto rates = detail::repeated_kill_rates(pop, detail::bootstrap_options(o), o.common.seed,
                                                 key, o.mc_reps, o.common.proc, label, first_rep);
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

// --budget: per parameter, the instances per side needed for the full population's firm verdict
// (stats/budget.hpp). The full size uses exactly the repetitions behind ratio's Monte-Carlo
// verdict; a smaller size n the first n usable instances of each side and its own streams.
void run_budget(const RatioOptions& o, const detail::Context& ctx,
                const stats::PosteriorFitter& fitter, std::ostream& out) {
  nlohmann::json rows = nlohmann::json::array();
  std::vector<std::size_t> grid;
  if (!o.common.json) {
    out << fmt::format(
        "Model {}, Mutation {}: instances per side needed for the full population's firm verdict "
        "({} repetitions per size, test {})\n",
        o.model, o.mut, o.mc_reps, detail::test_name(o));
    out << fmt::format("{:<16} {:>6}  {:<12} {:>8}  {}\n", "param", "full", "full verdict",
                       "needed", "saving");
  }
  for (const auto& param : ctx.params) {
    const auto pop = detail::load_population(o, ctx.layout, o.mut, param);
    const std::size_t full = std::min(pop.sound.size(), pop.mutant.size());
    grid = stats::budget_grid(static_cast<std::size_t>(o.sample),
                              static_cast<std::size_t>(o.budget_step), full);
    const auto key = detail::config_key(o, o.mut, param, "bootstrap");
    const auto budget = stats::find_budget(grid, [&](std::size_t n) {
      if (n == full && pop.sound.size() == pop.mutant.size())
        return repeat_ratios(o, fitter, pop, key, 1, fmt::format("{} n={}", param, n)).verdict();
      stats::Population sub;
      sub.same = pop.same;
      sub.sound.assign(pop.sound.begin(), pop.sound.begin() + static_cast<long>(n));
      sub.mutant.assign(pop.mutant.begin(), pop.mutant.begin() + static_cast<long>(n));
      auto sub_key = key;
      sub_key.push_back(n);
      return repeat_ratios(o, fitter, sub, sub_key, 0, fmt::format("{} n={}", param, n)).verdict();
    });
    if (o.common.json) {
      nlohmann::json checked = nlohmann::json::array();
      for (const auto& [n, v] : budget.checked) checked.push_back({n, stats::to_string(v)});
      rows.push_back(
          {{"param", param},
           {"full", budget.full},
           {"full_verdict", stats::to_string(budget.full_verdict)},
           {"needed", budget.needed ? nlohmann::json(*budget.needed) : nlohmann::json()},
           {"saving", budget.needed ? nlohmann::json(budget.saving()) : nlohmann::json()},
           {"checked", checked}});
      continue;
    }
    out << fmt::format(
        "{:<16} {:>6}  {:<12} {:>8}  {}\n", param, budget.full,
        stats::to_string(budget.full_verdict), budget.needed ? std::to_string(*budget.needed) : "-",
        budget.needed
            ? fmt::format("{} -> {} ({:.0f}%)", budget.full, *budget.needed, 100 * budget.saving())
            : "-");
  }
  if (o.common.json) {
    nlohmann::json g = nlohmann::json::array();
    for (auto n : grid) g.push_back(n);
    out << nlohmann::json{{"model", o.model},
                          {"mut", o.mut},
                          {"test", detail::test_name(o)},
                          {"budget",
                           {{"reps", o.mc_reps},
                            {"step", o.budget_step},
                            {"grid", g},
                            {"results", rows}}}}
               .dump()
        << "\n";
  }
  out.flush();
}

}  // namespace

RatioVerdict ratio_verdict(const RatioOptions& o, const stats::Population& pop,
                           const std::string& param) {
  // Repetitions 1..mc_reps: repetition 0 is the main run (the cached kill rates).
  return repeat_ratios(o, stats::PosteriorFitter(o.trials, o.grid_step), pop,
                       detail::config_key(o, o.mut, param, "bootstrap"), 1, param + " (MC)");
}

namespace {

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
  PMT_THROW_IF(o.budget && o.mc_reps < 1, kUsage,
               "--budget needs --mc-reps of at least 1 (the repetitions behind a firm verdict)");
  const auto ctx = detail::make_context(o, false);
  detail::warn_pairing(o, ctx.settings);
  const stats::PosteriorFitter fitter(o.trials, o.grid_step);
  if (o.budget) return run_budget(o, ctx, fitter, out);
  const auto kr = detail::kill_rates_for(o, ctx);
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
    const RatioVerdict u =
        can_repeat ? ratio_verdict(o, detail::load_population(o, ctx.layout, o.mut, param), param)
                   : RatioVerdict{};
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
