// The package's other subjects, lenet (UnityEyes gaze: two inputs, regression, angle metric),
// movie_recomm (MovieLens: embeddings, the batch-wide dot, a rating-error metric) and DeepCrime's
// audio (speaker recognition: residual Conv1D blocks), train one epoch on small synthetic NPY
// data of the right shapes, and gen_acc writes their files.
#include <ATen/CPUGeneratorImpl.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <random>

#include "pmt/io/accuracy_csv.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/hdf5.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/mutate/registry.hpp"
#include "pmt/tools/training.hpp"
#include "pmt/train/network.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void npy(const fs::path& path, std::vector<std::size_t> shape, std::vector<double> data) {
  fs::create_directories(path.parent_path());
  pmt::io::write_npy(path, shape, data);
}

// The built-in subject with one epoch, written to `root`, and the options to train it there.
pmt::tools::TrainMutantsOptions one_epoch(const fs::path& root, const std::string& model) {
  json spec =
      pmt::model::to_json(pmt::model::load_subject(pmt::model::builtin_subject_path(model)));
  spec["epochs"] = 1;
  pmt::io::write_file_atomic(root / (model + ".json"), spec.dump());
  pmt::tools::TrainMutantsOptions o;
  o.model = model;
  o.subject_file = (root / (model + ".json")).string();
  o.instances = "0-1";
  o.common.data_root = root.string();
  o.progress = false;
  return o;
}

std::vector<double> accuracies(const pmt::tools::TrainMutantsOptions& o) {
  pmt::tools::GenAccOptions g;
  static_cast<pmt::tools::ConfigOptions&>(g) = o;
  const auto s = pmt::tools::run_gen_acc(g);
  CHECK(fs::exists(s.file));
  return pmt::io::read_accuracy_csv(s.file).accuracy;
}

}  // namespace

TEST_CASE("lenet trains on synthetic UnityEyes arrays and gen_acc writes its metric",
          "[subjects]") {
  const fs::path root = fs::temp_directory_path() / "pmt_lenet_test";
  fs::remove_all(root);
  std::mt19937 gen(5);
  std::uniform_real_distribution<double> unit(0, 1), angle(-0.4, 0.4);
  for (const auto& [split, n] : {std::pair<std::string, int>{"train", 160}, {"test", 40}}) {
    std::vector<double> img, head, gaze;
    for (int i = 0; i < n; ++i) {
      const double a0 = 1.3 + angle(gen), a1 = angle(gen);
      for (int p = 0; p < 36 * 60; ++p) img.push_back(unit(gen));
      head.push_back(angle(gen)), head.push_back(angle(gen));
      gaze.push_back(a0), gaze.push_back(a1);
    }
    const fs::path dir = root / "datasets" / "unityeyes";
    const auto nn = static_cast<std::size_t>(n);
    npy(dir / (split + "_x_img.npy"), {nn, 36, 60, 1}, img);  // DeepCrime's channels-last array
    npy(dir / (split + "_x_head_angles.npy"), {nn, 2}, head);
    npy(dir / (split + "_y_gaze_angles.npy"), {nn, 2}, gaze);
  }
  auto o = one_epoch(root, "lenet");
  const auto s = pmt::tools::run_train_mutants(o);
  CHECK(s.trained == std::vector<int>{0, 1});
  for (double a : accuracies(o)) CHECK((a >= 0 && a <= 1));
  // a regression mutant: TCL adds noise to the gaze angles
  o.mut = "change_label";
  o.param = "50";
  pmt::tools::run_train_mutants(o);
  CHECK(accuracies(o).size() == 2);
  const fs::path file =
      root / "raw_data" / "lenet" / "results_lenet_change_label_mutated0_MP_50.csv";
  CHECK(fs::exists(file));
}

