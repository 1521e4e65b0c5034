// DeepCrime's training-data operators on a tiny labelled set: class 0 has 10 samples, class 1
// six, class 2 four (mean class size 6.67); sample i is the constant image i. The spec operators
// are tested in registry_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "pmt/core/error.hpp"
#include "pmt/mutate/pre_training.hpp"

using namespace pmt::mutate;

namespace {

Dataset tiny() {
  Dataset d;
  d.inputs = {{{1, 2, 2}, {}}};
  const std::vector<std::int64_t> labels{0, 1, 0, 2, 0, 1, 0, 2, 0, 1,
                                         0, 2, 0, 1, 0, 2, 0, 1, 0, 1};
  for (std::size_t i = 0; i < labels.size(); ++i) {
    d.y.push_back(labels[i]);
    // distinct, non-constant images so that std(x_i) > 0 and samples are recognisable
    for (int k = 0; k < 4; ++k)
      d.inputs[0].x.push_back(static_cast<float>(i) + 0.25f * static_cast<float>(k));
  }
  return d;
}

pmt::Rng rng() { return pmt::make_stream(7, {1}); }

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
  CHECK(m.inputs[0].x == d.inputs[0].x);
}

TEST_CASE("delete_training_data deletes pct% of every class", "[mutation]") {
  auto r = rng();
  const Dataset m = delete_training_data(tiny(), 50, r);
  CHECK(class_counts(m) == std::vector<std::int64_t>{5, 3, 2});
  // survivors keep their images and their order
  for (std::int64_t i = 0; i < m.size(); ++i) {
    const auto orig = static_cast<std::size_t>(m.inputs[0].x[i * 4]);
    CHECK(tiny().y[orig] == m.y[i]);
    if (i > 0) CHECK(m.inputs[0].x[i * 4] > m.inputs[0].x[(i - 1) * 4]);
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
    for (int k = 0; k < 4; ++k) diff = diff || m.inputs[0].x[i * 4 + k] != d.inputs[0].x[i * 4 + k];
    noisy += diff;
    // std of a sample is 0.2795 (values v, v+.25, v+.5, v+.75); noise sd = 0.14: 6 sd = 0.84
    for (int k = 0; k < 4; ++k)
      CHECK(std::abs(m.inputs[0].x[i * 4 + k] - d.inputs[0].x[i * 4 + k]) < 0.84);
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
    const auto orig = static_cast<std::size_t>(m.inputs[0].x[i * 4]);
    CHECK(d.y[orig] == 0);  // a copy of a most-frequent-class sample
  }
}

TEST_CASE("operators are reproducible from the stream", "[mutation]") {
  auto r1 = rng(), r2 = rng();
  CHECK(change_label(tiny(), 40, r1).y == change_label(tiny(), 40, r2).y);
}

TEST_CASE("TCL and TCO break frequency ties towards the larger label, as DeepCrime", "[mutation]") {
  Dataset d;
  d.inputs = {{{1}, {}}};
  for (int i = 0; i < 12; ++i) {
    d.y.push_back(i % 3);  // balanced: 4 samples of each class
    d.inputs[0].x.push_back(static_cast<float>(i));
  }
  auto r = rng();
  const Dataset tcl = change_label(d, 100, r);
  for (std::int64_t i = 0; i < d.size(); ++i) {
    if (d.y[i] == 2) CHECK(tcl.y[i] != 2);  // the last class is "the most frequent"
    if (d.y[i] != 2) CHECK(tcl.y[i] == d.y[i]);
  }
  const Dataset tco = make_output_classes_overlap(d, 50, r);
  REQUIRE(tco.size() == 14);
  CHECK(tco.y[12] == 1);  // copies of class 2 labelled as class 1
  CHECK(d.y[static_cast<std::size_t>(tco.inputs[0].x[12])] == 2);
}

