// Post-training mutation: the weight operators on hand-made layers (what each changes, the
// counts PMT and DeepMutation++ use), mutate_model end to end on mnist_mlp (every operator,
// gen_acc, ratio --same, seeds independent of --jobs, resume), neurons_freezing's kill verdicts on
// 20 instances, the TorchScript fixture (tests/data/torchscript, scripts/torchscript_fixture.py)
// through gen_acc (IDX and NPY test sets), mutate_model and ratio, and the bad-input errors.
#include <ATen/CPUGeneratorImpl.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/mutate/torch/post_training.hpp"
#include "pmt/tools/analysis.hpp"
#include "pmt/tools/training.hpp"
#include "pmt/train/instance.hpp"
#include "support/tiny_data.hpp"
#include "support/torch_catch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using pmt::mutate::WeightLayer;

namespace {

// A dense layer (4 units, 6 inputs) and a conv layer (3 channels, 2 inputs, 2x2), weights
// 1, 2, 3, ... and biases 1, 2, ... so that every change shows.
std::vector<WeightLayer> toy_layers() {
  WeightLayer d{0,
                "layer0",
                pmt::model::LayerType::kDense,
                torch::arange(1, 25, torch::kFloat).view({4, 6}),
                torch::arange(1, 5, torch::kFloat),
                {}};
  WeightLayer c{2,
                "layer2",
                pmt::model::LayerType::kConv2d,
                torch::arange(1, 25, torch::kFloat).view({3, 2, 2, 2}),
                torch::arange(1, 4, torch::kFloat),
                {}};
  return {d, c};
}

std::vector<WeightLayer> clone(const std::vector<WeightLayer>& layers) {
  std::vector<WeightLayer> out = layers;
  for (auto& l : out) l.weight = l.weight.clone(), l.bias = l.bias.clone();
  return out;
}

json apply(const std::string& name, const std::string& param, std::vector<WeightLayer>& layers,
           std::uint64_t seed = 1, int layer = 0) {
  pmt::model::SubjectSpec spec;
  spec.input_shape = {6};
  spec.layers.resize(3);
  spec.layers[0].type = pmt::model::LayerType::kDense;
  spec.layers[0].units = 4;
  spec.layers[1].type = pmt::model::LayerType::kDropout;
  spec.layers[2].type = pmt::model::LayerType::kConv2d;
  auto m = pmt::mutate::make_mutation(
      name, param, spec, name == "neurons_freezing" || name == "weights_fuzzing" ? layer : -1);
  torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  return pmt::mutate::apply_weight_operator(m, layers, gen);
}

// Rows (output units) of a layer that differ from the original's.
std::set<std::int64_t> changed_rows(const WeightLayer& a, const WeightLayer& b) {
  std::set<std::int64_t> out;
  for (std::int64_t j = 0; j < a.weight.size(0); ++j)
    if (!torch::equal(a.weight[j], b.weight[j]) || !torch::equal(a.bias[j], b.bias[j]))
      out.insert(j);
  return out;
}

// A data root with band images (tests/support/tiny_data.hpp, 10 classes of 28x28) and mnist_mlp's
// spec on them (`hidden` adds a square Dense(64) layer for layer_deactivation/layer_addition).
struct MlpRoot {
  fs::path root;
  std::string model;
  MlpRoot(const std::string& tag, int train_n, int test_n, double bright, double dark, double noise,
          int epochs, bool square = false) {
    root = fs::temp_directory_path() / ("pmt_post_test_" + tag + "_" + std::to_string(getpid()));
    fs::remove_all(root);
    pmt::test::write_split(root / "datasets" / "bands", "train", train_n, 3, 10, 28, bright, dark,
                           noise);
    pmt::test::write_split(root / "datasets" / "bands", "t10k", test_n, 4, 10, 28, bright, dark,
                           noise);
    json spec = pmt::model::to_json(
        pmt::model::load_subject(pmt::model::builtin_subject_path("mnist_mlp")));
    spec["dataset"] = "bands";
    spec["epochs"] = epochs;
    model = "mnist_mlp";
    if (square) {
      spec["layers"].insert(spec["layers"].begin() + 2,
                            json{{"type", "dense"}, {"units", 64}, {"activation", "relu"}});
      model = "mnist_mlp2";
    }
    spec["name"] = model;
    pmt::io::write_file_atomic(root / (model + ".json"), spec.dump());
  }
  ~MlpRoot() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  template <typename Options>
  void config(Options& o, const std::string& mut = "original",
              const std::string& param = "") const {
    o.model = model;
    o.subject_file = (root / (model + ".json")).string();
    o.mut = mut;
    o.param = param;
    o.common.data_root = root.string();
    o.progress = false;
  }
  void train(const std::string& instances) const {
    pmt::tools::TrainMutantsOptions o;
    config(o);
    o.instances = instances;
    pmt::tools::run_train_mutants(o);
  }
  pmt::tools::MutateModelOptions mutation(const std::string& mut, const std::string& param) const {
    pmt::tools::MutateModelOptions o;
    config(o, mut, param);
    return o;
  }
  pmt::tools::GenAccSummary gen_acc(const std::string& mut, const std::string& param) const {
    pmt::tools::GenAccOptions g;
    config(g, mut, param);
    return pmt::tools::run_gen_acc(g);
  }
  fs::path folder(const std::string& name) const { return root / "trained_models" / model / name; }
};

json ratio(const fs::path& root, const std::string& model, const std::string& mut,
           const std::string& param, int sample) {
  pmt::tools::RatioOptions o;
  o.common.data_root = root.string();
  o.common.json = true;
  o.common.proc = 1;
  o.model = model;
  o.mut = mut;
  o.param = param;
  o.same = true;
  o.sample = sample;
  o.mc_reps = 5;
  return pmt::tools::run_ratio(o).to_json();
}

}  // namespace

