// posterior: plot_posterior.py of the PMT replication package. Bootstrap kill rates of the sound
// instances and of every parameter (cached as the reference caches them), their bagged Beta
// posteriors (grid step 0.001), the fitted Beta's mean and 95% credible interval, and the figure
// plot_results/<model>/<model>_<mut>.png (the paper's Figure 3).
#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/io/gnuplot.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/stats/posterior.hpp"

namespace pmt::tools {

using io::json_number;

namespace {

// Set1 without its yellow, as the reference's figure.
const char* const kColors[] = {"#e41a1c", "#377eb8", "#4daf4a", "#984ea3",
                               "#ff7f00", "#a65628", "#f781bf", "#999999"};

struct Curve {
  std::string label;
  std::vector<double> rates;
  stats::BetaFit fit;
};

io::Figure figure(const PosteriorOptions& o, const io::Layout& layout,
                  const stats::PosteriorFitter& fitter, const std::vector<Curve>& curves) {
  io::Figure fig;
  fig.png = layout.plot_dir(o.model) / (layout.tagged(o.model + "_" + o.mut) + ".png");
  fig.size = "900,900";
  const auto& x = fitter.grid();
  std::string& d = fig.data;
  std::string plots;
  double peak = 0;  // y range: the highest fitted density, capped so that flat curves stay visible
  for (std::size_t c = 0; c < curves.size(); ++c) {
    const auto& cv = curves[c];
    const std::string color = kColors[c % 8];
    const int base = static_cast<int>(3 * c);
    // Block 3c: the bootstrap posteriors (one per distinct kill rate), coarse grid.
    d += fmt::format("# {}: bootstrap posteriors Beta(pN+1, N-pN+1)\n", cv.label);
    for (double p : std::set<double>(cv.rates.begin(), cv.rates.end())) {
      for (std::size_t i = 0; i < x.size(); i += 5)
        d +=
            fmt::format("{:.6g} {:.6g}\n", x[i],
                        stats::beta_pdf(x[i], p * fitter.N() + 1, fitter.N() - p * fitter.N() + 1));
      d += "\n";
    }
    // Block 3c+1: bagged (averaged) pdf and the fitted Beta.
    const auto bagged = fitter.bagged_pdf(cv.rates.data(), cv.rates.size());
    d += fmt::format("\n# {}: x bagged_pdf fitted_pdf (alpha {} beta {})\n", cv.label, cv.fit.alpha,
                     cv.fit.beta);
    for (std::size_t i = 0; i < x.size(); ++i)
      d += fmt::format("{:.6g} {:.6g} {:.6g}\n", x[i], bagged[i],
                       stats::beta_pdf(x[i], cv.fit.alpha, cv.fit.beta));
    for (double xi : x) peak = std::max(peak, stats::beta_pdf(xi, cv.fit.alpha, cv.fit.beta));
    // Block 3c+2: the credible interval, shaded.
    const auto ci = o.hdi ? cv.fit.hdi95() : cv.fit.ci95();
    d += fmt::format("\n\n# {}: credible interval [{}, {}]\n", cv.label, ci.first, ci.second);
    for (double t = std::max(0.0, ci.first - 1e-3); t <= std::min(1.0, ci.second + 1e-3); t += 1e-3)
      d += fmt::format("{:.6g} {:.6g}\n", t, stats::beta_pdf(t, cv.fit.alpha, cv.fit.beta));
    d += "\n\n";
    plots += fmt::format(
        "{}DATA index {} using 1:2 with lines lc rgb '#C0{}' notitle, \\\n"
        "  DATA index {} using 1:2 with lines dt 2 lc rgb '{}' notitle, \\\n"
        "  DATA index {} using 1:3 with lines lw 2 lc rgb '{}' title '{}', \\\n"
        "  DATA index {} using 1:2 with filledcurves y1=0 fs transparent solid 0.5 noborder "
        "lc rgb '{}' notitle",
        c ? ", \\\n  " : "  ", base, color.substr(1), base + 1, color, base + 1, color, cv.label,
        base + 2, color);
    fig.script +=
        fmt::format("set arrow from {0},graph 0 to {0},graph 1 nohead dt 2 lc rgb '{1}'\n",
                    cv.fit.mean(), color);
  }
  fig.script =
      fmt::format(
          "set title '{} {}: bagged posteriors of the kill probability'\n"
          "set xlabel 'Probability of the mutation test killing the mutant'\n"
          "set ylabel 'Density'\nset xrange [0:1]\nset yrange [0:{:.3g}]\nset key top center\n"
          "set termoption noenhanced\n",
          o.model, o.mut, 1.1 * std::min(peak, 30.0)) +
      fig.script + "plot \\\n" + plots + "\n";
  return fig;
}

}  // namespace

nlohmann::json PosteriorResult::to_json() const {
  auto describe = [&](const Curve& c) {
    const auto ci = hdi ? c.fit.hdi95() : c.fit.ci95();
    return nlohmann::json{{"alpha", json_number(c.fit.alpha)},
                          {"beta", json_number(c.fit.beta)},
                          {"mean", json_number(c.fit.mean())},
                          {"variance", json_number(c.fit.variance())},
                          {"ci", {json_number(ci.first), json_number(ci.second)}}};
  };
  nlohmann::json j = {
      {"model", model}, {"mut", mut}, {"test", test}, {"original", describe(curves[0])}};
  j["mutants"] = nlohmann::json::array();
  for (std::size_t c = 1; c < curves.size(); ++c) {
    auto m = describe(curves[c]);
    m["param"] = curves[c].label;
    j["mutants"].push_back(m);
  }
  return j;
}

std::string PosteriorResult::text() const {
  std::string out = fmt::format("Model {}, Mutation {}\n", model, mut);
  for (const auto& c : curves) {
    const auto ci = hdi ? c.fit.hdi95() : c.fit.ci95();
    out += fmt::format(
        "{}: alpha {:.5f}, beta {:.5f}, posterior mean {:.5f}, 95% credible interval "
        "({:.5f}, {:.5f}){}\n",
        &c == &curves[0] ? "Original" : "Mut: " + c.label, c.fit.alpha, c.fit.beta, c.fit.mean(),
        ci.first, ci.second, hdi ? " [HDI]" : "");
  }
  return out;
}

PosteriorResult run_posterior(const PosteriorOptions& o) {
  PMT_THROW_IF(o.mut == "original", kUsage,
               "--mut original: name a mutation (the sound "
               "instances' posterior is always included)");
  const auto ctx = detail::make_context(o, false);
  detail::warn_pairing(o, ctx.settings);
  const auto kr = detail::kill_rates_for(o, ctx);
  const stats::PosteriorFitter fitter(o.trials, o.grid_step);

  std::vector<Curve> curves{
      {"original", kr.original, detail::fit_posterior(fitter, kr.original, "original")}};
  for (std::size_t i = 0; i < kr.params.size(); ++i) {
    if (std::find(ctx.params.begin(), ctx.params.end(), kr.params[i]) == ctx.params.end()) continue;
    curves.push_back(
        {kr.params[i], kr.mutants[i], detail::fit_posterior(fitter, kr.mutants[i], kr.params[i])});
  }
  if (o.plot) {
    const auto fig = figure(o, ctx.layout, fitter, curves);
    if (io::render(fig)) std::fprintf(stderr, "figure: %s\n", fig.png.c_str());
  }
  PosteriorResult r{o.model, o.mut, detail::test_name(o), o.hdi, {}};
  for (const auto& c : curves) r.curves.push_back({c.label, c.fit});
  return r;
}

}  // namespace pmt::tools
