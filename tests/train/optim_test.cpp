// Adadelta, Adamax and Nadam against step values computed by hand from their published update
// rules (optim.hpp), on loss = 0.5 p0 + 3 p1 (constant gradient g = (0.5, 3)) from p = (1, -2),
// in double precision. Tolerance 1e-12 absolute: the expected values are exact double evaluations
// of the same formulas, so only rounding-order differences (~1e-16) remain.
//
// Example, Adadelta(lr 1, rho 0.95, eps 1e-7), step 1, g = 0.5:
//   E[g2] = 0.05 * 0.25 = 0.0125;  d = 0.5 * sqrt(1e-7) / sqrt(0.0125 + 1e-7) = 1.4142079e-3;
//   p = 1 - d = 0.99858579...
#include "pmt/train/optim.hpp"
#include "support/torch_catch.hpp"

namespace {

using pmt::train::KerasOptimOptions;

// Runs `steps` steps of `make(params)` and returns the two parameter values.
template <typename Make>
std::pair<double, double> run(Make make, int steps) {
  torch::Tensor p = torch::tensor({1.0, -2.0}, torch::kDouble).requires_grad_(true);
  const torch::Tensor c = torch::tensor({0.5, 3.0}, torch::kDouble);
  auto opt = make(std::vector<torch::Tensor>{p});
  for (int t = 0; t < steps; ++t) {
    opt->zero_grad();
    (p * c).sum().backward();
    opt->step();
  }
  return {p[0].item<double>(), p[1].item<double>()};
}

void check(std::pair<double, double> got, double a, double b) {
  CHECK(got.first == Approx(a).margin(1e-12));
  CHECK(got.second == Approx(b).margin(1e-12));
}

}  // namespace

TEST_CASE("Adadelta follows Zeiler's rule with Keras' MNIST settings", "[optim]") {
  auto make = [](std::vector<torch::Tensor> p) {
    return std::make_unique<pmt::train::Adadelta>(p, KerasOptimOptions(1.0).rho(0.95).eps(1e-7));
  };
  check(run(make, 1), 0.9985857920944472, -2.0014142134052384);
  check(run(make, 2), 0.9971535681487, -2.0028464429921407);
}

TEST_CASE("Adamax follows Kingma and Ba's infinity-norm rule", "[optim]") {
  auto make = [](std::vector<torch::Tensor> p) {
    return std::make_unique<pmt::train::Adamax>(p, KerasOptimOptions(0.001));
  };
  // step 1: m = 0.1 g, u = |g|, p -= 0.001 / 0.1 * 0.1 g / (|g| + 1e-7)
  check(run(make, 1), 0.9990000001999999, -2.0009999999666666);
  check(run(make, 2), 0.9980000003999998, -2.001999999933333);
}

TEST_CASE("Nadam follows Keras' momentum schedule", "[optim]") {
  auto make = [](std::vector<torch::Tensor> p) {
    return std::make_unique<pmt::train::Nadam>(p, KerasOptimOptions(0.001));
  };
  check(run(make, 1), 0.998943548432935, -2.0010564517431404);
  check(run(make, 2), 0.9981598642328806, -2.0018401360738087);
}

TEST_CASE("make_optimizer applies the spec's parameters and Keras defaults", "[optim]") {
  pmt::model::OptimizerSpec spec;
  spec.name = "adadelta";
  spec.learning_rate = 1.0;
  auto make = [&](std::vector<torch::Tensor> p) { return pmt::train::make_optimizer(spec, p); };
  check(run(make, 2), 0.9971535681487, -2.0028464429921407);  // rho 0.95, eps 1e-7 defaults
  spec.name = "sgd";
  spec.learning_rate = 0.1;
  check(run(make, 1), 1.0 - 0.05, -2.0 - 0.3);
  spec.name = "rmsprop";
  REQUIRE(pmt::train::make_optimizer(spec, {torch::zeros({1}).requires_grad_(true)}));
  spec.name = "nesterov_magic";
  REQUIRE_THROWS_WITH(
      pmt::train::make_optimizer(spec, {torch::zeros({1}).requires_grad_(true)}),
      Catch::Contains("unknown optimiser 'nesterov_magic'") && Catch::Contains("adadelta"));
}
