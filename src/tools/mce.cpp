// mce: exp.py + mce_estim.py of the PMT replication package. R repetitions of the bootstrap
// (B kill rates each) are written to rep_mce/<model>/<model>_<mut>_<param>_200_pop_size.npy when
// missing; then the jackknife estimate of the bagged posterior's mean and variance with their
// Monte-Carlo errors (grid step 0.01; leave-one-out divisor R as the reference, or R - 1).
// Memory: the R x B kill rates (8 R B bytes; twice that while the file is written), the posterior
// table (800 (N + 1) bytes for N trials) and the two accuracy lists, whatever the sample size k.
// A killed run leaves no file (the array, or a shard's part, is written atomically once
// complete; a rerun recomputes it bit for bit from the seed); SIGINT/SIGTERM stop it between
// repetitions (pmt::Interrupted).
#include <algorithm>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/io/npy.hpp"

namespace pmt::tools {

using io::json_number;
using io::py_repr;

namespace {

namespace fs = std::filesystem;

// A shard's part of rep_mce/...npy: <stem>.part-<i>-of-<n>.npy beside it.
fs::path part_path(const fs::path& path, const pmt::tools::Shard& s) {
  return path.parent_path() /
         fmt::format("{}.part-{}-of-{}.npy", path.stem().string(), s.index, s.count);
}

// The shard count of the parts present beside `path` ({0, 1} when none): the largest count
// found, so that a rerun with another count never mixes blocks of two splits.
pmt::tools::Shard parts_present(const fs::path& path) {
  pmt::tools::Shard found;
  const std::string prefix = path.stem().string() + ".part-";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path.parent_path(), ec)) {
    const std::string f = e.path().filename().string();
    const auto of = f.rfind("-of-");
    if (f.rfind(prefix, 0) != 0 || of == std::string::npos || e.path().extension() != ".npy")
      continue;
    const std::string n = f.substr(of + 4, f.size() - of - 8);
    if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos)
      continue;
    found.count = std::max(found.count, std::stoi(n));
  }
  return found;
}

}  // namespace

nlohmann::json MceResult::to_json() const {
  const auto mci = estimate.mean_ci();
  const auto vci = estimate.variance_ci();
  return {{"model", model},
          {"test", test},
          {"mut", mut},
          {"param", mut == "original" ? nlohmann::json() : nlohmann::json(param)},
          {"mean", json_number(estimate.mean)},
          {"mean_mce", json_number(estimate.mean_mce)},
          {"mean_ci", {json_number(mci.first), json_number(mci.second)}},
          {"variance", json_number(estimate.variance)},
          {"variance_mce", json_number(estimate.variance_mce)},
          {"variance_ci", {json_number(vci.first), json_number(vci.second)}}};
}

std::string MceResult::text() const {
  const auto mci = estimate.mean_ci();
  const auto vci = estimate.variance_ci();
  return fmt::format("Model {}, Mutation {} (Param {})\n", model, mut,
                     given_param.empty() ? "None" : given_param) +
         fmt::format("Mean: Avg {}, 95% Confidence Interval ({}, {})\n", py_repr(estimate.mean),
                     py_repr(mci.first), py_repr(mci.second)) +
         fmt::format("Variance: Avg {}, 95% Confidence Interval: ({}, {})\n",
                     py_repr(estimate.variance), py_repr(vci.first), py_repr(vci.second));
}

MceResult run_mce(const MceOptions& o) {
  PMT_THROW_IF(o.reps < 2, kUsage, "--reps must be at least 2 for the jackknife");
  const auto ctx = detail::make_context(o, true);
  if (o.mut != "original") detail::warn_pairing(o, ctx.settings);
  const std::string param = o.mut == "original" ? "" : ctx.params.front();
  const auto path = ctx.layout.rep_mce(o.model, o.mut, param);
  const auto R = static_cast<std::size_t>(o.reps), B = static_cast<std::size_t>(o.bootstraps);
  // Repetitions [first, last) of the array: repetition r's stream depends on r only, so blocks
  // computed by shards concatenate to the unsharded array bit for bit.
  std::unique_ptr<stats::Population> pop;
  const auto block = [&](std::size_t first, std::size_t last) {
    if (!pop)
      pop =
          std::make_unique<stats::Population>(detail::load_population(o, ctx.layout, o.mut, param));
    try {
      return detail::repeated_kill_rates(*pop, detail::bootstrap_options(o), o.common.seed,
                                         detail::config_key(o, o.mut, param, "mce"),
                                         static_cast<int>(last - first), o.common.proc,
                                         "repetitions", static_cast<int>(first));
    } catch (const Interrupted& e) {
      throw Interrupted(
          e.signal(), fmt::format("{} not written, rerun to start over", path.filename().string()));
    }
  };
  if (!o.shard.whole()) {
    const auto [first, last] = o.shard.block(R);
    const auto part = part_path(path, o.shard);
    if (fs::exists(path)) {
      std::fprintf(stderr, "mce: %s already complete: nothing to do for shard %s\n", path.c_str(),
                   o.shard.to_string().c_str());
    } else if (!fs::exists(part)) {
      io::write_npy(part, {last - first, B}, block(first, last));
      std::fprintf(stderr, "wrote %s (repetitions %zu to %zu)\n", part.c_str(), first, last - 1);
    }
    std::fprintf(stderr, "mce: shard %s done; run without --shard for the estimate\n",
                 o.shard.to_string().c_str());
    return {};
  }
  std::vector<double> rates;
  if (fs::exists(path)) {
    rates = detail::read_kill_rates(path, {R, B}).data;
  } else {
    // Assemble the parts of a sharded run (the missing ones computed here), or compute it all.
    const pmt::tools::Shard found = parts_present(path);
    std::vector<fs::path> used;
    for (int i = 0; i < found.count; ++i) {
      const pmt::tools::Shard s{i, found.count};
      const auto [first, last] = s.block(R);
      const auto part = part_path(path, s);
      const auto values = fs::exists(part) ? detail::read_kill_rates(part, {last - first, B}).data
                                           : block(first, last);
      if (fs::exists(part)) used.push_back(part);
      rates.insert(rates.end(), values.begin(), values.end());
    }
    io::write_npy(path, {R, B}, rates);
    std::fprintf(stderr, "wrote %s%s\n", path.c_str(),
                 used.empty() ? "" : fmt::format(" ({} part(s) assembled)", used.size()).c_str());
    std::error_code ec;
    for (const auto& p : used) fs::remove(p, ec);
  }
  const stats::PosteriorFitter fitter(o.trials, 0.01);
  MceResult r;
  r.summarised = true;
  r.model = o.model;
  r.test = detail::test_name(o);
  r.mut = o.mut;
  r.param = param;
  r.given_param = o.param;
  r.estimate = stats::jackknife_estimate(fitter, rates.data(), R, B, o.divisor);
  return r;
}

}  // namespace pmt::tools
