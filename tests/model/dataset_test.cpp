// IDX reading and writing (plain and gzip) and the errors for missing or corrupt files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/model/dataset.hpp"

namespace fs = std::filesystem;
using pmt::model::IdxArray;
using pmt::model::read_idx;

namespace {

fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("pmt_train_test_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

IdxArray sample() {
  IdxArray a;
  a.dims = {3, 2, 2};
  for (int i = 0; i < 12; ++i) a.data.push_back(static_cast<std::uint8_t>(i * 20));
  return a;
}

}  // namespace

TEST_CASE("IDX files round-trip, plain and gzip", "[idx]") {
  const fs::path d = temp_dir("idx");
  for (const char* name : {"x-images-idx3-ubyte", "x-images-idx3-ubyte.gz"}) {
    pmt::model::write_idx(d / name, sample());
    const IdxArray b = read_idx(d / name);
    CHECK(b.dims == sample().dims);
    CHECK(b.data == sample().data);
  }
  // the .gz really is compressed (gzip magic)
  const std::string gz = pmt::io::read_file(d / "x-images-idx3-ubyte.gz");
  CHECK(static_cast<unsigned char>(gz[0]) == 0x1f);
}

TEST_CASE("missing, truncated and corrupt IDX files are one-line data errors", "[idx]") {
  const fs::path d = temp_dir("idx_bad");
  REQUIRE_THROWS_WITH(read_idx(d / "nope"),
                      Catch::Contains("no such file") && Catch::Contains("get_data.sh"));
  pmt::model::write_idx(d / "a", sample());
  std::string s = pmt::io::read_file(d / "a");
  pmt::io::write_file_atomic(d / "trunc", s.substr(0, s.size() - 3));
  REQUIRE_THROWS_WITH(read_idx(d / "trunc"), Catch::Contains("truncated or corrupt"));
  pmt::io::write_file_atomic(d / "text", "hello world, not IDX");
  REQUIRE_THROWS_WITH(read_idx(d / "text"), Catch::Contains("not an IDX file"));
  pmt::model::write_idx(d / "a.gz", sample());
  std::string gz = pmt::io::read_file(d / "a.gz");
  pmt::io::write_file_atomic(d / "cut.gz", gz.substr(0, gz.size() / 2));
  REQUIRE_THROWS_WITH(read_idx(d / "cut.gz"), Catch::Contains("corrupt or truncated gzip"));
  gz[gz.size() / 2] = static_cast<char>(gz[gz.size() / 2] ^ 0x55);
  pmt::io::write_file_atomic(d / "flip.gz", gz);
  REQUIRE_THROWS_AS(read_idx(d / "flip.gz"), pmt::Error);
}

TEST_CASE("datasets are located under <data-dir>/<dataset>, plain or .gz", "[idx]") {
  const fs::path d = temp_dir("locate");
  REQUIRE_THROWS_WITH(pmt::model::locate_dataset("mnist", d, "train"),
                      Catch::Contains("dataset 'mnist': missing train-images-idx3-ubyte") &&
                          Catch::Contains("--data-dir"));
  pmt::model::write_idx(d / "mnist" / "train-images-idx3-ubyte.gz", sample());
  IdxArray labels{{3}, {0, 1, 1}};
  pmt::model::write_idx(d / "mnist" / "train-labels-idx1-ubyte", labels);
  const auto files = pmt::model::locate_dataset("mnist", d, "train");
  CHECK(files.images.filename() == "train-images-idx3-ubyte.gz");
  // derived from the images name; the plain labels file is found although the images are .gz
  CHECK(pmt::model::labels_for_images(files.images).filename() == "train-labels-idx1-ubyte");
  const auto set = pmt::model::load_dataset(files, {1, 2, 2}, 255.0, 2);
  CHECK(set.size() == 3);
  CHECK(set.inputs[0].x[1] == Approx(20.0 / 255));
  CHECK(set.y == std::vector<std::int64_t>{0, 1, 1});
  REQUIRE_THROWS_WITH(pmt::model::load_dataset(files, {1, 3, 3}, 255.0, 2),
                      Catch::Contains("input_shape needs 9"));
  REQUIRE_THROWS_WITH(pmt::model::load_dataset(files, {1, 2, 2}, 255.0, 1),
                      Catch::Contains("label 1 out of range"));
}
