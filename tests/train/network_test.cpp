// Graph subjects as LibTorch modules: several inputs, embeddings, concatenate and dot, with
// gradients reaching every branch.
#include <catch2/catch.hpp>

#include <ATen/CPUGeneratorImpl.h>

#include "graph_specs.hpp"
#include "pmt/train/network.hpp"

TEST_CASE("a two-input graph runs forward and backward through both branches", "[network]") {
  const auto spec = pmt::train::parse_subject(pmt::test::two_inputs_spec(), "gaze.json");
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
  const auto spec = pmt::train::parse_subject(pmt::test::recommender_spec(), "recomm.json");
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
