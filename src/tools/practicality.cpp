// practicality: run_mp.py + pop_var.py of the PMT replication package (the sampling effect of
// the population size, the paper's RQ on practicality). For each population size s: 30 random
// sub-populations of s sound and s mutated instances (without replacement; --same reuses the
// sound ids), each with R repetitions of the bootstrap -> rep_practicality/...(30, R, B).npy;
// then each sub-population's jackknife estimate (mean, variance, estimate -+ 1.96 MCE), summarised
// over sub-populations by median and 2.5% / 97.5% quantiles -> data_plot/l_std_...npy
// (sizes, 3, 2, 3) and the figure plot_results/<model>/std/<model>_<mut>_<param>_std.png.
// Resumable: each size's array is written atomically once complete and kept; a rerun skips the
// sizes on disk, and SIGINT/SIGTERM stop between repetitions (pmt::Interrupted). Memory: one
// size's n_pop x R x B kill rates at a time (8 n_pop R B bytes: 2.4 MB at the defaults; twice
// that while it is written or read back), the posterior table (800 (N + 1) bytes for N trials)
// and the two accuracy lists, whatever the number of sizes or the sample size k.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/core/parallel.hpp"
#include "pmt/io/gnuplot.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/io/npy.hpp"

namespace pmt::tools {

namespace fs = std::filesystem;
using io::json_number;
using io::py_repr;

namespace {

// The (n_pop, R, B) kill rates of one population size, computed on proc threads.
std::vector<double> generate_size(const PracticalityOptions& o, const stats::Population& full,
                                  const std::vector<std::uint64_t>& key, int s) {
  const auto n_s = static_cast<std::uint32_t>(full.sound.size());
  const auto n_m = static_cast<std::uint32_t>(full.mutant.size());
  PMT_THROW_IF(static_cast<std::uint32_t>(s) > std::min(n_s, n_m), kData,
               "population size {} exceeds the {} usable instances", s, std::min(n_s, n_m));
  std::vector<stats::Population> subs;
  for (int j = 0; j < o.n_pop; ++j) {
    pmt::Rng rng =
        detail::stream(o.common.seed, key,
                       {0xB00Bu, static_cast<std::uint64_t>(s), static_cast<std::uint64_t>(j)});
    stats::Population sub;
    sub.same = full.same;
    const auto ids_s = stats::sample_without_replacement(n_s, static_cast<std::uint32_t>(s), rng);
    const auto ids_m =
        full.same ? ids_s
                  : stats::sample_without_replacement(n_m, static_cast<std::uint32_t>(s), rng);
    for (auto id : ids_s) sub.sound.push_back(full.sound[id]);
    for (auto id : ids_m) sub.mutant.push_back(full.mutant[id]);
    subs.push_back(std::move(sub));
  }
  const auto R = static_cast<std::size_t>(o.reps), B = static_cast<std::size_t>(o.bootstraps);
  std::vector<double> out(static_cast<std::size_t>(o.n_pop) * R * B);
  const auto b = detail::bootstrap_options(o);
  pmt::Progress progress(fmt::format("size {}", s), subs.size() * R);
  pmt::parallel_for(
      subs.size() * R, o.common.proc,
      [&](std::size_t task) {
        const std::size_t j = task / R, r = task % R;
        pmt::Rng rng = detail::stream(o.common.seed, key, {static_cast<std::uint64_t>(s), j, r});
        const auto rates = stats::bootstrap_kill_rates(subs[j], b, rng);
        std::copy(rates.begin(), rates.end(), out.begin() + static_cast<long>(task * B));
      },
      &progress);
  return out;
}

stats::SamplingSummary summarise_size(const PracticalityOptions& o, const fs::path& path) {
  const auto R = static_cast<std::size_t>(o.reps), B = static_cast<std::size_t>(o.bootstraps);
  const auto arr = detail::read_kill_rates(path, {0, R, B});
  const stats::PosteriorFitter fitter(o.trials, 0.01);
  std::vector<stats::JackknifeEstimate> per(arr.shape[0]);
  pmt::parallel_for(per.size(), o.common.proc, [&](std::size_t j) {
    per[j] = stats::jackknife_estimate(fitter, arr.data.data() + j * R * B, R, B, o.divisor);
  });
  return stats::summarise_sampling(per);
}

// data_plot/l_std_...npy: (sizes, 3, 2, 3) -> one summary per size.
std::vector<stats::SamplingSummary> read_l_std(const fs::path& path, std::size_t n_sizes) {
  const auto arr = io::read_npy(path, {n_sizes, 3, 2, 3});
  std::vector<stats::SamplingSummary> all(n_sizes);
  for (std::size_t i = 0; i < n_sizes; ++i)
    for (int e = 0; e < 3; ++e)
      for (int k = 0; k < 2; ++k)
        for (int q = 0; q < 3; ++q) all[i][e][k][q] = arr.data[i * 18 + e * 6 + k * 3 + q];
  return all;
}

nlohmann::json summary_json(int size, const stats::SamplingSummary& s) {
  nlohmann::json j = {{"size", size}};
  const char* names[3] = {"estimate", "lower", "upper"};
  for (int i = 0; i < 3; ++i) {
    auto triple = [&](int k) {
      return nlohmann::json{json_number(s[i][k][0]), json_number(s[i][k][1]),
                            json_number(s[i][k][2])};
    };
    j[names[i]] = {{"mean", triple(0)}, {"variance", triple(1)}};
  }
  return j;
}

std::string block_text(int size, const stats::SamplingSummary& s) {
  std::string out = "*** Results ***\n" + fmt::format("Pop size {}\n", size);
  const char* heads[3] = {"\nAverage and Std of each estimate: \n",
                          "\nAverage and Std of each estimate lower bound: \n",
                          "\nAverage and Std of each estimate upper bound: \n"};
  for (int i = 0; i < 3; ++i) {
    out += heads[i];
    out += fmt::format("Mean: {}, Confidence Interval: ({}, {})\n", py_repr(s[i][0][0]),
                       py_repr(s[i][0][1]), py_repr(s[i][0][2]));
    out += fmt::format("Variance: {}, Confidence Interval: ({}, {})\n", py_repr(s[i][1][0]),
                       py_repr(s[i][1][1]), py_repr(s[i][1][2]));
  }
  return out;
}

io::Figure figure(const PracticalityOptions& o, const io::Layout& layout,
                  const std::vector<stats::SamplingSummary>& all) {
  io::Figure fig;
  const std::string stem = o.mut == "original"
                               ? fmt::format("{}_original_std", o.model)
                               : fmt::format("{}_{}_{}_std", o.model, o.mut, o.param);
  fig.png = layout.plot_dir(o.model) / "std" / (layout.tagged(stem) + ".png");
  fig.size = "1200,550";
  fig.data = "# size, then for estimate/lower/upper x mean/variance: median q2.5 q97.5\n";
  for (std::size_t i = 0; i < all.size(); ++i) {
    fig.data += std::to_string(o.sizes[i]);
    for (int e = 0; e < 3; ++e)
      for (int k = 0; k < 2; ++k)
        for (int q = 0; q < 3; ++q) fig.data += fmt::format(" {:.10g}", all[i][e][k][q]);
    fig.data += "\n";
  }
  // Column of (estimate e, quantity k, statistic q): 2 + 6e + 3k + q.
  auto panel = [](int k, const char* title) {
    std::string s = fmt::format("set title '{}'\n", title);
    const char* colors[3] = {"#1f4fd8", "#2ca02c", "#ff7f0e"};
    const char* names[3] = {"estimate", "lower bound (-1.96 MCE)", "upper bound (+1.96 MCE)"};
    const int shift[3] = {0, -4, 4};
    s += "plot ";
    for (int e = 0; e < 3; ++e) {
      const int c = 2 + 6 * e + 3 * k;
      s += fmt::format("{}DATA using ($1+{}):{}:{}:{} with yerrorbars pt 7 lc rgb '{}' title '{}'",
                       e ? ", " : "", shift[e], c, c + 1, c + 2, colors[e], names[e]);
    }
    return s + "\n";
  };
  fig.script = fmt::format(
      "set termoption noenhanced\n"
      "set multiplot layout 1,2 title '{} {} {}: sampling effect of the population size "
      "(median and 95% range over {} sub-populations)'\n"
      "set xlabel 'Sampled population size'\nset grid\nset key top right\nset xrange [0:215]\n"
      "set ylabel 'Posterior mean'\n{}set ylabel 'Posterior variance'\n{}unset multiplot\n",
      o.model, o.mut, o.param, o.n_pop, panel(0, "Point estimate (posterior mean)"),
      panel(1, "Posterior variance"));
  return fig;
}

}  // namespace

nlohmann::json PracticalityResult::to_json() const {
  if (pop_size) return summary_json(pop_size, summaries.front());
  nlohmann::json j = {{"model", model}, {"mut", mut}, {"param", param}, {"test", test}};
  j["sizes"] = nlohmann::json::array();
  for (std::size_t i = 0; i < summaries.size(); ++i)
    j["sizes"].push_back(summary_json(sizes[i], summaries[i]));
  return j;
}

std::string PracticalityResult::text() const {
  if (pop_size) return block_text(pop_size, summaries.front());
  std::string out = fmt::format(
      "Model {}, Mutation {} (Param {}): median [2.5%, 97.5%] over {} "
      "sub-populations\n",
      model, mut, given_param.empty() ? "None" : given_param, n_pop);
  out += fmt::format("{:>5}  {:>32}  {:>32}  {:>32}\n", "size", "mean estimate", "lower bound",
                     "upper bound");
  for (std::size_t i = 0; i < summaries.size(); ++i) {
    out += fmt::format("{:>5}", sizes[i]);
    for (int e = 0; e < 3; ++e)
      out += fmt::format("  {:>32}", fmt::format("{:.4f} [{:.4f}, {:.4f}]", summaries[i][e][0][0],
                                                 summaries[i][e][0][1], summaries[i][e][0][2]));
    out += "\n";
  }
  return out;
}

PracticalityResult run_practicality(const PracticalityOptions& o) {
  PMT_THROW_IF(o.n_pop < 1 || o.reps < 2, kUsage, "--n-pop must be >= 1 and --reps >= 2");
  const auto ctx = detail::make_context(o, true);
  if (o.mut != "original") detail::warn_pairing(o, ctx.settings);
  const std::string param = o.mut == "original" ? "" : ctx.params.front();
  auto size_index = [&](int s) {
    const auto it = std::find(o.sizes.begin(), o.sizes.end(), s);
    PMT_THROW_IF(it == o.sizes.end(), kUsage, "population size {} is not one of the sizes studied",
                 s);
    return static_cast<std::size_t>(it - o.sizes.begin());
  };
  PMT_THROW_IF(!o.shard.whole() && (o.size || o.pop_size), kUsage,
               "--shard splits the sizes among tasks: not with --size or --pop_size");
  std::vector<int> to_make;
  for (std::size_t k = 0; k < o.sizes.size(); ++k)
    if (o.shard.owns(k)) to_make.push_back(o.sizes[k]);
  if (o.size) to_make = {o.sizes[size_index(o.size)]};
  if (o.pop_size) to_make = {o.sizes[size_index(o.pop_size)]};

  // 1. The repetition arrays that are missing (run_mp.py).
  const auto l_std_path = ctx.layout.l_std(o.model, o.mut, param);
  const bool have_l_std = fs::exists(l_std_path);
  std::unique_ptr<stats::Population> full;
  const auto key = detail::config_key(o, o.mut, param, "practicality");
  std::size_t saved = 0;  // sizes whose array is on disk (for the message of an interrupted run)
  for (int s : to_make) {
    const auto path = ctx.layout.rep_practicality(o.model, o.mut, param, s);
    if (fs::exists(path) || (have_l_std && !o.size && o.shard.whole())) {
      ++saved;
      continue;
    }
    std::vector<double> rates;
    try {  // an interrupt while loading the population or drawing the repetitions
      if (!full)
        full = std::make_unique<stats::Population>(
            detail::load_population(o, ctx.layout, o.mut, param));
      rates = generate_size(o, *full, key, s);
    } catch (const Interrupted& e) {
      throw Interrupted(
          e.signal(),
          fmt::format("{} of {} population size(s) saved, rerun to resume", saved, to_make.size()));
    }
    io::write_npy(path,
                  {static_cast<std::size_t>(o.n_pop), static_cast<std::size_t>(o.reps),
                   static_cast<std::size_t>(o.bootstraps)},
                  rates);
    ++saved;
    std::fprintf(stderr, "wrote %s\n", path.c_str());
  }

  if (!o.shard.whole()) {
    std::fprintf(stderr,
                 "practicality: shard %s: sizes %s done; run without --shard to summarise\n",
                 o.shard.to_string().c_str(), fmt::format("{}", fmt::join(to_make, ", ")).c_str());
    return {};
  }
  PracticalityResult r;
  r.summarised = true;
  r.model = o.model;
  r.mut = o.mut;
  r.param = param;
  r.given_param = o.param;
  r.test = detail::test_name(o);
  r.n_pop = o.n_pop;
  r.sizes = o.sizes;

  // 2. The summaries (pop_var.py): from l_std when present, else from the arrays.
  if (o.pop_size) {
    const std::size_t i = size_index(o.pop_size);
    r.pop_size = o.pop_size;
    r.summaries = {have_l_std ? read_l_std(l_std_path, o.sizes.size())[i]
                              : summarise_size(o, ctx.layout.rep_practicality(o.model, o.mut, param,
                                                                              o.pop_size))};
    return r;
  }
  std::vector<stats::SamplingSummary>& all = r.summaries;
  if (have_l_std) {
    all = read_l_std(l_std_path, o.sizes.size());
  } else {
    std::vector<int> missing;
    for (int s : o.sizes)
      if (!fs::exists(ctx.layout.rep_practicality(o.model, o.mut, param, s))) missing.push_back(s);
    if (!missing.empty()) {
      std::fprintf(stderr,
                   "note: sizes %s still to generate (rerun without --size); no summary yet\n",
                   fmt::format("{}", fmt::join(missing, ", ")).c_str());
      return {};
    }
    std::vector<double> flat;
    for (int s : o.sizes) {
      try {
        all.push_back(summarise_size(o, ctx.layout.rep_practicality(o.model, o.mut, param, s)));
      } catch (const Interrupted& e) {
        throw Interrupted(e.signal(),
                          fmt::format("every array saved, {} not written, rerun to summarise",
                                      l_std_path.filename().string()));
      }
      for (const auto& e : all.back())
        for (const auto& k : e) flat.insert(flat.end(), k.begin(), k.end());
    }
    io::write_npy(l_std_path, {o.sizes.size(), 3, 2, 3}, flat);
    std::fprintf(stderr, "wrote %s\n", l_std_path.c_str());
  }
  if (o.plot) {
    const auto fig = figure(o, ctx.layout, all);
    if (io::render(fig)) std::fprintf(stderr, "figure: %s\n", fig.png.c_str());
  }
  return r;
}

}  // namespace pmt::tools
