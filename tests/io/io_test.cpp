// io: accuracy CSV and NPY round trips, dtype conversion, atomic writes.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <catch2/catch.hpp>

#include "pmt/core/error.hpp"
#include "pmt/io/accuracy_csv.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/io/npy.hpp"

namespace fs = std::filesystem;

namespace {
fs::path temp_dir() {
  const fs::path p =
      fs::temp_directory_path() / ("pmt_io_" + std::to_string(std::random_device{}()));
  fs::create_directories(p);
  return p;
}
}  // namespace

TEST_CASE("accuracy CSV round trip keeps missing instances", "[io]") {
  const fs::path dir = temp_dir();
  const std::vector<std::string> names{"pred_label_model_0", "pred_label_model_1",
                                       "pred_label_model_2"};
  const std::vector<double> acc{0.9917, NAN, 0.123456789012345};
  pmt::io::write_accuracy_csv(dir / "a.csv", names, acc, {{"7", "7", "1", "7"}});
  const auto t = pmt::io::read_accuracy_csv(dir / "a.csv");
  CHECK(t.names == names);
  CHECK(t.accuracy[0] == 0.9917);
  CHECK(std::isnan(t.accuracy[1]));
  CHECK(t.accuracy[2] == 0.123456789012345);
  CHECK(t.missing() == 1);
  fs::remove_all(dir);
}

TEST_CASE("the bundled reference files parse", "[io]") {
  const auto t = pmt::io::read_accuracy_csv(fs::path(PMT_SOURCE_DIR) /
                                            "raw_data/mnist/results_mnist_original.csv");
  CHECK(t.accuracy.size() == 200);
  CHECK(t.missing() == 0);
  CHECK(t.accuracy[0] == 0.991699993610382);
}

TEST_CASE("NPY round trip and dtype conversion", "[io]") {
  const fs::path dir = temp_dir();
  pmt::io::write_npy(dir / "a.npy", {2, 3}, {1, 2, 3, 4, 5, 6.5});
  const auto a = pmt::io::read_npy(dir / "a.npy", {2, 0});
  CHECK(a.shape == std::vector<std::size_t>{2, 3});
  CHECK(a.data == std::vector<double>{1, 2, 3, 4, 5, 6.5});
  CHECK(a.shape_string() == "(2, 3)");
  // A float32 file as numpy writes it (header padded to a multiple of 64 bytes).
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  header.append(128 - 10 - header.size() - 1, ' ');
  header += '\n';
  std::string bytes =
      std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) + '\0' + header;
  const float v[2] = {0.5f, 0.25f};
  bytes.append(reinterpret_cast<const char*>(v), sizeof v);
  std::ofstream(dir / "f.npy", std::ios::binary) << bytes;
  CHECK(pmt::io::read_npy(dir / "f.npy", {2}).data == std::vector<double>{0.5, 0.25});
  CHECK_THROWS_AS(pmt::io::read_npy(dir / "f.npy", {3}), pmt::Error);
  // the integer dtypes np.save writes (keras.datasets' uint8 images, int32 word indices)
  const auto npy_of = [&](const char* descr, const std::string& data) {
    std::string h = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" +
                    std::to_string(data.size() / (descr[2] - '0')) + ",), }";
    h.append(128 - 10 - h.size() - 1, ' ');
    h += '\n';
    const fs::path p = dir / "i.npy";
    std::ofstream(p, std::ios::binary)
        << std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(h.size()) + '\0' + h + data;
    return pmt::io::read_npy(p).data;
  };
  CHECK(npy_of("|u1", std::string("\x00\x7f\xff", 3)) == std::vector<double>{0, 127, 255});
  CHECK(npy_of("|i1", std::string("\xff\x02", 2)) == std::vector<double>{-1, 2});
  CHECK(npy_of("<i2", std::string("\xfe\xff\x00\x01", 4)) == std::vector<double>{-2, 256});
  CHECK(npy_of("<u4", std::string("\xff\xff\xff\xff", 4)) == std::vector<double>{4294967295.0});
  CHECK(npy_of("|b1", std::string("\x01\x00\x02", 3)) == std::vector<double>{1, 0, 1});
  REQUIRE_THROWS_WITH(npy_of("<c8", std::string(8, '\0')),
                      Catch::Contains("dtype '<c8' is not supported (numbers: <f8"));
  fs::remove_all(dir);
}

TEST_CASE("an atomic file left uncommitted leaves nothing behind", "[io]") {
  const fs::path dir = temp_dir();
  {
    pmt::io::AtomicFile f(dir / "out.txt");
    f.stream() << "half";
  }  // destroyed without commit, as when an exception unwinds
  CHECK(fs::is_empty(dir));
  pmt::io::write_file_atomic(dir / "sub" / "out.txt", "whole");
  CHECK(pmt::io::read_file(dir / "sub" / "out.txt") == "whole");
  CHECK(std::distance(fs::directory_iterator(dir / "sub"), fs::directory_iterator()) == 1);
  fs::remove_all(dir);
}

TEST_CASE("non-finite numbers in JSON and Python's float repr", "[io]") {
  CHECK(pmt::io::json_number(INFINITY) == "inf");
  CHECK(pmt::io::json_number(-INFINITY) == "-inf");
  CHECK(pmt::io::json_number(NAN) == "nan");
  CHECK(pmt::io::json_number(0.5) == 0.5);
  CHECK(pmt::io::py_repr(0.0) == "0.0");
  CHECK(pmt::io::py_repr(0.045) == "0.045");
  CHECK(pmt::io::py_repr(1e-05) == "1e-05");
  CHECK(pmt::io::py_repr(0.7566258747819895) == "0.7566258747819895");
  CHECK(pmt::io::py_repr(INFINITY) == "inf");
}