// The registry's post-training weight operators (no layer change) each have their LibTorch
// behaviour registered, and no other operator has one.
TEST_CASE("every post-training weight operator has its behaviour registered") {
  int weight_ops = 0;
  for (const auto& op : pmt::mutate::operators()) {
    INFO(op.name);
    const bool weights = op.stage == pmt::mutate::Stage::kPostTraining && !op.structural();
    CHECK((pmt::mutate::weight_operator(op.name) != nullptr) == weights);
    weight_ops += weights;
  }
  CHECK(weight_ops == 7);
}

TEST_CASE("neurons_freezing and weights_fuzzing as the PMT package applies them",
          "[post][operators]") {
  const auto sound = toy_layers();
  // neurons_freezing: int(4 x 0.5) = 2 units of the targeted layer, kernel rows and bias zeroed
  auto a = clone(sound);
  const json c = apply("neurons_freezing", "0.5", a);
  const auto rows = changed_rows(sound[0], a[0]);
  CHECK(rows.size() == 2);
  for (auto j : rows) {
    CHECK(a[0].weight[j].abs().sum().item<float>() == 0);
    CHECK(a[0].bias[j].item<float>() == 0);
  }
  CHECK(torch::equal(a[1].weight, sound[1].weight));  // the other layer untouched
  CHECK(c[0]["neurons"] == 2);
  CHECK(c[0]["indices"].size() == 2);
  // a ratio that floors to 0 units freezes one (PMT's "at least one")
  auto b = clone(sound);
  apply("neurons_freezing", "0.01", b);
  CHECK(changed_rows(sound[0], b[0]).size() == 1);
  // on the conv layer (--layer 2): whole output channels
  auto cv = clone(sound);
  apply("neurons_freezing", "0.34", cv, 1, 2);  // int(3 x 0.34) = 1
  CHECK(changed_rows(sound[1], cv[1]).size() == 1);
  CHECK(torch::equal(cv[0].weight, sound[0].weight));

  // weights_fuzzing "0.25_2": int(24 x 0.25) = 6 kernel entries, w + z m |w|; bias untouched
  auto f = clone(sound);
  const json fc = apply("weights_fuzzing", "0.25_2", f);
  CHECK(fc[0]["weights"] == 6);
  CHECK((f[0].weight != sound[0].weight).sum().item<std::int64_t>() == 6);
  CHECK(torch::equal(f[0].bias, sound[0].bias));
  // no minimum: a ratio flooring to 0 entries changes nothing
  auto none = clone(sound);
  CHECK(apply("weights_fuzzing", "0.01_1", none)[0]["weights"] == 0);
  CHECK(torch::equal(none[0].weight, sound[0].weight));
  // the same seed, the same mutant; another seed, another one
  auto f2 = clone(sound), f3 = clone(sound);
  apply("weights_fuzzing", "0.25_2", f2);
  apply("weights_fuzzing", "0.25_2", f3, 2);
  CHECK(torch::equal(f[0].weight, f2[0].weight));
  CHECK_FALSE(torch::equal(f[0].weight, f3[0].weight));
}

