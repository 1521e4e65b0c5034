// Replays every regression input of tests/data/fuzz/<harness>/ (fuzzing findings and hand-written
// hostile files, named after their defect) through the reader its harness fuzzes, as the harness
// calls it: each must give a result or a pmt::Error, never another exception or a crash (ctest
// reports a signal as a failure). The fuzzers themselves run in scripts/fuzz.sh, not here.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pmt/cluster/search.hpp"
#include "pmt/core/error.hpp"
#include "pmt/importer/importer.hpp"
#include "pmt/io/accuracy_csv.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/hdf5.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/io/settings.hpp"
#include "pmt/model/dataset.hpp"
#include "pmt/model/subject.hpp"

namespace fs = std::filesystem;

namespace {

// Feeds every file of tests/data/fuzz/<harness>/ to `read`; returns how many were fed.
int replay(const std::string& harness, const std::function<void(const std::string&)>& read) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(fs::path(PMT_TEST_DATA_DIR) / "fuzz" / harness)) {
    const std::string bytes = pmt::io::read_file(e.path());
    INFO(e.path().string());
    try {
      read(bytes);
    } catch (const pmt::Error& err) {
      CHECK(std::string(err.what()).find('\n') == std::string::npos);
      CHECK(std::string(err.what()).size() < 400);
    } catch (const std::exception& other) {
      FAIL("not a pmt::Error: " << other.what());
    }
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("fuzz regression inputs: accuracy CSV", "[fuzz]") {
  CHECK(replay("accuracy_csv",
               [](const std::string& b) { pmt::io::parse_accuracy_csv(b, "fuzz.csv"); }) > 0);
}

TEST_CASE("fuzz regression inputs: NPY (default and unlimited header size)", "[fuzz]") {
  CHECK(replay("npy", [](const std::string& b) {
          try {
            pmt::io::parse_npy(b, "fuzz.npy");
          } catch (const pmt::Error&) {
          }
          pmt::io::parse_npy(b, "fuzz.npy", b.size());
        }) > 0);
}

TEST_CASE("fuzz regression inputs: IDX, plain and gzip", "[fuzz]") {
  CHECK(replay("idx", [](const std::string& b) { pmt::model::parse_idx(b, "fuzz.idx"); }) > 0);
}

TEST_CASE("fuzz regression inputs: settings", "[fuzz]") {
  CHECK(replay("settings", [](const std::string& b) {
          const auto s = pmt::io::Settings::parse(b, "fuzz.json");
          for (const auto& model : s.models())
            for (const auto& mut : s.mutations(model)) (void)s.params(model, mut);
        }) > 0);
}

TEST_CASE("fuzz regression inputs: subject specs", "[fuzz]") {
  CHECK(replay("subject", [](const std::string& b) {
          const auto spec = pmt::model::parse_subject(pmt::io::parse_json(b, "fuzz.json"), "fuzz");
          pmt::model::parse_subject(pmt::model::to_json(spec), "fuzz");
        }) > 0);
}

TEST_CASE("fuzz regression inputs: embedding sidecars (cluster --embedding)", "[fuzz]") {
  // Every one of these is refused, and the embedding keeps its name and scaling.
  CHECK(replay("embedding_sidecar", [](const std::string& b) {
          pmt::cluster::Embedding e;
          e.name = "stem";
          try {
            pmt::cluster::read_embedding_sidecar(b, "fuzz.json", e);
          } catch (const pmt::Error& err) {
            CHECK(std::string(err.what()).rfind("fuzz.json: ", 0) == 0);
            CHECK(e.name == "stem");
            CHECK(e.scaling == pmt::cluster::Scaling::kNone);
            throw;
          }
          FAIL("accepted as '" << e.name << "'");
        }) == 7);
}

TEST_CASE("fuzz regression inputs: HDF5, as the harness reads them", "[fuzz]") {
  const fs::path file = fs::temp_directory_path() / "pmt_fuzz_replay_hdf5.h5";
  const auto start = std::chrono::steady_clock::now();
  CHECK(replay("hdf5", [&](const std::string& b) {
          pmt::io::write_file_atomic(file, b);
          std::vector<std::string> names{"x_test"};
          try {
            const auto listed = pmt::io::hdf5_datasets(file);
            names.insert(names.end(), listed.begin(), listed.end());
          } catch (const pmt::Error&) {
          }
          for (const auto& name : names) {
            try {
              pmt::io::read_hdf5(file, name);
            } catch (const pmt::Error&) {
            }
          }
        }) > 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  fs::remove(file);
  // An 8 KB file declaring 297 M values: before the reader bounded the array by the bytes the
  // file stores, it allocated and zeroed 1.2 GB (1.7 s; over 20 s, a fuzzer timeout, under ASan)
  // and then failed in HDF5.
  const fs::path crafted =
      fs::path(PMT_TEST_DATA_DIR) / "fuzz" / "hdf5" / "declared-larger-than-stored-timeout.h5";
  CHECK_THROWS_WITH(pmt::io::read_hdf5(crafted, "x_test"),
                    Catch::Contains("declares shape (2, 3, 3, 16515073) (297271314 values) but the "
                                    "file stores 18 bytes of it"));
}

TEST_CASE("fuzz regression inputs: model files (Keras, ONNX), as the harness reads them",
          "[fuzz]") {
  // with --weights every one is refused (the seed, model.to_json() text, holds no weights) with
  // one line; without, the seed imports
  int refused = 0;
  const fs::path file = fs::temp_directory_path() / "pmt_fuzz_replay_import.onnx";
  const int fed = replay("import_model", [&](const std::string& b) {
    pmt::io::write_file_atomic(file, b);
    pmt::importer::Options options;
    for (const bool weights : {false, true}) {
      options.weights = weights;
      try {
        pmt::importer::import_model(file, options);
      } catch (const pmt::Error& e) {
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
        refused += weights ? 1 : 0;
      }
    }
    fs::remove(file);
  });
  CHECK(fed == 8);
  CHECK(refused == fed);
}
