// mutation_score end to end with real training (LibTorch) on a tiny generated subject: searches
// of delete_training_data (binary, precision 30; --set test, then --set train) and
// change_optimisation_function (exhaustive: adam, sgd) on the full test set and the training set;
// weak_test_set builds the weak test set from sound instance 0; the same searches on it
// (--test-set-name weak); the weak test set's mutation score is lower than the full test set's.
//
// The data are made for it: half of the inputs are easy (bright band 200 vs 40) and half hard
// (125 vs 115, near the decision boundary), both with pixel noise. The weak set keeps the
// inputs the sound instance classifies right with the highest confidence, i.e. easy ones, which
// a weakened mutant still classifies right more often. What this data shows (6 instances, fixed
// seeds): full test set 1.00 (delete_training_data kc 99 on both sets; sgd killed on both),
// weak test set 0.50 (delete_training_data 1.00; sgd's kill on the weak set has power < 0.8, so
// it does not count: 0.00).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "pmt/io/atomic_file.hpp"
#include "pmt/model/dataset.hpp"
#include "pmt/search/mutation_score.hpp"
#include "pmt/tools/mutation_search.hpp"
#include "support/tiny_data.hpp"

namespace fs = std::filesystem;

namespace {

void write_mixed_split(const fs::path& dir, const std::string& prefix, int n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> noise(0, 30);
  pmt::model::IdxArray x{{n, 4, 4}, {}}, y{{n}, {}};
  for (int i = 0; i < n; ++i) {
    const int label = i % 2;
    const bool easy = (i / 2) % 2 == 0;
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) {
        const bool bright = r * 2 / 4 == label;
        const double v = (easy ? (bright ? 200 : 40) : (bright ? 125 : 115)) + noise(gen);
        x.data.push_back(static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0)));
      }
    y.data.push_back(static_cast<std::uint8_t>(label));
  }
  fs::create_directories(dir);
  pmt::model::write_idx(dir / (prefix + "-images-idx3-ubyte"), x);
  pmt::model::write_idx(dir / (prefix + "-labels-idx1-ubyte"), y);
}

}  // namespace

TEST_CASE("mutation_score: the weak test set scores lower than the full one", "[search][tools]") {
  const fs::path root =
      fs::temp_directory_path() / ("pmt_score_end_to_end_test_" + std::to_string(getpid()));
  fs::remove_all(root);
  write_mixed_split(root / "datasets" / "tiny", "train", 512, 1);
  write_mixed_split(root / "datasets" / "tiny", "t10k", 256, 2);
  const fs::path subject = root / "tiny.json";
  pmt::io::write_file_atomic(subject, pmt::test::tiny_subject(R"(,
      "mutation_search": {"delete_training_data": {"precision": 30},
                          "change_optimisation_function": {"values": ["adam", "sgd"]}})"));
  const auto options = [&](const std::string& mut) {
    pmt::tools::MutationSearchOptions o;
    o.subject_file = subject.string();
    o.mut = mut;
    o.instances = 6;
    o.common.data_root = root.string();
    o.progress = false;
    return o;
  };
  const std::vector<std::string> ops{"delete_training_data", "change_optimisation_function"};
  // delete_training_data in two runs (test, then train): <mut>.json keeps both sets
  for (const char* set : {"test", "train"}) {
    auto o = options(ops[0]);
    o.sets = set;
    pmt::tools::run_mutation_search(o);
  }
  pmt::tools::run_mutation_search(options(ops[1]));

  pmt::tools::WeakTestSetOptions w;
  w.subject_file = subject.string();
  w.common.data_root = root.string();
  w.out = (root / "weak" / "weak-images-idx3-ubyte").string();
  const auto weak = pmt::tools::run_weak_test_set(w);
  CHECK(weak.test_size == 256);
  CHECK(weak.kept == 128);
  CHECK(fs::exists(root / "weak" / "weak-labels-idx1-ubyte"));

  for (const auto& op : ops) {
    auto o = options(op);
    o.sets = "test";
    o.test_set = w.out;
    o.test_set_name = "weak";
    const auto s = pmt::tools::run_mutation_search(o);
    CHECK(s.json_file == root / "search" / "tiny" / "weak" / (op + ".json"));
  }
  CHECK(
      fs::exists(root / "test_sets" / "weak" / "raw_data" / "tiny" / "results_tiny_original.csv"));

  const fs::path dir = root / "search" / "tiny";
  const auto full = pmt::search::mutation_score(dir, dir, {});
  const auto on_weak = pmt::search::mutation_score(dir, dir / "weak", {});
  INFO(full.table());
  INFO(on_weak.table());
  REQUIRE(full.counted >= 1);
  CHECK(on_weak.total < full.total);
  fs::remove_all(root);
}