TEST_CASE("DeepMutation++'s weight and neuron operators over dense and conv layers",
          "[post][operators]") {
  const auto sound = toy_layers();  // 48 kernel weights, 7 neurons
  // GF: int(48 x 0.1) = 4 weights multiplied by 1 + N(0, s); every touched kernel clipped to [-1,
  // 1]
  auto g = clone(sound);
  const json gc = apply("gaussian_fuzzing", "0.1_0.5", g);
  std::int64_t fuzzed = 0;
  for (const auto& c : gc) fuzzed += c["weights"].get<std::int64_t>();
  CHECK(fuzzed == 4);
  for (std::size_t k = 0; k < g.size(); ++k) {
    const bool touched = std::any_of(gc.begin(), gc.end(),
                                     [&](const json& c) { return c["layer"] == sound[k].index; });
    CHECK(touched == (g[k].weight.abs().max().item<float>() <= 1));
    CHECK(torch::equal(g[k].bias, sound[k].bias));
  }
  // a budget flooring to 0 takes 1 ("at least one"); "r" alone means sigma 0.5
  auto g1 = clone(sound);
  CHECK(apply("gaussian_fuzzing", "0.001", g1)[0]["weights"] == 1);

  // NEB: int(7 x 0.3) = 2 neurons over both layers: incoming weights and bias zeroed
  auto n = clone(sound);
  apply("neuron_effect_block", "0.3", n);
  std::size_t blocked = 0;
  for (std::size_t k = 0; k < n.size(); ++k)
    for (auto j : changed_rows(sound[k], n[k])) {
      ++blocked;
      CHECK(n[k].weight[j].abs().sum().item<float>() == 0);
      CHECK(n[k].bias[j].item<float>() == 0);
    }
  CHECK(blocked == 2);
  // NAI: negated, weights and bias
  auto v = clone(sound);
  apply("neuron_activation_inverse", "0.3", v);
  blocked = 0;
  for (std::size_t k = 0; k < v.size(); ++k)
    for (auto j : changed_rows(sound[k], v[k])) {
      ++blocked;
      CHECK(torch::equal(v[k].weight[j], -sound[k].weight[j]));
      CHECK(torch::equal(v[k].bias[j], -sound[k].bias[j]));
    }
  CHECK(blocked == 2);
  // WS: a neuron's incoming weights permuted among themselves; biases kept
  auto s = clone(sound);
  apply("weights_shuffling", "1", s);  // every neuron
  for (std::size_t k = 0; k < s.size(); ++k) {
    CHECK(torch::equal(s[k].bias, sound[k].bias));
    for (std::int64_t j = 0; j < s[k].weight.size(0); ++j)
      CHECK(torch::equal(std::get<0>(s[k].weight[j].flatten().sort()),
                         std::get<0>(sound[k].weight[j].flatten().sort())));
  }
  CHECK_FALSE(torch::equal(s[0].weight, sound[0].weight));
  // NS: pairs of neurons of one layer swapped, weights with their bias
  auto w = clone(sound);
  const json wc = apply("neuron_switch", "0.3", w, 5);
  for (std::size_t k = 0; k < w.size(); ++k)
    for (std::int64_t j = 0; j < w[k].weight.size(0); ++j) {
      // row j is some row of the sound layer, with that row's bias
      bool found = false;
      for (std::int64_t i = 0; i < w[k].weight.size(0); ++i)
        found |= torch::equal(w[k].weight[j], sound[k].weight[i]) &&
                 torch::equal(w[k].bias[j], sound[k].bias[i]);
      CHECK(found);
    }
  std::int64_t pairs = 0;
  for (const auto& c : wc) pairs += c["pairs"].get<std::int64_t>();
  CHECK(pairs == 2);
}

namespace {

// A network of the newer weight layers (conv1d, a Bidirectional LSTM, a GRU with reset_after, a
// depthwise, a separable and a transposed convolution) and its parameters by name.
struct NewLayers {
  std::shared_ptr<pmt::train::SubjectNet> net;
  std::map<std::string, torch::Tensor> params() const {
    std::map<std::string, torch::Tensor> out;
    for (const auto& p : net->named_parameters()) out[p.key()] = p.value().detach().clone();
    return out;
  }
};

NewLayers new_layers(const char* json_text) {
  const auto spec = pmt::model::parse_subject(json::parse(json_text), "new.json");
  return {
      std::make_shared<pmt::train::SubjectNet>(spec, at::make_generator<at::CPUGeneratorImpl>(3))};
}

constexpr const char* kSequence = R"({
  "name": "seq", "dataset": "tiny", "input_shape": [6, 3], "num_classes": 2,
  "layers": [{"type": "conv1d", "filters": 4, "kernel_size": 3, "padding": "same"},
             {"type": "lstm", "units": 3, "return_sequences": true, "bidirectional": "concat"},
             {"type": "batch_normalization"},
             {"type": "gru", "units": 2},
             {"type": "dense", "units": 2, "activation": "softmax"}]})";
constexpr const char* kImage = R"({
  "name": "img", "dataset": "tiny", "input_shape": [2, 5, 5], "num_classes": 2,
  "layers": [{"type": "depthwise_conv2d", "kernel_size": 3, "depth_multiplier": 2,
              "padding": "same"},
             {"type": "separable_conv2d", "filters": 3, "kernel_size": 3, "padding": "same"},
             {"type": "conv2d_transpose", "filters": 2, "kernel_size": 3, "strides": 2},
             {"type": "flatten"}, {"type": "dense", "units": 2, "activation": "softmax"}]})";

