// NumPy .npy reading and writing (see npy.hpp). The header dictionary is read by a small,
// bounded, non-recursive parser (no std::regex: its recursion per character overflowed the stack
// on a header tens of kilobytes long); the header size is limited like numpy's max_header_size;
// element counts and byte sizes use checked arithmetic, so no shape can wrap around 64 bits.
#include "pmt/io/npy.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/number.hpp"

namespace pmt::io {

namespace {

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

std::optional<std::size_t> element_count(const std::vector<std::size_t>& shape) {
  std::optional<std::uint64_t> n = 1;
  for (auto d : shape) {
    n = checked_mul(*n, d);
    if (!n) return std::nullopt;
  }
  return n;
}

constexpr std::size_t kMaxDims = 64;  // numpy 2's NPY_MAXDIMS

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
};

// The header is a Python dict literal, e.g. "{'descr': '<f8', 'fortran_order': False,
// 'shape': (100, 100), }" padded with spaces and a newline. This parser accepts exactly the three
// keys numpy writes (each once), string / True / False / flat tuple-of-integers values, and
// nothing after the closing brace but whitespace. One pass, no recursion, no backtracking.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& where) : t_(text), where_(where) {}

  Header parse() {
    Header h;
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    skip_space();
    expect('{', "the header dictionary must start with '{'");
    while (true) {
      skip_space();
      if (eat('}')) break;
      const std::string_view key = string_literal("a quoted key or '}'");
      skip_space();
      expect(':', "expected ':' after a key");
      skip_space();
      if (key == "descr") {
        fail_if(seen_descr, "'descr' appears twice");
        seen_descr = true;
        fail_if(peek() == '[', "structured dtypes (a list as 'descr') are not supported");
        h.descr = std::string(string_literal("a quoted dtype as 'descr'"));
      } else if (key == "fortran_order") {
        fail_if(seen_fortran, "'fortran_order' appears twice");
        seen_fortran = true;
        h.fortran_order = boolean();
      } else if (key == "shape") {
        fail_if(seen_shape, "'shape' appears twice");
        seen_shape = true;
        h.shape = shape();
      } else {
        fail(fmt::format("unexpected key '{}' (numpy writes descr, fortran_order, shape)",
                         shorten(key)));
      }
      skip_space();
      if (eat(',')) continue;
      skip_space();
      expect('}', "expected ',' or '}' after a value");
      break;
    }
    skip_space();
    fail_if(pos_ != t_.size(), "unexpected text after the dictionary");
    fail_if(!seen_descr, "no 'descr' (dtype)");
    fail_if(!seen_fortran, "no 'fortran_order'");
    fail_if(!seen_shape, "no 'shape'");
    return h;
  }

 private:
  std::string_view t_;
  const std::string& where_;
  std::size_t pos_ = 0;

