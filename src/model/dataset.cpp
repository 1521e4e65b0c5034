// IDX reading/writing (plain and gzip via zlib), dataset lookup, and the subject's splits from
// IDX, NPY or HDF5 files checked against the subject (see dataset.hpp).
#include "pmt/model/dataset.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/hdf5.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/io/number.hpp"
#include "pmt/model/subject.hpp"

namespace pmt::model {

namespace fs = std::filesystem;

namespace {

bool is_gzip(const std::string& raw) {
  return raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f &&
         static_cast<unsigned char>(raw[1]) == 0x8b;
}

// The header of an IDX file (magic, element type, dimensions) from its first bytes: nullopt while
// `s` is too short to hold it, else the dimensions and the total size the file must have. Every
// product is checked, zero dimensions included (a 0 x 2^32 x 2^32 array has no data but its
// sample size still overflows), so that later arithmetic on the dimensions cannot wrap.
struct IdxHeader {
  std::vector<std::int64_t> dims;
  std::size_t offset = 0;  // where the data start
  std::size_t count = 0;   // data bytes
};
std::optional<IdxHeader> idx_header(const std::string& s, const std::string& where) {
  if (s.size() < 4) return std::nullopt;
  PMT_THROW_IF(s[0] != 0 || s[1] != 0, kData, "{}: not an IDX file", where);
  PMT_THROW_IF(static_cast<unsigned char>(s[2]) != 0x08, kData,
               "{}: IDX element type 0x{:02x} not supported (only unsigned bytes, 0x08)", where,
               static_cast<unsigned char>(s[2]));
  const int nd = static_cast<unsigned char>(s[3]);
  PMT_THROW_IF(nd < 1, kData, "{}: IDX file with no dimensions", where);
  IdxHeader h;
  h.offset = 4 + 4 * static_cast<std::size_t>(nd);
  if (s.size() < h.offset) return std::nullopt;
  std::uint64_t nonzero = 1;
  bool zero = false;
  for (int d = 0; d < nd; ++d) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data() + 4 + 4 * d);
    const std::int64_t v = (std::int64_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    h.dims.push_back(v);
    zero = zero || v == 0;
    const auto next = io::checked_mul(nonzero, v == 0 ? 1 : static_cast<std::uint64_t>(v));
    PMT_THROW_IF(!next || *next > static_cast<std::uint64_t>(INT64_MAX), kData,
                 "{}: IDX dimensions [{}...] hold more elements than 63 bits can count", where,
                 fmt::join(h.dims, ", "));
    nonzero = *next;
  }
  h.count = zero ? 0 : nonzero;
  return h;
}

std::string size_mismatch(const std::string& where, std::size_t count, std::size_t have) {
  return fmt::format(
      "{}: IDX size mismatch: header says {} bytes of data, file has {} (truncated or corrupt)",
      where, count, have);
}

// Inflates gzip data, stopping as soon as the output is longer than its IDX header says the file
// is (a small .gz cannot expand into gigabytes the header never announced).
std::string inflate_idx(std::string& raw, const std::string& where) {
  z_stream zs{};
  PMT_THROW_IF(inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK, kData, "{}: zlib init failed", where);
  zs.next_in = reinterpret_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  std::string out;
  std::optional<IdxHeader> header;
  char buf[1 << 16];
  int rc = Z_OK;
  try {
    while (rc == Z_OK) {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      rc = inflate(&zs, Z_NO_FLUSH);
      if (rc == Z_OK || rc == Z_STREAM_END) out.append(buf, sizeof buf - zs.avail_out);
      if (!header) header = idx_header(out, where);
      if (header && out.size() - std::min(out.size(), header->offset) > header->count)
        throw Error(ErrorKind::kData,
                    size_mismatch(where, header->count, out.size() - header->offset) +
                        " (decompressed data longer than announced)",
                    __FILE__, __LINE__);
      if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;  // input ended before the stream did
    }
  } catch (...) {
    inflateEnd(&zs);
    throw;
  }
  inflateEnd(&zs);
  PMT_THROW_IF(rc != Z_STREAM_END, kData, "{}: corrupt or truncated gzip data", where);
  return out;
}

}  // namespace

