// Every executable as a user meets it: --help and --version, and one golden run each whose
// output is compared with tests/data/golden/ (PMT_UPDATE_GOLDEN=1 rewrites the files). The
// analysis tools and cluster here (their text output, exactly); the LibTorch tools in
// tools/torch/harness_test.cpp (their --json output, floating-point values masked).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/golden.hpp"
#include "support/tiny_data.hpp"
#include "tools/fixture.hpp"

namespace {

const std::vector<std::string> kTools = {
    "mutation_test",  "posterior",       "ratio",         "mce",     "practicality",
    "mutation_score", "cluster",         "train_mutants", "gen_acc", "weak_test_set",
    "mutate_model",   "mutation_search", "embed",         "tmr",     "arachne"};

}  // namespace

TEST_CASE("every executable has --help and --version", "[cli][harness]") {
  int checked = 0;
  for (const auto& tool : kTools) {
    if (!fs::exists(fs::path(PMT_BINARY_DIR) / "tools" / tool)) continue;  // no LibTorch
    INFO(tool);
    std::string out, err;
    CHECK(run_exe(tool, "--help", &out, &err) == 0);
    for (const char* part :
         {"Usage:", "Options:", "--help", "--version", "Example:", "Citation:", "Exit status:"})
      CHECK_THAT(out, Catch::Contains(part));
    CHECK_THAT(out, Catch::Contains("  " + tool + " "));  // an example runs this tool
    CHECK(err.empty());
    CHECK(run_exe(tool, "--version", &out, &err) == 0);
    CHECK_THAT(out, Catch::Matches("pmt [0-9]+\\.[0-9]+\\.[0-9]+\n"));
    ++checked;
  }
  CHECK(checked == PMT_TOOL_COUNT);  // every tool this build has
}

TEST_CASE("golden runs of the analysis tools", "[cli][harness][golden]") {
  DataRoot d;
  d.with_raw_data();
  d.with_reference_caches();
  d.with("rep_mce/mnist/mnist_change_label_18.75_200_pop_size.npy");
  d.with("rep_practicality/mnist/mnist_change_label_3.12_30_rep_25_size_pop.npy");
  d.with("rep_practicality/mnist/mnist_change_label_3.12_30_rep_190_size_pop.npy");
  const std::string root = " --data-root " + d.root.string() + " --settings " +
                           std::string(PMT_SOURCE_DIR) + "/data/settings.json --proc 2";
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"mutation_test", "--model mnist --mut change_label --dc"},
      {"posterior", "--model mnist --mut change_label --no-plot"},
      {"ratio", "--model mnist --mut change_label --param 3.12 --mc-reps 3"},
      {"mce", "--model mnist --mut change_label --param 18.75"},
      {"practicality", "--model mnist --mut change_label --param 3.12 --pop_size 25 --no-plot"}};
  for (const auto& [tool, args] : runs) {
    INFO(tool << " " << args);
    std::string out, err;
    const int code = run_exe(tool, args + root, &out, &err);
    INFO(err);
    REQUIRE(code == 0);
    pmt::test::check_golden(tool + ".txt", pmt::test::replace_all(out, d.root.string(), "<root>"));
  }
}

TEST_CASE("golden run of cluster", "[cli][harness][golden][cluster]") {
  DataRoot d;
  const fs::path data = d.root / "datasets" / "mnist";
  pmt::test::write_split(data, "train", 200, 3, 10, 28);
  pmt::test::write_split(data, "t10k", 20, 4, 10, 28);
  std::string out, err;
  REQUIRE(run_exe("cluster",
                  "--model mnist_mlp --classes 0,3 --scalings max,standard --thresholds off "
                  "--algorithms kmeans,agglomerative --components 3 --no-plot --proc 2 "
                  "--data-root " +
                      d.root.string(),
                  &out, &err) == 0);
  pmt::test::check_golden("cluster.txt", pmt::test::replace_all(out, d.root.string(), "<root>"));
}
