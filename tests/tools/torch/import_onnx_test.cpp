// import_model on ONNX models nobody here wrote (torchvision's resnet18, mobilenet_v2 and vgg11,
// an LSTM classifier, an MLP), exported by torch.onnx.export (scripts/onnx_fixtures.py), and a
// graph in tf2onnx's NHWC pattern: the
// imported network gives PyTorch's outputs on the same inputs and has PyTorch's parameters. The
// big models' weights are a formula (weight(), as the script's) written here into their external
// data files, so that git holds only their graphs.
#include "support/torch_catch.hpp"

#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/tools/import_model.hpp"
#include "pmt/train/instance.hpp"
#include "pmt/train/network.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kData = fs::path(PMT_TEST_DATA_DIR) / "onnx";

std::uint64_t fnv1a(const std::string& name) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

// scripts/onnx_fixtures.py's weight(): element i of tensor `name` of `shape`.
std::vector<float> weight(const std::string& name, const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1, fan = 1;
  for (auto d : shape) n *= d;
  for (std::size_t k = 1; k < shape.size(); ++k) fan *= shape[k];
  if (shape.size() == 1) fan = shape[0];
  const auto ends = [&](const std::string& s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  std::vector<float> out(static_cast<std::size_t>(n));
  const std::uint64_t h = fnv1a(name);
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint64_t z = h + static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    const double u = static_cast<double>(z >> 40) / static_cast<double>(1 << 24);
    double v;
    if (ends("running_var"))
      v = 0.5 + u;
    else if (ends("running_mean"))
      v = 0.2 * (2 * u - 1);
    else if (shape.size() == 1 && ends("weight"))
      v = 1 + 0.2 * (2 * u - 1);
    else
      v = (2 * u - 1) * std::sqrt(3.0 / static_cast<double>(std::max<std::int64_t>(fan, 1)));
    out[static_cast<std::size_t>(i)] = static_cast<float>(v);
  }
  return out;
}

// Writes a model's external data file from weight(), at each initializer's offset.
void write_external_data(const fs::path& model, const fs::path& data) {
  onnx::ModelProto m;
  std::ifstream in(model, std::ios::binary);
  REQUIRE(m.ParseFromIstream(&in));
  std::ofstream out(data, std::ios::binary);
  for (const auto& t : m.graph().initializer()) {
    std::uint64_t offset = 0;
    for (const auto& e : t.external_data())
      if (e.key() == "offset") offset = std::stoull(e.value());
    const std::vector<float> v =
        weight(t.name(), std::vector<std::int64_t>(t.dims().begin(), t.dims().end()));
    out.seekp(static_cast<std::streamoff>(offset));
    out.write(reinterpret_cast<const char*>(v.data()),
              static_cast<std::streamsize>(v.size() * sizeof(float)));
  }
}

torch::Tensor inputs(const std::vector<std::int64_t>& shape, int samples) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  std::vector<float> v;
  for (int s = 0; s < samples; ++s)
    for (std::int64_t k = 0; k < n; ++k)
      v.push_back(static_cast<float>(((s * 1009 + k * 7919) % 1000) / 1000.0 - 0.5));
  std::vector<std::int64_t> sizes{samples};
  sizes.insert(sizes.end(), shape.begin(), shape.end());
  return torch::tensor(v).reshape(sizes);
}

}  // namespace

TEST_CASE("import_model: torch.onnx.export's models give PyTorch's outputs and parameters") {
  const json expected = pmt::io::read_json(kData / "expected.json");
  const fs::path root = fs::temp_directory_path() / ("pmt_onnx_test_" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  for (const auto& [name, want] : expected.items()) {
    INFO(name);
    const fs::path model = root / want["file"].get<std::string>();
    fs::copy_file(kData / want["file"].get<std::string>(), model);
    if (!want["external_data"].get<std::string>().empty())
      write_external_data(model, root / want["external_data"].get<std::string>());
    pmt::tools::ImportModelOptions o;
    o.file = model.string();
    o.common.data_root = root.string();
    o.out = (root / (name + ".json")).string();
    o.weights = true;
    const auto summary = pmt::tools::run_import_model(o);
    fs::path sidecar = summary.instance;
    sidecar.replace_extension(".json");
    pmt::train::Instance instance = pmt::train::Instance::load_subject(summary.instance, sidecar);
    pmt::train::SubjectNet& net = instance.net();
    net.eval();
    std::int64_t parameters = 0;
    for (const auto& p : net.parameters()) parameters += p.numel();
    // PyTorch's LSTM has two bias vectors that it only ever adds (b_ih + b_hh); pmt's (Keras')
    // LSTM holds their sum: 4 x 16 values fewer, the same function
    const std::int64_t lstm_second_bias = name == "lstm_classifier" ? 4 * 16 : 0;
    CHECK(parameters == want["parameters"].get<std::int64_t>() - lstm_second_bias);
    const auto shape = want["input_shape"].get<std::vector<std::int64_t>>();
    torch::Tensor out;
    {
      torch::NoGradGuard no_grad;
      torch::Tensor x = inputs(shape, 2);
      // an NHWC graph's input: pmt's image is channels first
      if (want["nhwc"].get<bool>()) x = x.permute({0, 3, 1, 2}).contiguous();
      // the models that end in logits: the subject's softmax is after them
      out = (want["softmax"].get<bool>() ? net.forward(x) : net.logits(x)).to(torch::kDouble);
    }
    const auto ref = want["outputs"].get<std::vector<std::vector<double>>>();
    REQUIRE(out.size(0) == static_cast<std::int64_t>(ref.size()));
    double worst = 0, scale = 0;
    for (std::size_t s = 0; s < ref.size(); ++s)
      for (std::size_t k = 0; k < ref[s].size(); ++k) {
        const double d =
            out[static_cast<std::int64_t>(s)][static_cast<std::int64_t>(k)].item<double>();
        worst = std::max(worst, std::abs(d - ref[s][k]));
        scale = std::max(scale, std::abs(ref[s][k]));
      }
    INFO("worst difference " << worst << " of outputs up to " << scale);
    CHECK(worst <= 1e-4 * scale);
    fs::remove(summary.instance);
    fs::remove(sidecar);
  }
  fs::remove_all(root);
}

TEST_CASE("import_model: an ONNX op pmt lacks is named with its node, nothing written") {
  const fs::path root = fs::temp_directory_path() / ("pmt_onnx_bad_" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  onnx::ModelProto m;
  {
    std::ifstream in(kData / "mlp.onnx", std::ios::binary);
    REQUIRE(m.ParseFromIstream(&in));
  }
  m.mutable_graph()->mutable_node(1)->set_op_type("Mish");
  m.mutable_graph()->mutable_node(1)->set_name("/2/Mish");
  {
    std::ofstream out(root / "mish.onnx", std::ios::binary);
    REQUIRE(m.SerializeToOstream(&out));
  }
  pmt::tools::ImportModelOptions o;
  o.file = (root / "mish.onnx").string();
  o.common.data_root = root.string();
  o.out = (root / "mish.json").string();
  o.weights = true;
  try {
    pmt::tools::run_import_model(o);
    FAIL("imported an unknown op");
  } catch (const pmt::Error& e) {
    CHECK(e.exit_code() == 2);
    CHECK(std::string(e.what()) ==
          o.file +
              ": node '/2/Mish' (Mish): the op 'Mish' is not supported (docs/import.md "
              "lists the ops pmt imports)");
  }
  CHECK(!fs::exists(root / "mish.json"));
  CHECK(!fs::exists(root / "trained_models"));
  fs::remove_all(root);
}
