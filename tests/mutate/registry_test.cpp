// The operator registry and the spec operators: parameter checks, the layer each operator
// targets (the subject's choice or the first that fits), the change it makes to the spec, and
// the usage errors of operators that do not apply.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "pmt/core/error.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/mutate/pre_training.hpp"

using namespace pmt::mutate;
using pmt::model::SubjectSpec;

namespace {

SubjectSpec mnist() { return pmt::model::load_subject(pmt::model::builtin_subject_path("mnist")); }

// A stack with what mnist lacks: a linear layer, a regularised layer without bias, early stopping.
SubjectSpec varied() {
  return pmt::model::parse_subject(nlohmann::json::parse(R"({
    "name": "varied", "dataset": "tiny", "input_shape": [4], "num_classes": 2,
    "layers": [{"type": "dense", "units": 8, "activation": "relu"},
               {"type": "dense", "units": 8, "use_bias": false, "kernel_regularizer": "l2"},
               {"type": "dropout", "rate": 0.2},
               {"type": "dense", "units": 2, "activation": "softmax"}],
    "validation": "0.2", "patience": 3})"),
                                   "varied.json");
}

SubjectSpec apply(const SubjectSpec& s, const std::string& name, const std::string& param,
                  int layer = -1) {
  return mutate_spec(s, make_mutation(name, param, s, layer), 1000);
}

}  // namespace

TEST_CASE("the registry holds DeepCrime's 24 pre-training operators with their codes",
          "[registry]") {
  std::set<std::string> codes;
  for (const auto& op : operators())
    if (op.stage == Stage::kPreTraining) codes.insert(op.code);
  CHECK(operator_names(Stage::kPreTraining).size() == 24);
  CHECK(codes == std::set<std::string>{"TCL", "TRD", "TUD", "TAN", "TCO", "HBS", "HLR", "HNE",
                                       "HDB", "ACH", "ARM", "AAL", "RAW", "RCW", "RRW", "RCD",
                                       "RCP", "WCI", "WAB", "WRB", "LCH", "OCH", "OCG", "VRM"});
  CHECK(mutation_names().front() == "original");
  CHECK(find_operator("change_dropout_rate").code == "RCD");
}

TEST_CASE("hyperparameter operators are spec -> spec", "[registry]") {
  const SubjectSpec s = mnist();
  CHECK(apply(s, "change_batch_size", "32").batch_size == 32);
  CHECK(apply(s, "change_learning_rate", "0.001").optimizer.learning_rate == 0.001);
  CHECK(apply(s, "change_epochs", "3").epochs == 3);
  const Mutation db = make_mutation("disable_batching", "", s);
  CHECK(db.folder() == "disable_batching_full");
  CHECK(mutate_spec(s, db, 8004).batch_size == 8004);
  CHECK(apply(s, "delete_training_data", "10").batch_size == 128);
}

TEST_CASE("activation operators change the subject's layer: mnist ACH targets Dense(128)",
          "[registry]") {
  const SubjectSpec s = mnist();
  const Mutation ach = make_mutation("change_activation_function", "elu", s);
  CHECK(ach.layer == 5);
  CHECK(ach.folder() == "change_activation_function_elu");
  CHECK(mutate_spec(s, ach, 1).layers[5].activation == pmt::model::Activation::kElu);
  // --layer elsewhere: the layer enters the parameter (its own folder and accuracy file)
  const Mutation other = make_mutation("change_activation_function", "tanh", s, 0);
  CHECK(other.param == "tanh_layer0");
  CHECK(make_mutation("change_activation_function", "tanh_layer0", s).layer == 0);
  CHECK(mutate_spec(s, other, 1).layers[0].activation == pmt::model::Activation::kTanh);
  CHECK(mutate_spec(s, other, 1).layers[5].activation == pmt::model::Activation::kRelu);

  const Mutation arm = make_mutation("remove_activation_function", "", s, 0);
  CHECK(arm.layer == 0);
  CHECK(arm.param == "0");
  CHECK(mutate_spec(s, arm, 1).layers[0].activation == pmt::model::Activation::kLinear);
  CHECK(apply(s, "remove_activation_function", "5").layers[5].activation ==
        pmt::model::Activation::kLinear);

  const SubjectSpec v = varied();
  const Mutation aal = make_mutation("add_activation_function", "sigmoid", v);
  CHECK(aal.layer == 1);  // the linear layer
  CHECK(mutate_spec(v, aal, 1).layers[1].activation == pmt::model::Activation::kSigmoid);
  REQUIRE_THROWS_WITH(
      make_mutation("add_activation_function", "tanh", s),
      Catch::Contains("does not apply to subject 'mnist'") &&
          Catch::Contains("no linear dense, convolutional, recurrent or activation layer"));
  REQUIRE_THROWS_WITH(make_mutation("add_activation_function", "linear", v),
                      Catch::Contains("must be one of"));
}

