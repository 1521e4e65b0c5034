// Helpers shared by the analysis tools (see common.hpp): the run's context (settings, or the
// accuracy files of a model the settings do not list), populations, kill-rate caches, streams.
#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/core/parallel.hpp"
#include "pmt/io/accuracy_csv.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/io/number.hpp"

namespace pmt::tools::detail {

namespace fs = std::filesystem;

std::string test_name(const AnalysisOptions& o) {
  if (o.test.kind == stats::TestKind::kGlm) return "glm";
  return o.same ? "signed_rank" : "mann_whitney";
}

std::string cache_variant(const stats::TestOptions& test) {
  return test.kind == stats::TestKind::kWilcoxon ? "wilcoxon" : "";
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Where a model's or mutation's names come from, for usage errors: the settings' list and
// what raw_data/<model>/ holds.
// One list of the names the settings and the accuracy files know, each once, shortened.
std::string known_names(const std::string& settings_file, const std::vector<std::string>& listed,
                        const fs::path& dir, const std::vector<std::string>& found) {
  std::set<std::string> names(listed.begin(), listed.end());
  names.insert(found.begin(), found.end());
  const std::string known =
      names.empty() ? "none"
                    : io::shorten(join(std::vector<std::string>(names.begin(), names.end())), 200);
  return fmt::format("known: {}; from {} and {}", known, settings_file, dir.string());
}

}  // namespace

Context make_context(const AnalysisOptions& o, bool require_param) {
  Context ctx{io::Settings::load(pmt::tools::settings_path(o.common)),
              io::Layout(o.common.data_root, cache_variant(o.test)),
              {},
              {}};
  PMT_THROW_IF(o.bootstraps < 1 || o.trials < 1, kUsage,
               "the number of bootstraps and of trials must be at least 1");
  const io::Settings& settings = ctx.settings;
  const std::string settings_file = settings.file().string();
  const fs::path dir = ctx.layout.root() / "raw_data" / o.model;
  // A model or mutation the settings do not list (a model trained here): its parameters are
  // those of the accuracy files present in raw_data/<model>/.
  std::optional<io::AccuracyFiles> found;
  const bool listed =
      o.mut == "original" ? settings.has_model(o.model) : settings.has_mutation(o.model, o.mut);
  if (!listed) {
    found = ctx.layout.find_accuracy_files(o.model);
    std::vector<std::string> found_muts;
    for (const auto& [mut, _] : found->params) found_muts.push_back(mut);
    if (found_muts.empty() && !found->original && !settings.has_model(o.model))
      PMT_THROW(kUsage, "unknown model '{}' ({})", o.model,
                known_names(settings_file, settings.models(), dir, {}));
    const bool here = o.mut == "original" ? found->original : found->params.count(o.mut) > 0;
    PMT_THROW_IF(!here, kUsage, "unknown mutation '{}' for model {} ({})", o.mut, o.model,
                 known_names(settings_file,
                             settings.has_model(o.model) ? settings.mutations(o.model)
                                                         : std::vector<std::string>{},
                             dir, found_muts));
  }
  if (o.mut == "original") {
    if (found)
      std::fprintf(stderr, "note: model %s is not in %s: using the accuracy files in %s\n",
                   o.model.c_str(), settings_file.c_str(), dir.c_str());
    ctx.params = {"none"};
    return ctx;
  }
  if (found) {
    ctx.all_params = found->params.at(o.mut);
    std::fprintf(stderr,
                 "note: %s %s is not in %s: parameters from the accuracy files in %s: %s (%s "
                 "order)\n",
                 o.model.c_str(), o.mut.c_str(), settings_file.c_str(), dir.c_str(),
                 join(ctx.all_params).c_str(),
                 io::all_numeric(ctx.all_params) ? "numeric" : "lexicographic");
  } else {
    ctx.all_params = settings.params(o.model, o.mut);
  }
  if (!o.param.empty()) {
    PMT_THROW_IF(
        std::find(ctx.all_params.begin(), ctx.all_params.end(), o.param) == ctx.all_params.end(),
        kUsage, "unknown parameter '{}' for {} {} (in {}: {})", o.param, o.model, o.mut,
        found ? dir.string() : settings_file, join(ctx.all_params));
    ctx.params = {o.param};
  } else {
    PMT_THROW_IF(require_param, kUsage,
                 "--param is required for mutation {} (one of {}, or --mut original)", o.mut,
                 join(ctx.all_params));
    ctx.params = ctx.all_params;
  }
  return ctx;
}

stats::Population load_population(const AnalysisOptions& o, const io::Layout& layout,
                                  const std::string& mut, const std::string& param, bool dc) {
  const auto sound = io::read_accuracy_csv(layout.accuracy_csv(o.model, "original", "", dc));
  const auto mutant = mut == "original"
                          ? sound
                          : io::read_accuracy_csv(layout.accuracy_csv(o.model, mut, param, dc));
  stats::Population pop;
  pop.same = o.same;
  std::size_t dropped_s = 0, dropped_m = 0;
  if (o.same) {
    PMT_THROW_IF(sound.accuracy.size() != mutant.accuracy.size(), kData,
                 "{}: --same pairs instance i with sound instance i, but it has {} instances and "
                 "{} has {}",
                 mutant.file.string(), mutant.accuracy.size(), sound.file.string(),
                 sound.accuracy.size());
    for (std::size_t i = 0; i < sound.accuracy.size(); ++i) {
      const bool ok = !std::isnan(sound.accuracy[i]) && !std::isnan(mutant.accuracy[i]);
      if (ok) {
        pop.sound.push_back(sound.accuracy[i]);
        pop.mutant.push_back(mutant.accuracy[i]);
      } else {
        ++dropped_m;
      }
    }
  } else {
    for (double a : sound.accuracy) std::isnan(a) ? void(++dropped_s) : pop.sound.push_back(a);
    for (double a : mutant.accuracy) std::isnan(a) ? void(++dropped_m) : pop.mutant.push_back(a);
  }
  if (dropped_s)
    std::fprintf(stderr, "note: %s: %zu missing instance(s) dropped\n", sound.file.c_str(),
                 dropped_s);
  if (dropped_m)
    std::fprintf(stderr, "note: %s: %zu missing instance(s) dropped%s\n", mutant.file.c_str(),
                 dropped_m, o.same ? " (with their sound pairs)" : "");
  if (dc) {
    // DeepCrime's single test uses every usable instance, whatever --sample-size says.
    const std::size_t n = std::min(pop.sound.size(), pop.mutant.size());
    PMT_THROW_IF(n < 2, kData,
                 "{}: {} usable instance(s) on one side; DeepCrime's test needs at least 2",
                 pop.sound.size() < 2 ? sound.file.string() : mutant.file.string(), n);
  } else {
    stats::check_population(pop, o.sample, mutant.file.string());
  }
  return pop;
}

io::NpyArray read_kill_rates(const fs::path& path, const std::vector<std::size_t>& expected) {
  io::NpyArray a = io::read_npy(path, expected);
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    const double p = a.data[i];
    if (p >= 0.0 && p <= 1.0) continue;
    std::vector<std::size_t> index(a.shape.size());
    std::size_t rest = i;
    for (std::size_t d = a.shape.size(); d-- > 0;) {
      index[d] = rest % a.shape[d];
      rest /= a.shape[d];
    }
    PMT_THROW(kData, "{}: element [{}] is {}, not a kill rate in [0, 1]", path.string(),
              fmt::join(index, ", "), p);
  }
  return a;
}

