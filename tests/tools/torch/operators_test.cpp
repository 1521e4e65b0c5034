// Every one of DeepCrime's 24 pre-training operators trains an instance (one epoch) of a subject
// it applies to, and the instance's sidecar records the change: the operator, its layer and
// value, and the mutated spec (or, for the data operators, the mutated training set's sizes).
// Also: zero kernel initialisation of mnist_mlp's hidden layer leaves it at chance.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "pmt/io/atomic_file.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/tools/training.hpp"
#include "support/tiny_data.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Every layer operator finds a layer here: layer 0 (relu, bias, unregularised), layer 1 (linear,
// no bias, l2), a dropout layer; validation split and early stopping for RCP and VRM.
const char* kVaried = R"({
  "name": "varied", "dataset": "tiny", "input_shape": [1, 4, 4], "num_classes": 2,
  "layers": [{"type": "flatten"},
             {"type": "dense", "units": 8, "activation": "relu"},
             {"type": "dense", "units": 8, "use_bias": false, "kernel_regularizer": "l2"},
             {"type": "dropout", "rate": 0.2},
             {"type": "dense", "units": 2, "activation": "softmax"}],
  "optimizer": {"name": "adam", "learning_rate": 0.02}, "batch_size": 32, "epochs": 2,
  "validation": "0.2", "patience": 5})";

struct Operators {
  fs::path root = fs::temp_directory_path() / ("pmt_operators_test_" + std::to_string(getpid()));
  Operators() {
    fs::remove_all(root);
    pmt::test::write_split(root / "datasets" / "tiny", "train", 200, 1);
    pmt::test::write_split(root / "datasets" / "tiny", "t10k", 40, 2);
    pmt::io::write_file_atomic(root / "varied.json", kVaried);
  }
  ~Operators() { fs::remove_all(root); }
  // Trains instance 0 of the mutant (at `layer`: one of a layer operator's default layers) and
  // returns its sidecar.
  json train(const std::string& mut, const std::string& param, int layer = -1) const {
    pmt::tools::TrainMutantsOptions o;
    o.subject_file = (root / "varied.json").string();
    o.mut = mut;
    o.param = param;
    o.layer = layer;
    o.instances = "0";
    o.common.data_root = root.string();
    o.progress = false;
    const auto s = pmt::tools::run_train_mutants(o);
    REQUIRE(s.trained == std::vector<int>{0});
    return json::parse(pmt::io::read_file(s.folder / "instance_0.json"));
  }
};

}  // namespace

