// Subject specs: the built-in mnist subject is DeepCrime's model; bad specs give one-line
// errors that list the valid names or name the layer whose shape does not fit.
#include <catch2/catch.hpp>

#include "pmt/core/error.hpp"
#include "pmt/model/subject.hpp"
#include "support/graph_specs.hpp"

using nlohmann::json;
using pmt::model::parse_subject;

namespace {

json tiny() {
  return json::parse(R"({
    "name": "tiny", "dataset": "tiny", "input_shape": [1, 4, 4], "num_classes": 2,
    "layers": [{"type": "flatten"}, {"type": "dense", "units": 8, "activation": "relu"},
               {"type": "dense", "units": 2, "activation": "softmax"}],
    "optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 16, "epochs": 2})");
}

}  // namespace

TEST_CASE("the built-in mnist subject is DeepCrime's MNIST model", "[subject]") {
  const auto s = pmt::model::load_subject(pmt::model::builtin_subject_path("mnist"));
  REQUIRE(s.layers.size() == 8);
  CHECK(s.layers[0].type == pmt::model::LayerType::kConv2d);
  CHECK(s.layers[0].units == 32);
  CHECK(s.layers[1].units == 64);
  CHECK(s.layers[3].rate == 0.25);
  CHECK(s.layers[5].units == 128);
  CHECK(s.layers[7].activation == pmt::model::Activation::kSoftmax);
  CHECK(s.layers[7].kernel_initializer == "glorot_uniform");
  CHECK(s.optimizer.name == "adadelta");
  CHECK(s.optimizer.learning_rate == 1.0);
  CHECK(s.optimizer.params.at("rho") == 0.95);
  CHECK(s.batch_size == 128);
  CHECK(s.epochs == 12);
  CHECK(s.scale == 255);
  const auto shapes = pmt::model::infer_shapes(s);
  CHECK(shapes[4] == std::vector<std::int64_t>{9216});  // 64 x 12 x 12 after pooling
}

TEST_CASE("specs round-trip through JSON", "[subject]") {
  const auto s = parse_subject(tiny(), "tiny.json");
  const auto t = parse_subject(pmt::model::to_json(s), "again");
  CHECK(pmt::model::to_json(t) == pmt::model::to_json(s));
}

TEST_CASE("unknown names are errors that list the valid ones", "[subject]") {
  json j = tiny();
  j["layers"][1]["type"] = "capsule";
  REQUIRE_THROWS_WITH(parse_subject(j, "x.json"),
                      Catch::Contains("x.json: layer 1: unknown layer type 'capsule'") &&
                          Catch::Contains("conv2d, conv1d, max_pool1d") &&
                          Catch::Contains("lstm, gru"));
  j = tiny();
  j["layers"][1]["activation"] = "mish";
  REQUIRE_THROWS_WITH(parse_subject(j, "x.json"),
                      Catch::Contains("unknown activation 'mish'") &&
                          Catch::Contains("hard_sigmoid, exponential, linear, relu6, leaky_relu"));
  j = tiny();
  j["layers"][2]["kernel_initializer"] = "xavier";
  REQUIRE_THROWS_WITH(parse_subject(j, "x.json"), Catch::Contains("unknown initialiser 'xavier'") &&
                                                      Catch::Contains("glorot_uniform"));
  j = tiny();
  j["optimizer"]["name"] = "lbfgs";
  REQUIRE_THROWS_WITH(parse_subject(j, "x.json"),
                      Catch::Contains("unknown optimiser 'lbfgs'") && Catch::Contains("nadam"));
  j = tiny();
  j["loss"] = "focal";
  REQUIRE_THROWS_WITH(parse_subject(j, "x.json"),
                      Catch::Contains("unknown loss 'focal'") && Catch::Contains("poisson"));
  j = tiny();
  j["layers"][1]["unit"] = 3;
  REQUIRE_THROWS_WITH(parse_subject(j, "x.json"), Catch::Contains("unknown key 'unit'"));
}