json apply_to(pmt::train::Instance& instance, const std::string& name, const std::string& param,
              int layer = -1) {
  auto layers = instance.weight_layers();
  const auto m = pmt::mutate::make_mutation(name, param, instance.net().spec(), layer);
  torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(7);
  return pmt::mutate::apply_weight_operator(m, layers, gen);
}

}  // namespace

// A neuron of a recurrent layer is a unit: its columns of every gate in the kernel, the recurrent
// kernel and the bias (Keras' (in, gates x units) layout, gate-major); of a transposed
// convolution, a filter (dimension 1 of LibTorch's (in, filters, kh, kw)); of a separable one, a
// pointwise filter. The views write through to the model's parameters.
TEST_CASE("the weight operators on conv1d, recurrent, depthwise, separable and transposed layers",
          "[post][operators]") {
  using Shape = std::vector<std::int64_t>;
  const auto shape = [](const torch::Tensor& t) {
    return Shape(t.sizes().begin(), t.sizes().end());
  };
  SECTION("the weight layers, neurons first") {
    NewLayers seq = new_layers(kSequence), img = new_layers(kImage);
    pmt::train::Instance a(seq.net), b(img.net);
    const auto la = a.weight_layers(), lb = b.weight_layers();
    REQUIRE(la.size() == 5);  // conv1d, LSTM forward and backward, GRU, dense
    CHECK(shape(la[0].weight) == Shape{4, 3, 3});
    CHECK((la[1].name == "layer1" && la[2].name == "layer1.backward" && la[2].index == 1));
    CHECK(shape(la[1].weight) == Shape{3, 4, 4});  // units, gates i f c o, conv1d's 4 channels
    CHECK(shape(la[1].recurrent) == Shape{3, 4, 3});
    CHECK(shape(la[1].bias) == Shape{3, 4});
    CHECK(shape(la[3].weight) == Shape{2, 3, 6});
    CHECK(shape(la[3].bias) == Shape{2, 2, 3});  // reset_after: input and recurrent biases
    REQUIRE(lb.size() == 4);
    CHECK(shape(lb[0].weight) == Shape{4, 1, 3, 3});
    CHECK(shape(lb[1].weight) == Shape{3, 4, 1, 1});  // the pointwise kernel
    CHECK(shape(lb[2].weight) == Shape{2, 3, 3, 3});  // filters first
    // the LSTM's unit 1, gate f: Keras' kernel column units + 1
    const auto p = seq.params();
    CHECK(torch::equal(la[1].weight[1][1], p.at("layer1.kernel").select(1, 3 + 1)));
    CHECK(torch::equal(la[1].recurrent[2][3], p.at("layer1.recurrent_kernel").select(1, 9 + 2)));
    CHECK(torch::equal(la[3].bias[1][1], p.at("layer3.bias")[1].view({3, 2}).select(1, 1)));
  }
  SECTION("NEB on every neuron zeroes every weight layer and nothing else") {
    for (const char* text : {kSequence, kImage}) {
      NewLayers n = new_layers(text);
      pmt::train::Instance instance(n.net);
      const auto before = n.params();
      apply_to(instance, "neuron_effect_block", "1");
      for (const auto& [name, value] : n.params()) {
        INFO(name);
        // left alone: batch normalisation (layer 2 of kSequence) and a separable convolution's
        // depthwise kernel
        const bool kept = name.rfind("layer2.", 0) == 0 && std::string(text) == kSequence;
        if (kept || name.find("depthwise_kernel") != std::string::npos)
          CHECK(torch::equal(value, before.at(name)));
        else
          CHECK(value.abs().max().item<float>() == 0);
      }
    }
  }
  SECTION("a frozen unit or filter outputs zeros") {
    NewLayers seq = new_layers(kSequence);
    pmt::train::Instance a(seq.net);
    const json c = apply_to(a, "neurons_freezing", "0.34", 1);  // int(3 x 0.34) = 1 unit
    REQUIRE(c.size() == 2);                                     // each direction
    const std::int64_t fwd = c[0]["indices"][0], bwd = c[1]["indices"][0];
    const torch::Tensor x = torch::randn({4, 6, 3});
    torch::NoGradGuard no_grad;
    const auto out = seq.net->layer_outputs({x});
    CHECK(out[1].select(2, fwd).abs().max().item<float>() == 0);
    CHECK(out[1].select(2, 3 + bwd).abs().max().item<float>() == 0);
    CHECK(out[1].abs().max().item<float>() > 0);
    const json g = apply_to(a, "neurons_freezing", "0.5", 3);  // the GRU's unit
    CHECK(seq.net->layer_outputs({x})[3].select(1, g[0]["indices"][0]).abs().max().item<float>() ==
          0);

    NewLayers img = new_layers(kImage);
    pmt::train::Instance b(img.net);
    const json t = apply_to(b, "neurons_freezing", "0.5", 2);  // one of 2 filters
    const torch::Tensor y = img.net->layer_outputs({torch::randn({3, 2, 5, 5})})[2];
    const std::int64_t filter = t[0]["indices"][0];
    CHECK(y.select(1, filter).abs().max().item<float>() == 0);
    CHECK(y.select(1, 1 - filter).abs().max().item<float>() > 0);
  }
  SECTION("NAI negates a unit's kernel, recurrent kernel and bias; WS and GF its kernel only") {
    NewLayers seq = new_layers(kSequence);
    pmt::train::Instance a(seq.net);
    const auto before = seq.params();
    apply_to(a, "neuron_activation_inverse", "1");
    for (const char* name : {"layer1.kernel", "layer1.backward_recurrent_kernel", "layer3.bias"})
      CHECK(torch::equal(seq.params().at(name), -before.at(name)));
    NewLayers w = new_layers(kSequence);
    pmt::train::Instance b(w.net);
    const auto sound = b.weight_layers();
    std::vector<torch::Tensor> kernels;
    for (const auto& l : sound) kernels.push_back(l.weight.clone());
    const auto p0 = w.params();
    apply_to(b, "weights_shuffling", "1");
    const auto shuffled = b.weight_layers();
    for (std::size_t k = 0; k < sound.size(); ++k)
      for (std::int64_t j = 0; j < kernels[k].size(0); ++j)
        CHECK(torch::equal(std::get<0>(shuffled[k].weight[j].flatten().sort()),
                           std::get<0>(kernels[k][j].flatten().sort())));
    const auto p1 = w.params();
    CHECK_FALSE(torch::equal(p1.at("layer1.kernel"), p0.at("layer1.kernel")));
    for (const char* name : {"layer1.recurrent_kernel", "layer1.bias", "layer3.bias"})
      CHECK(torch::equal(p1.at(name), p0.at(name)));
    apply_to(b, "gaussian_fuzzing", "1_0.5");
    CHECK(torch::equal(w.params().at("layer3.recurrent_kernel"), p1.at("layer3.recurrent_kernel")));
    CHECK(w.params().at("layer3.kernel").abs().max().item<float>() <= 1);
  }
  SECTION("weights_fuzzing reaches a transposed kernel through its strided view") {
    NewLayers img = new_layers(kImage);
    pmt::train::Instance b(img.net);
    const auto before = img.params();
    const json c = apply_to(b, "weights_fuzzing", "0.5_2", 2);
    const torch::Tensor changed = img.params().at("layer2.weight") != before.at("layer2.weight");
    CHECK(c[0]["weights"] == 27);  // int(54 x 0.5)
    CHECK(changed.sum().item<std::int64_t>() == 27);
  }
}

