// Hostile files and numbers: regression tests of the reported defects (the executables'
// messages for them are cases of error_table_test.cpp, docs/errors.md; here the parser
// limits behind them), plus the settings discovery (a model trained here, absent from
// data/settings.json).
#include <catch2/catch.hpp>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/npy.hpp"
#include "tools/fixture.hpp"

namespace {

// Runs `tool args`, expects exit `code` and stderr ending with one short error line (after any
// progress notes) that contains every needle.
void expect_exit(const std::string& tool, const std::string& args, int code,
                 const std::vector<std::string>& needles) {
  std::string out, err;
  const int got = run_exe(tool, args, &out, &err);
  INFO(tool << " " << args.substr(0, 200) << "\nstderr: " << err.substr(0, 600));
  CHECK(got == code);  // run_exe gives -1 for a signal
  REQUIRE(!err.empty());
  CHECK(err.back() == '\n');
  const std::string last = err.substr(err.rfind('\n', err.size() - 2) + 1);
  CHECK_THAT(last, Catch::StartsWith(tool + ": "));
  CHECK(last.size() < 400);
  CHECK(err.find(tool + ": ") == err.size() - last.size());  // no other message line
  for (const auto& n : needles) CHECK_THAT(last, Catch::Contains(n));
}

// A data root with the reference's caches: the original's kill rates, and list_mut.npy (one row
// per parameter) replaced by `bytes`.
struct RatioCase {
  DataRoot d;
  fs::path list_mut = d.root / "plot_results/mnist/mnist_change_label_param/list_mut.npy";
  RatioCase() { d.with_reference_caches(); }
  void write(const std::string& bytes) const { d.write(fs::relative(list_mut, d.root), bytes); }
};

}  // namespace

TEST_CASE("an NPY dtype string tens of kilobytes long is an error, not a segfault",
          "[hostile][npy]") {
  // Through ratio: an error naming the file and PMT_NPY_MAX_HEADER_SIZE (docs/errors.md).
  RatioCase c;
  c.write(npy_bytes(npy_dict(std::string(50000, 'f'), "(8, 100)"), 6400));
  // With the limit raised, the header parser still copes (no recursion) and names the dtype.
  const std::string bytes = pmt::io::read_file(c.list_mut);
  try {
    pmt::io::parse_npy(bytes, "big.npy", 1 << 20);
    FAIL("accepted");
  } catch (const pmt::Error& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("big.npy: dtype 'ffffffffff") &&
                             Catch::Contains("(50000 characters)' is not supported"));
  }
  // A header of megabytes (version 2.0) with a long shape list: a bounded parse as well.
  std::string shape = "(";
  for (int i = 0; i < 200000; ++i) shape += "1, ";
  const std::string huge = npy_bytes(npy_dict("<f8", shape + ")"), 8);
  CHECK_THROWS_WITH(pmt::io::parse_npy(huge, "huge.npy", huge.size()),
                    Catch::Contains("more than 64 dimensions"));
}

TEST_CASE(
    "an NPY shape whose element count overflows 64 bits is an error naming "
    "the file, not std::bad_alloc",
    "[hostile][npy]") {
  // Through practicality (2^62 x 100 x 100 wraps to 0 in 64 bits): docs/errors.md.
  CHECK_THROWS_WITH(
      pmt::io::parse_npy(npy_bytes(npy_dict("<f8", "(4611686018427387904, 100, 100)"), 0), "a"),
      Catch::Contains("has more elements than 64 bits can count"));
  // Elements that fit but bytes that do not (2^62 float64 values).
  CHECK_THROWS_WITH(
      pmt::io::parse_npy(npy_bytes(npy_dict("<f8", "(4611686018427387904,)"), 0), "b"),
      Catch::Contains("needs more bytes than 64 bits can count"));
}

TEST_CASE("numbers beyond a flag's range are usage errors naming the flag", "[hostile][cli]") {
  // The other numeric flags (--instances, --bootstraps, --trials 1e3, --seed -1, --proc -2)
  // are cases of docs/errors.md (error_table_test.cpp).
  expect_exit("mce", "--model mnist --mut original --reps 99999999999", 2,
              {"--reps: '99999999999' is out of range (2 to 100000)"});
  expect_exit("posterior", "--model mnist --mut change_label --seed 123456789012345678901234", 2,
              {"--seed: '123456789012345678901234' is out of range (0 to 18446744073709551615)"});
}

