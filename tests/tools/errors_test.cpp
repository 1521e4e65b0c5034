// Exit codes, help, and degenerate data defined rather than crashing. The malformed inputs
// (one-line messages naming the file or value, exit 2 for usage and 1 for data errors, nothing
// half-written) are the cases of error_table_test.cpp, which generates docs/errors.md.
#include <catch2/catch.hpp>

#include <algorithm>

#include "tools/fixture.hpp"

TEST_CASE("exit codes and one-line messages of the executables", "[cli][errors]") {
  DataRoot d;
  d.with_raw_data();
  const std::string root = " --data-root " + d.root.string();
  std::string out, err;
  CHECK(run_exe("mutation_test", "--model mnist --mut change_label --dc" + root, &out, &err) == 0);
  CHECK_THAT(out, Catch::StartsWith("Model mnist, Mutation change_label\n"));
  CHECK(run_exe("ratio", "--model mnist" + root, &out, &err) == 2);  // --mut missing
  CHECK_THAT(err, Catch::Contains("--mut is required"));
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  CHECK(run_exe("posterior", "--help", &out, &err) == 0);
  for (const char* part : {"Usage:", "--data-root", "--seed UINT=42",
                           "Example:", "Citation:", "PMT_NPY_MAX_HEADER_SIZE"})
    CHECK_THAT(out, Catch::Contains(part));
}

TEST_CASE("degenerate data is defined", "[cli][degenerate]") {
  DataRoot d;
  const int n = 50;  // the repeated protocol needs 2k = 40 instances
  std::string constant = accuracy_header(n);
  for (int i = 0; i < n; ++i) constant += ";0.99";
  d.write("raw_data/mnist/results_mnist_original.csv", constant + "\n");
  d.write("raw_data/mnist/results_mnist_change_label_mutated0_MP_3.12.csv", constant + "\n");
  std::string lower = accuracy_header(n);
  for (int i = 0; i < n; ++i) lower += ";0.98";
  d.write("raw_data/mnist/results_mnist_change_label_mutated0_MP_9.38.csv", lower + "\n");
  // Missing instances (empty cells and "nan") are dropped with a note.
  std::string holes = accuracy_header(n);
  for (int i = 0; i < n; ++i) holes += i == 3 ? ";" : (i == 7 ? ";nan" : ";0.97");
  d.write("raw_data/mnist/results_mnist_change_label_mutated0_MP_18.75.csv", holes + "\n");

  pmt::tools::MutationTestOptions o;
  d.setup(o, "change_label");
  o.common.json = true;
  for (const auto& [param, killed] : std::vector<std::pair<std::string, bool>>{
           {"3.12", false}, {"9.38", true}, {"18.75", true}}) {
    o.param = param;
    const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_mutation_test, o));
    INFO(param);
    // Identical constants: nothing to detect (kill rate 0); different constants: always killed.
    CHECK(j["results"][0]["mean"].get<double>() == (killed ? 1.0 : 0.0));
  }
  pmt::tools::RatioOptions r;
  d.setup(r, "change_label", "9.38");
  r.common.json = true;
  r.mc_reps = 2;
  d.write("settings.json", R"({"models": {"mnist": {"change_label": ["3.12", "9.38", "18.75"]}}})");
  r.common.settings = (d.root / "settings.json").string();
  const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_ratio, r));
  CHECK(j["mutants"][0]["ratio"] == "inf");  // always killed: the ideal mutant posterior
  CHECK(j["original"]["to_sound"].get<double>() < 1e-6);  // never killed: the ideal sound one
}
