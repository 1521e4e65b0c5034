// mce and practicality on the replication package's repetition files (deterministic: 1e-6
// relative), and bit-identical results whatever --proc.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "pmt/tools/shard.hpp"
#include "tools/fixture.hpp"

TEST_CASE("mce reproduces the reference on every rep_mce file", "[cli][mce]") {
  DataRoot d;
  d.with("rep_mce");
  int checked = 0;
  const auto all_oracles = oracles();
  for (const auto& row : all_oracles["mce"]) {
    pmt::tools::MceOptions o;
    d.setup(o, row["mut"], row["mut"] == "original" ? "" : row["param"].get<std::string>());
    o.common.json = true;
    const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_mce, o));
    INFO(row["file"].get<std::string>());
    for (const char* k : {"mean", "mean_mce", "variance", "variance_mce"})
      CHECK(close(j[k], row["expected"][k]));
    ++checked;
  }
  CHECK(checked == 12);
}

TEST_CASE("mce prints the reference's three lines", "[cli][mce]") {
  DataRoot d;
  d.with("rep_mce");
  pmt::tools::MceOptions o;
  d.setup(o, "change_label", "18.75");
  const std::string out = run_tool(pmt::tools::run_mce, o);
  CHECK_THAT(out, Catch::StartsWith("Model mnist, Mutation change_label (Param 18.75)\n"
                                    "Mean: Avg 0.3652769864"));
  CHECK_THAT(out, Catch::Contains("\nVariance: Avg 0.0167801962"));
  CHECK_THAT(out, Catch::Contains("95% Confidence Interval: ("));
}

TEST_CASE("practicality summaries for sizes 25 and 190", "[cli][practicality]") {
  const char* names[3] = {"estimate", "lower", "upper"};
  const char* quantity[2] = {"mean", "variance"};
  for (const bool from_l_std : {false, true}) {
    DataRoot d;
    d.with("rep_practicality/mnist/mnist_change_label_3.12_30_rep_25_size_pop.npy");
    d.with("rep_practicality/mnist/mnist_change_label_3.12_30_rep_190_size_pop.npy");
    if (from_l_std) d.with("rep_practicality/mnist/data_plot/l_std_mnist_change_label_3.12.npy");
    const auto all_oracles = oracles();
    REQUIRE(all_oracles["practicality"].size() == 2);  // sizes 25 and 190
    for (const auto& row : all_oracles["practicality"]) {
      pmt::tools::PracticalityOptions o;
      d.setup(o, "change_label", "3.12");
      o.pop_size = row["size"];
      o.common.json = true;
      const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_practicality, o));
      INFO("size " << o.pop_size << (from_l_std ? " from l_std" : " from the arrays"));
      for (int e = 0; e < 3; ++e)
        for (int k = 0; k < 2; ++k)
          for (int q = 0; q < 3; ++q)
            CHECK(close(j[names[e]][quantity[k]][q], row["expected"][names[e]][k][q]));
    }
  }
}