TEST_CASE_METHOD(Operators, "each of the 24 operators trains an instance and records its change",
                 "[tools][operators]") {
  const json original = train("original", "");
  const json& o_spec = original["spec"];
  CHECK(original["train_size"] == 160);  // 200 minus the 20% validation split
  CHECK(original["train_class_counts"] == json({80, 80}));

  auto layer_of = [](const json& side, int i) { return side["spec"]["layers"][i]; };
  auto check_op = [](const json& side, const std::string& value, int layer) {
    CHECK(side["operator"]["value"] == value);
    if (layer >= 0) CHECK(side["operator"]["layer"] == layer);
    if (layer < 0) CHECK_FALSE(side["operator"].contains("layer"));
  };

  SECTION("training data") {
    const json tcl = train("change_label", "50");  // class 1 is "most frequent" on a tie
    check_op(tcl, "50", -1);
    CHECK(tcl["train_class_counts"][1].get<int>() < 80);
    const json trd = train("delete_training_data", "50");
    CHECK(trd["train_size"] == 80);  // 100 per class before the split, 50 kept
    const json tud = train("unbalance_train_data", "50");  // balanced: no class below the mean
    CHECK(tud["train_size"] == 160);
    const json tan = train("add_noise", "30");
    check_op(tan, "30", -1);
    CHECK(tan["train_size"] == 160);
    const json tco = train("make_output_classes_overlap", "20");
    CHECK(tco["train_size"] == 176);  // 20 copies appended, then the last 20% held out
  }
  SECTION("hyperparameters") {
    CHECK(train("change_batch_size", "64")["spec"]["batch_size"] == 64);
    CHECK(train("change_learning_rate", "0.5")["spec"]["optimizer"]["learning_rate"] == 0.5);
    const json hne = train("change_epochs", "1");
    CHECK(hne["spec"]["epochs"] == 1);
    CHECK(hne["history"].size() == 1);
    // batch = x_train's length before Keras' validation split (DeepCrime's train_size)
    CHECK(train("disable_batching", "")["spec"]["batch_size"] == 200);
  }
  SECTION("activation functions") {
    const json ach = train("change_activation_function", "tanh", 1);
    check_op(ach, "tanh", 1);
    CHECK(layer_of(ach, 1)["activation"] == "tanh");
    const json arm = train("remove_activation_function", "", 1);
    check_op(arm, "1", 1);
    CHECK(layer_of(arm, 1)["activation"] == "linear");
    const json aal = train("add_activation_function", "sigmoid");
    check_op(aal, "sigmoid", 2);
    CHECK(layer_of(aal, 2)["activation"] == "sigmoid");
  }
  SECTION("regularisation and dropout") {
    const json raw = train("add_weights_regularisation", "l1", 1);
    check_op(raw, "l1", 1);
    CHECK(layer_of(raw, 1)["kernel_regularizer"] == "l1");
    CHECK(layer_of(raw, 1)["l1"] == 0.01);
    const json rcw = train("change_weights_regularisation", "l1_l2");
    check_op(rcw, "l1_l2", 2);
    CHECK(layer_of(rcw, 2)["kernel_regularizer"] == "l1_l2");
    const json rrw = train("remove_weights_regularisation", "");
    check_op(rrw, "2", 2);
    CHECK(layer_of(rrw, 2)["kernel_regularizer"] == "none");
    // the penalty is part of the training loss: removing it lowers the first epoch's loss
    CHECK(rrw["history"][0]["loss"].get<double>() < original["history"][0]["loss"].get<double>());
    // regression: RCD no-op (DeepCrime before 2022): the rate is applied, and training sees it
    // (three units in four dropped: a higher first-epoch training loss than the original's)
    const json rcd = train("change_dropout_rate", "0.75");
    check_op(rcd, "0.75", 3);
    CHECK(layer_of(rcd, 3)["rate"] == 0.75);
    CHECK(rcd["history"][0]["loss"].get<double>() > original["history"][0]["loss"].get<double>());
    // regression: RCP KeyError (DeepCrime): patience 1 is applied to the early stopping
    const json rcp = train("change_earlystopping_patience", "1");
    CHECK(rcp["spec"]["patience"] == 1);
  }
  SECTION("weights and bias") {
    const json wci = train("change_weights_initialisation", "ones", 1);
    check_op(wci, "ones", 1);
    CHECK(layer_of(wci, 1)["kernel_initializer"] == "ones");
    const json wab = train("add_bias", "");
    check_op(wab, "2", 2);
    CHECK(layer_of(wab, 2)["use_bias"] == true);
    const json wrb = train("remove_bias", "", 1);
    check_op(wrb, "1", 1);
    CHECK(layer_of(wrb, 1)["use_bias"] == false);
  }
  SECTION("loss, optimiser, clipping, validation") {
    // regression: LCH copy crash (DeepCrime): the new loss trains
    const json lch = train("change_loss_function", "mean_squared_error");
    CHECK(lch["spec"]["loss"] == "mean_squared_error");
    CHECK(lch["history"][0]["loss"].get<double>() < 1.0);  // MSE on probabilities is below 1
    const json och = train("change_optimisation_function", "sgd");
    CHECK(och["spec"]["optimizer"] == json({{"name", "sgd"}, {"learning_rate", 0.01}}));
    // regression: OCG unusable (DeepCrime): the clip value reaches the optimiser
    const json ocg = train("change_gradient_clip", "clipvalue_0.001");
    CHECK(ocg["spec"]["optimizer"]["clipvalue"] == 0.001);
    const json vrm = train("remove_validation_set", "");
    CHECK(vrm["spec"]["validation"] == "none");
    CHECK(vrm["train_size"] == 200);  // the held-out 20% trains too
    CHECK(vrm["history"][0]["val_accuracy"] == "nan");
  }
  CHECK(o_spec["layers"][1]["activation"] == "relu");  // the original spec is untouched
}

