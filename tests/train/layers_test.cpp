// The window layers (conv2d with strides, padding and dilation; max and average pooling with
// strides and padding; global pooling) against PyTorch references computed with Keras' (TF 2.3)
// conventions spelled out in scripts/layer_fixtures.py (tests/data/layers/window.json): each
// forward, and the gradients of sum(output * cotangent) for the input, kernel and bias.
#include <ATen/CPUGeneratorImpl.h>

#include <unistd.h>

#include <filesystem>

#include "pmt/io/json_text.hpp"
#include "pmt/mutate/registry.hpp"
#include "pmt/train/network.hpp"
#include "support/torch_catch.hpp"

namespace {

torch::Tensor tensor(const nlohmann::json& values, std::vector<std::int64_t> shape) {
  const std::vector<float> v = values.get<std::vector<float>>();
  return torch::tensor(v).reshape(shape);
}

std::vector<std::int64_t> with_batch(std::int64_t n, const nlohmann::json& shape) {
  std::vector<std::int64_t> s{n};
  for (const auto& d : shape) s.push_back(d.get<std::int64_t>());
  return s;
}

// Relative and absolute tolerance of float32 against the float64 reference.
void check_close(const torch::Tensor& got, const torch::Tensor& want, const std::string& what) {
  INFO(what << ": max |difference| " << (got - want).abs().max().item<double>());
  REQUIRE(got.sizes() == want.sizes());
  CHECK(torch::allclose(got, want, 1e-4, 1e-5));
}

// The layers' fixtures (tests/data/layers/<name>).
nlohmann::json fixtures(const char* name, std::size_t cases) {
  const auto j = pmt::io::read_json(std::filesystem::path(PMT_TEST_DATA_DIR) / "layers" / name);
  REQUIRE(j["cases"].size() == cases);
  return j["cases"];
}

// A subject of the fixture's layer alone, then a flatten (so that the subject's logits are the
// layer's output after its activation).
pmt::model::SubjectSpec one_layer(const nlohmann::json& c,
                                  const std::vector<std::int64_t>& out_shape) {
  std::int64_t outputs = 1;
  for (auto d : out_shape) outputs *= d;
  nlohmann::json layers = {c["layer"]};
  layers.push_back({{"type", "flatten"}});
  const auto s = pmt::model::parse_subject({{"name", "one"},
                                            {"dataset", "tiny"},
                                            {"input_shape", c["input_shape"]},
                                            {"num_classes", outputs},
                                            {"layers", layers}},
                                           "one.json");
  CHECK(pmt::model::infer_shapes(s).front() == out_shape);
  return s;
}

// `net` saved and loaded into a fresh network (other initial weights), which must then evaluate
// `d` as `net` does.
pmt::train::SubjectNet reloaded(pmt::train::SubjectNet& net, const pmt::model::Dataset& d) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("pmt_layers_test_" + std::to_string(::getpid()) + ".pt");
  pmt::train::save_net(net, file);
  pmt::train::SubjectNet again(net.spec(), at::make_generator<at::CPUGeneratorImpl>(99));
  pmt::train::load_net(again, file);
  std::filesystem::remove(file);
  CHECK(pmt::train::evaluate(again, d) == pmt::train::evaluate(net, d));
  return again;
}

// A stack subject read from `origin`: an input of `shape`, the `layers` (a JSON fragment), then
// (with `flatten`) a flatten, and a dense output of two classes.
pmt::model::SubjectSpec stack_of(const std::string& layers, const std::string& shape,
                                 const std::string& origin, bool flatten = true) {
  return pmt::model::parse_subject(
      nlohmann::json::parse(R"({"name": "s", "dataset": "tiny", "input_shape": )" + shape +
                            R"(, "num_classes": 2, "layers": [)" + layers +
                            (flatten ? R"(, {"type": "flatten"})" : "") +
                            R"(, {"type": "dense", "units": 2}]})"),
      origin);
}

}  // namespace

TEST_CASE("window layers: forward and gradients equal the PyTorch references with TF's padding",
          "[network][layers]") {
  for (const auto& c : fixtures("window.json", 20)) {
    SECTION(c["name"].get<std::string>()) {
      const auto s = one_layer(c, c["output_shape"].get<std::vector<std::int64_t>>());
      pmt::train::SubjectNet net(s, at::make_generator<at::CPUGeneratorImpl>(1));
      const auto params = net.named_parameters();
      torch::Tensor weight, bias;
      {
        torch::NoGradGuard no_grad;
        if (c.contains("weight")) {
          weight = params["layer0.weight"];
          weight.copy_(tensor(c["weight"], weight.sizes().vec()));
        }
        if (c.contains("bias")) {
          bias = params["layer0.bias"];
          bias.copy_(tensor(c["bias"], bias.sizes().vec()));
        }
      }
      CHECK(params.contains("layer0.bias") == c.contains("bias"));
      const torch::Tensor x = tensor(c["x"], with_batch(2, c["input_shape"])).requires_grad_();
      const torch::Tensor y = net.logits(x).reshape(with_batch(2, c["output_shape"]));
      check_close(y, tensor(c["y"], with_batch(2, c["output_shape"])), "output");
      (y * tensor(c["cotangent"], y.sizes().vec())).sum().backward();
      check_close(x.grad(), tensor(c["grad_x"], x.sizes().vec()), "input gradient");
      if (weight.defined())
        check_close(weight.grad(), tensor(c["grad_weight"], weight.sizes().vec()), "kernel");
      if (bias.defined())
        check_close(bias.grad(), tensor(c["grad_bias"], bias.sizes().vec()), "bias");
    }
  }
}