TEST_CASE("movie_recomm trains on synthetic MovieLens arrays, and its dot spans the batch",
          "[subjects]") {
  const fs::path root = fs::temp_directory_path() / "pmt_movie_test";
  fs::remove_all(root);
  std::mt19937 gen(6);
  std::uniform_int_distribution<int> user(0, 609), movie(0, 9723), stars(1, 10);
  for (const auto& [split, n] :
       {std::pair<std::string, int>{"train", 300}, {"val", 40}, {"test", 60}}) {
    std::vector<double> users, movies, ratings;
    for (int i = 0; i < n; ++i) {
      users.push_back(user(gen)), movies.push_back(movie(gen));
      ratings.push_back((stars(gen) * 0.5 - 0.5) / 4.5);  // 0.5-5 stars scaled to [0, 1]
    }
    const fs::path dir = root / "datasets" / "movielens";
    const auto nn = static_cast<std::size_t>(n);
    npy(dir / (split + "_users.npy"), {nn}, users);
    npy(dir / (split + "_movies.npy"), {nn}, movies);
    npy(dir / (split + "_ratings.npy"), {nn}, ratings);
  }
  auto o = one_epoch(root, "movie_recomm");
  const auto s = pmt::tools::run_train_mutants(o);
  CHECK(s.trained == std::vector<int>{0, 1});
  for (double a : accuracies(o)) CHECK((a >= 0 && a <= 1));
  // DeepCrime runs its classification operators on the rating values: TRD deletes per value
  o.mut = "delete_training_data";
  o.param = "50";
  const auto m = pmt::tools::run_train_mutants(o);
  const json side = json::parse(pmt::io::read_file(m.folder / "instance_0.json"));
  CHECK(side["train_size"].get<int>() < 160);      // about half of 300 (rounded down per value)
  CHECK(side["train_class_counts"].size() == 10);  // ten distinct ratings
}

TEST_CASE(
    "audio: DeepCrime's speaker-recognition model with Keras' parameter count, DeepCrime's "
    "operators and layers, trained on synthetic spectra",
    "[subjects]") {
  const auto spec = pmt::model::load_subject(pmt::model::builtin_subject_path("audio"));
  CHECK(spec.layers.size() == 46);
  CHECK(pmt::model::infer_shapes(spec)[41] == std::vector<std::int64_t>{83, 128});
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(1));
  std::int64_t params = 0;
  for (const auto& p : net.parameters()) params += p.numel();
  CHECK(params == 3088597);  // Keras: (k * in + 1) * filters per Conv1D, (in + 1) * units per Dense
  // DeepCrime's audio settings (utils/write_settings.py) all apply, on its layers
  // (properties_audio.py's layer_udp, less the InputLayer)
  for (const char* op :
       {"change_label", "delete_training_data", "unbalance_train_data",
        "make_output_classes_overlap", "change_batch_size", "change_learning_rate", "change_epochs",
        "change_activation_function", "remove_activation_function", "add_activation_function",
        "add_weights_regularisation", "change_weights_initialisation", "remove_bias",
        "change_loss_function", "change_optimisation_function", "remove_validation_set",
        "change_earlystopping_patience"}) {
    INFO(op);
    CHECK(pmt::mutate::not_applicable(pmt::mutate::find_operator(op), spec, -1).empty());
  }
  const auto layers = [&](const char* op) {
    return pmt::mutate::default_layers(pmt::mutate::find_operator(op), spec);
  };
  CHECK(layers("change_activation_function") == std::vector<int>{0});
  CHECK(spec.layers[7].name == "b2_conv1");
  CHECK(layers("add_weights_regularisation") == std::vector<int>{7});
  // ARM: the 13 ReLU Activation layers and the 3 dense layers' activations; AAL: the 18 linear
  // convolutions; WRB: those and the dense layers
  CHECK(layers("remove_activation_function").size() == 13 + 3);
  CHECK(layers("add_activation_function").size() == 18);
  CHECK(layers("remove_bias").size() == 18 + 3);
  const auto lr =
      pmt::mutate::search_space(pmt::mutate::find_operator("change_learning_rate"), spec);
  CHECK((lr.from == 0.0001 && lr.to == 0.001 && lr.precision == 0.00001));

  const fs::path root = fs::temp_directory_path() / "pmt_audio_test";
  fs::remove_all(root);
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> unit(0, 1);
  for (const auto& [split, n] :
       {std::pair<std::string, int>{"train", 20}, {"val", 10}, {"test", 10}}) {
    std::vector<double> x, y;
    for (int i = 0; i < n; ++i) {
      const int speaker = i % 5;  // a spectrum peak of the speaker's frequency
      for (int f = 0; f < 8000; ++f)
        x.push_back(unit(gen) + (std::abs(f - 1000 * (speaker + 1)) < 200 ? 3.0 : 0.0));
      y.push_back(speaker);
    }
    const fs::path dir = root / "datasets" / "audio";
    const auto nn = static_cast<std::size_t>(n);
    npy(dir / (split + "_x.npy"), {nn, 8000, 1}, x);
    npy(dir / (split + "_y.npy"), {nn}, y);
  }
  auto o = one_epoch(root, "audio");
  o.instances = "0";
  const auto s = pmt::tools::run_train_mutants(o);
  CHECK(s.trained == std::vector<int>{0});
  for (double a : accuracies(o)) CHECK((a >= 0 && a <= 1));
}