IdxArray parse_idx(std::string bytes, const std::string& where) {
  const std::string s = is_gzip(bytes) ? inflate_idx(bytes, where) : std::move(bytes);
  const auto h = idx_header(s, where);
  PMT_THROW_IF(s.size() < 4, kData, "{}: not an IDX file", where);
  PMT_THROW_IF(!h, kData, "{}: truncated IDX header", where);
  PMT_THROW_IF(s.size() - h->offset != h->count, kData, "{}",
               size_mismatch(where, h->count, s.size() - h->offset));
  IdxArray a;
  a.dims = h->dims;
  a.data.assign(s.begin() + static_cast<std::ptrdiff_t>(h->offset), s.end());
  return a;
}

IdxArray read_idx(const fs::path& path) {
  PMT_THROW_IF(!fs::exists(path), kData,
               "{}: no such file (run scripts/get_data.sh, or point --data-dir at the dataset)",
               path.string());
  return parse_idx(io::read_file(path), path.string());
}

void write_idx(const fs::path& path, const IdxArray& a) {
  std::string s{0, 0, 0x08, static_cast<char>(a.dims.size())};
  for (auto d : a.dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      s.push_back(static_cast<char>((d >> shift) & 0xff));
  s.append(reinterpret_cast<const char*>(a.data.data()), a.data.size());
  if (path.extension() == ".gz") {
    z_stream zs{};
    PMT_THROW_IF(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                              Z_DEFAULT_STRATEGY) != Z_OK,
                 kData, "{}: zlib init failed", path.string());
    std::string out(deflateBound(&zs, static_cast<uLong>(s.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(s.data());
    zs.avail_in = static_cast<uInt>(s.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    PMT_THROW_IF(rc != Z_STREAM_END, kData, "{}: gzip compression failed", path.string());
    s = std::move(out);
  }
  io::write_file_atomic(path, s);
}

std::int64_t Dataset::size() const {
  return regression() ? static_cast<std::int64_t>(t.size()) / target_dim
                      : static_cast<std::int64_t>(y.size());
}

std::int64_t Dataset::sample_size(std::size_t k) const {
  std::int64_t n = 1;
  for (auto d : inputs.at(k).shape) n *= d;
  return n;
}

Dataset Dataset::slice(std::int64_t begin, std::int64_t end) const {
  std::vector<std::int64_t> idx;
  for (std::int64_t i = begin; i < end; ++i) idx.push_back(i);
  return subset(idx);
}

Dataset Dataset::subset(const std::vector<std::int64_t>& indices) const {
  Dataset d;
  d.target_dim = target_dim;
  d.classes = classes;
  const auto rows = [&](const auto& from, auto& to, std::int64_t width) {
    to.resize(indices.size() * static_cast<std::size_t>(width));
    for (std::size_t k = 0; k < indices.size(); ++k)
      std::memcpy(to.data() + k * width, from.data() + indices[k] * width,
                  sizeof(from[0]) * static_cast<std::size_t>(width));
  };
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    d.inputs.push_back({inputs[k].shape, {}});
    rows(inputs[k].x, d.inputs[k].x, sample_size(k));
  }
  if (regression()) {
    rows(t, d.t, target_dim);
  } else {
    rows(y, d.y, 1);
  }
  return d;
}

void Dataset::append(const Dataset& other) {
  PMT_THROW_IF(other.inputs.size() != inputs.size() || other.target_dim != target_dim, kData,
               "cannot append a dataset of another kind");
  for (std::size_t k = 0; k < inputs.size(); ++k)
    inputs[k].x.insert(inputs[k].x.end(), other.inputs[k].x.begin(), other.inputs[k].x.end());
  y.insert(y.end(), other.y.begin(), other.y.end());
  t.insert(t.end(), other.t.begin(), other.t.end());
}

Dataset make_dataset(const IdxArray& images, const IdxArray& labels,
                     const std::vector<std::int64_t>& sample_shape, double scale, int num_classes,
                     const std::string& images_origin, const std::string& labels_origin) {
  PMT_THROW_IF(labels.dims.size() != 1, kData, "{}: labels must be a 1-D IDX array", labels_origin);
  PMT_THROW_IF(images.dims.empty() || images.dims[0] != labels.dims[0], kData,
               "{}: {} labels but {} has {} images", labels_origin, labels.dims[0], images_origin,
               images.dims.empty() ? 0 : images.dims[0]);
  Dataset d;
  d.inputs = {{sample_shape, {}}};
  std::int64_t per = 1;
  for (std::size_t i = 1; i < images.dims.size(); ++i) per *= images.dims[i];
  PMT_THROW_IF(per != d.sample_size(), kData,
               "{}: images have {} values each but the subject's input_shape needs {}",
               images_origin, per, d.sample_size());
  std::vector<float>& x = d.inputs[0].x;
  x.resize(images.data.size());
  const float inv = static_cast<float>(1.0 / scale);
  for (std::size_t i = 0; i < images.data.size(); ++i) x[i] = images.data[i] * inv;
  d.y.assign(labels.data.begin(), labels.data.end());
  for (auto v : d.y)
    PMT_THROW_IF(v >= num_classes, kData, "{}: label {} out of range (num_classes {})",
                 labels_origin, v, num_classes);
  return d;
}

fs::path labels_for_images(const fs::path& images) {
  std::string name = images.filename().string();
  const auto pos = name.find("images-idx3");
  PMT_THROW_IF(pos == std::string::npos, kUsage,
               "{}: cannot derive the labels file name (expected '...images-idx3...')",
               images.string());
  name.replace(pos, 11, "labels-idx1");
  fs::path labels = images.parent_path() / name;
  // the labels may be compressed when the images are not, or the other way round
  fs::path other = labels.extension() == ".gz" ? fs::path(labels).replace_extension()
                                               : fs::path(labels.string() + ".gz");
  return !fs::exists(labels) && fs::exists(other) ? other : labels;
}

DatasetFiles locate_dataset(const std::string& dataset, const fs::path& data_dir,
                            const std::string& split) {
  const std::string prefix = split == "train" ? "train" : "t10k";
  const fs::path dir = data_dir / dataset;
  auto find = [&](const std::string& stem) {
    for (const char* ext : {"", ".gz"}) {
      fs::path p = dir / (stem + ext);
      if (fs::exists(p)) return p;
    }
    PMT_THROW(kData,
              "dataset '{}': missing {} (and {}.gz) in {} (run scripts/get_data.sh, or point "
              "--data-dir at a folder holding {}/)",
              dataset, stem, stem, dir.string(), dataset);
  };
  return {find(prefix + "-images-idx3-ubyte"), find(prefix + "-labels-idx1-ubyte")};
}

Dataset load_dataset(const DatasetFiles& files, const std::vector<std::int64_t>& sample_shape,
                     double scale, int num_classes) {
  return make_dataset(read_idx(files.images), read_idx(files.labels), sample_shape, scale,
                      num_classes, files.images.string(), files.labels.string());
}

namespace {

std::string with_split(std::string name, const std::string& split) {
  for (auto pos = name.find("{split}"); pos != std::string::npos; pos = name.find("{split}"))
    name.replace(pos, 7, split);
  return name;
}

ArrayData read_npy_array(const fs::path& path) {
  const io::NpyArray a = io::read_npy(path);
  ArrayData out;
  for (auto d : a.shape) out.shape.push_back(static_cast<std::int64_t>(d));
  out.data.assign(a.data.begin(), a.data.end());
  out.origin = path.string();
  return out;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  return fmt::format("({})", fmt::join(shape, ", "));
}

// n images (H, W, C) channels-last -> [C, H, W] each.
std::vector<float> channels_first(const std::vector<float>& data, std::int64_t n,
                                  const std::vector<std::int64_t>& chw) {
  const std::int64_t c = chw[0], hw = chw[1] * chw[2];
  std::vector<float> out(data.size());
  for (std::int64_t s = 0; s < n; ++s) {
    const float* from = data.data() + s * c * hw;
    float* to = out.data() + s * c * hw;
    for (std::int64_t p = 0; p < hw; ++p)
      for (std::int64_t k = 0; k < c; ++k) to[k * hw + p] = from[p * c + k];
  }
  return out;
}

}  // namespace

Dataset make_dataset(const SubjectSpec& spec, std::vector<ArrayData> inputs, ArrayData targets) {
  PMT_THROW_IF(inputs.size() != spec.inputs.size(), kData, "{}: {} input arrays for {} inputs",
               targets.origin, inputs.size(), spec.inputs.size());
  PMT_THROW_IF(targets.shape.empty(), kData, "{}: the targets are a scalar", targets.origin);
  const std::int64_t n = targets.shape[0];
  Dataset d;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    ArrayData& a = inputs[k];
    const InputSpec& in = spec.inputs[k];
    PMT_THROW_IF(a.shape.empty() || a.shape[0] != n, kData,
                 "{}: {} samples, but the targets {} have {}: inputs and targets must have one "
                 "row per sample",
                 a.origin, a.shape.empty() ? 0 : a.shape[0], targets.origin, n);
    std::int64_t per = 1, want = 1;
    for (std::size_t i = 1; i < a.shape.size(); ++i) per *= a.shape[i];
    for (auto v : in.shape) want *= v;
    PMT_THROW_IF(per != want, kData,
                 "{}: shape {} does not fit input '{}' of shape ({}) per sample", a.origin,
                 shape_text(a.shape), in.name, fmt::join(in.shape, ", "));
    // Keras' channels-last images (N, H, W, C) into pmt's [C, H, W] (arrays already of pmt's
    // shape, and one-channel images, need nothing)
    const std::vector<std::int64_t> sample(a.shape.begin() + 1, a.shape.end());
    if (in.shape.size() == 3 && in.shape[0] > 1 && sample != in.shape &&
        sample == keras_shape(in.shape))
      a.data = channels_first(a.data, n, in.shape);
    const float inv = static_cast<float>(1.0 / in.scale);
    for (float& v : a.data) {
      PMT_THROW_IF(!std::isfinite(v), kData, "{}: contains NaN or infinite values", a.origin);
      v *= inv;
    }
    d.inputs.push_back({in.shape, std::move(a.data)});
  }
  const std::int64_t width = targets.shape.size() > 1 ? targets.shape[1] : 1;
  PMT_THROW_IF(targets.shape.size() > 2, kData, "{}: targets must be 1-D or 2-D, got {}",
               targets.origin, shape_text(targets.shape));
  for (float v : targets.data)
    PMT_THROW_IF(!std::isfinite(v), kData, "{}: contains NaN or infinite values", targets.origin);
  if (spec.task == Task::kRegression) {
    PMT_THROW_IF(width != spec.num_classes, kData,
                 "{}: {} target columns, but the subject has {} outputs", targets.origin, width,
                 spec.num_classes);
    d.target_dim = width;
    d.t = std::move(targets.data);
    d.classes = spec.classes;
    return d;
  }
  // Classification: class indices, or one-hot rows (their argmax).
  PMT_THROW_IF(width != 1 && width != spec.num_classes, kData,
               "{}: targets {} are neither class indices nor one-hot rows of {} classes",
               targets.origin, shape_text(targets.shape), spec.num_classes);
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = targets.data.data() + i * width;
    const float label =
        width == 1 ? row[0] : static_cast<float>(std::max_element(row, row + width) - row);
    PMT_THROW_IF(
        label < 0 || label >= static_cast<float>(spec.num_classes) || label != std::floor(label),
        kData, "{}: target {} of sample {} is not a class index below {}", targets.origin, label, i,
        spec.num_classes);
    d.y.push_back(static_cast<std::int64_t>(label));
  }
  return d;
}

Dataset load_split(const SubjectSpec& spec, const fs::path& data_dir, const std::string& split) {
  const fs::path dir = data_dir / spec.dataset;
  if (spec.data.format == "idx")
    return load_dataset(locate_dataset(spec.dataset, data_dir, split), spec.input_shape,
                        spec.inputs.at(0).scale, spec.num_classes);
  std::vector<ArrayData> inputs;
  if (spec.data.format == "hdf5") {
    const fs::path file = dir / with_split(spec.data.file, split);
    const auto read = [&](const std::string& name) {
      io::Hdf5Array a = io::read_hdf5(file, with_split(name, split));
      return ArrayData{std::move(a.shape), std::move(a.data),
                       fmt::format("{} (dataset '{}')", file.string(), with_split(name, split))};
    };
    for (const auto& name : spec.data.inputs) inputs.push_back(read(name));
    return make_dataset(spec, std::move(inputs), read(spec.data.targets));
  }
  for (const auto& name : spec.data.inputs)
    inputs.push_back(read_npy_array(dir / with_split(name, split)));
  return make_dataset(spec, std::move(inputs),
                      read_npy_array(dir / with_split(spec.data.targets, split)));
}

}  // namespace pmt::model