TEST_CASE("results are bit-identical whatever --proc", "[cli][mce][determinism]") {
  std::string bytes[2];
  for (int proc : {1, 2}) {
    DataRoot d;
    d.with_raw_data();
    pmt::tools::MceOptions o;
    d.setup(o, "delete_training_data", "9.29");
    o.reps = 8;
    o.common.proc = proc;
    run_tool(pmt::tools::run_mce, o);
    std::ifstream in(d.root / "rep_mce/mnist/mnist_delete_training_data_9.29_200_pop_size.npy",
                     std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    bytes[proc - 1] = ss.str();
  }
  CHECK(bytes[0].size() > 8 * 100 * 8);
  CHECK(bytes[0] == bytes[1]);
}

TEST_CASE("a different seed gives different kill rates", "[cli][mce][determinism]") {
  std::string out[2];
  for (int i = 0; i < 2; ++i) {
    DataRoot d;
    d.with_raw_data();
    pmt::tools::MceOptions o;
    d.setup(o, "delete_training_data", "9.29");
    o.reps = 4;
    o.common.seed = 42 + i;
    o.common.json = true;
    out[i] = run_tool(pmt::tools::run_mce, o);
  }
  CHECK(out[0] != out[1]);
}

TEST_CASE("practicality generates and summarises a small sweep", "[cli][practicality]") {
  DataRoot d;
  d.with_raw_data();
  pmt::tools::PracticalityOptions o;
  d.setup(o, "delete_training_data", "30.93");
  o.sizes = {25, 50};
  o.n_pop = 3;
  o.reps = 4;
  o.common.json = true;
  const auto j = nlohmann::json::parse(run_tool(pmt::tools::run_practicality, o));
  REQUIRE(j["sizes"].size() == 2);
  // 30.93 is always killed: every estimate sits near 1.
  CHECK(j["sizes"][1]["estimate"]["mean"][0].get<double>() > 0.95);
  const fs::path base = d.root / "rep_practicality" / "mnist";
  CHECK(fs::file_size(base / "mnist_delete_training_data_30.93_30_rep_25_size_pop.npy") ==
        128 + 3 * 4 * 100 * 8);
  CHECK(fs::exists(base / "data_plot" / "l_std_mnist_delete_training_data_30.93.npy"));
}

namespace {
std::string bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST_CASE("mce --shard: the parts assemble into the unsharded array", "[cli][mce][shard]") {
  DataRoot whole, sharded;
  const auto options = [](const DataRoot& d) {
    pmt::tools::MceOptions o;
    d.with_raw_data();
    d.setup(o, "change_label", "9.38");
    o.reps = 7;
    o.bootstraps = 20;
    o.common.proc = 1;
    return o;
  };
  const auto a = options(whole);
  const std::string expected = run_tool(pmt::tools::run_mce, a);
  const fs::path file = "rep_mce/mnist/mnist_change_label_9.38_200_pop_size.npy";
  // shards 2/3 and 0/3 only: the unsharded run computes block 1 and assembles the three
  auto b = options(sharded);
  for (const char* s : {"2/3", "0/3"}) {
    b.shard = pmt::tools::parse_shard(s);
    CHECK(run_tool(pmt::tools::run_mce, b).empty());  // no estimate from a shard
  }
  CHECK(fs::exists(sharded.root /
                   "rep_mce/mnist/mnist_change_label_9.38_200_pop_size.part-2-of-3.npy"));
  CHECK_FALSE(fs::exists(sharded.root / file));
  b.shard = {};
  CHECK(run_tool(pmt::tools::run_mce, b) == expected);
  CHECK(bytes(sharded.root / file) == bytes(whole.root / file));
  for (const auto& e : fs::directory_iterator(sharded.root / "rep_mce/mnist"))
    CHECK(e.path().filename().string().find(".part-") == std::string::npos);
}

TEST_CASE("practicality --shard: the sizes split among shards", "[cli][practicality][shard]") {
  DataRoot whole, sharded;
  const auto options = [](const DataRoot& d) {
    pmt::tools::PracticalityOptions o;
    d.with_raw_data();
    d.setup(o, "change_label", "9.38");
    o.sizes = {25, 50, 75};
    o.n_pop = 3;
    o.reps = 4;
    o.bootstraps = 10;
    o.plot = false;
    o.common.proc = 1;
    return o;
  };
  const std::string expected = run_tool(pmt::tools::run_practicality, options(whole));
  auto b = options(sharded);
  const auto array = [](const DataRoot& d, int size) {
    return d.root /
           fmt::format("rep_practicality/mnist/mnist_change_label_9.38_30_rep_{}_size_pop.npy",
                       size);
  };
  b.shard = pmt::tools::parse_shard("1/2");
  CHECK(run_tool(pmt::tools::run_practicality, b).empty());
  CHECK(fs::exists(array(sharded, 50)));
  CHECK_FALSE(fs::exists(array(sharded, 25)));
  b.shard = pmt::tools::parse_shard("0/2");
  run_tool(pmt::tools::run_practicality, b);
  CHECK(fs::exists(array(sharded, 75)));
  b.shard = {};
  CHECK(run_tool(pmt::tools::run_practicality, b) == expected);
  for (int s : {25, 50, 75}) CHECK(bytes(array(sharded, s)) == bytes(array(whole, s)));
  b.size = 25;
  b.shard = pmt::tools::parse_shard("0/2");
  CHECK_THROWS_WITH(run_tool(pmt::tools::run_practicality, b), Catch::Contains("--shard"));
}
