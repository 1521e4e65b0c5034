// mutation_test: comp_deepcrime.py of the PMT replication package.
//   --dc: DeepCrime's single GLM + Cohen's d test per parameter on raw_data/deepcrime_comp/
//         (20 instances each); prints p-value (3-decimal, as the reference), effect size, verdict.
//   --test wilcoxon: DeepCrime's WLX instead of the GLM (Mann-Whitney U; signed-rank with --same),
//         p printed and compared unrounded; a "Test:" line follows the "Model" line.
//   otherwise the repeated protocol: `runs` runs, each splitting the instances into two disjoint
//         random halves (sound from one, mutant from the other) and running N tests of k vs k;
//         prints the mean (std, ddof 0) kill rate over runs.
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/parallel.hpp"
#include "pmt/io/json_number.hpp"

namespace pmt::tools {

using io::json_number;
using io::py_repr;
using nlohmann::json;

namespace {

MutationTestResult::Runs repeated(const MutationTestOptions& o, const stats::Population& pop,
                                  const std::vector<std::uint64_t>& key, const std::string& label) {
  MutationTestResult::Runs s;
  s.runs.resize(static_cast<std::size_t>(o.runs));
  pmt::Progress progress(label, s.runs.size());
  pmt::parallel_for(
      s.runs.size(), o.common.proc,
      [&](std::size_t r) {
        pmt::Rng rng = detail::stream(o.common.seed, key, {r});
        s.runs[r] = stats::repeated_protocol_run(pop, o.trials, o.sample, o.test, rng);
      },
      &progress);
  for (double v : s.runs) s.mean += v;
  s.mean /= static_cast<double>(s.runs.size());
  for (double v : s.runs) s.std += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(s.std / static_cast<double>(s.runs.size()));
  return s;
}

}  // namespace

json MutationTestResult::to_json() const {
  json results = json::array();
  for (const auto& d : single) {
    results.push_back({{"param", d.param},
                       {"p_value", json_number(d.test.p_value)},
                       {"p_value_exact", json_number(d.test.p_value_exact)},
                       {"effect_size", json_number(d.test.effect_size)},
                       {"cohen_d", json_number(d.test.cohen_d)},
                       {"killed", d.test.killed},
                       {"p_method", stats::to_string(d.test.method)},
                       {"instances", {d.sound, d.mutant}}});
    if (wilcoxon) results.back()["statistic"] = json_number(d.test.rank_statistic);
  }
  json j = {{"model", model}, {"mut", mut}, {"test", test}};
  if (!dc) {
    j["sound"] = {{"mean", sound.mean}, {"std", sound.std}, {"runs", sound.runs}};
    for (const auto& r : repeated)
      results.push_back({{"param", r.param}, {"mean", r.mean}, {"std", r.std}, {"runs", r.runs}});
  }
  j["results"] = results;
  return j;
}

std::string MutationTestResult::text() const {
  std::string out = fmt::format("Model {}, Mutation {}\n", model, mut);
  if (wilcoxon) out += fmt::format("Test: {}\n", test);
  for (const auto& d : single)
    out += fmt::format("Exp: {}_{}\np-value {}, effect_size {}\n{}*********************\n", mut,
                       d.param, py_repr(d.test.p_value), py_repr(d.test.effect_size),
                       d.test.killed ? "Killed\n" : "");
  if (dc) return out;
  out += fmt::format(
      "Average number of mutation test passed for healthy instances vs healthy instances: {:.2f} "
      "({:.3f})\n",
      sound.mean, sound.std);
  for (const auto& r : repeated)
    out += fmt::format(
        "Average number of mutation test passed for healthy instances vs mutated instances "
        "({}_{}): {:.2f} ({:.3f})\n",
        mut, r.param, r.mean, r.std);
  return out;
}

MutationTestResult run_mutation_test(const MutationTestOptions& o) {
  PMT_THROW_IF(o.mut == "original", kUsage,
               "--mut original: name a mutation (sound vs sound is "
               "always part of the repeated protocol's output)");
  PMT_THROW_IF(o.runs < 1, kUsage, "--runs must be at least 1");
  const auto ctx = detail::make_context(o, false);
  detail::warn_pairing(o, ctx.settings);
  MutationTestResult res;
  res.model = o.model;
  res.mut = o.mut;
  res.test = detail::test_name(o);
  res.wilcoxon = o.test.kind == stats::TestKind::kWilcoxon;
  res.dc = o.dc;
  if (o.dc) {
    for (const auto& param : ctx.params) {
      const auto pop = detail::load_population(o, ctx.layout, o.mut, param, true);
      res.single.push_back(
          {param,
           stats::mutation_test(pop.sound.data(), pop.sound.size(), pop.mutant.data(),
                                pop.mutant.size(), o.test, pop.same),
           pop.sound.size(), pop.mutant.size()});
    }
    return res;
  }
  const auto sound = detail::load_population(o, ctx.layout, "original", "");
  res.sound = repeated(o, sound, detail::config_key(o, "original", "", "repeated"), "sound");
  for (const auto& param : ctx.params) {
    const auto pop = detail::load_population(o, ctx.layout, o.mut, param);
    res.repeated.push_back(
        repeated(o, pop, detail::config_key(o, o.mut, param, "repeated"), param));
    res.repeated.back().param = param;
  }
  return res;
}

}  // namespace pmt::tools