TEST_CASE("mutate_model: every operator on mnist_mlp, then gen_acc and ratio --same",
          "[post][tools]") {
  MlpRoot r("every", 1000, 200, 200, 40, 30, 1);
  r.train("0-2");
  const std::vector<std::pair<std::string, std::string>> ops{
      {"neurons_freezing", "0.5"},     {"weights_fuzzing", "0.05_1"},
      {"gaussian_fuzzing", "0.01"},    {"weights_shuffling", "0.01"},
      {"neuron_effect_block", "0.01"}, {"neuron_activation_inverse", "0.01"},
      {"neuron_switch", "0.05"},       {"activation_removal", ""}};
  for (const auto& [mut, param] : ops) {
    INFO(mut);
    const auto s = pmt::tools::run_mutate_model(r.mutation(mut, param));
    CHECK(s.made == std::vector<int>{0, 1, 2});
    CHECK(s.gave_up.empty());
    const fs::path folder = s.folder;
    const json side = json::parse(pmt::io::read_file(folder / "instance_1.json"));
    CHECK(side["mutation"] == mut);
    CHECK(side["instance"] == 1);
    CHECK(side["operator"]["stage"] == "post-training");
    CHECK(side["changes"].size() >= 1);
    CHECK(side.contains("spec"));
    CHECK(side["discarded"].get<int>() >= 0);
    const bool filtered = pmt::mutate::find_operator(mut).filtered;
    CHECK(side["filter"].is_null() == !filtered);
    if (filtered)
      CHECK(side["filter"]["accuracy"].get<double>() >=
            0.9 * side["filter"]["sound_accuracy"].get<double>());
    const auto acc = r.gen_acc(mut, s.folder.filename().string().substr(mut.size() + 1));
    CHECK(acc.accuracy.size() == 3);
  }
  // --shard: the shards' union is the unsharded run, byte for byte
  {
    const fs::path whole = r.folder("gaussian_fuzzing_0.01");
    const fs::path moved = whole.parent_path() / "unsharded";
    fs::rename(whole, moved);
    auto o = r.mutation("gaussian_fuzzing", "0.01");
    std::vector<int> made;
    for (const char* shard : {"1/2", "0/2"}) {
      o.shard = pmt::tools::parse_shard(shard);
      const auto s = pmt::tools::run_mutate_model(o);
      made.insert(made.end(), s.made.begin(), s.made.end());
    }
    CHECK(made == std::vector<int>{1, 0, 2});
    for (int i = 0; i < 3; ++i)
      CHECK(pmt::io::read_file(whole / fmt::format("instance_{}.pt", i)) ==
            pmt::io::read_file(moved / fmt::format("instance_{}.pt", i)));
  }
  // neurons_freezing 0.5 on mnist_mlp: 32 of the first dense layer's 64 units
  const json nf =
      json::parse(pmt::io::read_file(r.folder("neurons_freezing_0.5") / "instance_0.json"));
  CHECK(nf["changes"][0]["layer"] == 1);
  CHECK(nf["changes"][0]["neurons"] == 32);
  // activation_removal: the hidden relu becomes linear in the saved spec
  const json ar =
      json::parse(pmt::io::read_file(r.folder("activation_removal_1") / "instance_0.json"));
  CHECK(ar["spec"]["layers"][1]["activation"] == "linear");
  // layer_deactivation / layer_addition need a square layer, which mnist_mlp lacks
  REQUIRE_THROWS_WITH(pmt::tools::run_mutate_model(r.mutation("layer_deactivation", "")),
                      Catch::Contains("does not apply to subject 'mnist_mlp'"));
  REQUIRE_THROWS_WITH(pmt::tools::run_mutate_model(r.mutation("layer_addition", "")),
                      Catch::Contains("does not apply to subject 'mnist_mlp'"));

  // ratio --same reads the mutants as it reads the replication package's
  r.gen_acc("original", "");
  const json j = ratio(r.root, "mnist_mlp", "neurons_freezing", "0.5", 3);
  REQUIRE(j["mutants"].size() == 1);
  CHECK(j["mutants"][0]["param"] == "0.5");

  // a rerun skips what is there
  const auto again = pmt::tools::run_mutate_model(r.mutation("neuron_effect_block", "0.01"));
  CHECK(again.skipped == std::vector<int>{0, 1, 2});
  CHECK(again.made.empty());

  // the same mutants whatever --jobs: same seeds, same changes, same accuracies
  const auto before = r.gen_acc("gaussian_fuzzing", "0.01").accuracy;
  const json side2 =
      json::parse(pmt::io::read_file(r.folder("gaussian_fuzzing_0.01") / "instance_2.json"));
  fs::remove_all(r.folder("gaussian_fuzzing_0.01"));
  auto o = r.mutation("gaussian_fuzzing", "0.01");
  o.jobs = 1;
  o.threads = 1;
  pmt::tools::run_mutate_model(o);
  const json side1 =
      json::parse(pmt::io::read_file(r.folder("gaussian_fuzzing_0.01") / "instance_2.json"));
  CHECK(side1["seed"] == side2["seed"]);
  CHECK(side1["changes"] == side2["changes"]);
  CHECK(r.gen_acc("gaussian_fuzzing", "0.01").accuracy == before);

  // the square layer of mnist_mlp2 (layer 2: Dense(64) after Dense(64)) can go or be doubled
  MlpRoot sq("square", 600, 100, 200, 40, 30, 1, true);
  sq.train("0-1");
  for (const char* mut : {"layer_deactivation", "layer_addition"}) {
    INFO(mut);
    auto lo = sq.mutation(mut, "");
    lo.filter_factor = 0;  // no filter: the mutant is kept whatever its accuracy
    const auto s = pmt::tools::run_mutate_model(lo);
    CHECK(s.made == std::vector<int>{0, 1});
    const json side = json::parse(pmt::io::read_file(s.folder / "instance_0.json"));
    CHECK(side["parameter"] == "2");
    CHECK(side["spec"]["layers"].size() == (std::string(mut) == "layer_deactivation" ? 3 : 5));
    CHECK(sq.gen_acc(mut, "2").accuracy.size() == 2);
  }
}

