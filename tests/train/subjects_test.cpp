// The package's other subjects, lenet (UnityEyes gaze: two inputs, regression, angle metric),
// movie_recomm (MovieLens: embeddings, the batch-wide dot, a rating-error metric), DeepCrime's
// audio (speaker recognition: residual Conv1D blocks) and udacity (steering), and the Keras
// examples cifar10 (ResNet20: batch normalisation, strides, "same") and imdb (bidirectional
// LSTMs), train one epoch on small synthetic NPY data of the right shapes, gen_acc writes their
// files, and mutate_model mutates the last two.
#include <ATen/CPUGeneratorImpl.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

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

namespace {

// mutate_model on the sound instances of `o` (filter off: synthetic data), then gen_acc of the
// mutants: one accuracy per instance.
std::vector<double> mutate_and_evaluate(const pmt::tools::TrainMutantsOptions& o,
                                        const std::string& mut, const std::string& param) {
  pmt::tools::MutateModelOptions m;
  static_cast<pmt::tools::ConfigOptions&>(m) = o;
  m.mut = mut, m.param = param, m.filter_factor = 0;
  const auto s = pmt::tools::run_mutate_model(m);
  CHECK(s.gave_up.empty());
  pmt::tools::TrainMutantsOptions g = o;
  g.mut = mut, g.param = param;
  return accuracies(g);
}

}  // namespace

TEST_CASE(
    "cifar10: Keras' ResNet20 v1 with Keras' parameter count, trained on synthetic images through "
    "train_mutants (the fused path falling back), gen_acc and mutate_model",
    "[subjects]") {
  const auto spec = pmt::model::load_subject(pmt::model::builtin_subject_path("cifar10"));
  CHECK(spec.layers.size() == 71);
  const auto shapes = pmt::model::infer_shapes(spec);
  CHECK(shapes[29] == std::vector<std::int64_t>{32, 16, 16});  // the first strided shortcut
  CHECK(shapes[67] == std::vector<std::int64_t>{64, 8, 8});
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(1));
  std::int64_t params = 0, statistics = 0;
  for (const auto& p : net.parameters()) params += p.numel();
  for (const auto& b : net.buffers()) statistics += b.numel();
  // Keras' model.summary(): 274,442 in all, 273,066 trainable (the moving means and variances
  // of 688 channels are not)
  CHECK(params == 273066);
  CHECK(statistics == 1376);
  const auto layers = [&](const char* op) {
    return pmt::mutate::default_layers(pmt::mutate::find_operator(op), spec);
  };
  CHECK(layers("change_weights_initialisation").size() == 22);  // 21 Conv2D and the Dense
  CHECK(layers("remove_activation_function").size() == 20);     // 19 ReLU layers, the softmax
  CHECK(layers("add_weights_regularisation") == std::vector<int>{70});  // the convs have L2
  CHECK(layers("neurons_freezing") == std::vector<int>{0});

  const fs::path root = fs::temp_directory_path() / "pmt_cifar10_test";
  fs::remove_all(root);
  std::mt19937 gen(9);
  std::uniform_int_distribution<int> pixel(0, 155);
  for (const auto& [split, n] : {std::pair<std::string, int>{"train", 40}, {"test", 20}}) {
    std::vector<double> x, y;
    for (int i = 0; i < n; ++i) {
      const int label = i % 10;  // a brighter channel and quadrant per class
      for (int r = 0; r < 32; ++r)
        for (int c = 0; c < 32; ++c)
          for (int ch = 0; ch < 3; ++ch)
            x.push_back(pixel(gen) + (ch == label % 3 && (r < 16) == (label < 5) ? 100 : 0));
      y.push_back(label);
    }
    const auto nn = static_cast<std::size_t>(n);
    npy(root / "datasets" / "cifar10" / (split + "_x.npy"), {nn, 32, 32, 3}, x);  // uint8-like
    npy(root / "datasets" / "cifar10" / (split + "_y.npy"), {nn}, y);
  }
  auto o = one_epoch(root, "cifar10");
  o.fuse = 2;
  const auto s = pmt::tools::run_train_mutants(o);
  CHECK(s.trained == std::vector<int>{0, 1});
  CHECK(s.fuse == 1);
  CHECK_THAT(s.unfused_why, Catch::Contains("graph subject"));
  for (double a : accuracies(o)) CHECK((a >= 0 && a <= 1));
  for (double a : mutate_and_evaluate(o, "neuron_effect_block", "0.1")) CHECK((a >= 0 && a <= 1));
}

