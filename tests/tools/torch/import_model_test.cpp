// import_model on real Keras files (tests/data/import/, their sources in its README.md): each
// imports with its weights, its parameter count and every layer's weight arrays are the file's,
// the imported network's outputs are those of a NumPy reading of Keras' semantics
// (scripts/import_fixtures.py -> expected.json) on the same inputs, and the subject trains.
#include "support/torch_catch.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "pmt/core/error.hpp"
#include "pmt/importer/importer.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/hdf5.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/model/dataset.hpp"
#include "pmt/tools/import_model.hpp"
#include "pmt/train/instance.hpp"
#include "pmt/train/network.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kData = fs::path(PMT_TEST_DATA_DIR) / "import";
const char* kRescale = R"({"type": "rescaling", "scale": 0.00784313725490196, "offset": -1})";

struct Root {
  fs::path dir = fs::temp_directory_path() / ("pmt_import_test_" + std::to_string(getpid()));
  Root() { fs::remove_all(dir); }
  ~Root() { fs::remove_all(dir); }
};

// The fixture inputs: sample s, channels-last element k (scripts/import_fixtures.py), in pmt's
// layout (an image's [C, H, W]).
torch::Tensor inputs(const std::vector<std::int64_t>& shape, int samples, double scale) {
  const std::vector<std::int64_t> keras = pmt::model::keras_shape(shape);
  std::int64_t n = 1;
  for (auto d : keras) n *= d;
  std::vector<float> v;
  for (int s = 0; s < samples; ++s)
    for (std::int64_t k = 0; k < n; ++k)
      v.push_back(
          static_cast<float>(static_cast<float>(((s * 1009 + k * 7919) % 1000) / 1000.0 - 0.5) *
                             static_cast<float>(scale)));
  std::vector<std::int64_t> sizes{samples};
  sizes.insert(sizes.end(), keras.begin(), keras.end());
  torch::Tensor x = torch::tensor(v).reshape(sizes);
  return shape.size() == 3 ? x.permute({0, 3, 1, 2}).contiguous() : x;
}

pmt::tools::ImportModelSummary import(const Root& root, const std::string& file,
                                      std::vector<std::string> substitutes = {}) {
  pmt::tools::ImportModelOptions o;
  o.file = (kData / file).string();
  o.common.data_root = root.dir.string();
  o.out = (root.dir / (fs::path(file).stem().string() + ".json")).string();
  o.weights = true;
  o.substitutes = std::move(substitutes);
  return pmt::tools::run_import_model(o);
}

}  // namespace

TEST_CASE("import_model: real Keras files give Keras' parameters, weights and outputs") {
  const json expected = pmt::io::read_json(kData / "expected.json");
  const Root root;
  for (const auto& [file, want] : expected.items()) {
    if (!want.contains("outputs")) continue;
    INFO(file);
    const bool steering = file == "keras_steering_cb1560800.h5";
    const auto summary =
        import(root, file,
               steering ? std::vector<std::string>{std::string("lambda_1=") + kRescale}
                        : std::vector<std::string>{});
    CHECK(summary.imported.parameters == want["parameters"].get<std::int64_t>());
    CHECK(summary.spec_parameters == want["parameters"].get<std::int64_t>());
    // every weighted layer took the file's arrays of that layer (shapes checked on the way)
    std::map<std::string, std::int64_t> per_layer;
    for (const auto& l : summary.imported.layers) {
      const auto q = l.source.find('\'');
      if (l.parameters > 0)
        per_layer[l.source.substr(q + 1, l.source.find('\'', q + 1) - q - 1)] = l.parameters;
    }
    std::map<std::string, std::int64_t> file_layers;
    for (const auto& [layer, shapes] : want["weights"].items()) {
      std::int64_t n = 0;
      for (const auto& s : shapes) {
        std::int64_t p = 1;
        for (const auto& d : s) p *= d.get<std::int64_t>();
        n += p;
      }
      file_layers[layer] = n;
    }
    CHECK(per_layer == file_layers);

    // the stored instance predicts what Keras' semantics predict
    fs::path sidecar = summary.instance;
    sidecar.replace_extension(".json");
    pmt::train::Instance instance = pmt::train::Instance::load_subject(summary.instance, sidecar);
    pmt::train::SubjectNet& net = instance.net();
    net.eval();
    const auto& spec = net.spec();
    const torch::Tensor x = inputs(spec.input_shape, 2, want["scale"].get<double>());
    torch::Tensor out;
    {
      torch::NoGradGuard no_grad;
      out = net.forward(x).to(torch::kDouble);
    }
    const auto& ref = want["outputs"];
    REQUIRE(out.size(0) == static_cast<std::int64_t>(ref.size()));
    double worst = 0;
    for (std::size_t s = 0; s < ref.size(); ++s)
      for (std::size_t k = 0; k < ref[s].size(); ++k) {
        const double r = ref[s][k].get<double>();
        const double d = std::abs(
            out[static_cast<std::int64_t>(s)][static_cast<std::int64_t>(k)].item<double>() - r);
        worst = std::max(worst, d / std::max(std::abs(r), 1e-3));
      }
    INFO("worst relative difference " << worst);
    CHECK(worst < 1e-4);

    // and trains one epoch on data of its input shape
    pmt::model::Dataset data;
    const torch::Tensor train_x = inputs(spec.input_shape, 16, want["scale"].get<double>());
    data.inputs.push_back(
        {spec.input_shape, std::vector<float>(train_x.data_ptr<float>(),
                                              train_x.data_ptr<float>() + train_x.numel())});
    if (spec.task == pmt::model::Task::kClassification) {
      for (int i = 0; i < 16; ++i) data.y.push_back(i % spec.num_classes);
    } else {
      data.target_dim = spec.num_classes;
      for (int i = 0; i < 16 * spec.num_classes; ++i)
        data.t.push_back(0.1f * static_cast<float>(i % 5));
    }
    net.train();
    const auto result = pmt::train::fit(net, data, nullptr);
    REQUIRE(result.history.size() == 1);
    CHECK(std::isfinite(result.history[0].loss));
  }
}