stats::BootstrapOptions bootstrap_options(const AnalysisOptions& o) {
  stats::BootstrapOptions b;
  b.B = o.bootstraps;
  b.N = o.trials;
  b.k = o.sample;
  b.test = o.test;
  return b;
}

std::vector<std::uint64_t> config_key(const AnalysisOptions& o, const std::string& mut,
                                      const std::string& param, const char* purpose) {
  return {pmt::key_of(purpose), pmt::key_of(o.model.c_str()), pmt::key_of(mut.c_str()),
          pmt::key_of(mut == "original" ? "" : param.c_str()), o.same ? 1u : 0u};
}

pmt::Rng stream(std::uint64_t seed, const std::vector<std::uint64_t>& key,
                std::initializer_list<std::uint64_t> more) {
  std::uint64_t h = 0;
  for (auto k : key) h = pmt::mix64(h ^ k);
  for (auto k : more) h = pmt::mix64(h ^ (k + 0x9e3779b97f4a7c15ULL));
  return pmt::make_stream(seed, {h});
}

std::vector<double> repeated_kill_rates(const stats::Population& pop,
                                        const stats::BootstrapOptions& b, std::uint64_t seed,
                                        const std::vector<std::uint64_t>& key, int R, int proc,
                                        const std::string& label, int first_rep) {
  const auto B = static_cast<std::size_t>(b.B);
  std::vector<double> out(static_cast<std::size_t>(R) * B);
  pmt::Progress progress(label, static_cast<std::size_t>(R));
  pmt::parallel_for(
      static_cast<std::size_t>(R), proc,
      [&](std::size_t r) {
        pmt::Rng rng = stream(seed, key, {static_cast<std::uint64_t>(first_rep) + r});
        const auto rates = stats::bootstrap_kill_rates(pop, b, rng);
        std::copy(rates.begin(), rates.end(), out.begin() + static_cast<long>(r * B));
      },
      &progress);
  return out;
}