TEST_CASE("regularisation, dropout and patience operators", "[registry]") {
  const SubjectSpec s = mnist(), v = varied();
  const SubjectSpec raw = apply(s, "add_weights_regularisation", "l1_l2");
  CHECK(raw.layers[0].kernel_regularizer == "l1_l2");
  CHECK(raw.layers[0].l1 == 0.01);
  CHECK(raw.layers[0].l2 == 0.01);
  const SubjectSpec rcw = apply(v, "change_weights_regularisation", "l1");
  CHECK(rcw.layers[1].kernel_regularizer == "l1");
  CHECK(rcw.layers[1].l1 == 0.01);
  CHECK(rcw.layers[1].l2 == 0.0);
  CHECK(apply(v, "remove_weights_regularisation", "").layers[1].kernel_regularizer == "none");
  REQUIRE_THROWS_WITH(make_mutation("remove_weights_regularisation", "", s),
                      Catch::Contains("no regularised layer"));
  REQUIRE_THROWS_WITH(make_mutation("add_weights_regularisation", "l2", v, 1),
                      Catch::Contains("layer 1 (dense) is already regularised"));
}

TEST_CASE(
    "regression RCD no-op: change_dropout_rate sets the rate (DeepCrime compared it with "
    "== before its 2022 fix, and the PMT package still does)",
    "[registry][regression]") {
  const SubjectSpec s = mnist(), v = varied();
  const Mutation rcd = make_mutation("change_dropout_rate", "0.75", s, 3);
  CHECK(rcd.layer == 3);
  CHECK(rcd.param == "0.75_layer3");  // one of mnist's two dropout layers
  CHECK(mutate_spec(s, rcd, 1).layers[3].rate == 0.75);
  CHECK(mutate_spec(s, make_mutation("change_dropout_rate", "0.125", s, 6), 1).layers[6].rate ==
        0.125);
  // rate 1 (DeepCrime's list has it; TF 2.3 refuses it): a usage error saying why
  REQUIRE_THROWS_WITH(make_mutation("change_dropout_rate", "1.0", s),
                      Catch::Contains("a rate of 1 drops every unit"));
  CHECK(search_space(find_operator("change_dropout_rate"), s, 3).values ==
        std::vector<std::string>{"0.125_layer3", "0.25_layer3", "0.75_layer3"});
  REQUIRE_THROWS_WITH(make_mutation("change_dropout_rate", "0.5", s, 5),
                      Catch::Contains("layer 5 (dense) is not a dropout layer"));
  REQUIRE_THROWS_WITH(make_mutation("change_dropout_rate", "1.5", s),
                      Catch::Contains("[0, 1)") && Catch::Contains("'1.5'"));
}

