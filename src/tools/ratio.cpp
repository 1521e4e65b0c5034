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
                const stats::PosteriorFitter& fitter, RatioResult& r) {
  r.budget = true;
  r.budget_step = o.budget_step;
  for (const auto& param : ctx.params) {
    const auto pop = detail::load_population(o, ctx.layout, o.mut, param);
    const std::size_t full = std::min(pop.sound.size(), pop.mutant.size());
    r.grid = stats::budget_grid(static_cast<std::size_t>(o.sample),
                                static_cast<std::size_t>(o.budget_step), full);
    const auto key = detail::config_key(o, o.mut, param, "bootstrap");
    r.budgets.push_back(
        {param, stats::find_budget(r.grid, [&](std::size_t n) {
           if (n == full && pop.sound.size() == pop.mutant.size())
             return repeat_ratios(o, fitter, pop, key, 1, fmt::format("{} n={}", param, n))
                 .verdict();
           stats::Population sub;
           sub.same = pop.same;
           sub.sound.assign(pop.sound.begin(), pop.sound.begin() + static_cast<long>(n));
           sub.mutant.assign(pop.mutant.begin(), pop.mutant.begin() + static_cast<long>(n));
           auto sub_key = key;
           sub_key.push_back(n);
           return repeat_ratios(o, fitter, sub, sub_key, 0, fmt::format("{} n={}", param, n))
               .verdict();
         })});
  }
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

bool RatioResult::Mutant::firm() const {
  const int agree = distances.killed() ? mc.killed : mc.reps - mc.killed;
  return mc.reps > 0 && agree == mc.reps;
}

nlohmann::json RatioResult::to_json() const {
  if (budget) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [param, b] : budgets) {
      nlohmann::json checked = nlohmann::json::array();
      for (const auto& [n, v] : b.checked) checked.push_back({n, stats::to_string(v)});
      rows.push_back({{"param", param},
                      {"full", b.full},
                      {"full_verdict", stats::to_string(b.full_verdict)},
                      {"needed", b.needed ? nlohmann::json(*b.needed) : nlohmann::json()},
                      {"saving", b.needed ? nlohmann::json(b.saving()) : nlohmann::json()},
                      {"checked", checked}});
    }
    nlohmann::json g = nlohmann::json::array();
    for (auto n : grid) g.push_back(n);
    return {{"model", model},
            {"mut", mut},
            {"test", test},
            {"budget", {{"reps", mc_reps}, {"step", budget_step}, {"grid", g}, {"results", rows}}}};
  }
  nlohmann::json j = {{"model", model},
                      {"test", test},
                      {"mut", mut},
                      {"original",
                       {{"to_sound", json_number(original.to_sound)},
                        {"to_mutant", json_number(original.to_mutant)},
                        {"ratio", json_number(original.ratio)}}},
                      {"mutants", nlohmann::json::array()}};
  for (const auto& m : mutants) {
    const auto& d = m.distances;
    nlohmann::json row = {{"param", m.param},
                          {"to_sound", json_number(d.to_sound)},
                          {"to_mutant", json_number(d.to_mutant)},
                          {"ratio", json_number(d.ratio)},
                          {"killed", d.killed()}};
    if (m.mc.reps > 0) {
      row["mc"] = {{"reps", m.mc.reps},
                   {"killed_fraction", static_cast<double>(m.mc.killed) / m.mc.reps},
                   {"ratio_interval", {json_number(m.mc.ratio_lo), json_number(m.mc.ratio_hi)}},
                   {"firm", m.firm()}};
    }
    j["mutants"].push_back(row);
  }
  return j;
}

std::string RatioResult::text() const {
  if (budget) {
    std::string out = fmt::format(
        "Model {}, Mutation {}: instances per side needed for the full population's firm verdict "
        "({} repetitions per size, test {})\n",
        model, mut, mc_reps, test);
    out += fmt::format("{:<16} {:>6}  {:<12} {:>8}  {}\n", "param", "full", "full verdict",
                       "needed", "saving");
    for (const auto& [param, b] : budgets)
      out += fmt::format(
          "{:<16} {:>6}  {:<12} {:>8}  {}\n", param, b.full, stats::to_string(b.full_verdict),
          b.needed ? std::to_string(*b.needed) : "-",
          b.needed ? fmt::format("{} -> {} ({:.0f}%)", b.full, *b.needed, 100 * b.saving()) : "-");
    return out;
  }
  std::string out = fmt::format("Model {}, Mutation {}\n", model, mut);
  out += fmt::format(
      "Original: Hellinger distance to ideal non-mutant posterior: {:.5f}, "
      "Hellinger distance to ideal mutant posterior: {:.5f}\nRatio:  {}\n",
      original.to_sound, original.to_mutant, py_repr(original.ratio));
  for (const auto& m : mutants) {
    const auto& d = m.distances;
    const auto& u = m.mc;
    out += fmt::format(
        "Mut: {}, Hellinger distance to ideal non-mutant posterior: {:.5f}, "
        "Hellinger distance to ideal mutant posterior: {}\nRatio:  {}\n",
        m.param, d.to_sound, py_repr(d.to_mutant), py_repr(d.ratio));
    const std::string verdict = d.killed() ? "killed" : "not killed";
    if (u.reps > 0) {
      out += fmt::format(
          "Verdict: {} ({}: ratio > 1 in {}/{} independent repetitions, ratio "
          "95% range {:.4g} to {:.4g})\n",
          verdict, m.firm() ? "firm" : "borderline", u.killed, u.reps, u.ratio_lo, u.ratio_hi);
    } else {
      out += fmt::format("Verdict: {} (Monte-Carlo uncertainty not assessed: {})\n", verdict,
                         mc_reps == 0 ? "--mc-reps 0" : "raw accuracies not found");
    }
  }
  return out;
}

RatioResult run_ratio(const RatioOptions& o) {
  PMT_THROW_IF(o.mut == "original", kUsage,
               "--mut original: name a mutation (the sound "
               "instances' ratio is always included)");
  PMT_THROW_IF(o.mc_reps < 0, kUsage, "--mc-reps must be 0 or more");
  PMT_THROW_IF(o.budget && o.mc_reps < 1, kUsage,
               "--budget needs --mc-reps of at least 1 (the repetitions behind a firm verdict)");
  const auto ctx = detail::make_context(o, false);
  detail::warn_pairing(o, ctx.settings);
  const stats::PosteriorFitter fitter(o.trials, o.grid_step);
  RatioResult r;
  r.model = o.model;
  r.mut = o.mut;
  r.test = detail::test_name(o);
  r.mc_reps = o.mc_reps;
  if (o.budget) {
    run_budget(o, ctx, fitter, r);
    return r;
  }
  const auto kr = detail::kill_rates_for(o, ctx);
  r.original =
      stats::ideal_distances(detail::fit_posterior(fitter, kr.original, "original"), o.trials);
  for (std::size_t i = 0; i < kr.params.size(); ++i) {
    const std::string& param = kr.params[i];
    if (std::find(ctx.params.begin(), ctx.params.end(), param) == ctx.params.end()) continue;
    const auto d =
        stats::ideal_distances(detail::fit_posterior(fitter, kr.mutants[i], param), o.trials);
    const bool can_repeat = o.mc_reps > 0 && raw_data_present(o, ctx, param);
    r.mutants.push_back(
        {param, d,
         can_repeat ? ratio_verdict(o, detail::load_population(o, ctx.layout, o.mut, param), param)
                    : RatioVerdict{}});
  }
  return r;
}

}  // namespace pmt::tools
