// Fused training (fit_fused, train_mutants --fuse) is the same population as training each
// instance alone: identical initial weights and random streams (data order, dropout masks), and
// weights equal to float tolerance after training, for every optimiser, a loss other than the
// fast cross-entropy path, regularisation, gradient clipping, a data operator.
#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "pmt/io/atomic_file.hpp"
#include "pmt/tools/training.hpp"
#include "pmt/train/network.hpp"
#include "support/tiny_data.hpp"
#include "support/torch_catch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using pmt::model::Dataset;
using pmt::train::SubjectNet;

namespace {

// A small mnist-shaped stack: conv -> pool -> dropout -> flatten -> dense -> dropout -> dense.
json conv_spec() {
  return json::parse(R"({
    "name": "tiny_cnn", "dataset": "tiny", "input_shape": [1, 8, 8], "num_classes": 3,
    "layers": [
      {"type": "conv2d", "filters": 4, "kernel_size": [3, 3], "activation": "relu"},
      {"type": "max_pool2d", "pool_size": [2, 2]},
      {"type": "dropout", "rate": 0.25},
      {"type": "flatten"},
      {"type": "dense", "units": 8, "activation": "relu"},
      {"type": "dropout", "rate": 0.5},
      {"type": "dense", "units": 3, "activation": "softmax"}],
    "loss": "categorical_crossentropy",
    "optimizer": {"name": "adadelta", "learning_rate": 1.0, "rho": 0.95, "epsilon": 1e-7},
    "batch_size": 8, "epochs": 2, "validation": "test"})");
}

Dataset make_data(int n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> noise(0, 0.3f);
  Dataset d;
  d.inputs = {{{1, 8, 8}, {}}};
  for (int i = 0; i < n; ++i) {
    const int label = i % 3;
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c)
        d.inputs[0].x.push_back((r * 3 / 8 == label ? 1.0f : 0.1f) + noise(gen));
    d.y.push_back(label);
  }
  return d;
}

std::vector<std::unique_ptr<SubjectNet>> make_nets(const pmt::model::SubjectSpec& spec, int n) {
  std::vector<std::unique_ptr<SubjectNet>> out;
  for (int k = 0; k < n; ++k)
    out.push_back(std::make_unique<SubjectNet>(
        spec, at::make_generator<at::CPUGeneratorImpl>(1000 + static_cast<std::uint64_t>(k))));
  return out;
}

// Largest |a - b| over the parameters, relative to the largest |a| (weights of order 0.1-1).
double param_distance(SubjectNet& a, SubjectNet& b) {
  const auto pa = a.parameters(), pb = b.parameters();
  REQUIRE(pa.size() == pb.size());
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    diff = std::max(diff, (pa[i] - pb[i]).abs().max().item<double>());
    scale = std::max(scale, pa[i].abs().max().item<double>());
  }
  return diff / scale;
}

bool same_state(SubjectNet& a, SubjectNet& b) {
  return torch::equal(a.generator().get_state(), b.generator().get_state());
}

}  // namespace