TEST_CASE(
    "regression RCP KeyError: change_earlystopping_patience applies (DeepCrime's search "
    "raises KeyError 'precision')",
    "[registry][regression]") {
  const SubjectSpec s = mnist(), v = varied();
  const auto search = search_space(find_operator("change_earlystopping_patience"), v);
  CHECK(search.from == 1);
  CHECK(search.to == 10);
  CHECK(search.precision == 1);
  CHECK(apply(v, "change_earlystopping_patience", "1").patience == 1);
  REQUIRE_THROWS_WITH(make_mutation("change_earlystopping_patience", "2", s),
                      Catch::Contains("does not use early stopping"));
}

TEST_CASE("weights, bias, loss, optimiser, clip and validation operators", "[registry]") {
  const SubjectSpec s = mnist(), v = varied();
  const Mutation wci = make_mutation("change_weights_initialisation", "zeros", s);
  CHECK(wci.layer == 0);
  CHECK(mutate_spec(s, wci, 1).layers[0].kernel_initializer == "zeros");
  CHECK(apply(v, "add_bias", "").layers[1].use_bias);
  CHECK_FALSE(apply(s, "remove_bias", "0").layers[0].use_bias);
  REQUIRE_THROWS_WITH(make_mutation("add_bias", "", s),
                      Catch::Contains("no dense, convolutional or recurrent layer without a bias"));
  const SubjectSpec och = apply(s, "change_optimisation_function", "sgd");
  CHECK(och.optimizer.name == "sgd");
  CHECK(och.optimizer.learning_rate == 0.01);
  CHECK(och.optimizer.params.empty());  // Adadelta's rho is gone: Keras' defaults of SGD
  CHECK(apply(s, "change_optimisation_function", "nadam").optimizer.learning_rate == 0.001);
}

TEST_CASE(
    "regression LCH copy crash: change_loss_function is a spec edit (DeepCrime called the "
    "copy module as a function)",
    "[registry][regression]") {
  const SubjectSpec s = mnist();
  for (const auto& loss : search_space(find_operator("change_loss_function"), s).values)
    CHECK(pmt::model::to_string(apply(s, "change_loss_function", loss).loss) == loss);
}

TEST_CASE(
    "regression OCG unusable: change_gradient_clip adds clipnorm or clipvalue (DeepCrime "
    "only rewrote clip arguments that already existed)",
    "[registry][regression]") {
  const SubjectSpec s = mnist(), v = varied();
  CHECK(apply(s, "change_gradient_clip", "clipnorm_1.5").optimizer.params.at("clipnorm") == 1.5);
  CHECK(apply(s, "change_gradient_clip", "clipvalue_0.5").optimizer.params.at("clipvalue") == 0.5);
  REQUIRE_THROWS_WITH(make_mutation("change_gradient_clip", "clip_1", s),
                      Catch::Contains("clipnorm_C or clipvalue_C"));
  REQUIRE_THROWS_WITH(make_mutation("change_gradient_clip", "clipnorm_-1", s),
                      Catch::Contains("(0, "));
  const SubjectSpec vrm = apply(v, "remove_validation_set", "");
  CHECK(vrm.validation.none());
  CHECK(vrm.patience == 0);
  CHECK(make_mutation("remove_validation_set", "", s).folder() == "remove_validation_set_all");
  REQUIRE_THROWS_WITH(
      make_mutation("remove_validation_set", "",
                    pmt::model::load_subject(pmt::model::builtin_subject_path("mnist_mlp"))),
      Catch::Contains("has no validation set"));
}