TEST_CASE("window layers: TF's same padding, shape errors naming the layer, no fused form",
          "[network][layers]") {
  using pmt::model::Padding;
  using pmt::model::window_axis;
  // TF: out = ceil(in / stride), the odd padding's extra position after
  const auto a = window_axis(6, 3, 2, 1, Padding::kSame, 0);
  CHECK(a.out == 3);
  CHECK(a.before == 0);
  CHECK(a.after == 1);
  const auto b = window_axis(5, 4, 1, 1, Padding::kSame, 0);
  CHECK((b.out == 5 && b.before == 1 && b.after == 2));
  CHECK(window_axis(7, 3, 2, 1, Padding::kValid, 0).out == 3);
  CHECK(window_axis(7, 3, 1, 3, Padding::kValid, 0).out == 1);  // span 7
  CHECK(window_axis(4, 3, 1, 1, Padding::kExplicit, 2).out == 6);

  const auto parse = [](const std::string& layer) {
    return stack_of(layer, "[1, 3, 3]", "w.json");
  };
  REQUIRE_THROWS_WITH(parse(R"({"type": "conv2d", "filters": 2, "kernel_size": 5})"),
                      Catch::Contains("w.json") &&
                          Catch::Contains("layer 0 (conv2d): kernel 5x5 is larger than its 3x3 "
                                          "input"));
  CHECK_NOTHROW(parse(R"({"type": "conv2d", "filters": 2, "kernel_size": 5, "padding": "same"})"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "conv2d", "filters": 2, "strides": 2,
                                 "dilation_rate": 2})"),
                      Catch::Contains("exclude each other"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "max_pool2d", "padding": "full"})"),
                      Catch::Contains("padding must be"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "average_pool2d", "pool_size": 2, "padding": [2, 0]})"),
                      Catch::Contains("more than half the pool size"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "max_pool2d", "strides": 0})"),
                      Catch::Contains("strides must be >= 1"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "conv1d", "filters": 2})"),
                      Catch::Contains("layer 0 (conv1d): needs a [steps, channels] input, got "
                                      "[1, 3, 3]"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "dense", "units": 2, "strides": 2})"),
                      Catch::Contains("dense has no strides"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "global_max_pool2d"}, {"type": "global_max_pool2d"})"),
                      Catch::Contains("layer 1 (global_max_pool2d): needs a [channels, height, "
                                      "width] input, got [1]"));

  // the spec written back keeps the geometry (sidecars, mutants), and only where not default
  const auto s = parse(R"({"type": "conv2d", "filters": 2, "strides": [2, 1], "padding": "same"},
                          {"type": "max_pool2d", "pool_size": 2},
                          {"type": "global_average_pool2d"})");
  const auto j = pmt::model::to_json(s);
  CHECK(j["layers"][0]["strides"] == nlohmann::json({2, 1}));
  CHECK(j["layers"][0]["padding"] == "same");
  CHECK_FALSE(j["layers"][1].contains("strides"));
  CHECK(pmt::model::infer_shapes(pmt::model::parse_subject(j, "again.json")) ==
        pmt::model::infer_shapes(s));
  CHECK_THAT(pmt::model::fusion_blocker(s),
             Catch::Contains("layer 0 (conv2d) with strides, padding, dilation or groups"));
}

TEST_CASE(
    "a CNN with strides, same padding, batch normalisation and global pooling trains, saves and "
    "reloads",
    "[network][layers]") {
  const auto spec = pmt::model::parse_subject(nlohmann::json::parse(R"({
    "name": "strided", "dataset": "tiny", "input_shape": [1, 8, 8], "num_classes": 2,
    "layers": [{"type": "conv2d", "filters": 4, "kernel_size": 3, "strides": 2,
                "padding": "same", "activation": "relu"},
               {"type": "batch_normalization"},
               {"type": "average_pool2d", "pool_size": 3, "strides": 1, "padding": "same"},
               {"type": "conv2d", "filters": 6, "kernel_size": 2, "dilation_rate": 2,
                "padding": [1, 1], "activation": "relu"},
               {"type": "max_pool2d", "pool_size": 2, "padding": "same"},
               {"type": "global_average_pool2d"},
               {"type": "dense", "units": 2, "activation": "softmax"}],
    "optimizer": {"name": "adam", "learning_rate": 0.05}, "batch_size": 8, "epochs": 8})"),
                                              "strided.json");
  CHECK(pmt::model::infer_shapes(spec)[4] == std::vector<std::int64_t>{6, 2, 2});
  // class 1: a bright top half; class 0: a bright bottom half
  pmt::model::Dataset d;
  d.inputs = {{{1, 8, 8}, {}}};
  for (int i = 0; i < 32; ++i) {
    const int cls = i % 2;
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c)
        d.inputs[0].x.push_back(((r < 4) == (cls == 1) ? 0.8f : 0.1f) + 0.01f * float((i + c) % 5));
    d.y.push_back(cls);
  }
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(3));
  const auto r = pmt::train::fit(net, d, nullptr);
  CHECK(r.history.back().loss < r.history.front().loss);
  CHECK(r.history.back().accuracy == 1.0);
  pmt::train::SubjectNet again = reloaded(net, d);
  // the moving statistics trained and travel with the file
  const torch::Tensor moving = net.named_buffers()["layer1.running_var"];
  CHECK_FALSE(torch::equal(moving, torch::ones_like(moving)));
  CHECK(torch::equal(again.named_buffers()["layer1.running_var"], moving));
}