TEST_CASE("fused training leaves each instance as training it alone does", "[fused]") {
  const std::string variant = GENERATE("adadelta", "adam", "sgd", "rmsprop", "adagrad", "adamax",
                                       "nadam", "mse_l2_clip", "one_step", "conv_softmax");
  CAPTURE(variant);
  json j = conv_spec();
  // the optimisers with settings that exercise their state (momentum for sgd)
  if (variant == "sgd")
    j["optimizer"] = {{"name", "sgd"}, {"learning_rate", 0.1}, {"momentum", 0.9}};
  if (variant != "adadelta" && variant != "sgd" && variant != "mse_l2_clip" &&
      variant != "one_step" && variant != "conv_softmax")
    j["optimizer"] = {{"name", variant}, {"learning_rate", 0.01}};
  if (variant == "mse_l2_clip") {  // a loss off the fused cross-entropy path, a penalty, clipping
    j["loss"] = "mean_squared_error";
    j["layers"][4]["kernel_regularizer"] = "l2";
    j["optimizer"]["clipnorm"] = 0.05;
  }
  // softmax on the convolution: over its channels in both paths (the fused one holds a list of
  // per-instance feature maps there)
  if (variant == "conv_softmax") j["layers"][0]["activation"] = "softmax";
  std::size_t train_size = 20;  // 3 batches of 8, the last partial
  if (variant == "one_step") {
    j["batch_size"] = 20;
    j["epochs"] = 1;
  }
  const auto spec = pmt::model::parse_subject(j, "tiny_cnn.json");
  const Dataset train = make_data(static_cast<int>(train_size), 1);
  const Dataset test = make_data(10, 2);
  const int n = 4;
  auto alone = make_nets(spec, n), fused = make_nets(spec, n);
  // same seeds: the same initial weights
  for (int k = 0; k < n; ++k) CHECK(param_distance(*alone[k], *fused[k]) == 0);

  std::vector<pmt::train::TrainResult> ra;
  for (auto& net : alone) ra.push_back(pmt::train::fit(*net, train, &test));
  std::vector<SubjectNet*> nets;
  for (auto& net : fused) nets.push_back(net.get());
  const auto rf = pmt::train::fit_fused(nets, std::vector<const Dataset*>(n, &train),
                                        std::vector<const Dataset*>(n, &test));
  REQUIRE(rf.size() == static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    CAPTURE(k);
    // every random draw (epoch shuffles, dropout masks) came from the instance's own stream, as
    // many of them and in the same order
    CHECK(same_state(*alone[k], *fused[k]));
    // float tolerance: the fused products sum in another order (observed ~1e-7)
    CHECK(param_distance(*alone[k], *fused[k]) < 1e-5);
    REQUIRE(rf[k].history.size() == ra[k].history.size());
    for (std::size_t e = 0; e < ra[k].history.size(); ++e) {
      CHECK(rf[k].history[e].loss == Approx(ra[k].history[e].loss).epsilon(1e-5));
      CHECK(rf[k].history[e].accuracy == ra[k].history[e].accuracy);
      CHECK(rf[k].history[e].val_loss == Approx(ra[k].history[e].val_loss).epsilon(1e-5));
      CHECK(rf[k].history[e].val_accuracy == ra[k].history[e].val_accuracy);
    }
    // negative control: the tolerance tells instances apart (another instance is far away)
    CHECK(param_distance(*alone[k], *fused[(k + 1) % n]) > 1e-2);
  }
}

TEST_CASE("fused training with per-instance data and without updates", "[fused]") {
  const auto spec = [] {
    json j = conv_spec();
    j["optimizer"] = {{"name", "sgd"}, {"learning_rate", 0.0}};
    return pmt::model::parse_subject(j, "tiny_cnn.json");
  }();
  // each instance its own training set (as a data operator gives), of one size
  std::vector<Dataset> own;
  for (unsigned k = 0; k < 3; ++k) own.push_back(make_data(20, 10 + k));
  auto alone = make_nets(spec, 3), fused = make_nets(spec, 3);
  std::vector<SubjectNet*> nets;
  std::vector<const Dataset*> trains, vals;
  const Dataset test = make_data(10, 2);
  for (int k = 0; k < 3; ++k) {
    nets.push_back(fused[k].get());
    trains.push_back(&own[k]);
    vals.push_back(&own[2 - k]);  // validation data of their own too
  }
  const auto rf = pmt::train::fit_fused(nets, trains, vals);
  for (int k = 0; k < 3; ++k) {
    const auto ra = pmt::train::fit(*alone[k], own[k], &own[2 - k]);
    // learning rate 0: stacking the weights into the fused layers and back is lossless
    CHECK(param_distance(*alone[k], *fused[k]) == 0);
    CHECK(same_state(*alone[k], *fused[k]));
    CHECK(rf[k].history.back().loss == Approx(ra.history.back().loss).epsilon(1e-5));
    CHECK(rf[k].history.back().val_loss == Approx(ra.history.back().val_loss).epsilon(1e-5));
  }
  // training sets of different sizes do not fuse
  own[1] = make_data(19, 3);
  REQUIRE_THROWS_WITH(pmt::train::fit_fused(nets, trains, vals),
                      Catch::Contains("training sets of different sizes"));
}