TEST_CASE("unknown mutations and bad parameters are usage errors", "[registry]") {
  const SubjectSpec s = mnist();
  REQUIRE_THROWS_WITH(make_mutation("flip_bits", "1", s),
                      Catch::Contains("unknown mutation 'flip_bits'") &&
                          Catch::Contains("change_label") && Catch::Contains("disable_batching"));
  REQUIRE_THROWS_WITH(make_mutation("change_label", "", s), Catch::Contains("needs --param"));
  REQUIRE_THROWS_WITH(make_mutation("change_label", "150", s), Catch::Contains("[0, 100]"));
  REQUIRE_THROWS_WITH(make_mutation("change_label", "ten", s), Catch::Contains("'ten'"));
  REQUIRE_THROWS_WITH(make_mutation("change_epochs", "2.5", s), Catch::Contains("an integer"));
  REQUIRE_THROWS_WITH(make_mutation("change_learning_rate", "-0.1", s), Catch::Contains("(0, "));
  REQUIRE_THROWS_WITH(make_mutation("original", "3", s), Catch::Contains("takes no --param"));
  REQUIRE_THROWS_WITH(make_mutation("change_label", "3", s, 2),
                      Catch::Contains("does not target a layer"));
  REQUIRE_THROWS_WITH(make_mutation("change_activation_function", "elu", s, 2),
                      Catch::Contains("layer 2 (max_pool2d) has no activation"));
  REQUIRE_THROWS_WITH(make_mutation("change_activation_function", "elu", s, 9),
                      Catch::Contains("has no layer 9"));
  try {
    make_mutation("flip_bits", "1", s);
    FAIL("no error");
  } catch (const pmt::Error& e) {
    CHECK(e.exit_code() == 2);
  }
  CHECK(make_mutation("change_label", "3.12", s).folder() == "change_label_3.12");
}

TEST_CASE("train_mutants --list-mutations: search spaces and applicability on a subject",
          "[registry]") {
  const SubjectSpec s = mnist();
  const auto list = registry_json(&s);
  REQUIRE(list.size() == 36);  // 24 pre-training, 10 post-training, 2 targeted (tmr, arachne)
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& j : list) by_name[j["name"].get<std::string>()] = j;
  CHECK(by_name["change_learning_rate"]["search"]["to"] == 1.0);
  CHECK(by_name["change_epochs"]["search"]["to"] == 12);
  CHECK(by_name["change_batch_size"]["search"]["values"].size() == 4);
  // DeepCrime's exhaustive loop includes the subject's current value (relu)
  CHECK(by_name["change_activation_function"]["search"]["values"].size() == 11);
  CHECK(by_name["change_activation_function"]["layers"] == nlohmann::json::array({5}));
  CHECK(by_name["change_dropout_rate"]["layers"] == nlohmann::json::array({3, 6}));
  CHECK(by_name["add_bias"]["applies"] == false);
  CHECK(by_name["change_label"]["applies"] == true);
  CHECK(by_name["tmr"]["stage"] == "targeted");
  CHECK(by_name["tmr"]["parameter"] == "c<class>_k<cluster>_<how>");
  const std::string table = registry_table(&s);
  CHECK(table.find("yes; layers 3, 6; exhaustive: 0.125_layer3, 0.25_layer3") != std::string::npos);
  CHECK(table.find("no: it does not use early stopping") != std::string::npos);
  CHECK(registry_table(nullptr).find("TCL") != std::string::npos);
  // train_mutants --fuse: the stack's operators fuse; the table ends with the sound subject's
  CHECK(by_name["change_label"]["fused"] == true);
  CHECK_FALSE(by_name["neurons_freezing"].contains("fused"));  // post-training: no training
  CHECK(table.find("original (the sound mnist): fused") != std::string::npos);
  const SubjectSpec movie =
      pmt::model::load_subject(pmt::model::builtin_subject_path("movie_recomm"));
  CHECK(registry_json(&movie)[0]["fused"] == false);
  CHECK(registry_table(&movie).find("unfused (a graph subject") != std::string::npos);
}

TEST_CASE("what does not fuse says why", "[registry][fuse]") {
  CHECK(pmt::model::fusion_blocker(mnist()).empty());
  SubjectSpec s = mnist();
  s.patience = 3;  // early stopping: does not fuse
  CHECK(pmt::model::fusion_blocker(s) == "early stopping: instances stop at different epochs");
  s.validation = {};  // no validation data: no early stopping
  CHECK(pmt::model::fusion_blocker(s).empty());
}