TEST_CASE("batch normalisation: Keras' moving statistics and PyTorch's, against the references",
          "[network][layers]") {
  for (const auto& c : fixtures("bn.json", 6)) {
    SECTION(c["name"].get<std::string>()) {
      const auto shape = c["input_shape"].get<std::vector<std::int64_t>>();
      const auto s = one_layer(c, shape);
      pmt::train::SubjectNet net(s, at::make_generator<at::CPUGeneratorImpl>(1));
      const auto params = net.named_parameters();
      const auto buffers = net.named_buffers();
      CHECK(params.contains("layer0.weight") == c.contains("gamma"));
      CHECK(params.contains("layer0.bias") == c.contains("beta"));
      const std::vector<std::int64_t> channels{shape.size() == 2 ? shape[1] : shape[0]};
      {
        torch::NoGradGuard no_grad;
        if (c.contains("gamma")) params["layer0.weight"].copy_(tensor(c["gamma"], channels));
        if (c.contains("beta")) params["layer0.bias"].copy_(tensor(c["beta"], channels));
        buffers["layer0.running_mean"].copy_(tensor(c["moving_mean"], channels));
        buffers["layer0.running_var"].copy_(tensor(c["moving_var"], channels));
      }
      const auto batch = with_batch(c["batch"].get<std::int64_t>(), c["input_shape"]);
      const torch::Tensor x = tensor(c["x"], batch).requires_grad_();
      net.train();
      const torch::Tensor y = net.logits(x).reshape(batch);
      check_close(y, tensor(c["y_train"], batch), "training output");
      (y * tensor(c["cotangent"], batch)).sum().backward();
      check_close(x.grad(), tensor(c["grad_x"], batch), "input gradient");
      if (c.contains("gamma"))
        check_close(params["layer0.weight"].grad(), tensor(c["grad_gamma"], channels), "gamma");
      if (c.contains("beta"))
        check_close(params["layer0.bias"].grad(), tensor(c["grad_beta"], channels), "beta");
      check_close(buffers["layer0.running_mean"], tensor(c["moving_mean_after"], channels),
                  "moving mean");
      check_close(buffers["layer0.running_var"], tensor(c["moving_var_after"], channels),
                  "moving variance");
      net.eval();
      torch::NoGradGuard no_grad;
      check_close(net.logits(x.detach()).reshape(batch), tensor(c["y_eval"], batch),
                  "evaluation output");
    }
  }
  // the spec's fields and errors
  const auto parse = [](const std::string& layer) {
    return stack_of(layer, "[2, 3, 3]", "b.json");
  };
  const auto keras = parse(R"({"type": "batch_normalization"})").layers[0];
  CHECK((keras.momentum == 0.99 && keras.epsilon == 1e-3 && !keras.pytorch));
  const auto torch_bn = parse(R"({"type": "batch_normalization", "convention": "pytorch"})");
  CHECK((torch_bn.layers[0].momentum == 0.1 && torch_bn.layers[0].epsilon == 1e-5));
  CHECK(pmt::model::to_json(torch_bn)["layers"][0]["convention"] == "pytorch");
  CHECK_THAT(pmt::model::fusion_blocker(torch_bn),
             Catch::Contains("layer 0 (batch_normalization) has no fused form"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "batch_normalization", "momentum": 1.5})"),
                      Catch::Contains("b.json") && Catch::Contains("momentum must be in [0, 1]"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "batch_normalization", "convention": "tf"})"),
                      Catch::Contains("convention must be keras or pytorch"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "batch_normalization", "axis": 1})"),
                      Catch::Contains("axis"));
  // a sequence's channels: the last axis, as Keras' axis -1
  const auto seq = pmt::model::parse_subject(
      nlohmann::json::parse(R"({"name": "b", "dataset": "tiny", "input_shape": [4, 3],
        "num_classes": 2, "layers": [{"type": "batch_normalization"}, {"type": "flatten"},
        {"type": "dense", "units": 2}]})"),
      "b.json");
  pmt::train::SubjectNet net(seq, at::make_generator<at::CPUGeneratorImpl>(1));
  CHECK(net.named_parameters()["layer0.weight"].size(0) == 3);
}