TEST_CASE(
    "udacity: DeepCrime's steering model with Keras' parameter count and DeepCrime's operators, "
    "its loss as the metric, trained on synthetic images",
    "[subjects]") {
  const auto spec = pmt::model::load_subject(pmt::model::builtin_subject_path("udacity"));
  CHECK(pmt::model::infer_shapes(spec)[5] == std::vector<std::int64_t>{64, 13, 33});
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(1));
  std::int64_t params = 0;
  for (const auto& p : net.parameters()) params += p.numel();
  CHECK(params == 2882619);  // Keras' formulas (k * k * in + 1) * filters, (in + 1) * units
  for (const char* op :
       {"change_label", "delete_training_data", "unbalance_train_data",
        "make_output_classes_overlap", "change_learning_rate", "change_epochs",
        "change_activation_function", "remove_activation_function", "add_weights_regularisation",
        "change_dropout_rate", "change_weights_initialisation", "remove_bias",
        "change_loss_function", "change_optimisation_function", "remove_validation_set"}) {
    INFO(op);
    CHECK(pmt::mutate::not_applicable(pmt::mutate::find_operator(op), spec, -1).empty());
  }
  const auto layers = [&](const char* op) {
    return pmt::mutate::default_layers(pmt::mutate::find_operator(op), spec);
  };
  CHECK(layers("change_dropout_rate") == std::vector<int>{6});
  CHECK(layers("change_activation_function") == std::vector<int>{3});
  CHECK(layers("remove_activation_function") == std::vector<int>{1, 2, 3, 4, 5, 8, 9, 10});

  const fs::path root = fs::temp_directory_path() / "pmt_udacity_test";
  fs::remove_all(root);
  std::mt19937 gen(8);
  std::uniform_real_distribution<double> pixel(0, 255), angle(-0.5, 0.5);
  for (const auto& [split, n] : {std::pair<std::string, int>{"train", 16}, {"test", 8}}) {
    std::vector<double> x, y;
    for (int i = 0; i < n; ++i) {
      for (int p = 0; p < 160 * 320 * 3; ++p) x.push_back(pixel(gen));
      y.push_back(angle(gen));
    }
    const fs::path dir = root / "datasets" / "udacity";
    const auto nn = static_cast<std::size_t>(n);
    npy(dir / (split + "_x.npy"), {nn, 160, 320, 3}, x);  // DeepCrime's channels-last images
    npy(dir / (split + "_y.npy"), {nn}, y);
  }
  auto o = one_epoch(root, "udacity");
  const auto s = pmt::tools::run_train_mutants(o);
  CHECK(s.trained == std::vector<int>{0, 1});
  // the metric is the test loss (MSE: angles in [-0.5, 0.5] give losses of about 0.1)
  for (double loss : accuracies(o)) CHECK((loss > 0 && loss < 10));
}

TEST_CASE("restore_best_weights: early stopping brings back the best epoch's weights, as Keras",
          "[subjects]") {
  const auto spec = pmt::model::parse_subject(json::parse(R"({
    "name": "noisy", "dataset": "tiny", "input_shape": [6], "num_classes": 2,
    "layers": [{"type": "dense", "units": 32, "activation": "relu"},
               {"type": "batch_normalization"},
               {"type": "dense", "units": 2, "activation": "softmax"}],
    "optimizer": {"name": "adam", "learning_rate": 0.05}, "batch_size": 8, "epochs": 60,
    "validation": "test", "patience": 2, "restore_best_weights": true})"),
                                              "noisy.json");
  CHECK(pmt::model::to_json(spec)["restore_best_weights"] == true);
  // random labels: the validation loss soon rises as the network learns the training noise
  std::mt19937 gen(3);
  std::normal_distribution<double> normal(0, 1);
  const auto data = [&](int n) {
    pmt::model::Dataset d;
    d.inputs = {{{6}, {}}};
    for (int i = 0; i < n; ++i) {
      for (int k = 0; k < 6; ++k) d.inputs[0].x.push_back(static_cast<float>(normal(gen)));
      d.y.push_back(static_cast<std::int64_t>(gen() % 2));
    }
    return d;
  };
  const pmt::model::Dataset train = data(64), val = data(64);
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(2));
  std::vector<std::vector<torch::Tensor>> states;  // after each epoch
  const auto r = pmt::train::fit(net, train, &val, [&](const pmt::train::EpochStats&) {
    std::vector<torch::Tensor> state;
    for (const auto& p : net.parameters()) state.push_back(p.detach().clone());
    for (const auto& b : net.buffers()) state.push_back(b.detach().clone());
    states.push_back(state);
  });
  REQUIRE(r.early_stopped);
  std::size_t best = 0;
  for (std::size_t e = 0; e < r.history.size(); ++e)
    if (r.history[e].val_loss < r.history[best].val_loss) best = e;
  CHECK(best + 1 < r.history.size());
  std::size_t k = 0;
  for (const auto& p : net.parameters()) CHECK(torch::equal(p, states[best][k++]));
  for (const auto& b : net.buffers()) CHECK(torch::equal(b, states[best][k++]));
  CHECK(pmt::train::evaluate(net, val).first == Approx(r.history[best].val_loss).epsilon(1e-5));
}