TEST_CASE("post-training operators: PMT's two and DeepMutation++'s eight, their parameters",
          "[registry][post]") {
  CHECK(operator_names(Stage::kPostTraining) ==
        std::vector<std::string>{"neurons_freezing", "weights_fuzzing", "gaussian_fuzzing",
                                 "weights_shuffling", "neuron_effect_block",
                                 "neuron_activation_inverse", "neuron_switch", "layer_deactivation",
                                 "layer_addition", "activation_removal"});
  const SubjectSpec s = mnist();
  // PMT: the first conv layer of mnist (its scripts' current_index), the first dense of mnist_mlp
  const Mutation nf = make_mutation("neurons_freezing", "0.01", s);
  CHECK(nf.layer == 0);
  CHECK(nf.ratio == 0.01);
  CHECK(nf.is_post_training());
  CHECK(make_mutation("neurons_freezing", "0.5",
                      pmt::model::load_subject(pmt::model::builtin_subject_path("mnist_mlp")))
            .layer == 1);
  // weights_fuzzing "r_m": ratio then magnitude (PMT's settings.py and file names)
  const Mutation wf = make_mutation("weights_fuzzing", "0.05_1.5", s);
  CHECK(wf.ratio == 0.05);
  CHECK(wf.scale == 1.5);
  CHECK(wf.folder() == "weights_fuzzing_0.05_1.5");
  CHECK(make_mutation("weights_fuzzing", "0.05_1_layer1", s).layer == 1);
  REQUIRE_THROWS_WITH(make_mutation("weights_fuzzing", "0.05", s), Catch::Contains("r_m"));
  // gaussian_fuzzing: sigma 0.5 unless given; the whole model (no layer)
  CHECK(make_mutation("gaussian_fuzzing", "0.05", s).scale == 0.5);
  CHECK(make_mutation("gaussian_fuzzing", "0.05_0.2", s).scale == 0.2);
  REQUIRE_THROWS_WITH(make_mutation("gaussian_fuzzing", "0.05", s, 0),
                      Catch::Contains("does not target a layer"));
  for (const char* bad : {"0", "1.01", "-1", "nan", "0.5x"})
    REQUIRE_THROWS_WITH(make_mutation("neuron_switch", bad, s), Catch::Contains("neuron_switch"));
  CHECK(make_mutation("neuron_switch", "1", s).ratio == 1);
  // structural: the layer is the parameter; mnist has no square dense/conv layer
  REQUIRE_THROWS_WITH(make_mutation("layer_deactivation", "", s),
                      Catch::Contains("does not apply to subject 'mnist'"));
  REQUIRE_THROWS_WITH(make_mutation("layer_addition", "5", s),
                      Catch::Contains("layer 5 (dense) changes the shape (9216 -> 128)"));
  CHECK(make_mutation("activation_removal", "", s).folder() == "activation_removal_0");
  REQUIRE_THROWS_WITH(make_mutation("activation_removal", "7", s),
                      Catch::Contains("the output layer"));
  const SubjectSpec v = varied();  // Dense(8) -> Dense(8): layer 1 is square
  CHECK(make_mutation("layer_deactivation", "", v).layer == 1);
  CHECK(make_mutation("layer_addition", "", v).layer == 1);
  CHECK(find_operator("gaussian_fuzzing").filtered);
  CHECK_FALSE(find_operator("neurons_freezing").filtered);
  CHECK(registry_table(&s).find("neurons_freezing                NF   model (PMT)") !=
        std::string::npos);
}