TEST_CASE("lstm and gru: Keras' equations and gate order, against the references",
          "[network][layers]") {
  for (const auto& c : fixtures("recurrent.json", 5)) {
    SECTION(c["name"].get<std::string>()) {
      const auto s = one_layer(c, c["output_shape"].get<std::vector<std::int64_t>>());
      pmt::train::SubjectNet net(s, at::make_generator<at::CPUGeneratorImpl>(1));
      auto params = net.named_parameters();
      CHECK(params.contains("layer0.bias") == c.contains("bias"));
      {
        torch::NoGradGuard no_grad;
        for (const char* name : {"kernel", "recurrent_kernel", "bias"}) {
          if (!c.contains(name)) continue;
          torch::Tensor p = params[std::string("layer0.") + name];
          p.copy_(tensor(c[name], p.sizes().vec()));
        }
      }
      const auto n = c["batch"].get<std::int64_t>();
      const torch::Tensor x = tensor(c["x"], with_batch(n, c["input_shape"])).requires_grad_();
      const torch::Tensor y = net.logits(x).reshape(with_batch(n, c["output_shape"]));
      check_close(y, tensor(c["y"], y.sizes().vec()), "output");
      (y * tensor(c["cotangent"], y.sizes().vec())).sum().backward();
      check_close(x.grad(), tensor(c["grad_x"], x.sizes().vec()), "input gradient");
      for (const char* name : {"kernel", "recurrent_kernel", "bias"}) {
        if (!c.contains(name)) continue;
        const torch::Tensor p = params[std::string("layer0.") + name];
        check_close(p.grad(), tensor(c[std::string("grad_") + name], p.sizes().vec()), name);
      }
    }
  }
  // Keras' initial weights: orthogonal recurrent kernel, the forget gate's bias at 1
  const auto s = pmt::model::parse_subject(nlohmann::json::parse(R"({"name": "r", "dataset": "t",
    "input_shape": [6, 3], "num_classes": 2,
    "layers": [{"type": "lstm", "units": 4}, {"type": "dense", "units": 2}]})"),
                                           "r.json");
  pmt::train::SubjectNet net(s, at::make_generator<at::CPUGeneratorImpl>(2));
  const auto p = net.named_parameters();
  const torch::Tensor rec = p["layer0.recurrent_kernel"];  // (4, 16): orthonormal rows
  CHECK(torch::allclose(rec.matmul(rec.t()), torch::eye(4), 1e-5, 1e-5));
  const torch::Tensor bias = p["layer0.bias"];
  CHECK(torch::equal(bias.slice(0, 4, 8), torch::ones({4})));
  CHECK(bias.slice(0, 0, 4).abs().sum().item<double>() == 0);
  CHECK(pmt::model::output_activation(s) == pmt::model::Activation::kLinear);
  CHECK_FALSE(net.regularization().defined());
  // a kernel regulariser (DeepCrime's RAW on an LSTM) penalises the input kernel, as Keras'
  // kernel_regularizer (the recurrent kernel has recurrent_regularizer, not mutated)
  nlohmann::json rj = pmt::model::to_json(s);
  rj["layers"][0]["kernel_regularizer"] = "l2";
  const auto r = pmt::model::parse_subject(rj, "r.json");
  pmt::train::SubjectNet rnet(r, at::make_generator<at::CPUGeneratorImpl>(2));
  const torch::Tensor k = rnet.named_parameters()["layer0.kernel"];
  CHECK(rnet.regularization().item<double>() ==
        Approx(0.01 * k.pow(2).sum().item<double>()).epsilon(1e-6));
  const auto bad = [](const char* layer) { return stack_of(layer, "[6]", "r.json", false); };
  REQUIRE_THROWS_WITH(bad(R"({"type": "gru", "units": 3})"),
                      Catch::Contains("layer 0 (gru): needs a [steps, features] input, got [6]"));
  REQUIRE_THROWS_WITH(bad(R"({"type": "lstm", "units": 0})"), Catch::Contains("units must be"));
  REQUIRE_THROWS_WITH(bad(R"({"type": "lstm", "units": 2, "reset_after": true})"),
                      Catch::Contains("reset_after"));
}

TEST_CASE(
    "an embedding -> conv1d -> batch_normalization -> lstm -> gru -> dense text model trains, "
    "saves and reloads",
    "[network][layers]") {
  const auto spec = pmt::model::parse_subject(nlohmann::json::parse(R"({
    "name": "text", "dataset": "tiny", "input_shape": [6], "num_classes": 2,
    "layers": [{"type": "embedding", "input_dim": 5, "output_dim": 4},
               {"type": "conv1d", "filters": 5, "kernel_size": 2, "padding": "same",
                "activation": "relu"},
               {"type": "batch_normalization"},
               {"type": "lstm", "units": 6, "return_sequences": true},
               {"type": "gru", "units": 5},
               {"type": "dense", "units": 2, "activation": "softmax"}],
    "optimizer": {"name": "adam", "learning_rate": 0.05}, "batch_size": 8, "epochs": 12})"),
                                              "text.json");
  CHECK(pmt::model::infer_shapes(spec)[1] == std::vector<std::int64_t>{6, 5});
  CHECK(pmt::model::infer_shapes(spec)[3] == std::vector<std::int64_t>{6, 6});
  CHECK_FALSE(pmt::model::fusion_blocker(spec).empty());
  // class 1: the sequence contains the token 4; class 0: it does not
  pmt::model::Dataset d;
  d.inputs = {{{6}, {}}};
  for (int i = 0; i < 32; ++i) {
    for (int t = 0; t < 6; ++t)
      d.inputs[0].x.push_back(float(i % 2 == 1 && t == (i / 2) % 6 ? 4 : (i + t) % 4));
    d.y.push_back(i % 2);
  }
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(5));
  const auto r = pmt::train::fit(net, d, nullptr);
  CHECK(r.history.back().loss < 0.5 * r.history.front().loss);
  reloaded(net, d);
}