namespace {

struct ToolFixture {
  fs::path root = fs::temp_directory_path() / ("pmt_fused_test_" + std::to_string(getpid()));
  fs::path subject = root / "tiny_cnn.json";
  ToolFixture() {
    fs::remove_all(root);
    pmt::test::write_split(root / "datasets" / "tiny", "train", 96, 1, 3, 8);
    pmt::test::write_split(root / "datasets" / "tiny", "t10k", 30, 2, 3, 8);
    pmt::io::write_file_atomic(subject, conv_spec().dump());
  }
  ~ToolFixture() { fs::remove_all(root); }
  pmt::tools::TrainMutantsOptions options(const std::string& where, int fuse) const {
    pmt::tools::TrainMutantsOptions o;
    o.subject_file = subject.string();
    o.instances = "0-3";
    o.common.data_root = (root / where).string();
    o.data_dir = (root / "datasets").string();
    o.progress = false;
    o.fuse = fuse;
    return o;
  }
  json sidecar(const std::string& where, const std::string& folder, int i) const {
    return json::parse(pmt::io::read_file(root / where / "trained_models" / "tiny_cnn" / folder /
                                          fmt::format("instance_{}.json", i)));
  }
  std::unique_ptr<SubjectNet> model(const std::string& where, const std::string& folder,
                                    int i) const {
    const json side = sidecar(where, folder, i);
    auto net = std::make_unique<SubjectNet>(pmt::model::parse_subject(side["spec"], "sidecar"),
                                            at::make_generator<at::CPUGeneratorImpl>(0));
    pmt::train::load_net(*net, root / where / "trained_models" / "tiny_cnn" / folder /
                                   fmt::format("instance_{}.pt", i));
    return net;
  }
};

}  // namespace

TEST_CASE_METHOD(ToolFixture, "train_mutants --fuse 4 and --fuse 1 save the same instances",
                 "[fused]") {
  const std::string mut = GENERATE("original", "change_label");
  CAPTURE(mut);
  auto one = options("one", 1), four = options("four", 4);
  if (mut == "change_label") one.mut = four.mut = mut, one.param = four.param = "30";
  const auto s1 = pmt::tools::run_train_mutants(one);
  const auto s4 = pmt::tools::run_train_mutants(four);
  CHECK(s1.fuse == 1);
  CHECK(s4.fuse == 4);
  CHECK(s4.trained == std::vector<int>{0, 1, 2, 3});
  const std::string folder = mut == "original" ? "original" : "change_label_30";
  for (int i = 0; i < 4; ++i) {
    CAPTURE(i);
    const json a = sidecar("one", folder, i), b = sidecar("four", folder, i);
    CHECK(a["seed"] == b["seed"]);
    CHECK(a["train_class_counts"] == b["train_class_counts"]);  // the same mutated data
    CHECK(a["fused_with"] == 1);
    CHECK(b["fused_with"] == 4);
    for (std::size_t e = 0; e < 2; ++e) {
      CHECK(b["history"][e]["loss"].get<double>() ==
            Approx(a["history"][e]["loss"].get<double>()).epsilon(1e-5));
      CHECK(b["history"][e]["val_accuracy"] == a["history"][e]["val_accuracy"]);
    }
    CHECK(param_distance(*model("one", folder, i), *model("four", folder, i)) < 1e-5);
  }
  // a rerun resumes: nothing left to train
  CHECK(pmt::tools::run_train_mutants(four).skipped.size() == 4);
}

TEST_CASE_METHOD(ToolFixture, "a fused block with a missing member is retrained to the same bits",
                 "[fused]") {
  auto o = options("resume", 4);
  o.threads = 1;
  pmt::tools::run_train_mutants(o);
  const fs::path folder = root / "resume" / "trained_models" / "tiny_cnn" / "original";
  const std::string before = pmt::io::read_file(folder / "instance_2.pt");
  const auto kept = fs::last_write_time(folder / "instance_1.pt");
  fs::remove(folder / "instance_2.json");  // killed between instance 2's two writes
  const auto s = pmt::tools::run_train_mutants(o);
  CHECK(s.trained == std::vector<int>{2});
  CHECK(s.skipped == std::vector<int>{0, 1, 3});
  CHECK(pmt::io::read_file(folder / "instance_2.pt") == before);
  CHECK(fs::last_write_time(folder / "instance_1.pt") == kept);
}

TEST_CASE_METHOD(ToolFixture, "what does not fuse trains one model per instance", "[fused]") {
  json j = conv_spec();
  j["patience"] = 1;  // early stopping: instances stop at different epochs
  pmt::io::write_file_atomic(subject, j.dump());
  const auto s = pmt::tools::run_train_mutants(options("es", 4));
  CHECK(s.fuse == 1);
  CHECK(s.unfused_why.find("early stopping") != std::string::npos);
  CHECK(s.trained.size() == 4);
  // remove_validation_set turns early stopping off: that mutant fuses again
  auto o = options("es", 4);
  o.mut = "remove_validation_set";
  CHECK(pmt::tools::run_train_mutants(o).fuse == 4);
  const std::string table = pmt::tools::list_mutations(o, false);
  CHECK(table.find("original (the sound tiny_cnn): unfused (early stopping") != std::string::npos);
}
