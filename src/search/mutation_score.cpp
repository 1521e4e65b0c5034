// DeepCrime's mutation score from mutation_search's results (see mutation_score.hpp and
// deepcrime_facts section 4.3: DC:mutation_score.py, calculate_dc_ms).
#include "pmt/search/mutation_score.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/io/number.hpp"
#include "pmt/search/search.hpp"

namespace pmt::search {

namespace fs = std::filesystem;
using mutate::SearchKind;
using nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A JSON number as pmt writes it (finite numbers, or the strings "inf", "-inf", "nan").
double number(const json& v, const std::string& where) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan") return kNaN;
  }
  PMT_THROW(kData, "{}: expected a number, got {}", where, io::shorten(v.dump()));
}

const json& field(const json& j, const char* key, const std::string& where) {
  PMT_THROW_IF(!j.is_object() || !j.contains(key), kData, "{}: no '{}'", where, key);
  return j.at(key);
}

// The steps of set `set` ("train" or "test") of a search result.
const json& set_steps(const json& result, const char* set, const std::string& where) {
  for (const json& s : field(result, "sets", where))
    if (s.is_object() && s.value("set", "") == set) {
      const json& steps = field(s, "steps", where);
      PMT_THROW_IF(!steps.is_array(), kData, "{}: 'steps' is not an array", where);
      return steps;
    }
  PMT_THROW(kData, "{}: no {} set (run mutation_search --set {} or both)", where, set, set);
}

struct Kills {
  std::vector<std::string> stable, unstable;  // in step order
};

Kills kills(const json& steps, const ScoreOptions& o, const std::string& where) {
  Kills k;
  for (const json& s : steps) {
    const json& killed = field(s, "killed", where);
    PMT_THROW_IF(!killed.is_boolean(), kData, "{}: 'killed' is not true/false", where);
    if (!killed.get<bool>()) continue;
    const json& n = field(s, "instances", where);
    const auto count = [&](std::size_t i) {
      PMT_THROW_IF(!n.is_array() || n.size() != 2 || !n[i].is_number_integer() ||
                       n[i].get<std::int64_t>() < 2,
                   kData, "{}: 'instances' must be two counts >= 2", where);
      return static_cast<std::size_t>(n[i].get<std::int64_t>());
    };
    const std::size_t n1 = count(0), n2 = count(1);
    const double d = number(field(s, "cohen_d", where), where + ": cohen_d");
    const double power = stats::mutation_power(d, n1, n2, o.power);
    const json& param = field(s, "param", where);
    PMT_THROW_IF(!param.is_string(), kData, "{}: 'param' is not a string", where);
    (power >= o.min_power ? k.stable : k.unstable).push_back(param.get<std::string>());
  }
  return k;
}

json value_or_null(const std::string& s) { return s.empty() ? json() : json(s); }

const char* kind_name(SearchKind k) {
  return k == SearchKind::kBinary ? "binary" : k == SearchKind::kExhaustive ? "exhaustive" : "none";
}

}  // namespace

OperatorScore score_operator(const std::string& name, const json& train, const json& test,
                             const ScoreOptions& o, const std::string& where) {
  OperatorScore r;
  r.name = name;
  const json& space = field(train, "space", where);
  const std::string kind = field(space, "search", where).is_string()
                               ? space.at("search").get<std::string>()
                               : std::string();
  PMT_THROW_IF(kind != "binary" && kind != "exhaustive" && kind != "none", kData,
               "{}: 'space.search' must be binary, exhaustive or none", where);
  PMT_THROW_IF(field(test, "space", where) != space, kData,
               "{}: the training and test results searched different spaces", where);
  r.kind = kind == "binary"       ? SearchKind::kBinary
           : kind == "exhaustive" ? SearchKind::kExhaustive
                                  : SearchKind::kNone;
  const Kills tr = kills(set_steps(train, "train", where), o, where);
  const Kills te = kills(set_steps(test, "test", where), o, where);
  r.train_unstable = tr.unstable;
  r.test_unstable = te.unstable;
  r.score = kNaN;

  if (r.kind == SearchKind::kBinary) {
    r.upper = number(field(space, "from", where), where + ": space.from");
    const double to = number(field(space, "to", where), where + ": space.to");
    // The least aggressive stable kill: the killed value closest to `to`.
    const auto kc = [&](const std::vector<std::string>& values, std::string& out) {
      double best = kNaN;
      for (const std::string& v : values) {
        const double x = io::parse_double(v, where + ": param", ErrorKind::kData);
        if (std::isnan(best) || std::fabs(x - to) < std::fabs(best - to)) {
          best = x;
          out = v;
        }
      }
      return best;
    };
    const double train_kc = kc(tr.stable, r.train_kc);
    const double test_kc = kc(te.stable, r.test_kc);
    if (std::isnan(train_kc)) {
      r.note = "not killed (stably) on the training set";
      return r;
    }
    r.counted = true;
    if (std::isnan(test_kc))
      r.score = 0;  // DeepCrime: test_kc = upper, which gives 1 when train_kc == upper too
    else if (test_kc == train_kc)
      r.score = 1;
    else if (r.upper == train_kc)
      r.score = 1;  // the test set kills a weaker mutant than the training set (DeepCrime: -1)
    else
      // + 0.0: killed on the test set only at `upper` gives 0 / (upper - train_kc) = -0
      r.score = std::min(1.0, py_round((r.upper - test_kc) / (r.upper - train_kc), 2)) + 0.0;
    return r;
  }

  r.train_killed = tr.stable;
  r.test_killed = te.stable;
  if (r.train_killed.empty()) {
    r.note = "not killed (stably) on the training set";
    return r;
  }
  r.counted = true;
  std::size_t both = 0;
  for (const std::string& v : r.train_killed)
    both += std::count(r.test_killed.begin(), r.test_killed.end(), v) > 0;
  r.score = py_round(double(both) / double(r.train_killed.size()), 2);
  return r;
}

