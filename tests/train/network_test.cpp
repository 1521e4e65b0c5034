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

TEST_CASE("softmax on a convolution normalises over the channels, as Keras' channels-last axis -1",
          "[network][fidelity]") {
  const auto spec = pmt::model::parse_subject(nlohmann::json::parse(R"({
    "name": "conv_softmax", "dataset": "tiny", "input_shape": [1, 2, 3], "num_classes": 2,
    "layers": [{"type": "conv2d", "filters": 4, "kernel_size": [1, 1], "activation": "softmax"},
               {"type": "flatten"}, {"type": "dense", "units": 2, "activation": "softmax"}]})"),
                                              "conv_softmax.json");
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(3));
  const torch::Tensor x = torch::rand({2, 1, 2, 3}, torch::kDouble).to(torch::kFloat);
  const torch::Tensor got = net.layer_outputs({x})[0];  // (N, C, H, W) after the softmax
  // Independently: the 1x1 convolution by hand, then softmax over the last axis of the
  // channels-last (N, H, W, C) tensor, as TF computes it.
  const torch::Tensor w = net.parameters()[0].detach().reshape({4}),
                      b = net.parameters()[1].detach();
  const torch::Tensor pre = x.permute({0, 2, 3, 1}) * w + b;  // (N, H, W, C)
  const torch::Tensor e = (pre - std::get<0>(pre.max(-1, true))).exp();
  const torch::Tensor want = (e / e.sum(-1, true)).permute({0, 3, 1, 2});
  REQUIRE(got.sizes() == want.sizes());
  CHECK(torch::allclose(got, want, 1e-5, 1e-6));
  // every pixel's channels sum to 1; the old axis (the width) would make each row sum to 1
  CHECK(torch::allclose(got.sum(1), torch::ones({2, 2, 3}), 1e-5, 1e-6));
}

namespace {

// A one-layer net whose output is its bias: kernel zero.
void set_output(pmt::train::SubjectNet& net, const std::vector<float>& bias) {
  torch::NoGradGuard no_grad;
  net.parameters()[0].zero_();
  net.parameters()[1].copy_(torch::tensor(bias));
}

pmt::model::Dataset rows(int n, std::vector<float> targets, std::int64_t dim) {
  pmt::model::Dataset d;
  d.inputs = {{{1}, std::vector<float>(static_cast<std::size_t>(n), 1.0f)}};
  d.t = std::move(targets);
  d.target_dim = dim;
  return d;
}

}  // namespace

TEST_CASE("hinge keeps real-valued targets as they are, as TF 2.3 does", "[network][fidelity]") {
  for (const char* loss : {"hinge", "squared_hinge"}) {
    INFO(loss);
    const auto spec = pmt::model::parse_subject(nlohmann::json::parse(std::string(R"({
      "name": "reg", "dataset": "tiny", "input_shape": [1], "task": "regression", "outputs": 1,
      "metric": "abs_error_below_0.5", "data": {"format": "npy", "inputs": ["x.npy"],
      "targets": "y.npy"}, "layers": [{"type": "dense", "units": 1}], "loss": ")") +
                                                                      loss + R"("})"),
                                                "reg.json");
    pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(1));
    set_output(net, {0.5f});
    const bool squared = std::string(loss) == "squared_hinge";
    // targets 0.5: used as they are, max(0, 1 - 0.5 * 0.5) = 0.75 (not 1, from 2y - 1 = 0)
    CHECK(pmt::train::evaluate(net, rows(2, {0.5f, 0.5f}, 1)).first ==
          Approx(squared ? 0.5625 : 0.75));
    // targets all 0 or 1: mapped to -1 and 1, (1.5 + 0.5) / 2 (squared: (2.25 + 0.25) / 2)
    CHECK(pmt::train::evaluate(net, rows(2, {0.0f, 1.0f}, 1)).first ==
          Approx(squared ? 1.25 : 1.0));
  }
}

TEST_CASE("accuracy is the argmax of the activated output, as Keras' categorical_accuracy",
          "[network][fidelity]") {
  const auto spec = pmt::model::parse_subject(nlohmann::json::parse(R"({
    "name": "relu_out", "dataset": "tiny", "input_shape": [1], "num_classes": 3,
    "layers": [{"type": "dense", "units": 3, "activation": "relu"}],
    "loss": "mean_squared_error"})"),
                                              "relu_out.json");
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(1));
  // pre-activation (-1, -2, -0.5): its argmax is class 2; after relu (0, 0, 0), class 0 (the
  // first index on ties)
  set_output(net, {-1.0f, -2.0f, -0.5f});
  pmt::model::Dataset d;
  d.inputs = {{{1}, {1.0f, 1.0f}}};
  d.y = {0, 0};
  std::vector<std::int64_t> predicted;
  CHECK(pmt::train::evaluate(net, d, &predicted).second == 1.0);
  CHECK(predicted == std::vector<std::int64_t>{0, 0});
}

TEST_CASE("binary cross-entropy behind a sigmoid is computed from the logits, as TF 2.3 does",
          "[network][fidelity]") {
  const auto spec = pmt::model::parse_subject(nlohmann::json::parse(R"({
    "name": "bce", "dataset": "tiny", "input_shape": [1], "num_classes": 2,
    "layers": [{"type": "dense", "units": 2, "activation": "sigmoid"}],
    "loss": "binary_crossentropy"})"),
                                              "bce.json");
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(1));
  // logits (20, -1) against one-hot (0, 1): sigmoid_cross_entropy_with_logits gives
  // (20 + log(1 + e^-20) + 1 + log(1 + e^-1)) / 2; from the clipped probabilities it would be
  // about (16.1 + 1.31) / 2 (sigmoid(20) rounds to 1 in float)
  set_output(net, {20.0f, -1.0f});
  pmt::model::Dataset d;
  d.inputs = {{{1}, {1.0f}}};
  d.y = {1};
  CHECK(pmt::train::evaluate(net, d).first ==
        Approx((20 + std::log1p(std::exp(-20.0)) + 1 + std::log1p(std::exp(-1.0))) / 2)
            .epsilon(1e-5));
}
