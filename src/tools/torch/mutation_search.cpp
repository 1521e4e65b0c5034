// mutation_search (see mutation_search.hpp): the search of search/search.hpp driven by
// run_train_mutants + run_gen_acc, and its files. Plain C++ (the LibTorch work is behind
// tools.hpp), so this compiles in seconds.
#include "pmt/tools/mutation_search.hpp"

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/model/subject.hpp"

namespace pmt::tools {

namespace fs = std::filesystem;
using nlohmann::json;

json MutationSearchSummary::to_json() const {
  json j = result.to_json();
  json files = json::array();
  for (const auto& f : csv_files) files.push_back(f.string());
  j["csv_files"] = files;
  j["json_file"] = json_file.string();
  return j;
}

std::string MutationSearchSummary::text() const {
  std::string out;
  for (std::size_t k = 0; k < result.sets.size(); ++k) {
    const auto& r = result.sets[k];
    std::string verdict;
    if (!r.killable)
      verdict = "not killable";
    else if (r.kind == mutate::SearchKind::kBinary)
      verdict = "killable from " + r.killable_param + " (not killed at " + r.not_killed_param + ")";
    else
      verdict = "killed by " + model::join_names(r.killed_params);
    out += fmt::format("{} {} ({} set): {}; {} configurations -> {}\n", result.mut,
                       result.space.describe(), search::to_string(r.set), verdict, r.steps.size(),
                       csv_files[k].string());
  }
  return out;
}

MutationSearchSummary run_mutation_search(const MutationSearchOptions& o) {
  PMT_THROW_IF(o.model.empty() && o.subject_file.empty(), kUsage,
               "--model or --subject is required");
  PMT_THROW_IF(o.mut.empty() || o.mut == "original", kUsage,
               "--mut: name the operator to search (see train_mutants --list-mutations)");
  PMT_THROW_IF(o.test_set.empty() != o.test_set_name.empty(), kUsage,
               "--test-set and --test-set-name go together (the name keeps the full test set's "
               "results)");
  if (!o.test_set_name.empty()) check_test_set_name(o.test_set_name);
  PMT_THROW_IF(!o.test_set.empty() && !fs::exists(o.test_set), kUsage,
               "--test-set: {}: no such file", o.test_set);
  PMT_THROW_IF(o.instances < 2, kUsage, "--instances must be at least 2, got {}", o.instances);
  const model::SubjectSpec spec = model::load_subject(
      o.subject_file.empty() ? model::builtin_subject_path(o.model) : fs::path(o.subject_file));
  const std::string model = o.model.empty() ? spec.name : o.model;
  const mutate::OperatorInfo& op = mutate::find_operator(o.mut);
  PMT_THROW_IF(op.stage != mutate::Stage::kPreTraining, kUsage,
               "--mut {} is a post-training operator: DeepCrime's search trains mutants; make "
               "post-training ones with mutate_model",
               o.mut);

  search::SearchOptions so;
  so.mut = o.mut;
  so.space = search::plan(op, spec, o.layer);
  so.decimals = search::search_decimals(op, so.space);
  so.sets = search::parse_sets(o.sets);
  so.power = o.power;
  so.log = o.log;

  const std::string instances = fmt::format("0-{}", o.instances - 1);
  const search::Trainer trainer = [&](const std::string& mut, const std::string& param) {
    TrainMutantsOptions t;
    static_cast<ConfigOptions&>(t) = o;
    t.model = model;
    t.mut = mut;
    t.param = param;
    if (mut == "original") t.layer = -1;
    t.instances = instances;
    run_train_mutants(t);
    search::Evaluation e;
    for (search::Set set : so.sets) {
      GenAccOptions g;
      static_cast<ConfigOptions&>(g) = t;
      g.split = search::to_string(set);
      if (set == search::Set::kTest) {
        g.test_set = o.test_set;
        g.test_labels = o.test_labels;
        g.test_set_name = o.test_set_name;
      }
      const GenAccSummary s = run_gen_acc(g);
      // gen_acc evaluates every saved instance; the search uses the first `instances`.
      std::vector<double>& values = set == search::Set::kTest ? e.test : e.train;
      for (std::size_t k = 0; k < s.instances.size(); ++k)
        if (s.instances[k] < o.instances) values.push_back(s.accuracy[k]);
    }
    return e;
  };

  MutationSearchSummary summary;
  summary.result = search::run_search(so, trainer);
  fs::path dir = fs::path(o.common.data_root) / "search" / model;
  if (!o.test_set_name.empty()) dir /= o.test_set_name;
  const std::string stem = o.mut + mutate::layer_suffix(op, spec, o.layer);
  for (const auto& r : summary.result.sets) {
    summary.csv_files.push_back(dir / fmt::format("{}_{}.csv", stem, search::to_string(r.set)));
    io::write_file_atomic(summary.csv_files.back(), r.csv());
  }
  summary.json_file = dir / (stem + ".json");
  json j = summary.result.to_json();
  j["model"] = model;
  j["instances"] = o.instances;
  j["seed"] = o.common.seed;
  if (!o.test_set_name.empty())
    j["test_set"] = {{"name", o.test_set_name}, {"images", o.test_set}, {"labels", o.test_labels}};
  // A previous run's other set (e.g. --set train after --set test) is kept: mutation_score reads
  // both from this file.
  std::error_code ec;
  if (fs::exists(summary.json_file, ec)) {
    const json old = json::parse(io::read_file(summary.json_file), nullptr, false);
    if (old.is_object() && old.value("space", json()) == j["space"] && old.contains("sets") &&
        old["sets"].is_array())
      for (const json& s : old["sets"]) {
        bool rerun = false;
        for (const json& n : j["sets"]) rerun = rerun || n.value("set", "") == s.value("set", "");
        if (!rerun && s.is_object()) j["sets"].push_back(s);
      }
  }
  io::write_file_atomic(summary.json_file, j.dump(2) + "\n");
  return summary;
}

}  // namespace pmt::tools