TEST_CASE("DeepCrime's per-subject search settings come from the subject", "[registry]") {
  const auto load = [](const char* name) {
    return pmt::model::load_subject(pmt::model::builtin_subject_path(name));
  };
  const SubjectSpec lenet = load("lenet"), movie = load("movie_recomm"), m = load("mnist");
  const auto hlr = search_space(find_operator("change_learning_rate"), lenet);
  CHECK(hlr.from == 0.001);
  CHECK(hlr.to == 0.01);
  CHECK(hlr.precision == 0.001);
  CHECK(search_space(find_operator("change_epochs"), lenet).precision == 5);
  CHECK(search_space(find_operator("change_batch_size"), movie).values ==
        std::vector<std::string>{"16", "32", "128", "256"});
  // mnist's original optimiser (adadelta) is not among its OCH candidates
  const auto och = search_space(find_operator("change_optimisation_function"), m).values;
  CHECK(std::find(och.begin(), och.end(), "adadelta") == och.end());
  CHECK(och.size() == 6);
  // a subject without settings gets the registry's defaults: a tenth of its learning rate
  const SubjectSpec mlp = load("mnist_mlp");
  CHECK(search_space(find_operator("change_learning_rate"), mlp).from == Approx(0.0001));
  // bad settings name the subject and the operator
  SubjectSpec bad = m;
  bad.mutation_search["change_batch_size"].values = {"big"};
  REQUIRE_THROWS_WITH(search_space(find_operator("change_batch_size"), bad),
                      Catch::Contains("'big'"));
  bad.mutation_search["change_label"].values = {"3"};
  REQUIRE_THROWS_WITH(search_space(find_operator("change_label"), bad),
                      Catch::Contains("mutation_search.change_label: a binary search"));
}

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

// Every operator carries its behaviour in its entry (the weight operators register theirs in
// mutate/torch: post_training_test checks those) and has its row in the docs.
TEST_CASE("every operator has its behaviour and its documentation row") {
  std::string docs;
  for (const char* file : {"docs/training.md", "docs/posttraining.md", "docs/targeted.md"})
    docs += read_file(std::filesystem::path(PMT_SOURCE_DIR) / file);
  int checked = 0;
  for (const OperatorInfo& op : operators()) {
    INFO(op.name);
    const int behaviours =
        (op.spec_change != nullptr) + (op.data_change != nullptr) + (op.layer_change != nullptr);
    switch (op.stage) {
      case Stage::kPreTraining:
        CHECK(behaviours == 1);
        CHECK_FALSE(op.structural());
        break;
      case Stage::kPostTraining:  // structural ones here, the weight ones in mutate/torch
        CHECK(behaviours == (op.structural() ? 1 : 0));
        CHECK(op.spec_change == nullptr);
        break;
      case Stage::kTargeted:  // made by the tmr and arachne tools (targeted/)
        CHECK(behaviours == 0);
        break;
    }
    if (op.targets_layer()) CHECK_FALSE(op.no_layer.empty());
    const bool row = docs.find("| " + op.name + " | " + op.code + " |") != std::string::npos ||
                     docs.find("| `" + op.name + "` | " + op.code + " |") != std::string::npos;
    CHECK(row);
    ++checked;
  }
  CHECK(checked == 36);
}

TEST_CASE("RCW searches the other regularisers, as DeepCrime draws one of the other two",
          "[registry][fidelity]") {
  SubjectSpec s = mnist();
  const auto& rcw = find_operator("change_weights_regularisation");
  for (const char* own : {"l1", "l2", "l1_l2"}) {
    INFO(own);
    pmt::model::set_regularizer(s.layers[5], own);
    REQUIRE(default_layers(rcw, s) == std::vector<int>{5});
    const int layer = 5;
    std::vector<std::string> want;
    for (const char* r : {"l1", "l2", "l1_l2"})
      if (std::string(r) != own) want.push_back(r);
    CHECK(search_space(rcw, s).values == want);
    CHECK(search_space(rcw, s, layer).values == want);
  }
}