TEST_CASE(
    "regression TUD crash: unbalance_train_data at 100% empties every "
    "below-mean class and keeps the others",
    "[mutation][regression]") {
  auto r = rng();
  // DeepCrime HEAD crashes here; its older copy re-indexes np.unique after each deletion and
  // skips classes. pmt deletes every class below the mean size (6.67): classes 1 and 2.
  CHECK(class_counts(unbalance_train_data(tiny(), 100, r)) == std::vector<std::int64_t>{10});
}

namespace {

// Regression targets: one column v_i = i - 10 (i < 21), so std = 6.06 and the buckets around 0
// (DeepCrime's get_label_buckets) are v < -6.06 (4 samples), |v| <= 6.06 (13), v > 6.06 (4).
Dataset regression(std::int64_t columns) {
  Dataset d;
  d.inputs = {{{1}, {}}};
  d.target_dim = columns;
  for (int i = 0; i < 21; ++i) {
    d.inputs[0].x.push_back(static_cast<float>(i));
    for (std::int64_t c = 0; c < columns; ++c)
      d.t.push_back(static_cast<float>(c == 0 ? i - 10 : (i % 3) - 1));
  }
  return d;
}

}  // namespace

TEST_CASE("regression subjects: DeepCrime's std buckets around 0 are the classes of TRD and TUD",
          "[mutation]") {
  CHECK(class_counts(regression(1)) == std::vector<std::int64_t>{4, 13, 4});
  // two columns: 3 c(v0) + c(v1); column 1 is -1, 0, 1 with std 0.816: c = 0, 1, 2
  const auto two = class_counts(regression(2));
  REQUIRE(two.size() == 9);
  CHECK(two[0] + two[1] + two[2] == 4);  // v0 < -std
  CHECK(two[4] == 5);                    // |v0| small, v1 = 0
  auto r = rng();
  // TUD: the mean over the 3 buckets is 7; the two small buckets lose half (the survivors'
  // buckets are not recounted: the std changes with the data)
  const Dataset tud = unbalance_train_data(regression(1), 50, r);
  CHECK(tud.size() == 2 + 13 + 2);
  CHECK(std::count_if(tud.t.begin(), tud.t.end(), [](float v) { return std::abs(v) <= 6; }) ==
        13);  // the middle bucket is whole
  CHECK(delete_training_data(regression(1), 50, r).size() == 2 + 7 + 2);
}

TEST_CASE("regression subjects: TCL adds N(0, std(y) pct/100) to every target", "[mutation]") {
  auto r = rng();
  const Dataset d = regression(1), m = change_label(d, 10, r);
  double sq = 0;
  for (std::size_t i = 0; i < d.t.size(); ++i) {
    CHECK(m.t[i] != d.t[i]);
    sq += (m.t[i] - d.t[i]) * (m.t[i] - d.t[i]);
  }
  const double sd = std::sqrt(sq / 21.0);  // expected 0.606; 21 draws: within a factor of 2
  CHECK(sd > 0.3);
  CHECK(sd < 1.2);
}

TEST_CASE("regression subjects with classes 'values': TCL relabels the most frequent value",
          "[mutation]") {
  Dataset d = regression(1);
  d.classes = "values";
  d.t = std::vector<float>(21, 0.5f);
  for (int i = 0; i < 6; ++i) d.t[i] = 0.25f, d.t[20 - i] = 1.0f;  // 9 x 0.5, 6 x 0.25, 6 x 1
  auto r = rng();
  const Dataset m = change_label(d, 100, r);
  int moved = 0;
  for (std::size_t i = 0; i < 21; ++i) {
    if (d.t[i] != 0.5f) CHECK(m.t[i] == d.t[i]);
    if (d.t[i] == 0.5f) moved += (m.t[i] == 0.25f || m.t[i] == 1.0f);
  }
  CHECK(moved == 9);
  // TCO: copies of 0.5-samples get the second most frequent value (a tie: the smaller one)
  const Dataset o = make_output_classes_overlap(d, 100, r);
  REQUIRE(o.size() == 30);
  for (std::int64_t i = 21; i < 30; ++i) CHECK(o.t[i] == 0.25f);
}
