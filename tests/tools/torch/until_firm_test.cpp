// train_mutants --until firm end to end on a tiny generated subject (seconds): a mutant at chance
// level is firmly killed in the first round, and ratio on the accuracy files it leaves gives the
// same verdict; a no-op mutation (the subject's own epochs) never becomes killed, stops firm or
// at the cap, and a rerun trains nothing and repeats every round's verdict.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/tools/analysis.hpp"
#include "pmt/tools/until_firm.hpp"
#include "support/tiny_data.hpp"

namespace fs = std::filesystem;

namespace {

struct UntilFirm {
  fs::path root = fs::temp_directory_path() / ("pmt_until_firm_test_" + std::to_string(getpid()));
  fs::path subject = root / "tiny.json";
  UntilFirm() {
    fs::remove_all(root);
    pmt::test::write_split(root / "datasets" / "tiny", "train", 256, 1);
    pmt::test::write_split(root / "datasets" / "tiny", "t10k", 64, 2);
    pmt::io::write_file_atomic(subject, pmt::test::tiny_subject());
  }
  ~UntilFirm() { fs::remove_all(root); }
  pmt::tools::UntilFirmOptions options(const std::string& mut, const std::string& param) const {
    pmt::tools::UntilFirmOptions o;
    o.subject_file = subject.string();
    o.mut = mut;
    o.param = param;
    o.common.data_root = root.string();
    o.progress = false;
    o.sample = 4;
    o.step = 2;
    o.cap = 8;
    o.mc_reps = 5;
    o.bootstraps = 30;
    o.common.proc = 1;
    return o;
  }
};

}  // namespace

TEST_CASE_METHOD(UntilFirm, "until firm: a mutant at chance level is killed in the first round",
                 "[tools][until]") {
  auto o = options("delete_training_data", "99");
  int lines = 0;
  o.log = [&](const std::string&) { ++lines; };
  const auto s = pmt::tools::run_until_firm(o);
  REQUIRE(s.rounds.size() == 1);
  CHECK(lines == 1);
  CHECK(s.rounds[0].n == 4);
  CHECK(s.rounds[0].verdict == pmt::stats::Verdict::kKilled);
  CHECK(s.rounds[0].killed == 5);
  CHECK(s.firm());
  CHECK(s.instances() == 4);
  CHECK(s.trained == 8);
  CHECK(s.model == "tiny");
  CHECK(s.param == "99");
  CHECK(s.to_json()["saving_vs_cap"].get<double>() == Approx(0.5));
  CHECK(fs::exists(root / "raw_data" / "tiny" /
                   "results_tiny_delete_training_data_mutated0_MP_99.csv"));

  // ratio on the files: the same repetitions, so the same verdict and range.
  pmt::tools::RatioOptions r;
  r.common.data_root = root.string();
  r.common.json = true;
  r.common.proc = 1;
  r.model = "tiny";
  r.mut = "delete_training_data";
  r.param = "99";
  r.sample = 4;
  r.bootstraps = 30;
  r.mc_reps = 5;
  const auto j = pmt::tools::run_ratio(r).to_json();
  const auto& mc = j["mutants"][0]["mc"];
  CHECK(mc["firm"].get<bool>());
  CHECK(mc["killed_fraction"].get<double>() == 1.0);
  CHECK(mc["ratio_interval"][0].get<double>() == s.rounds[0].ratio_lo);
}

TEST_CASE_METHOD(UntilFirm, "until firm: a no-op mutant is not killed, and a rerun trains nothing",
                 "[tools][until]") {
  const auto o = options("change_epochs", "2");  // the subject's own epochs
  const auto s = pmt::tools::run_until_firm(o);
  REQUIRE(!s.rounds.empty());
  for (const auto& r : s.rounds) CHECK(r.verdict != pmt::stats::Verdict::kKilled);
  CHECK((s.firm() || s.instances() == 8));
  for (std::size_t i = 0; i < s.rounds.size(); ++i) CHECK(s.rounds[i].n == 4 + 2 * int(i));

  const auto again = pmt::tools::run_until_firm(o);
  CHECK(again.trained == 0);
  REQUIRE(again.rounds.size() == s.rounds.size());
  for (std::size_t i = 0; i < s.rounds.size(); ++i) {
    CHECK(again.rounds[i].killed == s.rounds[i].killed);
    CHECK(again.rounds[i].ratio_hi == s.rounds[i].ratio_hi);
  }
}

TEST_CASE_METHOD(UntilFirm, "until firm: usage errors", "[tools][until]") {
  auto o = options("original", "");
  CHECK_THROWS_WITH(pmt::tools::run_until_firm(o), Catch::Contains("name a mutation"));
  o = options("delete_training_data", "99");
  o.cap = 3;
  CHECK_THROWS_WITH(pmt::tools::run_until_firm(o), Catch::Contains("--cap (3)"));
  CHECK_FALSE(fs::exists(root / "trained_models"));
}
