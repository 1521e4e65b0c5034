// Graph subjects as LibTorch modules: several inputs, embeddings, concatenate and dot, with
// gradients reaching every branch; soft labels (rows of class probabilities) in fit and evaluate.
#include <ATen/CPUGeneratorImpl.h>

#include "pmt/train/network.hpp"
#include "support/graph_specs.hpp"
#include "support/torch_catch.hpp"

TEST_CASE("a two-input graph runs forward and backward through both branches", "[network]") {
  const auto spec = pmt::model::parse_subject(pmt::test::two_inputs_spec(), "gaze.json");
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(1));
  const torch::Tensor eye = torch::rand({5, 1, 6, 6}), pose = torch::rand({5, 2});
  const torch::Tensor out = net.logits({eye, pose});
  CHECK(out.sizes() == torch::IntArrayRef({5, 2}));
  out.sum().backward();
  for (const auto& p : net.parameters()) CHECK(p.grad().abs().sum().item<double>() > 0);
  // the head angles matter: the same images with other angles give other outputs
  CHECK_FALSE(torch::allclose(net.logits({eye, pose + 1}), out));
  REQUIRE_THROWS_WITH(net.logits(eye), Catch::Contains("takes 2 input(s), got 1"));
}

TEST_CASE("embeddings and a dot product: a recommender-shaped graph", "[network]") {
  const auto spec = pmt::model::parse_subject(pmt::test::recommender_spec(), "recomm.json");
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(2));
  const torch::Tensor users = torch::tensor({0.f, 4.f, 2.f}).reshape({3, 1});
  const torch::Tensor movies = torch::tensor({6.f, 0.f, 3.f}).reshape({3, 1});
  const torch::Tensor out = net.logits({users, movies});
  CHECK(out.sizes() == torch::IntArrayRef({3, 2}));
  // Keras' default embedding initialiser: uniform in [-0.05, 0.05]
  const torch::Tensor w = net.parameters()[0];
  CHECK(w.sizes() == torch::IntArrayRef({5, 4}));
  CHECK(w.abs().max().item<double>() <= 0.05);
  CHECK(w.abs().max().item<double>() > 0.0);
}

TEST_CASE("soft labels: one-hot rows train as labels do, probabilities give Keras' loss",
          "[network]") {
  const auto spec = pmt::model::parse_subject(nlohmann::json::parse(R"({
    "name": "soft", "dataset": "tiny", "input_shape": [4], "num_classes": 3,
    "layers": [{"type": "dense", "units": 5, "activation": "relu"},
               {"type": "dense", "units": 3, "activation": "softmax"}],
    "loss": "categorical_crossentropy",
    "optimizer": {"name": "adadelta", "learning_rate": 1.0, "rho": 0.95, "epsilon": 1e-7},
    "batch_size": 4, "epochs": 3})"),
                                              "soft.json");
  pmt::model::Dataset labels;
  labels.inputs = {{{4}, {}}};
  for (int i = 0; i < 10; ++i) {
    for (int k = 0; k < 4; ++k) labels.inputs[0].x.push_back(float(((i + 1) * (k + 3)) % 7) / 7);
    labels.y.push_back(i % 3);
  }
  pmt::model::Dataset rows = labels;
  rows.target_dim = 3;
  rows.t.assign(30, 0.0f);
  for (int i = 0; i < 10; ++i) rows.t[std::size_t(i * 3 + labels.y[std::size_t(i)])] = 1.0f;
  rows.y.clear();
  pmt::train::SubjectNet a(spec, at::make_generator<at::CPUGeneratorImpl>(7));
  pmt::train::SubjectNet b(spec, at::make_generator<at::CPUGeneratorImpl>(7));
  const auto ha = pmt::train::fit(a, labels, nullptr), hb = pmt::train::fit(b, rows, nullptr);
  for (std::size_t e = 0; e < 3; ++e) {
    CHECK(hb.history[e].loss == Approx(ha.history[e].loss).epsilon(1e-6));
    CHECK(hb.history[e].accuracy == ha.history[e].accuracy);
  }
  const auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t k = 0; k < pa.size(); ++k) CHECK(torch::allclose(pa[k], pb[k], 1e-6, 1e-7));
  CHECK(pmt::train::evaluate(b, rows) == pmt::train::evaluate(a, labels));

  // probabilities: the mean over the rows of -sum_c p_c log softmax(z)_c; the accuracy counts the
  // most probable class
  for (int i = 0; i < 10; ++i) {
    const std::size_t r = std::size_t(i) * 3;
    rows.t[r] = 0.2f, rows.t[r + 1] = 0.3f, rows.t[r + 2] = 0.5f;
  }
  const torch::Tensor x = torch::from_blob(labels.inputs[0].x.data(), {10, 4}).clone();
  const torch::Tensor logp = torch::log_softmax(a.logits(x), 1);
  const double want = -(0.2 * logp.select(1, 0) + 0.3 * logp.select(1, 1) + 0.5 * logp.select(1, 2))
                           .mean()
                           .item<double>();
  const double hits = logp.argmax(1).eq(2).sum().item<double>() / 10;
  const auto [loss, accuracy] = pmt::train::evaluate(a, rows);
  CHECK(loss == Approx(want).epsilon(1e-6));
  CHECK(accuracy == hits);
}