TEST_CASE(
    "merges and rescaling: Keras' subtract, multiply, average, maximum, minimum, "
    "concatenate over the channels or a given axis, Rescaling(scale, offset)",
    "[network][layers]") {
  const auto spec = pmt::model::parse_subject(nlohmann::json::parse(R"({
    "name": "merges", "dataset": "tiny", "num_classes": 2,
    "data": {"format": "npy", "inputs": ["{split}_a.npy", "{split}_b.npy"],
             "targets": "{split}_y.npy"},
    "inputs": [{"name": "a", "shape": [2, 3, 3]}, {"name": "b", "shape": [2, 3, 3]}],
    "layers": [{"type": "concatenate", "name": "channels", "inputs": ["a", "b"]},
               {"type": "concatenate", "name": "width", "inputs": ["a", "b"], "axis": 2},
               {"type": "subtract", "name": "sub", "inputs": ["a", "b"]},
               {"type": "multiply", "name": "mul", "inputs": ["a", "b", "a"]},
               {"type": "average", "name": "avg", "inputs": ["a", "b"]},
               {"type": "maximum", "name": "max", "inputs": ["a", "b"]},
               {"type": "minimum", "name": "min", "inputs": ["a", "b"]},
               {"type": "rescaling", "name": "scaled", "inputs": ["a"], "scale": 0.0078431372549,
                "offset": -1},
               {"type": "add", "name": "all", "inputs": ["sub", "mul", "avg", "max", "min",
                                                          "scaled"]},
               {"type": "flatten", "name": "flat", "inputs": ["all"]},
               {"type": "dense", "name": "out", "units": 2}]})"),
                                              "merges.json");
  const auto shapes = pmt::model::infer_shapes(spec);
  CHECK(shapes[0] == std::vector<std::int64_t>{4, 3, 3});  // Keras' axis -1: the channels
  CHECK(shapes[1] == std::vector<std::int64_t>{2, 3, 6});  // Keras' axis 2: the width
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(1));
  const torch::Tensor a = torch::rand({2, 2, 3, 3}), b = torch::rand({2, 2, 3, 3});
  const auto out = net.layer_outputs({a, b});
  CHECK(torch::allclose(out[0], torch::cat({a, b}, 1)));
  CHECK(torch::allclose(out[1], torch::cat({a, b}, 3)));
  CHECK(torch::allclose(out[2], a - b));
  CHECK(torch::allclose(out[3], a * b * a));
  CHECK(torch::allclose(out[4], (a + b) / 2));
  CHECK(torch::allclose(out[5], torch::max(a, b)));
  CHECK(torch::allclose(out[6], torch::min(a, b)));
  CHECK(torch::allclose(out[7], a * 0.0078431372549 - 1));  // the udacity Lambda x / 127.5 - 1
  const auto j = pmt::model::to_json(spec);
  CHECK(j["layers"][1]["axis"] == 2);
  CHECK(j["layers"][7]["offset"] == -1);
  const auto bad = [](const std::string& layer) {
    return pmt::model::parse_subject(nlohmann::json::parse(
                                         R"({"name": "m", "dataset": "t", "num_classes": 2,
          "data": {"format": "npy", "inputs": ["a.npy", "b.npy"], "targets": "y.npy"},
          "inputs": [{"name": "a", "shape": [2, 3, 3]}, {"name": "b", "shape": [2, 3, 4]}],
          "layers": [)" + layer + R"(, {"type": "flatten"}, {"type": "dense", "units": 2}]})"),
                                     "m.json");
  };
  REQUIRE_THROWS_WITH(bad(R"({"type": "concatenate", "inputs": ["a", "b"]})"),
                      Catch::Contains("layer 0 (concatenate): input shapes [2, 3, 3] and [2, 3, "
                                      "4] differ beyond axis -1"));
  CHECK_NOTHROW(bad(R"({"type": "concatenate", "inputs": ["a", "b"], "axis": 2})"));
  REQUIRE_THROWS_WITH(bad(R"({"type": "concatenate", "inputs": ["a", "b"], "axis": 4})"),
                      Catch::Contains("axis 4 is not an axis"));
  REQUIRE_THROWS_WITH(bad(R"({"type": "subtract", "inputs": ["a", "a", "a"]})"),
                      Catch::Contains("subtracts two inputs, got 3"));
  REQUIRE_THROWS_WITH(bad(R"({"type": "maximum", "inputs": ["a", "b"]})"),
                      Catch::Contains("input shapes [2, 3, 3] and [2, 3, 4] differ"));
  REQUIRE_THROWS_WITH(bad(R"({"type": "rescaling", "inputs": ["a"]})"),
                      Catch::Contains("rescaling needs a \"scale\""));
}