TEST_CASE("shapes that do not fit name the layer", "[subject]") {
  json j = tiny();
  j["layers"].erase(0);  // dense on a [1, 4, 4] input
  REQUIRE_THROWS_WITH(parse_subject(j, "x.json"),
                      Catch::Contains("layer 0 (dense)") && Catch::Contains("flatten"));
  j = tiny();
  j["layers"].insert(j["layers"].begin(),
                     json{{"type", "conv2d"}, {"filters", 2}, {"kernel_size", 5}});
  REQUIRE_THROWS_WITH(parse_subject(j, "x.json"),
                      Catch::Contains("layer 0 (conv2d): kernel 5x5 is larger than its 4x4 input"));
  j = tiny();
  j["layers"][2]["units"] = 3;
  REQUIRE_THROWS_WITH(parse_subject(j, "x.json"), Catch::Contains("num_classes"));
  try {
    parse_subject(j, "x.json");
  } catch (const pmt::Error& e) {
    CHECK(e.exit_code() == 1);
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
}

TEST_CASE("an unknown built-in subject is a usage error listing the built-in ones", "[subject]") {
  REQUIRE_THROWS_WITH(pmt::model::builtin_subject_path("resnet"),
                      Catch::Contains("unknown model 'resnet'") && Catch::Contains("mnist_mlp"));
}

TEST_CASE("every built-in subject parses, and fashion_mnist is the mnist model on Fashion-MNIST",
          "[subject]") {
  for (const char* name : {"mnist", "mnist_mlp", "fashion_mnist"})
    CHECK_NOTHROW(pmt::model::load_subject(pmt::model::builtin_subject_path(name)));
  auto mnist = pmt::model::load_subject(pmt::model::builtin_subject_path("mnist"));
  const auto fashion = pmt::model::load_subject(pmt::model::builtin_subject_path("fashion_mnist"));
  CHECK(fashion.dataset == "fashion_mnist");
  mnist.name = fashion.name;
  mnist.dataset = fashion.dataset;
  CHECK(pmt::model::to_json(mnist) == pmt::model::to_json(fashion));
}

using pmt::test::two_inputs_spec;

TEST_CASE("graph subjects: several inputs, named edges, merge layers", "[subject]") {
  const auto s = parse_subject(two_inputs_spec(), "gaze.json");
  CHECK_FALSE(pmt::model::is_stack(s));
  REQUIRE(s.inputs.size() == 2);
  CHECK(s.layers[1].inputs == std::vector<std::string>{"c1"});  // default: the previous layer
  const auto shapes = pmt::model::infer_shapes(s);
  CHECK(shapes[1] == std::vector<std::int64_t>{48});  // 3 x 4 x 4
  CHECK(shapes[2] == std::vector<std::int64_t>{50});  // + the 2 head angles
  const auto again = parse_subject(pmt::model::to_json(s), "again");
  CHECK(pmt::model::to_json(again) == pmt::model::to_json(s));
  CHECK(pmt::model::is_stack(parse_subject(tiny(), "tiny.json")));
  CHECK_FALSE(pmt::model::to_json(parse_subject(tiny(), "tiny.json")).contains("inputs"));

  const json j = pmt::test::recommender_spec();
  const auto r = parse_subject(j, "recomm.json");
  CHECK(pmt::model::infer_shapes(r)[0] == std::vector<std::int64_t>{1, 4});
  CHECK(pmt::model::infer_shapes(r)[4] == std::vector<std::int64_t>{1});
  CHECK(r.layers[2].kernel_initializer == "he_normal");
}

TEST_CASE("graph subjects: dangling edges and misfits are errors naming the layer", "[subject]") {
  json j = two_inputs_spec();
  j["layers"][2]["inputs"] = {"f", "head"};
  REQUIRE_THROWS_WITH(parse_subject(j, "g.json"),
                      Catch::Contains("g.json: layer 2 (concatenate): reads 'head', which is "
                                      "neither an input nor an earlier layer"));
  j = two_inputs_spec();
  j["layers"][0].erase("inputs");
  REQUIRE_THROWS_WITH(parse_subject(j, "g.json"), Catch::Contains("say which this layer reads"));
  j = two_inputs_spec();
  j["layers"][2]["inputs"] = {"c1", "pose"};
  REQUIRE_THROWS_WITH(parse_subject(j, "g.json"), Catch::Contains("differ beyond axis -1"));
  j = two_inputs_spec();
  j["layers"][1]["name"] = "pose";
  REQUIRE_THROWS_WITH(parse_subject(j, "g.json"), Catch::Contains("'pose' is already taken"));
  j = two_inputs_spec();
  j["input_shape"] = {1, 6, 6};
  REQUIRE_THROWS_WITH(parse_subject(j, "g.json"), Catch::Contains("not both"));
}