TEST_CASE("NPY datasets that do not fit the subject are errors naming the file", "[subjects]") {
  const fs::path root = fs::temp_directory_path() / "pmt_npy_errors_test";
  fs::remove_all(root);
  const fs::path dir = root / "datasets" / "movielens";
  npy(dir / "train_users.npy", {5}, {0, 1, 2, 3, 4});
  npy(dir / "train_movies.npy", {4}, {0, 1, 2, 3});
  npy(dir / "train_ratings.npy", {5}, {0, 0.5, 1, 0.5, 0});
  auto o = one_epoch(root, "movie_recomm");
  REQUIRE_THROWS_WITH(pmt::tools::run_train_mutants(o),
                      Catch::Contains("train_movies.npy: 4 samples, but the targets") &&
                          Catch::Contains("train_ratings.npy have 5"));
  npy(dir / "train_movies.npy", {5, 2}, std::vector<double>(10, 1.0));
  REQUIRE_THROWS_WITH(pmt::tools::run_train_mutants(o),
                      Catch::Contains("train_movies.npy: shape (5, 2) does not fit input 'movie'"));
  npy(dir / "train_movies.npy", {5}, {0, 1, 2, 3, std::nan("")});
  REQUIRE_THROWS_WITH(pmt::tools::run_train_mutants(o),
                      Catch::Contains("train_movies.npy: contains NaN"));
  CHECK_FALSE(fs::exists(root / "trained_models" / "movie_recomm" / "original"));
}

TEST_CASE("HDF5 data as the PMT package ships it (x_<split>, y_<split> in <split>.h5)",
          "[subjects]") {
  const fs::path root = fs::temp_directory_path() / "pmt_hdf5_subject_test";
  fs::remove_all(root);
  const fs::path dir = root / "datasets" / "bands";
  fs::create_directories(dir);
  std::mt19937 gen(7);
  std::normal_distribution<float> noise(0, 20);
  for (const auto& [split, n] : {std::pair<std::string, int>{"train", 120}, {"test", 40}}) {
    pmt::io::Hdf5Array x{{n, 4, 4}, {}}, y{{n, 2}, {}};  // uint8-like pixels, one-hot labels
    for (int i = 0; i < n; ++i) {
      for (int p = 0; p < 16; ++p) x.data.push_back((p < 8) == (i % 2 == 0) ? 200 : 40);
      y.data.push_back(i % 2 == 0), y.data.push_back(i % 2 == 1);
    }
    for (float& v : x.data) v = std::clamp(v + noise(gen), 0.f, 255.f);
    pmt::io::write_hdf5(dir / (split + ".h5"), {{"x_" + split, x}, {"y_" + split, y}});
  }
  pmt::io::write_file_atomic(root / "h5.json", R"({
    "name": "h5", "dataset": "bands", "num_classes": 2,
    "inputs": [{"name": "x", "shape": [1, 4, 4], "scale": 255}],
    "data": {"format": "hdf5", "file": "{split}.h5", "inputs": ["x_{split}"],
             "targets": "y_{split}"},
    "layers": [{"type": "flatten"}, {"type": "dense", "units": 2, "activation": "softmax"}],
    "optimizer": {"name": "adam", "learning_rate": 0.05}, "batch_size": 16, "epochs": 3})");
  pmt::tools::TrainMutantsOptions o;
  o.subject_file = (root / "h5.json").string();
  o.instances = "0";
  o.common.data_root = root.string();
  o.progress = false;
  pmt::tools::run_train_mutants(o);
  for (double a : accuracies(o)) CHECK(a > 0.9);
  // a dataset name that the file lacks: the error lists those it has
  json spec = json::parse(pmt::io::read_file(root / "h5.json"));
  spec["data"]["targets"] = "labels_{split}";
  pmt::io::write_file_atomic(root / "h5.json", spec.dump());
  o.instances = "1";
  REQUIRE_THROWS_WITH(pmt::tools::run_train_mutants(o),
                      Catch::Contains("train.h5: no dataset 'labels_train'") &&
                          Catch::Contains("x_train, y_train"));
}
