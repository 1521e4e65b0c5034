// The results of tmr and arachne (tools/targeted.hpp): JSON and the thesis' tables; no LibTorch.
#include <cmath>

#include <fmt/format.h>

#include "pmt/tools/targeted.hpp"

namespace pmt::tools {

using nlohmann::json;
using targeted::SetComparison;

namespace {

const char* set_title(const std::string& set) {
  if (set == "i_neg") return "I_neg (the cluster, correct for the original)";
  if (set == "i_pos") return "I_pos (the class's other clusters, correct for the original)";
  if (set == "train_other") return "training set without class C";
  if (set == "test_other") return "test set without class C";
  if (set == "test_class") return "test set of class C";
  if (set == "test") return "whole test set";
  return "weak test set";
}

}  // namespace

const targeted::SetComparison* TargetSummary::find(const std::string& set) const {
  for (const auto& s : sets)
    if (s.set == set) return &s;
  return nullptr;
}

json TargetSummary::to_json() const {
  json s = json::array();
  for (const auto& c : sets) s.push_back(c.to_json());
  return {{"class", cls},           {"cluster", cluster}, {"parameter", param}, {"folder", folder},
          {"instances", instances}, {"i_neg_sizes", neg}, {"i_pos_sizes", pos}, {"sets", s}};
}

json TargetedSummary::to_json() const {
  json t = json::array();
  for (const auto& x : targets) t.push_back(x.to_json());
  return {{"tool", tool},           {"model", model}, {"made", made},       {"skipped", skipped},
          {"wall_time_s", seconds}, {"jobs", jobs},   {"threads", threads}, {"targets", t}};
}

std::string TargetedSummary::text() const {
  return report() + fmt::format(
                        "{}: {} mutant(s) made, {} found done, {} job(s) x {} thread(s), "
                        "{:.1f} s\n",
                        tool, made, skipped, jobs, threads, seconds);
}

std::string TargetedSummary::report() const {
  const auto f3 = [](double v) {
    return std::isnan(v) ? std::string("-") : fmt::format("{:.3f}", v);
  };
  const auto pct = [](double v) {
    return std::isnan(v) ? std::string("-") : fmt::format("{:.2f}", 100 * v);
  };
  const auto diff = [](const SetComparison* c) {
    return !c || std::isnan(c->p_value) ? std::string("-") : c->different ? "TRUE" : "FALSE";
  };
  std::string s;
  // Thesis Table 5.10 / 5.13.
  s += fmt::format(
      "{}: accuracies averaged over the instances (mutants vs originals; stat diff: Wilcoxon "
      "signed-rank p < 0.05 and Cohen's d >= 0.5)\n",
      tool);
  s +=
      fmt::format("{:>5} {:>7} {:>5} | {:^29} | {:^29} | {:^29}\n", "class", "cluster", "inst",
                  "training set (other classes)", "test set (other classes)", "test set (class C)");
  s += fmt::format("{:>19} | {:>8} {:>9} {:>9}  | {:>8} {:>9} {:>9}  | {:>8} {:>9} {:>9}\n", "",
                   "mutants", "originals", "stat diff", "mutants", "originals", "stat diff",
                   "mutants", "originals", "stat diff");
  for (const auto& t : targets) {
    s += fmt::format("{:>5} {:>7} {:>5}", t.cls, t.cluster, t.instances.size());
    for (const char* set : {"train_other", "test_other", "test_class"}) {
      const SetComparison* c = t.find(set);
      s += fmt::format(" | {:>8} {:>9} {:>9} ", f3(c ? c->mean_mutant : NAN),
                       f3(c ? c->mean_original : NAN), diff(c));
    }
    s += "\n";
  }
  // Thesis Table 5.11 / 5.12, with the misprediction ratios of eq. 4.15 and the set sizes.
  s += fmt::format(
      "\n{:>5} {:>7} | {:>9} {:>9} | {:>9} {:>9} | {:>6} {:>6} | {:>8} {:>8} | {:>7} {:>7}\n",
      "class", "cluster", "mut I_pos%", "I_neg%", "orig I_pos%", "I_neg%", "diff+", "diff-",
      "mispr-%", "mispr+%", "|I_neg|", "|I_pos|");
  for (const auto& t : targets) {
    const SetComparison* p = t.find("i_pos");
    const SetComparison* n = t.find("i_neg");
    double nn = 0, np = 0;
    for (auto v : t.neg) nn += static_cast<double>(v);
    for (auto v : t.pos) np += static_cast<double>(v);
    const double k = std::max<double>(1.0, static_cast<double>(t.neg.size()));
    s += fmt::format(
        "{:>5} {:>7} | {:>10} {:>9} | {:>11} {:>9} | {:>6} {:>6} | {:>8} {:>8} | {:>7.0f} "
        "{:>7.0f}\n",
        t.cls, t.cluster, pct(p->mean_mutant), pct(n->mean_mutant), pct(p->mean_original),
        pct(n->mean_original), diff(p), diff(n), pct(1 - n->mean_mutant), pct(1 - p->mean_mutant),
        nn / k, np / k);
  }
  // Thesis Table 5.14 / 5.15: the accuracy drop (original - mutant, percentage points).
  const bool weak = !targets.empty() && targets.front().find("weak_test");
  s += fmt::format("\n{:>5} {:>7} | {:>16} | {:>16}\n", "class", "cluster", "drop test set %",
                   weak ? "drop weak test %" : "(no weak set)");
  for (const auto& t : targets) {
    const SetComparison* a = t.find("test");
    const SetComparison* w = t.find("weak_test");
    s += fmt::format("{:>5} {:>7} | {:>16} | {:>16}\n", t.cls, t.cluster,
                     pct(a->mean_original - a->mean_mutant),
                     w ? pct(w->mean_original - w->mean_mutant) : "-");
  }
  // Every p-value and effect size.
  s += fmt::format("\n{:>5} {:>7} | {:<62} {:>10} {:>9}\n", "class", "cluster", "set", "p", "d");
  for (const auto& t : targets)
    for (const auto& c : t.sets)
      s += fmt::format("{:>5} {:>7} | {:<62} {:>10} {:>9}\n", t.cls, t.cluster, set_title(c.set),
                       std::isnan(c.p_value) ? "-" : fmt::format("{:.3g}", c.p_value),
                       std::isnan(c.cohen_d) ? "-" : fmt::format("{:.3f}", c.cohen_d));
  return s;
}

}  // namespace pmt::tools