  [[noreturn]] void fail(const std::string& what) const {
    PMT_THROW(kData, "{}: malformed .npy header: {} (at byte {} of the header)", where_, what,
              pos_);
  }
  void fail_if(bool cond, const char* what) const {
    if (cond) fail(what);
  }
  char peek() const { return pos_ < t_.size() ? t_[pos_] : '\0'; }
  bool eat(char c) {
    if (pos_ < t_.size() && t_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c, const char* what) { fail_if(!eat(c), what); }
  void skip_space() {
    while (pos_ < t_.size() &&
           (t_[pos_] == ' ' || t_[pos_] == '\t' || t_[pos_] == '\n' || t_[pos_] == '\r'))
      ++pos_;
  }
  // '...' or "..." without escapes (numpy's keys and dtype strings have none).
  std::string_view string_literal(const char* what) {
    const char q = peek();
    fail_if(q != '\'' && q != '"', what);
    const std::size_t end = t_.find(q, pos_ + 1);
    fail_if(end == std::string_view::npos, "unterminated string");
    const std::string_view s = t_.substr(pos_ + 1, end - pos_ - 1);
    fail_if(s.find('\\') != std::string_view::npos, "escapes in strings are not supported");
    pos_ = end + 1;
    return s;
  }
  bool boolean() {
    if (t_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (t_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail("'fortran_order' must be True or False");
  }
  std::vector<std::size_t> shape() {
    std::vector<std::size_t> dims;
    expect('(', "'shape' must be a tuple such as (100, 100)");
    bool trailing_comma = false;
    while (true) {
      skip_space();
      if (eat(')')) break;
      if (peek() == '-') {
        std::size_t end = pos_ + 1;
        while (end < t_.size() && t_[end] >= '0' && t_[end] <= '9') ++end;
        fail(fmt::format("negative dimension {} in 'shape'", shorten(t_.substr(pos_, end - pos_))));
      }
      const std::size_t start = pos_;
      while (pos_ < t_.size() && t_[pos_] >= '0' && t_[pos_] <= '9') ++pos_;
      fail_if(pos_ == start, "'shape' must hold non-negative integers");
      fail_if(dims.size() == kMaxDims, "more than 64 dimensions in 'shape'");
      dims.push_back(parse_uint64(t_.substr(start, pos_ - start), where_ + ": .npy header 'shape'",
                                  ErrorKind::kData));
      skip_space();
      trailing_comma = eat(',');
      if (!trailing_comma) {
        skip_space();
        expect(')', "expected ',' or ')' in 'shape'");
        break;
      }
    }
    // Python: (100) is the integer 100, not a tuple; numpy rejects it.
    fail_if(dims.size() == 1 && !trailing_comma, "a one-dimensional 'shape' needs a comma: (n,)");
    return dims;
  }
};

template <typename T>
void convert(const char* src, std::size_t n, std::vector<double>& out) {
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, src + i * sizeof(T), sizeof(T));
    out[i] = static_cast<double>(v);
  }
}

// numpy's bool: any nonzero byte is True.
void convert_bool(const char* src, std::size_t n, std::vector<double>& out) {
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = src[i] != 0 ? 1.0 : 0.0;
}

}  // namespace

std::size_t NpyArray::size() const {
  const auto n = element_count(shape);
  PMT_THROW_IF(!n, kData, "shape {} has more elements than 64 bits can count", shape_string());
  return *n;
}

std::string NpyArray::shape_string() const { return shape_text(shape); }

std::size_t npy_max_header_size() {
  const char* env = std::getenv("PMT_NPY_MAX_HEADER_SIZE");
  if (!env || !*env) return kNpyMaxHeaderSize;
  return parse_uint64(env, "environment variable PMT_NPY_MAX_HEADER_SIZE", ErrorKind::kUsage);
}