TEST_CASE(
    "zero_padding2d, cropping2d and up_sampling2d as Keras' (rows top/bottom, columns "
    "left/right, nearest repeats)",
    "[network][layers]") {
  const auto spec = pmt::model::parse_subject(nlohmann::json::parse(R"({
    "name": "unet", "dataset": "tiny", "input_shape": [2, 3, 3], "num_classes": 2,
    "layers": [{"type": "zero_padding2d", "padding": [[1, 2], [0, 1]]},
               {"type": "cropping2d", "cropping": [1, 0]},
               {"type": "up_sampling2d", "size": [2, 3]},
               {"type": "zero_padding2d"},
               {"type": "flatten"}, {"type": "dense", "units": 2}]})"),
                                              "unet.json");
  const auto shapes = pmt::model::infer_shapes(spec);
  CHECK(shapes[0] == std::vector<std::int64_t>{2, 6, 4});
  CHECK(shapes[1] == std::vector<std::int64_t>{2, 4, 4});
  CHECK(shapes[2] == std::vector<std::int64_t>{2, 8, 12});
  CHECK(shapes[3] == std::vector<std::int64_t>{2, 10, 14});  // Keras' default padding 1
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(1));
  const torch::Tensor x = torch::rand({2, 2, 3, 3});
  const auto out = net.layer_outputs({x});
  torch::Tensor padded = torch::zeros({2, 2, 6, 4});
  padded.slice(2, 1, 4).slice(3, 0, 3).copy_(x);
  CHECK(torch::equal(out[0], padded));
  CHECK(torch::equal(out[1], padded.slice(2, 1, 5)));
  for (std::int64_t r = 0; r < 8; ++r)
    for (std::int64_t c = 0; c < 12; ++c)
      CHECK(
          torch::equal(out[2].select(2, r).select(2, c), out[1].select(2, r / 2).select(2, c / 3)));
  CHECK(pmt::model::to_json(spec)["layers"][1]["cropping"] == nlohmann::json({{1, 1}, {0, 0}}));
  const auto bad = [](const char* layer) { return stack_of(layer, "[1, 3, 3]", "u.json"); };
  REQUIRE_THROWS_WITH(bad(R"({"type": "cropping2d", "cropping": [[1, 2], [0, 0]]})"),
                      Catch::Contains("layer 0 (cropping2d): cropping 1+2 rows and 0+0 columns "
                                      "leaves nothing of its 3x3 input"));
  REQUIRE_THROWS_WITH(bad(R"({"type": "zero_padding2d", "padding": [1, 2, 3]})"),
                      Catch::Contains("'padding' must be n, [h, w] or"));
  REQUIRE_THROWS_WITH(bad(R"({"type": "up_sampling2d", "interpolation": "bicubic"})"),
                      Catch::Contains("interpolation 'bicubic' is not supported (nearest and "
                                      "bilinear are)"));
}

TEST_CASE(
    "the rest of the vocabulary: activations, layer normalisation, grouped, depthwise, "
    "separable and transposed convolutions (output_padding too), resizing and bilinear "
    "upsampling, 1-D padding and cropping, reshape, permute, simple_rnn and bidirectional "
    "recurrent layers",
    "[network][layers]") {
  for (const auto& c : fixtures("vocabulary.json", 34)) {
    SECTION(c["name"].get<std::string>()) {
      const auto s = one_layer(c, c["output_shape"].get<std::vector<std::int64_t>>());
      pmt::train::SubjectNet net(s, at::make_generator<at::CPUGeneratorImpl>(1));
      auto params = net.named_parameters();
      CHECK(params.size() == c["params"].size());
      {
        torch::NoGradGuard no_grad;
        for (const auto& [name, p] : c["params"].items()) {
          INFO(name);
          REQUIRE(params.contains("layer0." + name));
          torch::Tensor t = params["layer0." + name];
          REQUIRE(t.sizes().vec() == p["shape"].get<std::vector<std::int64_t>>());
          t.copy_(tensor(p["values"], t.sizes().vec()));
        }
      }
      const auto n = c["batch"].get<std::int64_t>();
      const torch::Tensor x = tensor(c["x"], with_batch(n, c["input_shape"])).requires_grad_();
      const torch::Tensor y = net.logits(x).reshape(with_batch(n, c["output_shape"]));
      check_close(y, tensor(c["y"], y.sizes().vec()), "output");
      (y * tensor(c["cotangent"], y.sizes().vec())).sum().backward();
      check_close(x.grad(), tensor(c["grad_x"], x.sizes().vec()), "input gradient");
      for (const auto& [name, g] : c["grads"].items()) {
        const torch::Tensor p = params["layer0." + name];
        check_close(p.grad(), tensor(g, p.sizes().vec()), name);
      }
    }
  }
}