TEST_CASE("change_weights_initialisation zeros on mnist_mlp leaves the accuracy near chance",
          "[tools][operators]") {
  const fs::path root = fs::temp_directory_path() / "pmt_wci_zeros_test";
  fs::remove_all(root);
  pmt::test::write_split(root / "datasets" / "bands", "train", 2000, 3, 10, 28);
  pmt::test::write_split(root / "datasets" / "bands", "t10k", 500, 4, 10, 28);
  // mnist_mlp exactly, on the 10-class band images, one epoch
  json spec =
      pmt::model::to_json(pmt::model::load_subject(pmt::model::builtin_subject_path("mnist_mlp")));
  spec["dataset"] = "bands";
  spec["epochs"] = 1;
  pmt::io::write_file_atomic(root / "mnist_mlp.json", spec.dump());
  auto run = [&](const std::string& mut, const std::string& param, int layer = -1) {
    pmt::tools::TrainMutantsOptions o;
    o.model = "mnist_mlp";
    o.subject_file = (root / "mnist_mlp.json").string();
    o.mut = mut;
    o.param = param;
    o.layer = layer;
    o.instances = "0-1";
    o.common.data_root = root.string();
    o.progress = false;
    pmt::tools::run_train_mutants(o);
    pmt::tools::GenAccOptions g;
    static_cast<pmt::tools::ConfigOptions&>(g) = o;
    return pmt::tools::run_gen_acc(g).accuracy;
  };
  for (double a : run("original", "")) CHECK(a > 0.9);
  // relu'(0) = 0: a zero hidden layer gets no gradient, so only the output bias learns
  for (double a : run("change_weights_initialisation", "zeros", 1)) CHECK(a < 0.2);
}

TEST_CASE_METHOD(Operators,
                 "every layer, as DeepCrime runs them: train_mutants and gen_acc take each of a "
                 "layer operator's layers in turn",
                 "[tools][operators][fidelity]") {
  pmt::tools::TrainMutantsOptions o;
  o.subject_file = (root / "varied.json").string();
  o.mut = "change_activation_function";
  o.param = "tanh";
  o.instances = "0";
  o.common.data_root = root.string();
  o.progress = false;
  CHECK(pmt::tools::configuration_params(o) ==
        std::vector<std::string>{"tanh_layer1", "tanh_layer2", "tanh_layer4"});
  const auto each = pmt::tools::run_each_configuration(o, pmt::tools::run_train_mutants);
  REQUIRE(each.results.size() == 3);
  for (int k = 0; k < 3; ++k) {
    const int layer = std::vector<int>{1, 2, 4}[static_cast<std::size_t>(k)];
    const auto& r = each.results[static_cast<std::size_t>(k)];
    CHECK(r.folder.filename() == "change_activation_function_tanh_layer" + std::to_string(layer));
    const json side = json::parse(pmt::io::read_file(r.folder / "instance_0.json"));
    CHECK(side["operator"]["layer"] == layer);
    CHECK(side["operator"]["parameter"] == "tanh_layer" + std::to_string(layer));
    CHECK(side["spec"]["layers"][layer]["activation"] == "tanh");
  }
  CHECK(each.to_json()["configurations"].size() == 3);
  // --layer picks one; a rerun trains nothing
  o.layer = 2;
  CHECK(pmt::tools::configuration_params(o) == std::vector<std::string>{"tanh"});
  const auto one = pmt::tools::run_each_configuration(o, pmt::tools::run_train_mutants);
  REQUIRE(one.results.size() == 1);
  CHECK(one.results[0].skipped == std::vector<int>{0});
  CHECK(one.to_json().contains("folder"));
  // gen_acc: one accuracy file per configuration
  pmt::tools::GenAccOptions g;
  static_cast<pmt::tools::ConfigOptions&>(g) = o;
  g.layer = -1;
  const auto acc = pmt::tools::run_each_configuration(g, pmt::tools::run_gen_acc);
  REQUIRE(acc.results.size() == 3);
  CHECK(acc.results[2].file.filename() ==
        "results_varied_change_activation_function_mutated0_MP_tanh_layer4.csv");
  // a layer operator with one default layer keeps the bare value
  o.layer = -1;
  o.mut = "change_dropout_rate";
  o.param = "0.5";
  CHECK(pmt::tools::configuration_params(o) == std::vector<std::string>{"0.5"});
}