NpyArray parse_npy(std::string_view bytes, const std::string& where, std::size_t max_header_size) {
  PMT_THROW_IF(bytes.empty(), kData, "{}: empty file (not a .npy file)", where);
  PMT_THROW_IF(bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0, kData,
               "{}: not a .npy file (bad magic)", where);
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0;
  std::size_t offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) |
                 (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    PMT_THROW_IF(bytes.size() < 12, kData, "{}: truncated .npy header", where);
    for (int i = 3; i >= 0; --i)
      header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  } else {
    PMT_THROW(kData, "{}: unsupported .npy version {}", where, major);
  }
  PMT_THROW_IF(header_len > max_header_size, kData,
               "{}: .npy header of {} bytes exceeds the limit of {} (numpy's max_header_size; set "
               "PMT_NPY_MAX_HEADER_SIZE to raise it for a file you trust)",
               where, header_len, max_header_size);
  PMT_THROW_IF(header_len > bytes.size() - offset, kData,
               "{}: truncated .npy header ({} bytes announced, {} present)", where, header_len,
               bytes.size() - offset);
  const Header h = HeaderParser(bytes.substr(offset, header_len), where).parse();
  PMT_THROW_IF(h.fortran_order, kData, "{}: Fortran-ordered arrays are not supported", where);

  // numpy's little-endian (or byte-sized) numbers: what np.save writes for float64, float32,
  // the integers and bool (images as uint8, word indices as int32 ...)
  using Convert = void (*)(const char*, std::size_t, std::vector<double>&);
  struct Dtype {
    const char* descr;
    std::size_t item;
    Convert convert;
  };
  static constexpr Dtype kDtypes[] = {
      {"<f8", 8, convert<double>},       {"<f4", 4, convert<float>},
      {"<i8", 8, convert<std::int64_t>}, {"<u8", 8, convert<std::uint64_t>},
      {"<i4", 4, convert<std::int32_t>}, {"<u4", 4, convert<std::uint32_t>},
      {"<i2", 2, convert<std::int16_t>}, {"<u2", 2, convert<std::uint16_t>},
      {"|i1", 1, convert<std::int8_t>},  {"|u1", 1, convert<std::uint8_t>},
      {"|b1", 1, convert_bool}};
  const Dtype* dtype = nullptr;
  for (const Dtype& d : kDtypes)
    if (h.descr == d.descr) dtype = &d;
  PMT_THROW_IF(!dtype, kData,
               "{}: dtype '{}' is not supported (numbers: <f8, <f4, <i8, <u8, <i4, <u4, <i2, <u2, "
               "|i1, |u1, |b1{})",
               where, shorten(h.descr),
               !h.descr.empty() && h.descr[0] == '>' ? "; this one is big-endian" : "");
  const std::size_t item = dtype->item;
  NpyArray arr;
  arr.shape = h.shape;
  const auto n = element_count(arr.shape);
  PMT_THROW_IF(!n, kData, "{}: shape {} has more elements than 64 bits can count", where,
               shape_text(arr.shape));
  const auto needed = checked_mul(*n, item);
  PMT_THROW_IF(!needed, kData, "{}: shape {} needs more bytes than 64 bits can count", where,
               shape_text(arr.shape));
  const std::size_t data_off = offset + header_len;
  PMT_THROW_IF(bytes.size() - data_off < *needed, kData,
               "{}: truncated: shape {} needs {} bytes of data, file has {}", where,
               shape_text(arr.shape), *needed, bytes.size() - data_off);
  const char* src = bytes.data() + data_off;
  dtype->convert(src, *n, arr.data);
  return arr;
}

NpyArray read_npy(const std::filesystem::path& path) {
  return parse_npy(read_file(path), path.string(), npy_max_header_size());
}

NpyArray read_npy(const std::filesystem::path& path, const std::vector<std::size_t>& expected) {
  NpyArray arr = read_npy(path);
  bool ok = arr.shape.size() == expected.size();
  for (std::size_t i = 0; ok && i < expected.size(); ++i)
    ok = expected[i] == 0 || expected[i] == arr.shape[i];
  if (!ok) {
    std::string want = "(";
    for (std::size_t i = 0; i < expected.size(); ++i)
      want += (i ? ", " : "") + (expected[i] ? std::to_string(expected[i]) : std::string("*"));
    want += expected.size() == 1 ? ",)" : ")";
    PMT_THROW(kData, "{}: shape {} but expected {}", path.string(), arr.shape_string(), want);
  }
  return arr;
}

void write_npy(const std::filesystem::path& path, const std::vector<std::size_t>& shape,
               const std::vector<double>& data) {
  const auto n = element_count(shape);
  PMT_THROW_IF(!n || *n != data.size(), kData, "{}: shape {} does not hold {} values",
               path.string(), shape_text(shape), data.size());
  std::string header =
      "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  // Pad with spaces so that magic + header is a multiple of 64 bytes, ending with '\n'.
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(1);
  out += static_cast<char>(0);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(double));
  write_file_atomic(path, out);
}

}  // namespace pmt::io