TEST_CASE("ratio and posterior with --param P read only P's accuracy file", "[hostile][cli]") {
  DataRoot d;
  d.with_raw_data();
  // Another parameter's file of the same mutation is missing.
  fs::remove(d.root / "raw_data/mnist/results_mnist_change_label_mutated0_MP_9.38.csv");
  pmt::tools::RatioOptions r;
  d.setup(r, "change_label", "3.12");
  r.common.json = true;
  r.mc_reps = 1;
  const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_ratio, r));
  REQUIRE(j["mutants"].size() == 1);
  CHECK(j["mutants"][0]["param"] == "3.12");
  // Not cached: list_mut.npy holds every parameter.
  CHECK_FALSE(fs::exists(d.root / "plot_results/mnist/mnist_change_label_param/list_mut.npy"));
  pmt::tools::PosteriorOptions p;
  d.setup(p, "change_label", "3.12");
  p.common.json = true;
  p.plot = false;
  CHECK(nlohmann::json::parse(run_tool(pmt::tools::run_posterior, p))["mutants"].size() == 1);
  // Without --param the missing file is still an error naming it.
  p.param.clear();
  CHECK_THROWS_WITH(run_tool(pmt::tools::run_posterior, p),
                    Catch::Contains("results_mnist_change_label_mutated0_MP_9.38.csv"));
}

TEST_CASE("a model absent from the settings takes its parameters from raw_data/<model>/",
          "[cli][discovery]") {
  DataRoot d;
  auto file = [&](const std::string& middle, double level) {
    std::string text = "true_label";
    for (int i = 0; i < 30; ++i) text += ";pred_label_model_" + std::to_string(i);
    text += "\n";
    for (int i = 0; i < 30; ++i) text += ";" + std::to_string(level + 0.002 * (i % 5));
    d.write("raw_data/mymodel/results_mymodel_" + middle + ".csv", text + "\n");
  };
  file("original", 0.95);
  // Parameters in numeric order 0.5, 2, 10 (lexicographic would be 0.5, 10, 2).
  file("my_mut_mutated0_MP_10", 0.70);
  file("my_mut_mutated0_MP_2", 0.94);
  file("my_mut_mutated0_MP_0.5", 0.95);
  // A parameter with an underscore: not numeric, lexicographic order.
  file("other_mut_mutated0_MP_0.05_1", 0.90);
  file("other_mut_mutated0_MP_0.01_2", 0.95);

  pmt::tools::PosteriorOptions p;
  d.setup(p, "my_mut");
  p.model = "mymodel";
  p.common.json = true;
  p.plot = false;
  const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_posterior, p));
  REQUIRE(j["mutants"].size() == 3);
  CHECK(j["mutants"][0]["param"] == "0.5");
  CHECK(j["mutants"][1]["param"] == "2");
  CHECK(j["mutants"][2]["param"] == "10");
  CHECK(j["mutants"][2]["mean"].get<double>() > 0.9);  // 0.70 vs 0.95: always killed

  pmt::tools::RatioOptions r;
  d.setup(r, "other_mut");
  r.model = "mymodel";
  r.common.json = true;
  r.mc_reps = 1;
  const auto k = nlohmann::json::parse(run_tool(pmt::tools::run_ratio, r));
  REQUIRE(k["mutants"].size() == 2);
  CHECK(k["mutants"][0]["param"] == "0.01_2");
  CHECK(k["mutants"][1]["param"] == "0.05_1");

  // The executables say where the parameters came from, on stderr.
  std::string out, err;
  CHECK(run_exe("ratio",
                "--model mymodel --mut my_mut --param 2 --mc-reps 0 --data-root " + d.root.string(),
                &out, &err) == 0);
  CHECK_THAT(err, Catch::Contains("note: mymodel my_mut is not in ") &&
                      Catch::Contains("raw_data/mymodel: 0.5, 2, 10 (numeric order)"));
  CHECK_THAT(out, Catch::Contains("Mut: 2,"));
  // Unknown names still fail, with one list of what both sources know, each name once.
  CHECK(run_exe("ratio", "--model mymodel --mut nope --data-root " + d.root.string(), &out, &err) ==
        2);
  CHECK_THAT(err, Catch::Contains("unknown mutation 'nope' for model mymodel") &&
                      Catch::Contains("(known: my_mut, other_mut; from ") &&
                      Catch::Contains("raw_data/mymodel)"));
  CHECK(err.find("my_mut") == err.rfind("my_mut"));
  CHECK(run_exe("ratio", "--model mymodel --mut my_mut --param 3 --data-root " + d.root.string(),
                &out, &err) == 2);
  CHECK_THAT(err, Catch::Contains("unknown parameter '3' for mymodel my_mut"));
  // A mutation the settings do not list for a model they do list.
  d.write("raw_data/mnist/results_mnist_original.csv",
          pmt::io::read_file(d.root / "raw_data/mymodel/results_mymodel_original.csv"));
  d.write("raw_data/mnist/results_mnist_my_mut_mutated0_MP_1.csv",
          pmt::io::read_file(d.root / "raw_data/mymodel/results_mymodel_my_mut_mutated0_MP_2.csv"));
  d.setup(r, "my_mut");
  CHECK(nlohmann::json::parse(run_tool(pmt::tools::run_ratio, r))["mutants"][0]["param"] == "1");
}