TEST_CASE(
    "imdb: Keras' bidirectional-LSTM example with its parameter count, trained on synthetic "
    "reviews through train_mutants, gen_acc and mutate_model",
    "[subjects]") {
  const auto spec = pmt::model::load_subject(pmt::model::builtin_subject_path("imdb"));
  CHECK(pmt::model::infer_shapes(spec)[1] == std::vector<std::int64_t>{200, 128});
  pmt::train::SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(1));
  std::int64_t params = 0;
  for (const auto& p : net.parameters()) params += p.numel();
  // 20000 x 128; per direction 4 x (64 x (in + 64) + 64) with in = 128; (128 + 1) x 2
  CHECK(params == 2560000 + 2 * 2 * 4 * (64 * (128 + 64) + 64) + 258);
  const auto layers = [&](const char* op) {
    return pmt::mutate::default_layers(pmt::mutate::find_operator(op), spec);
  };
  CHECK(layers("change_weights_initialisation") == std::vector<int>{1, 2, 3});
  CHECK(layers("add_weights_regularisation") == std::vector<int>{1, 2, 3});
  CHECK(layers("neurons_freezing") == std::vector<int>{1});

  const fs::path root = fs::temp_directory_path() / "pmt_imdb_test";
  fs::remove_all(root);
  std::mt19937 gen(10);
  std::uniform_int_distribution<int> word(10, 19999);
  for (const auto& [split, n] : {std::pair<std::string, int>{"train", 32}, {"test", 16}}) {
    std::vector<double> x, y;
    for (int i = 0; i < n; ++i) {
      const int label = i % 2;  // positive reviews repeat word 7, negative ones word 8
      for (int t = 0; t < 200; ++t) x.push_back(t < 150 ? 0 : t % 5 == 0 ? 7 + label : word(gen));
      y.push_back(label);
    }
    const auto nn = static_cast<std::size_t>(n);
    npy(root / "datasets" / "imdb" / (split + "_x.npy"), {nn, 200}, x);  // pad_sequences' zeros
    npy(root / "datasets" / "imdb" / (split + "_y.npy"), {nn}, y);
  }
  auto o = one_epoch(root, "imdb");
  const auto s = pmt::tools::run_train_mutants(o);
  CHECK(s.trained == std::vector<int>{0, 1});
  for (double a : accuracies(o)) CHECK((a >= 0 && a <= 1));
  for (double a : mutate_and_evaluate(o, "neurons_freezing", "0.5")) CHECK((a >= 0 && a <= 1));
}