KillRates kill_rates_for(const AnalysisOptions& o, const Context& ctx) {
  KillRates kr;
  kr.params = ctx.all_params;
  const auto B = static_cast<std::size_t>(o.bootstraps);
  const fs::path orig_path = ctx.layout.orig_kill_rates(o.model, o.same);
  const fs::path mut_path = ctx.layout.mutant_kill_rates(o.model, o.mut);
  const auto b = bootstrap_options(o);
  if (fs::exists(orig_path)) {
    kr.original = read_kill_rates(orig_path, {B}).data;
    std::fprintf(stderr, "Loading original instances posterior... (%s)\n", orig_path.c_str());
  } else {
    const auto pop = load_population(o, ctx.layout, "original", "");
    kr.original =
        repeated_kill_rates(pop, b, o.common.seed, config_key(o, "original", "", "bootstrap"), 1,
                            o.common.proc, "original");
    io::write_npy(orig_path, {B}, kr.original);
  }
  if (fs::exists(mut_path)) {
    const auto arr = read_kill_rates(mut_path, {0, B});
    PMT_THROW_IF(arr.shape[0] != kr.params.size(), kData,
                 "{}: holds kill rates of {} parameters but {} {} has {} (delete it to "
                 "recompute)",
                 mut_path.string(), arr.shape[0], o.model, o.mut, kr.params.size());
    for (std::size_t i = 0; i < arr.shape[0]; ++i)
      kr.mutants.emplace_back(arr.data.begin() + static_cast<long>(i * B),
                              arr.data.begin() + static_cast<long>((i + 1) * B));
    kr.from_cache = true;
    std::fprintf(stderr, "Loading mutant kill rates... (%s)\n", mut_path.c_str());
    return kr;
  }
  // --param P reads P's accuracy file only; list_mut.npy holds every parameter, so it is written
  // only when they were all computed.
  const bool all = ctx.params == kr.params;
  if (!all) kr.params = ctx.params;
  std::vector<double> flat;
  for (const auto& param : kr.params) {
    const auto pop = load_population(o, ctx.layout, o.mut, param);
    kr.mutants.push_back(repeated_kill_rates(pop, b, o.common.seed,
                                             config_key(o, o.mut, param, "bootstrap"), 1,
                                             o.common.proc, o.mut + "_" + param));
    flat.insert(flat.end(), kr.mutants.back().begin(), kr.mutants.back().end());
  }
  if (all)
    io::write_npy(mut_path, {kr.params.size(), B}, flat);
  else
    std::fprintf(stderr,
                 "note: kill rates of %s not cached (%s holds every parameter: run "
                 "without --param to write it)\n",
                 o.param.c_str(), mut_path.c_str());
  return kr;
}

void warn_pairing(const AnalysisOptions& o, const io::Settings& settings) {
  if (!o.same && settings.is_model_level(o.mut))
    std::fprintf(stderr,
                 "note: %s is a post-training mutation (mutant i derives from sound instance i); "
                 "the reference analyses it with --same\n",
                 o.mut.c_str());
}

}  // namespace pmt::tools::detail

namespace pmt::tools::detail {

stats::BetaFit fit_posterior(const stats::PosteriorFitter& fitter, const std::vector<double>& rates,
                             const std::string& label) {
  const stats::BetaFit fit = fitter.fit(rates);
  if (!fit.converged)
    std::fprintf(stderr,
                 "note: %s: the Beta fit stopped after %d evaluations without meeting its "
                 "tolerances (the reference would fail here); using the last estimate\n",
                 label.c_str(), fit.evaluations);
  return fit;
}

}  // namespace pmt::tools::detail