TEST_CASE(
    "import_model: a Lambda layer is refused with its name and a suggestion, nothing written") {
  const Root root;
  pmt::tools::ImportModelOptions o;
  o.file = (kData / "keras_steering_cb1560800.h5").string();
  o.common.data_root = root.dir.string();
  o.out = (root.dir / "steer.json").string();
  o.weights = true;
  try {
    pmt::tools::run_import_model(o);
    FAIL("imported a Lambda layer");
  } catch (const pmt::Error& e) {
    const std::string what = e.what();
    CHECK(e.exit_code() == 2);
    CHECK(what.find("layer 'lambda_1' (Lambda)") != std::string::npos);
    CHECK(what.find("--substitute 'lambda_1={\"type\": \"rescaling\"") != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
  CHECK(!fs::exists(root.dir));
  o.substitutes = {"nothing_of_that_name={\"type\": \"dropout\"}"};
  CHECK_THROWS_WITH(pmt::tools::run_import_model(o),
                    Catch::Contains("lambda_1") && Catch::Contains("Lambda"));
  o.substitutes = {std::string("lambda_1=") + kRescale,
                   "nothing_of_that_name={\"type\": \"dropout\"}"};
  CHECK_THROWS_WITH(pmt::tools::run_import_model(o),
                    Catch::Contains("--substitute nothing_of_that_name: the model has no layer"));
  CHECK(!fs::exists(root.dir));
}

TEST_CASE("import_model: model.to_json() text and the .h5 give one spec") {
  const Root root;
  fs::create_directories(root.dir);
  const pmt::io::Hdf5File h5(kData / "keras_tabular_rock.h5");
  json model = pmt::io::parse_json(h5.strings("", "model_config")->front(), "model_config");
  model["keras_version"] = "3.5.0";
  pmt::io::write_file_atomic(root.dir / "rock.json", model.dump());
  pmt::importer::Options o;
  o.name = "rock";
  json from_text = pmt::importer::import_model(root.dir / "rock.json", o).spec;
  json from_h5 = pmt::importer::import_model(kData / "keras_tabular_rock.h5", o).spec;
  // the text has no training_config: the task's defaults
  for (json* j : {&from_text, &from_h5}) {
    j->erase("source");
    j->erase("optimizer");
  }
  CHECK(from_text == from_h5);
  o.weights = true;
  CHECK_THROWS_WITH(pmt::importer::import_model(root.dir / "rock.json", o),
                    Catch::Contains("holds no weights"));
}

TEST_CASE("import_model: malformed and foreign files are one-line errors") {
  const Root root;
  fs::create_directories(root.dir);
  const auto error_of = [&](const std::string& name, const std::string& content) {
    pmt::io::write_file_atomic(root.dir / name, content);
    try {
      pmt::importer::import_model(root.dir / name, {});
    } catch (const pmt::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("a.txt", "hello").find("not a model file pmt reads") != std::string::npos);
  CHECK(error_of("b.json", "{\"class_name\": \"Sequential\"}").find("without layers") !=
        std::string::npos);
  CHECK(error_of("c.json",
                 "{\"class_name\": \"Sequential\", \"config\": [{\"class_name\": "
                 "\"Dense\", \"config\": {\"units\": 3, \"batch_input_shape\": [null, "
                 "4]}}, {\"class_name\": \"MyLayer\", \"config\": {\"name\": \"mine\"}}]}")
            .find("layer 'mine' (MyLayer): 'MyLayer' is not a Keras layer pmt knows") !=
        std::string::npos);
  CHECK(error_of("d.keras", std::string("PK\x03\x04", 4) + "garbage").find("not a readable zip") !=
        std::string::npos);
  CHECK(error_of("e.h5", std::string("\x89HDF\r\n\x1a\n", 8) + "garbage")
            .find("not a readable HDF5 file") != std::string::npos);
  CHECK(error_of("f.json",
                 "{\"class_name\": \"Sequential\", \"config\": [{\"class_name\": "
                 "\"Dense\", \"config\": {\"units\": 3, \"batch_input_shape\": [null, "
                 "null]}}]}")
            .find("no fixed size") != std::string::npos);
}

TEST_CASE("NPY images channels-last (Keras') are read into pmt's channels-first samples") {
  pmt::model::SubjectSpec spec;
  spec.inputs = {{"x", {2, 2, 3}, 1.0}};
  spec.input_shape = {2, 2, 3};
  spec.num_classes = 2;
  pmt::model::ArrayData x{{1, 2, 3, 2}, {}, "x.npy"};  // (N, H, W, C): value = 100 h + 10 w + c
  for (int h = 0; h < 2; ++h)
    for (int w = 0; w < 3; ++w)
      for (int c = 0; c < 2; ++c) x.data.push_back(static_cast<float>(100 * h + 10 * w + c));
  const pmt::model::Dataset d =
      pmt::model::make_dataset(spec, {x}, pmt::model::ArrayData{{1}, {1}, "y.npy"});
  const std::vector<float> chw{0, 10, 20, 100, 110, 120, 1, 11, 21, 101, 111, 121};
  CHECK(d.inputs[0].x == chw);
  // already channels-first: as it is
  pmt::model::ArrayData same{{1, 2, 2, 3}, chw, "x.npy"};
  CHECK(pmt::model::make_dataset(spec, {same}, pmt::model::ArrayData{{1}, {1}, "y.npy"})
            .inputs[0]
            .x == chw);
}

TEST_CASE("import_model: Keras 3 functional nodes and a nested model are flattened in place") {
  // Keras 3's serialisation (serialization_lib): {"args": [__keras_tensor__...]} nodes, a
  // DTypePolicy dtype, batch_shape; a Sequential base called inside a Functional model
  const auto tensor = [](const std::string& layer) {
    return json{{"class_name", "__keras_tensor__"},
                {"config", {{"shape", {nullptr, 4}}, {"keras_history", {layer, 0, 0}}}}};
  };
  const json dtype{
      {"module", "keras"}, {"class_name", "DTypePolicy"}, {"config", {{"name", "float32"}}}};
  const json base{
      {"module", "keras"},
      {"class_name", "Sequential"},
      {"config",
       {{"name", "base"},
        {"layers",
         {{{"class_name", "InputLayer"},
           {"config", {{"name", "base_in"}, {"batch_shape", {nullptr, 4}}}}},
          {{"class_name", "Dense"},
           {"config",
            {{"name", "hidden"}, {"units", 5}, {"activation", "relu"}, {"dtype", dtype}}}}}}}},
      {"name", "base"},
      {"inbound_nodes", {{{"args", {tensor("x")}}, {"kwargs", json::object()}}}}};
  const json model{
      {"module", "keras"},
      {"class_name", "Functional"},
      {"config",
       {{"name", "outer"},
        {"layers",
         {{{"class_name", "InputLayer"},
           {"name", "x"},
           {"config", {{"name", "x"}, {"batch_shape", {nullptr, 4}}}},
           {"inbound_nodes", json::array()}},
          base,
          {{"class_name", "Dense"},
           {"name", "skip"},
           {"config", {{"name", "skip"}, {"units", 5}}},
           {"inbound_nodes", {{{"args", {tensor("x")}}, {"kwargs", {{"training", false}}}}}}},
          {{"class_name", "Add"},
           {"name", "sum"},
           {"config", {{"name", "sum"}}},
           {"inbound_nodes",
            {{{"args", {{tensor("base"), tensor("skip")}}}, {"kwargs", json::object()}}}}},
          {{"class_name", "Dense"},
           {"name", "out"},
           {"config", {{"name", "out"}, {"units", 3}, {"activation", "softmax"}}},
           {"inbound_nodes", {{{"args", {tensor("sum")}}, {"kwargs", json::object()}}}}}}},
        {"input_layers", {{"x", 0, 0}}},
        {"output_layers", {{"out", 0, 0}}}}}};
  pmt::importer::Options o;
  o.name = "k3";
  const auto imported =
      pmt::importer::import_keras_config(model, json::object(), "3.6.0", "k3.json", o);
  const json& layers = imported.spec["layers"];
  REQUIRE(layers.size() == 4);
  CHECK(layers[0]["name"] == "base/hidden");
  CHECK(layers[0]["inputs"] == json::array({"x"}));
  CHECK(layers[1]["name"] == "skip");
  CHECK(layers[2]["inputs"] == json::array({"base/hidden", "skip"}));
  CHECK(layers[3]["inputs"] == json::array({"sum"}));
  CHECK(imported.spec["task"] == "classification");
  CHECK(imported.spec["num_classes"] == 3);
  CHECK(imported.parameters == 4 * 5 + 5 + 4 * 5 + 5 + 5 * 3 + 3);
}
