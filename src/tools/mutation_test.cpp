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

namespace {

struct RunStats {
  double mean = 0, std = 0;
  std::vector<double> runs;
};

RunStats repeated(const MutationTestOptions& o, const stats::Population& pop,
                  const std::vector<std::uint64_t>& key, const std::string& label) {
  RunStats s;
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

void run_mutation_test(const MutationTestOptions& o, std::ostream& out) {
  PMT_THROW_IF(o.mut == "original", kUsage,
               "--mut original: name a mutation (sound vs sound is "
               "always part of the repeated protocol's output)");
  PMT_THROW_IF(o.runs < 1, kUsage, "--runs must be at least 1");
  const auto ctx = detail::make_context(o, false);
  detail::warn_pairing(o, ctx.settings);
  const bool wilcoxon = o.test.kind == stats::TestKind::kWilcoxon;
  nlohmann::json j = {{"model", o.model}, {"mut", o.mut}, {"test", detail::test_name(o)}};
  nlohmann::json results = nlohmann::json::array();
  if (!o.common.json) {
    out << fmt::format("Model {}, Mutation {}\n", o.model, o.mut);
    if (wilcoxon) out << fmt::format("Test: {}\n", detail::test_name(o));
  }

  if (o.dc) {
    for (const auto& param : ctx.params) {
      const auto pop = detail::load_population(o, ctx.layout, o.mut, param, true);
      const auto r = stats::mutation_test(pop.sound.data(), pop.sound.size(), pop.mutant.data(),
                                          pop.mutant.size(), o.test, pop.same);
      if (o.common.json) {
        results.push_back({{"param", param},
                           {"p_value", json_number(r.p_value)},
                           {"p_value_exact", json_number(r.p_value_exact)},
                           {"effect_size", json_number(r.effect_size)},
                           {"cohen_d", json_number(r.cohen_d)},
                           {"killed", r.killed},
                           {"p_method", stats::to_string(r.method)},
                           {"instances", {pop.sound.size(), pop.mutant.size()}}});
        if (wilcoxon) results.back()["statistic"] = json_number(r.rank_statistic);
      } else {
        out << fmt::format("Exp: {}_{}\np-value {}, effect_size {}\n{}*********************\n",
                           o.mut, param, py_repr(r.p_value), py_repr(r.effect_size),
                           r.killed ? "Killed\n" : "");
      }
    }
  } else {
    const auto sound = detail::load_population(o, ctx.layout, "original", "");
    const auto s = repeated(o, sound, detail::config_key(o, "original", "", "repeated"), "sound");
    if (o.common.json) {
      j["sound"] = {{"mean", s.mean}, {"std", s.std}, {"runs", s.runs}};
    } else {
      out << fmt::format(
          "Average number of mutation test passed for healthy instances vs "
          "healthy instances: {:.2f} ({:.3f})\n",
          s.mean, s.std);
    }
    for (const auto& param : ctx.params) {
      const auto pop = detail::load_population(o, ctx.layout, o.mut, param);
      const auto m = repeated(o, pop, detail::config_key(o, o.mut, param, "repeated"), param);
      if (o.common.json) {
        results.push_back({{"param", param}, {"mean", m.mean}, {"std", m.std}, {"runs", m.runs}});
      } else {
        out << fmt::format(
            "Average number of mutation test passed for healthy instances vs "
            "mutated instances ({}_{}): {:.2f} ({:.3f})\n",
            o.mut, param, m.mean, m.std);
      }
    }
  }
  if (o.common.json) {
    j["results"] = results;
    out << j.dump() << "\n";
  }
  out.flush();
}

}  // namespace pmt::tools