json OperatorScore::to_json() const {
  json j = {{"operator", name},
            {"search", kind_name(kind)},
            {"counted", counted},
            {"score", io::json_number(score)},
            {"unstable_train", train_unstable},
            {"unstable_test", test_unstable}};
  j["note"] = value_or_null(note);  // why not counted (null when counted)
  if (kind == SearchKind::kBinary) {
    j["upper"] = upper;
    j["train_kc"] = value_or_null(train_kc);
    j["test_kc"] = value_or_null(test_kc);
  } else {
    j["train_killed"] = train_killed;
    j["test_killed"] = test_killed;
  }
  return j;
}

json MutationScore::to_json() const {
  json ops = json::array();
  for (const auto& op : operators) ops.push_back(op.to_json());
  return {{"train_results", train_dir},
          {"test_results", test_dir},
          {"operators", ops},
          {"counted", counted},
          {"mutation_score", io::json_number(total)}};
}

std::string MutationScore::table() const {
  std::string out = fmt::format("{:<40} {:<10} {:>6}  {}\n", "operator", "search", "score",
                                "killed on train / on test");
  const auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s.empty() ? std::string("-") : s;
  };
  for (const auto& op : operators) {
    const std::string score = op.counted ? fmt::format("{:.2f}", op.score) : "-";
    std::string detail =
        op.kind == SearchKind::kBinary
            ? fmt::format("kc {} / {} (upper {})", op.train_kc.empty() ? "-" : op.train_kc,
                          op.test_kc.empty() ? "-" : op.test_kc, format_param(op.upper))
            : fmt::format("{} / {}", list(op.train_killed), list(op.test_killed));
    if (!op.train_unstable.empty() || !op.test_unstable.empty())
      detail +=
          fmt::format("; power < 0.8: {} / {}", list(op.train_unstable), list(op.test_unstable));
    if (!op.note.empty()) detail += "; " + op.note;
    out += fmt::format("{:<40} {:<10} {:>6}  {}\n", op.name, kind_name(op.kind), score, detail);
  }
  out += counted ? fmt::format("mutation score: {:.2f} (mean of {} operators)\n", total, counted)
                 : std::string("mutation score: none (no operator killed on the training set)\n");
  return out;
}

MutationScore mutation_score(const fs::path& train_dir, const fs::path& test_dir,
                             const ScoreOptions& o) {
  std::error_code ec;
  PMT_THROW_IF(!fs::is_directory(test_dir, ec), kData, "{}: no such results folder",
               test_dir.string());
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(test_dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  PMT_THROW_IF(files.empty(), kData, "{}: no mutation_search results (<mut>.json)",
               test_dir.string());
  MutationScore ms;
  ms.train_dir = train_dir.string();
  ms.test_dir = test_dir.string();
  double sum = 0;
  for (const fs::path& f : files) {
    const fs::path train_file = train_dir / f.filename();
    PMT_THROW_IF(!fs::exists(train_file), kData,
                 "{}: missing (the training-set results of {}; run mutation_search --set train)",
                 train_file.string(), f.string());
    const json test = io::read_json(f);
    const json train = train_file == f ? test : io::read_json(train_file);
    const std::string where =
        train_file == f ? f.string() : f.string() + " + " + train_file.string();
    ms.operators.push_back(score_operator(f.stem().string(), train, test, o, where));
    if (ms.operators.back().counted) {
      sum += ms.operators.back().score;
      ++ms.counted;
    }
  }
  ms.total = ms.counted ? sum / ms.counted : kNaN;
  return ms;
}

}  // namespace pmt::search
