// The checked number parser, checked arithmetic, the bounded NPY header parser, depth-limited
// JSON and the discovery order of parameters: what each accepts, and the one-line message of
// each rejection.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "pmt/core/error.hpp"
#include "pmt/io/json_text.hpp"
#include "pmt/io/layout.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/io/number.hpp"

using pmt::ErrorKind;

namespace {
// The message of the pmt::Error thrown by fn, and checks its kind.
template <typename Fn>
std::string error_of(Fn fn, ErrorKind kind) {
  try {
    fn();
  } catch (const pmt::Error& e) {
    CHECK(e.kind() == kind);
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
    return e.what();
  }
  FAIL("no pmt::Error");
  return "";
}

std::string npy(const std::string& dict) {
  const std::string header = dict + "\n";
  return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size() & 0xff) +
         static_cast<char>(header.size() >> 8) + header + std::string(64, '\0');
}
}  // namespace

TEST_CASE("integers: the whole text, in range, or a message naming source and value", "[io]") {
  using pmt::io::parse_int;
  CHECK(parse_int("42", "--x", ErrorKind::kUsage) == 42);
  CHECK(parse_int("+7", "--x", ErrorKind::kUsage) == 7);
  CHECK(parse_int("-2147483648", "--x", ErrorKind::kUsage) == std::numeric_limits<int>::min());
  CHECK(error_of([] { parse_int("2147483648", "--x", ErrorKind::kUsage); }, ErrorKind::kUsage) ==
        "--x: '2147483648' is out of range (-2147483648 to 2147483647)");
  CHECK(error_of([] { parse_int("5", "--x", ErrorKind::kUsage, 0, 3); }, ErrorKind::kUsage) ==
        "--x: '5' is out of range (0 to 3)");
  for (const char* bad : {"", " 1", "1 ", "1.0", "0x10", "1e3", "abc", "--1", "+"})
    CHECK_THAT(error_of([&] { parse_int(bad, "f.csv", ErrorKind::kData); }, ErrorKind::kData),
               Catch::EndsWith("is not an integer"));
  CHECK(pmt::io::parse_uint64("18446744073709551615", "s", ErrorKind::kData) ==
        std::numeric_limits<std::uint64_t>::max());
  CHECK(error_of([] { pmt::io::parse_uint64("-1", "--seed", ErrorKind::kUsage); },
                 ErrorKind::kUsage) == "--seed: '-1' is not a non-negative integer");
  CHECK_THAT(error_of([] { pmt::io::parse_uint64("18446744073709551616", "s", ErrorKind::kData); },
                      ErrorKind::kData),
             Catch::Contains("out of range"));
  CHECK(pmt::io::parse_int64("-9223372036854775808", "s", ErrorKind::kData) ==
        std::numeric_limits<std::int64_t>::min());
}

TEST_CASE("doubles: decimal and scientific, inf/nan left to the caller, overflow rejected",
          "[io]") {
  using pmt::io::parse_double;
  CHECK(parse_double("0.991699993610382", "c", ErrorKind::kData) == 0.991699993610382);
  CHECK(parse_double("+.5", "c", ErrorKind::kData) == 0.5);
  CHECK(parse_double("1e-3", "c", ErrorKind::kData) == 0.001);
  CHECK(std::isinf(parse_double("inf", "c", ErrorKind::kData)));
  CHECK(std::isnan(parse_double("nan", "c", ErrorKind::kData)));
  CHECK(error_of([] { parse_double("1e400", "f.csv: column 'a'", ErrorKind::kData); },
                 ErrorKind::kData) == "f.csv: column 'a': '1e400' is out of range for a double");
  CHECK(error_of([] { parse_double("0.5x", "c", ErrorKind::kData); }, ErrorKind::kData) ==
        "c: '0.5x' is not a number");
  CHECK_FALSE(pmt::io::to_double("0.05_1"));
  CHECK(*pmt::io::to_double("50.0") == 50.0);
}

TEST_CASE("messages shorten long and unprintable values to one short line", "[io]") {
  CHECK(pmt::io::shorten("a\nb") == "a\\x0ab");
  // The limit counts escaped bytes as the four characters they become (a fuzzing finding: 200
  // bytes of 0x7f in a JSON parse error gave an 800-character message).
  CHECK(pmt::io::shorten(std::string(100, '\x7f'), 40) ==
        "\\x7f\\x7f\\x7f\\x7f\\x7f\\x7f\\x7f\\x7f\\x7f\\x7f... (100 characters)");
  const std::string digits(100000, '9');
  const std::string m =
      error_of([&] { pmt::io::parse_int(digits, "--n", ErrorKind::kUsage); }, ErrorKind::kUsage);
  CHECK(m.size() < 150);
  CHECK_THAT(m, Catch::Contains("... (100000 characters)"));
}