TEST_CASE("neurons_freezing on mnist_mlp's first dense layer: 0.5 killed, 0.01 not (20 instances)",
          "[post][tools][kill]") {
  // A band task made hard by noise (bright 150, dark 100, noise sd 110), so that the network needs
  // its capacity; 20 instances of mnist_mlp, 2 epochs on 2,000 images.
  MlpRoot r("kill", 2000, 1000, 150, 100, 110, 2);
  r.train("0-19");
  r.gen_acc("original", "");
  for (const char* p : {"0.5", "0.01"}) {
    pmt::tools::run_mutate_model(r.mutation("neurons_freezing", p));
    r.gen_acc("neurons_freezing", p);
  }
  const json strong = ratio(r.root, "mnist_mlp", "neurons_freezing", "0.5", 20);
  const json weak = ratio(r.root, "mnist_mlp", "neurons_freezing", "0.01", 20);
  INFO(strong.dump() << "\n" << weak.dump());
  CHECK(strong["mutants"][0]["killed"] == true);
  CHECK(weak["mutants"][0]["killed"] == false);
}

TEST_CASE("a TorchScript model through gen_acc, mutate_model and ratio", "[post][torchscript]") {
  const fs::path root =
      fs::temp_directory_path() / ("pmt_post_ts_test_" + std::to_string(getpid()));
  fs::remove_all(root);
  const fs::path sound_dir = root / "trained_models" / "tiny_ts" / "original";
  fs::create_directories(sound_dir);
  for (int i = 0; i < 3; ++i)
    fs::copy_file(fs::path(PMT_TEST_DATA_DIR) / "torchscript" / fmt::format("instance_{}.pt", i),
                  sound_dir / fmt::format("instance_{}.pt", i));
  pmt::test::write_split(root / "ts", "t10k", 64, 2);  // 2 classes of 1x4x4 band images
  const std::string test_set = (root / "ts" / "t10k-images-idx3-ubyte.gz").string();
  const auto options = [&](auto& o, const std::string& mut, const std::string& param) {
    o.torchscript = true;
    o.model = "tiny_ts";
    o.mut = mut;
    o.param = param;
    o.common.data_root = root.string();
    o.progress = false;
    o.test_set = test_set;
  };
  pmt::tools::GenAccOptions g;
  options(g, "original", "");
  const auto sound = pmt::tools::run_gen_acc(g);
  REQUIRE(sound.accuracy.size() == 3);
  for (double a : sound.accuracy) CHECK(a > 0.9);
  // the same test set as NPY arrays (inputs as gen_acc scales the IDX bytes; class indices)
  {
    const fs::path idx = root / "ts" / "t10k-images-idx3-ubyte.gz";
    const auto images = pmt::model::read_idx(idx);
    const auto labels = pmt::model::read_idx(pmt::model::labels_for_images(idx));
    const auto inv = static_cast<float>(1.0 / 255.0);
    std::vector<double> x, y(labels.data.begin(), labels.data.end());
    for (auto b : images.data) x.push_back(static_cast<float>(b * inv));
    pmt::io::write_npy(root / "x.npy", {64, 1, 4, 4}, x);
    pmt::io::write_npy(root / "y.npy", {64}, y);
    pmt::tools::GenAccOptions n;
    options(n, "original", "");
    n.test_set = (root / "x.npy").string();
    REQUIRE_THROWS_WITH(pmt::tools::run_gen_acc(n), Catch::Contains("needs --test-labels"));
    n.test_labels = (root / "y.npy").string();
    CHECK(pmt::tools::run_gen_acc(n).accuracy == sound.accuracy);
  }

  pmt::tools::MutateModelOptions m;
  options(m, "neurons_freezing", "0.5");
  const std::string layers = pmt::tools::list_layers(m, false);
  CHECK_THAT(layers, Catch::Contains("conv") && Catch::Contains("fc1") && Catch::Contains("out"));
  m.layer_name = "fc1";  // by name: the TorchScript module path
  const auto nf = pmt::tools::run_mutate_model(m);
  CHECK(nf.folder.filename() == "neurons_freezing_0.5_layer1");
  const json side = json::parse(pmt::io::read_file(nf.folder / "instance_0.json"));
  CHECK(side["torchscript"] == true);
  CHECK(side["changes"][0]["name"] == "fc1");
  CHECK(side["changes"][0]["neurons"] == 4);
  options(g, "neurons_freezing", "0.5_layer1");
  CHECK(pmt::tools::run_gen_acc(g).accuracy.size() == 3);

  options(m, "neuron_effect_block", "0.1");  // filtered: on --test-set
  m.layer_name.clear();
  const auto neb = pmt::tools::run_mutate_model(m);
  CHECK(neb.made == std::vector<int>{0, 1, 2});
  options(g, "neuron_effect_block", "0.1");
  const auto acc = pmt::tools::run_gen_acc(g);
  for (std::size_t k = 0; k < 3; ++k) CHECK(acc.accuracy[k] >= 0.9 * sound.accuracy[k] - 1e-12);
  const json j = ratio(root, "tiny_ts", "neuron_effect_block", "0.1", 3);
  CHECK(j["mutants"].size() == 1);

  // structural operators need a pmt subject
  options(m, "activation_removal", "");
  REQUIRE_THROWS_WITH(pmt::tools::run_mutate_model(m), Catch::Contains("TorchScript models"));
  // an output that does not fit the test set's classes (10-class bands against 2 outputs)
  pmt::test::write_split(root / "ts10", "t10k", 40, 5, 10, 4);
  options(g, "original", "");
  g.test_set = (root / "ts10" / "t10k-images-idx3-ubyte.gz").string();
  REQUIRE_THROWS_WITH(pmt::tools::run_gen_acc(g),
                      Catch::Contains("the model outputs 2 scores per input but "
                                      "the test set's labels go up to 9"));
  // a .pt that is not a model
  pmt::io::write_file_atomic(root / "trained_models" / "tiny_ts" / "original" / "instance_1.pt",
                             "not a model");
  options(g, "original", "");
  REQUIRE_THROWS_WITH(pmt::tools::run_gen_acc(g),
                      Catch::Contains("instance_1.pt: not a TorchScript model"));
  options(m, "neurons_freezing", "0.1");
  REQUIRE_THROWS_WITH(pmt::tools::run_mutate_model(m),
                      Catch::Contains("instance_1.pt: not a TorchScript model"));
  std::error_code ec;
  fs::remove_all(root, ec);
}