TEST_CASE(
    "the rest of the vocabulary: Keras' parameter counts and initial fans, specs written back, "
    "errors naming the layer",
    "[network][layers]") {
  const auto parse = [](const std::string& layers, const char* shape = "[4, 6, 6]") {
    return stack_of(layers, shape, "v.json");
  };
  const auto count = [](pmt::train::SubjectNet& net, const std::string& prefix) {
    std::int64_t n = 0;
    for (const auto& p : net.named_parameters())
      if (p.key().rfind(prefix, 0) == 0) n += p.value().numel();
    return n;
  };
  // Keras' formulas: DepthwiseConv2D k*k*in*m + in*m; SeparableConv2D k*k*in*m + in*m*f + f;
  // Conv2DTranspose k*k*in*f + f; Conv2D(groups) k*k*(in/g)*f + f; LayerNormalization 2c
  const auto s = parse(R"({"type": "depthwise_conv2d", "kernel_size": 3, "depth_multiplier": 2,
                           "padding": "same"},
                          {"type": "separable_conv2d", "filters": 6, "kernel_size": 3},
                          {"type": "conv2d_transpose", "filters": 4, "kernel_size": 3,
                           "strides": 2, "padding": "same"},
                          {"type": "conv2d", "filters": 4, "kernel_size": 1, "groups": 2},
                          {"type": "layer_normalization"},
                          {"type": "activation", "activation": "leaky_relu", "alpha": 0.3})");
  const auto shapes = pmt::model::infer_shapes(s);
  CHECK(shapes[0] == std::vector<std::int64_t>{8, 6, 6});
  CHECK(shapes[1] == std::vector<std::int64_t>{6, 4, 4});
  CHECK(shapes[2] == std::vector<std::int64_t>{4, 8, 8});
  pmt::train::SubjectNet net(s, at::make_generator<at::CPUGeneratorImpl>(4));
  CHECK(count(net, "layer0.") == 3 * 3 * 4 * 2 + 8);
  CHECK(count(net, "layer1.") == 3 * 3 * 8 + 8 * 6 + 6);
  CHECK(count(net, "layer2.") == 3 * 3 * 6 * 4 + 4);
  CHECK(count(net, "layer3.") == 1 * 1 * 2 * 4 + 4);
  CHECK(count(net, "layer4.") == 2 * 4);
  // glorot_uniform with Keras' fans: a depthwise kernel (3, 3, 4, 2) has fan_in 36, fan_out 18
  const torch::Tensor dw = net.named_parameters()["layer0.weight"];
  CHECK(dw.abs().max().item<double>() <= std::sqrt(6.0 / (36 + 18)));
  CHECK(dw.abs().max().item<double>() > 0.9 * std::sqrt(6.0 / (36 + 18)));
  // written back and read again: the same network
  const auto again = pmt::model::parse_subject(pmt::model::to_json(s), "again.json");
  CHECK(pmt::model::infer_shapes(again) == shapes);
  CHECK(pmt::model::to_json(again) == pmt::model::to_json(s));
  CHECK(again.layers[5].alpha == 0.3);
  CHECK(pmt::model::to_json(s)["layers"][0].contains("depthwise_initializer"));
  CHECK_THAT(pmt::model::fusion_blocker(parse(R"({"type": "conv2d", "filters": 4, "groups": 2})")),
             Catch::Contains("groups"));
  // errors naming the file, the layer and the field
  REQUIRE_THROWS_WITH(parse(R"({"type": "conv2d", "filters": 4, "groups": 3})"),
                      Catch::Contains("v.json") && Catch::Contains("layer 0 (conv2d)") &&
                          Catch::Contains("4 filters do not split into 3 groups"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "conv2d", "filters": 6, "groups": 3})"),
                      Catch::Contains("4 input channels do not split into 3 groups"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "conv2d_transpose", "filters": 2, "padding": [1, 1]})"),
                      Catch::Contains("padding must be \"valid\", \"same\""));
  REQUIRE_THROWS_WITH(parse(R"({"type": "depthwise_conv2d", "filters": 2})"),
                      Catch::Contains("unknown key 'filters'"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "reshape", "target_shape": [5, -1]})"),
                      Catch::Contains("layer 0 (reshape): cannot reshape [6, 6, 4]"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "reshape", "target_shape": [-1, -1]})"),
                      Catch::Contains("at most one -1"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "permute", "dims": [1, 3]})"),
                      Catch::Contains("dims must be a permutation of 1..2"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "permute", "dims": [2, 1]})"),
                      Catch::Contains("dims [2, 1] do not permute [6, 6, 4]"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "cropping1d", "cropping": 3})", "[6, 2]"),
                      Catch::Contains("cropping 3+3 steps leaves nothing of its 6 steps"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "zero_padding1d"})"),
                      Catch::Contains("layer 0 (zero_padding1d): needs a [steps, channels]"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "layer_normalization", "axis": 1})"),
                      Catch::Contains("axis must be -1"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "activation", "activation": "mish"})"),
                      Catch::Contains("unknown activation 'mish'") && Catch::Contains("swish"));
  // resizing, output_padding and time_distributed: written back as read, bad ones named
  const auto more = parse(R"({"type": "resizing", "height": 5, "width": 3},
                             {"type": "up_sampling2d", "interpolation": "bilinear"},
                             {"type": "conv2d_transpose", "filters": 2, "strides": 2,
                              "output_padding": [1, 0]},
                             {"type": "reshape", "target_shape": [-1, 2]},
                             {"type": "time_distributed", "layer": {"type": "dense",
                              "units": 3}})");
  CHECK(pmt::model::infer_shapes(more)[0] == std::vector<std::int64_t>{4, 5, 3});
  CHECK(pmt::model::infer_shapes(more)[2] == std::vector<std::int64_t>{2, 22, 13});
  CHECK(pmt::model::infer_shapes(more)[4] == std::vector<std::int64_t>{286, 3});
  const auto more_json = pmt::model::to_json(more);
  CHECK(more_json["layers"][1]["interpolation"] == "bilinear");
  CHECK(more_json["layers"][4]["type"] == "time_distributed");
  CHECK(more_json["layers"][4]["layer"]["units"] == 3);
  CHECK(pmt::model::to_json(pmt::model::parse_subject(more_json, "again.json")) == more_json);
  REQUIRE_THROWS_WITH(parse(R"({"type": "resizing", "height": 5})"),
                      Catch::Contains("layer 0 (resizing): resizing needs a \"height\" and a "
                                      "\"width\""));
  REQUIRE_THROWS_WITH(parse(R"({"type": "resizing", "height": 5, "width": 5,
                                "crop_to_aspect_ratio": true})"),
                      Catch::Contains("crop_to_aspect_ratio is not supported"));
  REQUIRE_THROWS_WITH(
      parse(R"({"type": "conv2d_transpose", "filters": 2, "strides": 2, "output_padding": 2})"),
      Catch::Contains("output_padding must be >= 0 and below the strides (2x2)"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "conv2d_transpose", "filters": 2, "kernel_size": 4,
                                "strides": 2, "padding": "same", "output_padding": 0})"),
                      Catch::Contains("output_padding 0 makes 10 rows, which a stride-2 "
                                      "convolution does not take back to 6"));
  REQUIRE_THROWS_WITH(parse(R"({"type": "time_distributed", "layer": {"type": "conv2d"}})"),
                      Catch::Contains("layer 0 (time_distributed): \"layer\" must be a dense"));
  REQUIRE_THROWS_WITH(
      parse(R"({"type": "flatten"}, {"type": "time_distributed", "layer": {"type": "dense",
               "units": 2}})"),
      Catch::Contains("layer 1 (dense): time_distributed needs a [steps, features] input"));
  // recurrent: SimpleRNN in*u + u*u + u; Bidirectional twice its layer's, concat doubling the
  // output; the kernel regulariser on both input kernels
  const auto r = stack_of(R"({"type": "simple_rnn", "units": 3, "return_sequences": true,
                              "kernel_regularizer": "l1"},
                             {"type": "lstm", "units": 4, "bidirectional": "concat"})",
                          "[5, 2]", "v.json", false);
  CHECK(pmt::model::infer_shapes(r)[1] == std::vector<std::int64_t>{8});
  CHECK(pmt::model::to_json(pmt::model::parse_subject(pmt::model::to_json(r), "again.json")) ==
        pmt::model::to_json(r));
  pmt::train::SubjectNet rnet(r, at::make_generator<at::CPUGeneratorImpl>(4));
  CHECK(count(rnet, "layer0.") == 2 * 3 + 3 * 3 + 3);
  CHECK(count(rnet, "layer1.") == 2 * 4 * (3 * 4 + 4 * 4 + 4));
  CHECK(rnet.regularization().item<double>() ==
        Approx(0.01 * rnet.named_parameters()["layer0.kernel"].abs().sum().item<double>())
            .epsilon(1e-6));
  CHECK(pmt::mutate::default_layers(pmt::mutate::find_operator("change_activation_function"), r) ==
        std::vector<int>{0, 1, 2});  // the two recurrent layers and the dense output
  REQUIRE_THROWS_WITH(
      stack_of(R"({"type": "gru", "units": 2, "bidirectional": "max"})", "[5, 2]", "v.json", false),
      Catch::Contains("layer 0 (gru): unknown merge mode 'max'"));
  REQUIRE_THROWS_WITH(stack_of(R"({"type": "simple_rnn", "units": 2, "reset_after": true})",
                               "[5, 2]", "v.json", false),
                      Catch::Contains("unknown key 'reset_after'"));
  // a dense on a sequence (TimeDistributed(Dense)) acts per step and does not fuse
  const auto td = stack_of(R"({"type": "dense", "units": 3})", "[4, 2]", "v.json");
  CHECK(pmt::model::infer_shapes(td)[0] == std::vector<std::int64_t>{4, 3});
  CHECK_THAT(pmt::model::fusion_blocker(td), Catch::Contains("layer 0 (dense) on a sequence"));
  // ACH and AAL keep DeepCrime's list
  CHECK(pmt::model::deepcrime_activation_names().size() == 11);
  CHECK(pmt::model::deepcrime_activation_names().back() == "linear");
}