// DeepCrime runs a layer operator once per index of layer_udp, or of range(layers_num) when it is
// None (utils/execute_mutants.py:52-71), skipping the layers the operator's config check rejects
// (AddAFMutationError). Its properties_*.py values, in pmt's numbering of the subjects' layers:
// mnist (Sequential; TF 2.3's config counts the InputLayer, so range(8) never reaches the output
// Dense(10)): ACH 6 -> Dense(128) = 5; ARM and WRB None -> conv1, conv2, Dense(128) = 0, 1, 5;
// RAW and WCI 0 -> conv1 = 0 (in model.layers numbering, as RCD's [3, 6] = both dropouts).
// lenet (functional: config = model.layers, inputs included, range(10) reaches the output):
// ACH 3 -> conv2 = 2; WCI 1 -> conv1 = 0; AAL 9 -> the output Dense(2) = 7; ARM, WRB, RAW None
// -> every layer with an activation (not linear) / a bias / no regulariser.
TEST_CASE("every layer, as DeepCrime runs them: the default layer sets of mnist and lenet",
          "[registry][fidelity]") {
  using Layers = std::vector<int>;
  const auto layers = [](const SubjectSpec& spec, const char* op) {
    return default_layers(find_operator(op), spec);
  };
  const SubjectSpec m = mnist();
  CHECK(layers(m, "change_activation_function") == Layers{5});
  CHECK(layers(m, "remove_activation_function") == Layers{0, 1, 5});
  CHECK(layers(m, "remove_bias") == Layers{0, 1, 5});
  CHECK(layers(m, "add_weights_regularisation") == Layers{0});
  CHECK(layers(m, "change_weights_initialisation") == Layers{0});
  CHECK(layers(m, "change_dropout_rate") == Layers{3, 6});
  CHECK(layers(m, "add_activation_function").empty());  // no linear layer
  const SubjectSpec l = pmt::model::load_subject(pmt::model::builtin_subject_path("lenet"));
  CHECK(layers(l, "change_activation_function") == Layers{2});
  CHECK(layers(l, "change_weights_initialisation") == Layers{0});
  CHECK(layers(l, "add_activation_function") == Layers{7});
  CHECK(layers(l, "remove_activation_function") == Layers{0, 2, 5});
  CHECK(layers(l, "remove_bias") == Layers{0, 2, 5, 7});
  CHECK(layers(l, "add_weights_regularisation") == Layers{0, 2, 5, 7});
  CHECK(layers(l, "change_dropout_rate").empty());

  // One configuration per layer, the layer in the parameter; one layer alone keeps the bare value.
  std::vector<std::string> params;
  for (const Mutation& x : make_mutations("change_dropout_rate", "0.25", m))
    params.push_back(x.param + "@" + std::to_string(x.layer));
  CHECK(params == std::vector<std::string>{"0.25_layer3@3", "0.25_layer6@6"});
  CHECK(make_mutations("change_dropout_rate", "0.25_layer6", m).size() == 1);
  CHECK(make_mutations("change_dropout_rate", "0.25", m, 3).front().param == "0.25_layer3");
  CHECK(make_mutations("remove_bias", "", m).size() == 3);
  CHECK(make_mutations("remove_bias", "1", m).size() == 1);
  CHECK(make_mutations("change_activation_function", "elu", m).front().param == "elu");
  REQUIRE_THROWS_WITH(
      make_mutation("change_dropout_rate", "0.25", m),
      Catch::Contains("runs on layers 3, 6 of subject 'mnist'") && Catch::Contains("--layer"));
  // DeepCrime's exhaustive loop over each layer in turn; its single runs (ARM) one per layer
  CHECK(search_space(find_operator("change_dropout_rate"), m).values ==
        std::vector<std::string>{"0.125_layer3", "0.25_layer3", "0.75_layer3", "0.125_layer6",
                                 "0.25_layer6", "0.75_layer6"});
  CHECK(search_space(find_operator("remove_activation_function"), l).values ==
        std::vector<std::string>{"0", "2", "5"});
  CHECK(search_space(find_operator("change_activation_function"), m).values.front() == "elu");
}