TEST_CASE("mutate_model's bad input: one line naming the problem", "[post][errors]") {
  MlpRoot r("errors", 200, 50, 200, 40, 30, 1);
  r.train("0-1");
  // a ratio outside (0, 1]
  for (const char* bad : {"0", "1.5", "-0.1", "x"})
    REQUIRE_THROWS_WITH(pmt::tools::run_mutate_model(r.mutation("neurons_freezing", bad)),
                        Catch::Contains("--mut neurons_freezing"));
  REQUIRE_THROWS_WITH(pmt::tools::run_mutate_model(r.mutation("neuron_switch", "1.5")),
                      Catch::Contains("the ratio must be in (0, 1], got '1.5'"));
  REQUIRE_THROWS_WITH(pmt::tools::run_mutate_model(r.mutation("weights_fuzzing", "0.05")),
                      Catch::Contains("r_m"));
  // an unknown layer name
  auto o = r.mutation("neurons_freezing", "0.1");
  o.layer_name = "fc9";
  REQUIRE_THROWS_WITH(pmt::tools::run_mutate_model(o), Catch::Contains("unknown layer 'fc9'") &&
                                                           Catch::Contains("1 layer1 (dense)"));
  o.layer_name = "0";  // the flatten layer has no weights
  REQUIRE_THROWS_WITH(pmt::tools::run_mutate_model(o), Catch::Contains("layer 0 (flatten)"));
  // a missing sound instance: named, with the command that makes it
  o = r.mutation("neurons_freezing", "0.1");
  o.instances = "0-3";
  REQUIRE_THROWS_WITH(
      pmt::tools::run_mutate_model(o),
      Catch::Contains("original/instance_2.pt: no such sound instance (and 1 more)") &&
          Catch::Contains("train_mutants --subject " + (r.root / "mnist_mlp.json").string() +
                          " --mut original --instances 2,3 --data-root " + r.root.string()));
  CHECK(!fs::exists(r.folder("neurons_freezing_0.1")));
  // a .pt that is not a model
  pmt::io::write_file_atomic(r.folder("original") / "instance_1.pt", "garbage");
  REQUIRE_THROWS_WITH(pmt::tools::run_mutate_model(r.mutation("neurons_freezing", "0.1")),
                      Catch::Contains("instance_1.pt: corrupt"));
  // the filter gives up on an instance after --max-draws rejected draws: no mutant, named
  fs::remove(r.folder("original") / "instance_1.pt");
  r.train("1");
  auto all = r.mutation("neuron_activation_inverse", "1");  // every neuron negated
  all.max_draws = 2;
  const auto s = pmt::tools::run_mutate_model(all);
  CHECK(s.made.empty());
  CHECK(s.gave_up == std::vector<int>{0, 1});
  CHECK(!fs::exists(s.folder / "instance_0.pt"));
  all.filter_factor = 0;  // no filter: kept whatever its accuracy
  CHECK(pmt::tools::run_mutate_model(all).made == std::vector<int>{0, 1});
  CHECK(json::parse(pmt::io::read_file(s.folder / "instance_0.json"))["filter"].is_null());
  // the stages do not mix
  REQUIRE_THROWS_WITH(pmt::tools::run_mutate_model(r.mutation("change_label", "10")),
                      Catch::Contains("is a pre-training operator"));
  pmt::tools::TrainMutantsOptions t;
  r.config(t, "neurons_freezing", "0.1");
  REQUIRE_THROWS_WITH(pmt::tools::run_train_mutants(t),
                      Catch::Contains("use mutate_model") || Catch::Contains("with mutate_model"));
}
