// DeepCrime's training-data and hyperparameter operators on a tiny labelled set: class 0 has 10
// samples, class 1 six, class 2 four (mean class size 6.67); sample i is the constant image i.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "pmt/error.hpp"
#include "pmt/train/mutation.hpp"

using namespace pmt::train;

namespace {

Dataset tiny() {
  Dataset d;
  d.sample_shape = {1, 2, 2};
  const std::vector<std::int64_t> labels{0, 1, 0, 2, 0, 1, 0, 2, 0, 1,
                                         0, 2, 0, 1, 0, 2, 0, 1, 0, 1};
  for (std::size_t i = 0; i < labels.size(); ++i) {
    d.y.push_back(labels[i]);
    // distinct, non-constant images so that std(x_i) > 0 and samples are recognisable
    for (int k = 0; k < 4; ++k)
      d.x.push_back(static_cast<float>(i) + 0.25f * static_cast<float>(k));
  }
  return d;
}

pmt::stats::Rng rng() { return pmt::stats::make_stream(7, {1}); }

}  // namespace

TEST_CASE("change_label relabels pct% of the most frequent class only", "[mutation]") {
  auto r = rng();
  const Dataset d = tiny(), m = change_label(d, 50, r);
  int changed = 0;
  for (std::int64_t i = 0; i < d.size(); ++i) {
    if (d.y[i] != m.y[i]) {
      ++changed;
      CHECK(d.y[i] == 0);  // only the most frequent class
      CHECK((m.y[i] == 1 || m.y[i] == 2));
    }
  }
  CHECK(changed == 5);  // int(10 * 50 / 100)
  CHECK(m.x == d.x);
}

TEST_CASE("delete_training_data deletes pct% of every class", "[mutation]") {
  auto r = rng();
  const Dataset m = delete_training_data(tiny(), 50, r);
  CHECK(class_counts(m) == std::vector<std::int64_t>{5, 3, 2});
  // survivors keep their images and their order
  for (std::int64_t i = 0; i < m.size(); ++i) {
    const auto orig = static_cast<std::size_t>(m.x[i * 4]);
    CHECK(tiny().y[orig] == m.y[i]);
    if (i > 0) CHECK(m.x[i * 4] > m.x[(i - 1) * 4]);
  }
  auto r2 = rng();
  CHECK(class_counts(delete_training_data(tiny(), 30, r2)) ==
        std::vector<std::int64_t>{7, 5, 3});  // int(3.0), int(1.8), int(1.2) deleted
}

TEST_CASE("unbalance_train_data deletes only from classes below the mean size", "[mutation]") {
  auto r = rng();
  CHECK(class_counts(unbalance_train_data(tiny(), 50, r)) == std::vector<std::int64_t>{10, 3, 2});
}

TEST_CASE("add_noise perturbs pct% of the samples by their own std", "[mutation]") {
  auto r = rng();
  const Dataset d = tiny(), m = add_noise(d, 50, r);
  int noisy = 0;
  for (std::int64_t i = 0; i < d.size(); ++i) {
    bool diff = false;
    for (int k = 0; k < 4; ++k) diff = diff || m.x[i * 4 + k] != d.x[i * 4 + k];
    noisy += diff;
    // std of a sample is 0.2795 (values v, v+.25, v+.5, v+.75); noise sd = 0.14: 6 sd = 0.84
    for (int k = 0; k < 4; ++k) CHECK(std::abs(m.x[i * 4 + k] - d.x[i * 4 + k]) < 0.84);
  }
  CHECK(noisy == 10);
  CHECK(m.y == d.y);
}

TEST_CASE("make_output_classes_overlap copies pct% of the top class as the second", "[mutation]") {
  auto r = rng();
  const Dataset d = tiny(), m = make_output_classes_overlap(d, 50, r);
  REQUIRE(m.size() == d.size() + 5);
  for (std::int64_t i = d.size(); i < m.size(); ++i) {
    CHECK(m.y[i] == 1);  // second most frequent class
    const auto orig = static_cast<std::size_t>(m.x[i * 4]);
    CHECK(d.y[orig] == 0);  // a copy of a most-frequent-class sample
  }
}

TEST_CASE("operators are reproducible from the stream", "[mutation]") {
  auto r1 = rng(), r2 = rng();
  CHECK(change_label(tiny(), 40, r1).y == change_label(tiny(), 40, r2).y);
}

TEST_CASE("hyperparameter operators are spec -> spec", "[mutation]") {
  SubjectSpec s;
  s.batch_size = 128;
  s.epochs = 12;
  s.optimizer.learning_rate = 1.0;
  CHECK(mutate_spec(s, make_mutation("change_batch_size", "32"), 100).batch_size == 32);
  CHECK(
      mutate_spec(s, make_mutation("change_learning_rate", "0.001"), 100).optimizer.learning_rate ==
      0.001);
  CHECK(mutate_spec(s, make_mutation("change_epochs", "3"), 100).epochs == 3);
  const Mutation db = make_mutation("disable_batching", "");
  CHECK(db.folder() == "disable_batching_full");
  CHECK(mutate_spec(s, db, 8004).batch_size == 8004);
  CHECK(mutate_spec(s, make_mutation("delete_training_data", "10"), 100).batch_size == 128);
}

TEST_CASE("unknown mutations and bad parameters are usage errors", "[mutation]") {
  REQUIRE_THROWS_WITH(make_mutation("flip_bits", "1"),
                      Catch::Contains("unknown mutation 'flip_bits'") &&
                          Catch::Contains("change_label") && Catch::Contains("disable_batching"));
  REQUIRE_THROWS_WITH(make_mutation("change_label", ""), Catch::Contains("needs --param"));
  REQUIRE_THROWS_WITH(make_mutation("change_label", "150"), Catch::Contains("[0, 100]"));
  REQUIRE_THROWS_WITH(make_mutation("change_epochs", "2.5"), Catch::Contains("an integer"));
  REQUIRE_THROWS_WITH(make_mutation("original", "3"), Catch::Contains("takes no --param"));
  try {
    make_mutation("flip_bits", "1");
  } catch (const pmt::Error& e) {
    CHECK(e.exit_code() == 2);
  }
  CHECK(make_mutation("change_label", "3.12").folder() == "change_label_3.12");
}