// Every layer type of the vocabulary in one graph, trained by train_mutants (with a pre-training
// mutant), evaluated by gen_acc and mutated by mutate_model's weight operators.
TEST_CASE("every layer type trains through train_mutants, gen_acc and mutate_model", "[subjects]") {
  const fs::path root = fs::temp_directory_path() / "pmt_every_layer_test";
  fs::remove_all(root);
  pmt::io::write_file_atomic(root / "every.json", R"({
    "name": "every", "dataset": "every", "num_classes": 2,
    "inputs": [{"name": "image", "shape": [3, 12, 12], "scale": 255},
               {"name": "words", "shape": [6]}],
    "data": {"format": "npy", "inputs": ["{split}_image.npy", "{split}_words.npy"],
             "targets": "{split}_y.npy"},
    "layers": [
      {"type": "rescaling", "name": "scaled", "inputs": ["image"], "scale": 2, "offset": -1},
      {"type": "conv2d", "name": "conv", "filters": 4, "kernel_size": 3, "padding": "same",
       "activation": "relu"},
      {"type": "batch_normalization", "name": "bn"},
      {"type": "depthwise_conv2d", "name": "depthwise", "kernel_size": 3, "padding": "same"},
      {"type": "separable_conv2d", "name": "separable", "filters": 4, "kernel_size": 3,
       "padding": "same", "activation": "swish"},
      {"type": "add", "name": "sum", "inputs": ["bn", "separable"]},
      {"type": "zero_padding2d", "name": "padded", "padding": 1},
      {"type": "cropping2d", "name": "cropped", "cropping": [[1, 1], [1, 1]]},
      {"type": "max_pool2d", "name": "pooled", "pool_size": 2},
      {"type": "conv2d_transpose", "name": "transposed", "filters": 4, "kernel_size": 3,
       "strides": 2, "padding": "same"},
      {"type": "up_sampling2d", "name": "up", "size": 2},
      {"type": "resizing", "name": "resized", "height": 20, "width": 16},
      {"type": "conv2d", "name": "strided", "filters": 4, "kernel_size": 3, "strides": 2,
       "dilation_rate": 1, "activation": "elu"},
      {"type": "average_pool2d", "name": "avg", "pool_size": 2, "strides": 2, "padding": "same"},
      {"type": "layer_normalization", "name": "ln"},
      {"type": "global_max_pool2d", "name": "gmax2", "inputs": ["ln"]},
      {"type": "global_average_pool2d", "name": "gavg2", "inputs": ["cropped"]},
      {"type": "reshape", "name": "seq", "inputs": ["avg"], "target_shape": [-1, 4]},
      {"type": "conv1d", "name": "conv1d", "filters": 4, "kernel_size": 2, "padding": "same",
       "groups": 2},
      {"type": "zero_padding1d", "name": "pad1", "padding": 2},
      {"type": "cropping1d", "name": "crop1", "cropping": [1, 1]},
      {"type": "max_pool1d", "name": "pool1", "pool_size": 2, "padding": "same"},
      {"type": "average_pool1d", "name": "avg1", "pool_size": 1},
      {"type": "embedding", "name": "embedded", "inputs": ["words"], "input_dim": 30,
       "output_dim": 4},
      {"type": "gru", "name": "gru", "units": 4, "return_sequences": true},
      {"type": "simple_rnn", "name": "rnn", "units": 4, "return_sequences": true,
       "bidirectional": "sum"},
      {"type": "lstm", "name": "lstm", "inputs": ["gru"], "units": 4, "return_sequences": true,
       "bidirectional": "ave"},
      {"type": "subtract", "name": "diff", "inputs": ["rnn", "lstm"]},
      {"type": "multiply", "name": "prod", "inputs": ["rnn", "lstm"]},
      {"type": "average", "name": "mean", "inputs": ["diff", "prod"]},
      {"type": "maximum", "name": "max", "inputs": ["mean", "rnn"]},
      {"type": "minimum", "name": "min", "inputs": ["max", "lstm"]},
      {"type": "permute", "name": "swapped", "dims": [2, 1]},
      {"type": "time_distributed", "name": "per_step",
       "layer": {"type": "dense", "units": 3, "activation": "gelu"}},
      {"type": "global_average_pool1d", "name": "gavg1", "inputs": ["avg1"]},
      {"type": "global_max_pool1d", "name": "gmax1", "inputs": ["per_step"]},
      {"type": "concatenate", "name": "all", "inputs": ["gmax2", "gavg2", "gavg1", "gmax1"]},
      {"type": "dropout", "name": "drop", "rate": 0.1},
      {"type": "dense", "name": "hidden", "units": 6},
      {"type": "activation", "name": "leaky", "activation": "leaky_relu", "alpha": 0.1},
      {"type": "flatten", "name": "flat"},
      {"type": "dense", "name": "output", "units": 2, "activation": "softmax"}],
    "optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 8, "epochs": 1})");
  std::mt19937 gen(11);
  std::uniform_int_distribution<int> pixel(0, 255), word(0, 29);
  for (const auto& [split, n] : {std::pair<std::string, int>{"train", 16}, {"test", 8}}) {
    std::vector<double> image, words, y;
    for (int i = 0; i < n; ++i) {
      for (int p = 0; p < 3 * 12 * 12; ++p) image.push_back(pixel(gen));
      for (int t = 0; t < 6; ++t) words.push_back(word(gen));
      y.push_back(i % 2);
    }
    const auto nn = static_cast<std::size_t>(n);
    const fs::path dir = root / "datasets" / "every";
    npy(dir / (split + "_image.npy"), {nn, 12, 12, 3}, image);
    npy(dir / (split + "_words.npy"), {nn, 6}, words);
    npy(dir / (split + "_y.npy"), {nn}, y);
  }
  const auto spec = pmt::model::load_subject(root / "every.json");
  std::set<pmt::model::LayerType> types;
  for (const auto& l : spec.layers) types.insert(l.type);
  CHECK(types.size() + 1 == pmt::model::layer_types().size());  // all but dot (movie_recomm's)
  pmt::tools::TrainMutantsOptions o;
  o.subject_file = (root / "every.json").string();
  o.instances = "0-1";
  o.common.data_root = root.string();
  o.progress = false;
  CHECK(pmt::tools::run_train_mutants(o).trained == std::vector<int>{0, 1});
  for (double a : accuracies(o)) CHECK((a >= 0 && a <= 1));
  auto m = o;
  m.mut = "change_activation_function", m.param = "tanh", m.layer = 4;  // the separable's swish
  CHECK(pmt::tools::run_train_mutants(m).trained == std::vector<int>{0, 1});
  for (const char* op : {"gaussian_fuzzing", "neuron_effect_block", "neuron_switch"})
    for (double a : mutate_and_evaluate(o, op, "0.2")) CHECK((a >= 0 && a <= 1));
}
