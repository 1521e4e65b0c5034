// Bad input: one-line messages naming the file or value, exit 2 for usage and 1 for data errors,
// nothing half-written; degenerate data defined rather than crashing.
#include <catch2/catch.hpp>

#include "fixture.hpp"
#include "pmt/error.hpp"
#include "pmt/io/npy.hpp"

namespace {
std::string header(int n) {
  std::string h = "true_label";
  for (int i = 0; i < n; ++i) h += ";pred_label_model_" + std::to_string(i);
  return h + "\n";
}
const std::string kHeader = header(30);

std::string row(double value, int n = 30) {
  std::string r;
  for (int i = 0; i < n; ++i) r += ";" + std::to_string(value + 1e-4 * (i % 7));
  return r + "\n";
}

// Runs the tool, expects a pmt::Error of the given exit code whose message contains `needle`.
template <typename Options, typename Fn>
void expect_error(Fn fn, const Options& o, int code, const std::string& needle) {
  try {
    run_tool(fn, o);
    FAIL("no error; expected: " << needle);
  } catch (const pmt::Error& e) {
    CHECK(e.exit_code() == code);
    CHECK_THAT(std::string(e.what()), Catch::Contains(needle));
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
}
}  // namespace

TEST_CASE("malformed accuracy files", "[cli][errors]") {
  DataRoot d;
  d.with_raw_data();
  const std::string file = "raw_data/mnist/results_mnist_change_label_mutated0_MP_3.12.csv";
  pmt::tools::MutationTestOptions o;
  d.setup(o, "change_label", "3.12");
  const std::size_t files_before = d.file_count();

  d.write(file, kHeader + ";0.99;0.98\n");
  expect_error(pmt::tools::run_mutation_test, o, 1, "truncated or malformed");
  d.write(file, "true_label,a,b\n,0.9,0.8\n");
  expect_error(pmt::tools::run_mutation_test, o, 1, "wrong delimiter");
  d.write(file, kHeader + ";abc" + row(0.9, 29));
  expect_error(pmt::tools::run_mutation_test, o, 1, "'abc' is not a number");
  d.write(file, kHeader + row(1.5));
  expect_error(pmt::tools::run_mutation_test, o, 1, "outside [0, 1]");
  d.write(file, "");
  expect_error(pmt::tools::run_mutation_test, o, 1, "empty file");
  d.write(file, kHeader);
  expect_error(pmt::tools::run_mutation_test, o, 1, "no accuracy row");
  fs::remove(d.root / file);
  expect_error(pmt::tools::run_mutation_test, o, 1,
               "results_mnist_change_label_mutated0_MP_3.12.csv");
  CHECK(d.file_count() == files_before - 1);  // nothing written by the failed runs
}

TEST_CASE("unknown names are usage errors listing the valid ones", "[cli][errors]") {
  DataRoot d;
  d.with_raw_data();
  pmt::tools::MutationTestOptions o;
  d.setup(o, "change_label");
  o.model = "mnistt";
  expect_error(pmt::tools::run_mutation_test, o, 2, "unknown model 'mnistt'");
  o.model = "mnist";
  o.mut = "change_lable";
  expect_error(pmt::tools::run_mutation_test, o, 2, "change_label");
  o.mut = "change_label";
  o.param = "3.13";
  expect_error(pmt::tools::run_mutation_test, o, 2, "unknown parameter '3.13'");
  pmt::tools::MceOptions m;
  d.setup(m, "change_label");
  expect_error(pmt::tools::run_mce, m, 2, "--param is required");
}

TEST_CASE("malformed NPY files name the file and the problem", "[cli][errors]") {
  DataRoot d;
  const fs::path f = d.root / "rep_mce/mnist/mnist_change_label_3.12_200_pop_size.npy";
  pmt::tools::MceOptions o;
  d.setup(o, "change_label", "3.12");
  pmt::io::write_npy(f, {50, 100}, std::vector<double>(5000, 0.5));
  expect_error(pmt::tools::run_mce, o, 1, "shape (50, 100) but expected (100, 100)");
  std::string bytes;
  {
    pmt::io::write_npy(f, {100, 100}, std::vector<double>(10000, 0.5));
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    bytes = ss.str();
  }
  auto with = [&](const std::string& from, const std::string& to) {
    std::string b = bytes;
    b.replace(b.find(from), from.size(), to);
    std::ofstream(f, std::ios::binary) << b;
  };
  with("'<f8'", "'>f8'");
  expect_error(pmt::tools::run_mce, o, 1, "big-endian");
  with("'<f8'", "'<c8'");
  expect_error(pmt::tools::run_mce, o, 1, "dtype '<c8' is not supported");
  with("False", "True ");
  expect_error(pmt::tools::run_mce, o, 1, "Fortran");
  std::ofstream(f, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  expect_error(pmt::tools::run_mce, o, 1, "truncated");
  std::ofstream(f, std::ios::binary) << "not numpy";
  expect_error(pmt::tools::run_mce, o, 1, "not a .npy file");
}

TEST_CASE("exit codes and one-line messages of the executables", "[cli][errors]") {
  DataRoot d;
  d.with_raw_data();
  const std::string root = " --data-root " + d.root.string();
  std::string out, err;
  CHECK(run_exe("mutation_test", "--model mnist --mut change_label --dc" + root, &out, &err) == 0);
  CHECK_THAT(out, Catch::StartsWith("Model mnist, Mutation change_label\n"));
  CHECK(run_exe("mutation_test", "--model mnist --mut nope" + root, &out, &err) == 2);
  CHECK_THAT(err, Catch::StartsWith("mutation_test: error: unknown mutation 'nope'"));
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  CHECK(run_exe("ratio", "--model mnist" + root, &out, &err) == 2);  // --mut missing
  CHECK_THAT(err, Catch::Contains("--mut is required"));
  CHECK(run_exe("mce", "--model mnist --mut original --reps x" + root, &out, &err) == 2);
  fs::remove(d.root / "raw_data/mnist/results_mnist_original.csv");
  CHECK(run_exe("posterior", "--model mnist --mut change_label" + root, &out, &err) == 1);
  CHECK_THAT(err, Catch::Contains("results_mnist_original.csv: cannot open"));
  CHECK(run_exe("posterior", "--help", &out, &err) == 0);
  for (const char* part : {"Usage:", "--data-root", "--seed UINT=42",
                           "Example:", "Citation:", "PMT_NPY_MAX_HEADER_SIZE"})
    CHECK_THAT(out, Catch::Contains(part));
}

TEST_CASE("degenerate data is defined", "[cli][degenerate]") {
  DataRoot d;
  const int n = 50;  // the repeated protocol needs 2k = 40 instances
  std::string constant = header(n);
  for (int i = 0; i < n; ++i) constant += ";0.99";
  d.write("raw_data/mnist/results_mnist_original.csv", constant + "\n");
  d.write("raw_data/mnist/results_mnist_change_label_mutated0_MP_3.12.csv", constant + "\n");
  std::string lower = header(n);
  for (int i = 0; i < n; ++i) lower += ";0.98";
  d.write("raw_data/mnist/results_mnist_change_label_mutated0_MP_9.38.csv", lower + "\n");
  // Missing instances (empty cells and "nan") are dropped with a note.
  std::string holes = header(n);
  for (int i = 0; i < n; ++i) holes += i == 3 ? ";" : (i == 7 ? ";nan" : ";0.97");
  d.write("raw_data/mnist/results_mnist_change_label_mutated0_MP_18.75.csv", holes + "\n");
  // Fewer usable instances than the sample size k = 20.
  std::string few = header(n);
  for (int i = 0; i < n; ++i) few += i < 15 ? ";0.95" : ";";
  d.write("raw_data/mnist/results_mnist_change_label_mutated0_MP_28.12.csv", few + "\n");

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
  o.param = "28.12";
  expect_error(pmt::tools::run_mutation_test, o, 1,
               "15 usable instances, fewer than the sample size k = 20");
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
