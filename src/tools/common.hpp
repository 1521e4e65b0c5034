// Internal helpers shared by the analysis tools (not installed).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pmt/io/layout.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/io/settings.hpp"
#include "pmt/stats/posterior.hpp"
#include "pmt/stats/resampling.hpp"
#include "pmt/tools/analysis.hpp"

namespace pmt::tools::detail {

// Settings + checked names: the parameters the run covers (all, or --param alone).
struct Context {
  io::Settings settings;
  io::Layout layout;
  std::vector<std::string> params;      // this run's: every parameter, or --param alone
  std::vector<std::string> all_params;  // the mutation's, in settings (or discovery) order
};
// "glm", "mann_whitney" or "signed_rank" (wilcoxon with --same): the test a run uses.
std::string test_name(const AnalysisOptions& o);
// The layout's variant for the killing test: "" (GLM, the reference's file names) or "wilcoxon".
std::string cache_variant(const stats::TestOptions& test);
// require_param: the tool works on one parameter (mce, practicality) unless mut is "original".
// A model or mutation the settings do not list takes its parameters from the accuracy files in
// raw_data/<model>/ (io::Layout::find_accuracy_files), with a note on stderr.
Context make_context(const AnalysisOptions& o, bool require_param);

// Reads the sound and the mutant accuracy files (mut "original": sound vs sound), drops missing
// instances with a note on stderr (with `same`, an id missing on either side is dropped from
// both) and checks there are at least k usable instances (dc: DeepCrime's single test on every
// usable instance, at least 2 per side).
stats::Population load_population(const AnalysisOptions& o, const io::Layout& layout,
                                  const std::string& mut, const std::string& param,
                                  bool dc = false);

stats::BootstrapOptions bootstrap_options(const AnalysisOptions& o);

// A cached kill-rate array (<model>_orig.npy, list_mut.npy, rep_mce, rep_practicality): read_npy
// with its shape checked, then every value a kill rate in [0, 1], else a data error naming the
// file and the element ("x.npy: element [3, 17] is nan, not a kill rate in [0, 1]").
io::NpyArray read_kill_rates(const std::filesystem::path& path,
                             const std::vector<std::size_t>& expected);

// Stream key of one configuration's experiment (model, mutation, parameter, pairing, purpose).
std::vector<std::uint64_t> config_key(const AnalysisOptions& o, const std::string& mut,
                                      const std::string& param, const char* purpose);
pmt::Rng stream(std::uint64_t seed, const std::vector<std::uint64_t>& key,
                std::initializer_list<std::uint64_t> more);

// R repetitions of B bootstrap kill rates (R * B values, row-major) on `proc` threads, with a
// progress bar; repetition r uses stream(seed, key, {first_rep + r}).
std::vector<double> repeated_kill_rates(const stats::Population& pop,
                                        const stats::BootstrapOptions& b, std::uint64_t seed,
                                        const std::vector<std::uint64_t>& key, int R, int proc,
                                        const std::string& label, int first_rep = 0);

// Kill rates of the original and of every parameter for posterior/ratio, from the reference's
// caches when present (<model>_orig[_same].npy, plot_results/.../list_mut.npy), else computed
// from raw_data and cached there. With --param P and no cache, only P's are computed (and not
// cached: list_mut.npy holds every parameter), so only P's accuracy file is read.
struct KillRates {
  std::vector<double> original;              // B
  std::vector<std::vector<double>> mutants;  // one row of B per parameter (in `params`)
  std::vector<std::string> params;           // ctx.all_params, or ctx.params when computed
  bool from_cache = false;
};
KillRates kill_rates_for(const AnalysisOptions& o, const Context& ctx);

// Note on stderr when a post-training mutation is analysed without --same.
void warn_pairing(const AnalysisOptions& o, const io::Settings& settings);

}  // namespace pmt::tools::detail

namespace pmt::tools::detail {
// The bagged-posterior fit, with a note on stderr when it stopped at the evaluation limit (where
// the reference's curve_fit raises "Optimal parameters not found").
stats::BetaFit fit_posterior(const stats::PosteriorFitter& fitter, const std::vector<double>& rates,
                             const std::string& label);
}  // namespace pmt::tools::detail
