// mce: exp.py + mce_estim.py of the PMT replication package. R repetitions of the bootstrap
// (B kill rates each) are written to rep_mce/<model>/<model>_<mut>_<param>_200_pop_size.npy when
// missing; then the jackknife estimate of the bagged posterior's mean and variance with their
// Monte-Carlo errors (grid step 0.01; leave-one-out divisor R as the reference, or R - 1).
// Memory: the R x B kill rates (8 R B bytes; twice that while the file is written), the posterior
// table (800 (N + 1) bytes for N trials) and the two accuracy lists, whatever the sample size k.
// A killed run leaves no file (the array is written atomically once complete; a rerun recomputes
// it bit for bit from the seed); SIGINT/SIGTERM stop it between repetitions (pmt::Interrupted).
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "pmt/error.hpp"
#include "pmt/interrupt.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/io/npy.hpp"

namespace pmt::tools {

using io::json_number;
using io::py_repr;

void run_mce(const MceOptions& o, std::ostream& out) {
  PMT_THROW_IF(o.reps < 2, kUsage, "--reps must be at least 2 for the jackknife");
  const auto ctx = detail::make_context(o, true);
  if (o.mut != "original") detail::warn_pairing(o, ctx.settings);
  const std::string param = o.mut == "original" ? "" : ctx.params.front();
  const auto path = ctx.layout.rep_mce(o.model, o.mut, param);
  const auto R = static_cast<std::size_t>(o.reps), B = static_cast<std::size_t>(o.bootstraps);
  std::vector<double> rates;
  if (std::filesystem::exists(path)) {
    rates = detail::read_kill_rates(path, {R, B}).data;
  } else {
    const auto pop = detail::load_population(o, ctx.layout, o.mut, param);
    try {
      rates = detail::repeated_kill_rates(pop, detail::bootstrap_options(o), o.common.seed,
                                          detail::config_key(o, o.mut, param, "mce"), o.reps,
                                          o.common.proc, "repetitions");
    } catch (const Interrupted& e) {
      throw Interrupted(
          e.signal(), fmt::format("{} not written, rerun to start over", path.filename().string()));
    }
    io::write_npy(path, {R, B}, rates);
    std::fprintf(stderr, "wrote %s\n", path.c_str());
  }
  const stats::PosteriorFitter fitter(o.trials, 0.01);
  const auto e = stats::jackknife_estimate(fitter, rates.data(), R, B, o.divisor);
  const auto mci = e.mean_ci();
  const auto vci = e.variance_ci();
  if (o.common.json) {
    const nlohmann::json j = {
        {"model", o.model},
        {"test", detail::test_name(o)},
        {"mut", o.mut},
        {"param", o.mut == "original" ? nlohmann::json() : nlohmann::json(param)},
        {"mean", json_number(e.mean)},
        {"mean_mce", json_number(e.mean_mce)},
        {"mean_ci", {json_number(mci.first), json_number(mci.second)}},
        {"variance", json_number(e.variance)},
        {"variance_mce", json_number(e.variance_mce)},
        {"variance_ci", {json_number(vci.first), json_number(vci.second)}}};
    out << j.dump() << "\n";
  } else {
    out << fmt::format("Model {}, Mutation {} (Param {})\n", o.model, o.mut,
                       o.param.empty() ? "None" : o.param);
    out << fmt::format("Mean: Avg {}, 95% Confidence Interval ({}, {})\n", py_repr(e.mean),
                       py_repr(mci.first), py_repr(mci.second));
    out << fmt::format("Variance: Avg {}, 95% Confidence Interval: ({}, {})\n", py_repr(e.variance),
                       py_repr(vci.first), py_repr(vci.second));
  }
  out.flush();
}

}  // namespace pmt::tools