TEST_CASE("checked arithmetic reports 64-bit overflow", "[io]") {
  CHECK(*pmt::io::checked_mul(1ULL << 31, 1ULL << 32) == 1ULL << 63);
  CHECK_FALSE(pmt::io::checked_mul(1ULL << 32, 1ULL << 32));
  CHECK_FALSE(pmt::io::checked_add(std::numeric_limits<std::uint64_t>::max(), 1));
}

TEST_CASE("the NPY header parser accepts numpy's headers and names what is wrong", "[io][npy]") {
  using pmt::io::parse_npy;
  // numpy's own spellings: double quotes, no trailing comma, any key order, (n,) and ().
  CHECK(parse_npy(npy(R"({"shape": (2, 3), "fortran_order": False, "descr": "<f8"})"), "a").shape ==
        std::vector<std::size_t>{2, 3});
  CHECK(
      parse_npy(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }"), "a").data.size() ==
      1);
  CHECK(parse_npy(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (0,), }"), "a")
            .data.empty());
  const std::vector<std::pair<std::string, std::string>> bad{
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (3), }", "needs a comma"},
      {"{'descr': '<f8', 'fortran_order': False}", "no 'shape'"},
      {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", "twice"},
      {"{'descr': '<f8', 'fortran_order': Nope, 'shape': (1,)}", "True or False"},
      {"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,)}", "structured"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", "unexpected key 'x'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} junk", "after the dictionary"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1, -2)}", "negative dimension -2"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1.5,)}", "expected ',' or ')'"},
      {"{'descr': '<f8", "unterminated string"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (9,)}",
       "needs 72 bytes of data, file "
       "has 64"},
  };
  for (const auto& [header, needle] : bad) {
    INFO(header);
    CHECK_THAT(error_of([&] { parse_npy(npy(header), "x.npy"); }, ErrorKind::kData),
               Catch::StartsWith("x.npy: ") && Catch::Contains(needle));
  }
}

TEST_CASE("the NPY header limit follows numpy's max_header_size and PMT_NPY_MAX_HEADER_SIZE",
          "[io][npy]") {
  const std::string big =
      npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}" + std::string(10001, ' '));
  CHECK_THROWS_WITH(pmt::io::parse_npy(big, "b.npy"),
                    Catch::Contains("exceeds the limit of 10000"));
  CHECK(pmt::io::parse_npy(big, "b.npy", 20000).shape.size() == 1);
  ::setenv("PMT_NPY_MAX_HEADER_SIZE", "20000", 1);
  CHECK(pmt::io::npy_max_header_size() == 20000);
  ::setenv("PMT_NPY_MAX_HEADER_SIZE", "lots", 1);
  CHECK(error_of([] { pmt::io::npy_max_header_size(); }, ErrorKind::kUsage) ==
        "environment variable PMT_NPY_MAX_HEADER_SIZE: 'lots' is not an integer");
  ::unsetenv("PMT_NPY_MAX_HEADER_SIZE");
  CHECK(pmt::io::npy_max_header_size() == 10000);
}

TEST_CASE("JSON nested deeper than the limit is one error naming the file", "[io][json]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK(error_of([&] { pmt::io::parse_json(deep, "s.json"); }, ErrorKind::kData) ==
        "s.json: JSON nested more than 64 levels deep");
  CHECK(pmt::io::parse_json(std::string(64, '[') + std::string(64, ']'), "s.json").is_array());
  CHECK_THAT(error_of([] { pmt::io::parse_json("{\"a\": 1", "s.json"); }, ErrorKind::kData),
             Catch::StartsWith("s.json: malformed JSON: "));
  using pmt::io::json_integer;
  CHECK(json_integer(nlohmann::json(3.0), "k", ErrorKind::kData, 0, 10) == 3);
  CHECK(error_of([] { json_integer(nlohmann::json(1e300), "k", ErrorKind::kData, 0, 10); },
                 ErrorKind::kData) == "k: 1e+300 is out of range (0 to 10)");
  CHECK(error_of([] { json_integer(nlohmann::json(2.5), "k", ErrorKind::kData, 0, 10); },
                 ErrorKind::kData) == "k: 2.5 is not an integer");
  CHECK(error_of(
            [] {
              json_integer(nlohmann::json(18446744073709551615ULL), "k", ErrorKind::kData, 0, 10);
            },
            ErrorKind::kData) == "k: 18446744073709551615 is out of range (0 to 10)");
}

TEST_CASE("discovered parameters: numeric order when all are numbers, else lexicographic",
          "[io][discovery]") {
  std::vector<std::string> p{"10", "2", "0.5", "50.0", "3.12"};
  pmt::io::sort_params(p);
  CHECK(p == std::vector<std::string>{"0.5", "2", "3.12", "10", "50.0"});
  std::vector<std::string> q{"0.05_1", "0.01_2", "1"};
  pmt::io::sort_params(q);
  CHECK(q == std::vector<std::string>{"0.01_2", "0.05_1", "1"});
}