TEST_CASE("mutation_layers: one index or a list of distinct ones, else an error naming the file",
          "[registry]") {
  const auto parse = [](const char* layers) {
    return pmt::model::parse_subject(
        nlohmann::json::parse(std::string(R"({"name": "t", "dataset": "tiny", "input_shape": [4],
          "num_classes": 2, "layers": [{"type": "dense", "units": 8, "activation": "relu"},
          {"type": "dropout", "rate": 0.2}, {"type": "dense", "units": 2}],
          "mutation_layers": )") +
                              layers + "}"),
        "t.json");
  };
  CHECK(parse(R"({"remove_bias": [2, 0]})").mutation_layers.at("remove_bias") ==
        std::vector<int>{2, 0});
  CHECK(parse(R"({"remove_bias": 2})").mutation_layers.at("remove_bias") == std::vector<int>{2});
  for (const char* bad :
       {R"({"remove_bias": []})", R"({"remove_bias": [0, 0]})", R"({"remove_bias": [3]})",
        R"({"remove_bias": -1})", R"({"remove_bias": "0"})", R"({"remove_bias": [0.5]})"}) {
    INFO(bad);
    REQUIRE_THROWS_WITH(parse(bad), Catch::StartsWith("t.json: mutation_layers.remove_bias"));
  }
}

TEST_CASE("DeepCrime's layer operators and the weight operators on conv1d and recurrent layers",
          "[registry][fidelity]") {
  const SubjectSpec s = pmt::model::parse_subject(nlohmann::json::parse(R"({
    "name": "seq", "dataset": "tiny", "input_shape": [8, 3], "num_classes": 2,
    "layers": [{"type": "conv1d", "filters": 4, "kernel_size": 3, "activation": "relu"},
               {"type": "batch_normalization"},
               {"type": "lstm", "units": 5, "return_sequences": true},
               {"type": "gru", "units": 4, "use_bias": false},
               {"type": "dense", "units": 2, "activation": "softmax"}]})"),
                                                  "seq.json");
  const auto layers = [&](const char* op) { return default_layers(find_operator(op), s); };
  using Layers = std::vector<int>;
  // Keras' configs of Conv1D, LSTM and GRU have activation, kernel_initializer, use_bias and
  // kernel_regularizer, which DeepCrime's operators check; BatchNormalization has none of them
  CHECK(layers("change_activation_function") == Layers{0, 2, 3, 4});
  CHECK(layers("remove_activation_function") == Layers{0, 2, 3, 4});
  CHECK(layers("change_weights_initialisation") == Layers{0, 2, 3, 4});
  CHECK(layers("add_weights_regularisation") == Layers{0, 2, 3, 4});
  CHECK(layers("remove_bias") == Layers{0, 2, 4});
  CHECK(layers("add_bias") == Layers{3});
  // the post-training weight operators: every layer with a kernel, the first hidden one by
  // default
  CHECK(layers("neurons_freezing") == Layers{0});
  CHECK(not_applicable(find_operator("weights_fuzzing"), s, 3).empty());
  CHECK_THAT(not_applicable(find_operator("weights_fuzzing"), s, 1),
             Catch::Contains("layer 1 (batch_normalization) has no kernel"));
  const SubjectSpec m = apply(s, "add_weights_regularisation", "l2_layer2");
  CHECK(m.layers[2].kernel_regularizer == "l2");
  CHECK(pmt::model::to_json(m)["layers"][2]["kernel_regularizer"] == "l2");
  CHECK(apply(s, "change_activation_function", "relu_layer2").layers[2].activation ==
        pmt::model::Activation::kRelu);
  REQUIRE_THROWS_WITH(make_mutation("remove_bias", "1", s),
                      Catch::Contains("layer 1 (batch_normalization) has no kernel"));
}
