// HDF5 arrays through the HDF5 1.10 C API: every identifier lives in an RAII Handle, HDF5's
// automatic error printing is off while pmt calls it (restored afterwards), and a failure becomes
// one pmt::Error line "<file>: <problem>", with the innermost HDF5 message as detail when useful.
#include "pmt/io/hdf5.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <set>
#include <string_view>
#include <utility>

#include "pmt/core/error.hpp"
#include "pmt/io/atomic_file.hpp"

namespace pmt::io {

namespace fs = std::filesystem;

namespace {

// One HDF5 identifier, released with `close` (H5Fclose, H5Dclose, ...) when the handle dies.
class Handle {
 public:
  using Close = herr_t (*)(hid_t);
  Handle(hid_t id, Close close) noexcept : id_(id), close_(close) {}
  ~Handle() { release(); }
  Handle(Handle&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
  Handle& operator=(Handle&&) = delete;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }
  // Closes now; false when HDF5 reports a failure (closing a file written to flushes it).
  bool release() noexcept {
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id < 0 || close_(id) >= 0;
  }

 private:
  hid_t id_;
  Close close_;
};

// Keeps HDF5 from printing its error stack on stderr while alive, then restores the caller's
// setting (the setting is per thread in the thread-safe build Debian ships).
// The first one in a process also asks HDF5 not to tear itself down at exit: HDF5 1.10.8 leaks
// free-list blocks on some corrupt-file error paths (e.g. "actual len exceeds EOA" opening an
// object), and its exit-time teardown then prints "HDF5: infinite loop closing library" on
// stderr. The teardown only closes what is left open, and pmt leaves nothing open. (No effect
// when the program used HDF5 before pmt did.)
class QuietErrors {
 public:
  QuietErrors() {
    static const bool no_teardown [[maybe_unused]] = H5dont_atexit() >= 0;
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// The innermost (most specific) message of this thread's HDF5 error stack, then clears the stack.
std::string hdf5_detail() {
  std::string detail;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc != nullptr) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &detail);
  H5Eclear2(H5E_DEFAULT);
  std::replace(detail.begin(), detail.end(), '\n', ' ');
  return detail.empty() ? "HDF5 gave no reason" : detail;
}

std::string shape_string(const std::vector<hsize_t>& dims) {
  std::string s = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + (dims.size() == 1 ? ",)" : ")");
}

// "group/x" from "/group/x/": HDF5 paths relative to the root.
std::string relative_name(const std::string& name) {
  const auto first = name.find_first_not_of('/');
  if (first == std::string::npos) return "";
  return name.substr(first, name.find_last_not_of('/') - first + 1);
}

// File access: HDF5's file locking, ignored where the file system has it disabled (NFS, Lustre).
Handle file_access() {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (fapl.ok()) H5Pset_file_locking(fapl.get(), true, true);
  return fapl;
}

Handle open_file(const fs::path& file) {
  const std::string where = file.string();
  std::error_code ec;
  const auto status = fs::status(file, ec);
  PMT_THROW_IF(!fs::exists(status), kData, "{}: cannot open (missing file?)", where);
  PMT_THROW_IF(fs::is_directory(status), kData, "{}: a directory, not an HDF5 file", where);
  const htri_t is_hdf5 = H5Fis_hdf5(where.c_str());
  PMT_THROW_IF(is_hdf5 < 0, kData, "{}: cannot open: {}", where, hdf5_detail());
  PMT_THROW_IF(is_hdf5 == 0, kData, "{}: not an HDF5 file (no HDF5 signature)", where);
  const Handle fapl = file_access();
  Handle f(H5Fopen(where.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  PMT_THROW_IF(!f.ok(), kData, "{}: not a readable HDF5 file (truncated or corrupt?): {}", where,
               hdf5_detail());
  return f;
}

// H5Lvisit callback: collects the paths of the datasets reached through hard links.
herr_t collect_dataset(hid_t group, const char* name, const H5L_info_t* info, void* out) {
  if (info->type != H5L_TYPE_HARD) return 0;
  const Handle object(H5Oopen(group, name, H5P_DEFAULT), H5Oclose);
  if (!object.ok()) return -1;
  if (H5Iget_type(object.get()) != H5I_DATASET) return 0;
  try {
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  } catch (...) {  // no exception may cross HDF5's C frames
    return -1;
  }
  return 0;
}

std::vector<std::string> list_datasets(hid_t f, const std::string& where) {
  std::vector<std::string> names;
  PMT_THROW_IF(H5Lvisit(f, H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &names) < 0, kData,
               "{}: cannot list its datasets (corrupt file?): {}", where, hdf5_detail());
  std::sort(names.begin(), names.end());
  return names;
}

// "(it has: x_test, y_test)" for messages about a dataset that is not there.
std::string present_datasets(hid_t f, const std::string& where) {
  constexpr std::size_t kShown = 20;
  std::vector<std::string> names;
  try {
    names = list_datasets(f, where);
  } catch (const Error&) {
    return "(its contents cannot be listed)";
  }
  if (names.empty()) return "(it has no datasets)";
  std::string s = "(it has: ";
  for (std::size_t i = 0; i < std::min(names.size(), kShown); ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > kShown) s += fmt::format(", and {} more", names.size() - kShown);
  return s + ")";
}

std::string type_class_name(H5T_class_t c) {
  switch (c) {
    case H5T_STRING:
      return "strings";
    case H5T_COMPOUND:
      return "a compound type";
    case H5T_ENUM:
      return "an enum type";
    case H5T_ARRAY:
      return "an array type";
    case H5T_VLEN:
      return "variable-length sequences";
    case H5T_OPAQUE:
      return "opaque bytes";
    case H5T_REFERENCE:
      return "references";
    case H5T_BITFIELD:
      return "bitfields";
    case H5T_TIME:
      return "time values";
    default:
      return "an unknown type";
  }
}

// Why a dataset that opened cannot be read: usually a compression filter this HDF5 lacks
// (h5py's LZF, Blosc, ...). Empty when every filter is available.
std::string missing_filter(hid_t dataset) {
  const Handle dcpl(H5Dget_create_plist(dataset), H5Pclose);
  const int n = dcpl.ok() ? H5Pget_nfilters(dcpl.get()) : 0;
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0;
    unsigned config = 0;
    std::size_t n_values = 0;
    char name[64] = {};
    const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &n_values,
                                           nullptr, sizeof name, name, &config);
    if (id >= 0 && H5Zfilter_avail(id) <= 0) {
      return fmt::format("it is compressed with filter {} '{}', which this HDF5 library lacks", id,
                         name);
    }
  }
  return "";
}

// Dataset `dataset` of the open file `f` (of `file_bytes` bytes, 0 when unknown).
Hdf5Array read_dataset(hid_t f, const std::string& where, const std::string& dataset,
                       hsize_t file_bytes) {
  // Each step of the path must exist before the object can be opened (H5Lexists' contract).
  const std::string name = relative_name(dataset);
  bool found = !name.empty();
  for (std::size_t end = 0; found && end != std::string::npos;) {
    end = name.find('/', end + 1);
    found = H5Lexists(f, name.substr(0, end).c_str(), H5P_DEFAULT) > 0;
  }
  H5Eclear2(H5E_DEFAULT);
  PMT_THROW_IF(!found, kData, "{}: no dataset '{}' {}", where, dataset, present_datasets(f, where));
  const Handle d(H5Oopen(f, name.c_str(), H5P_DEFAULT), H5Oclose);
  PMT_THROW_IF(!d.ok(), kData, "{}: cannot open dataset '{}': {}", where, dataset, hdf5_detail());
  const H5I_type_t kind = H5Iget_type(d.get());
  PMT_THROW_IF(kind != H5I_DATASET, kData, "{}: '{}' is {}, not a dataset {}", where, dataset,
               kind == H5I_GROUP ? "a group" : "a named datatype", present_datasets(f, where));

  const Handle type(H5Dget_type(d.get()), H5Tclose);
  PMT_THROW_IF(!type.ok(), kData, "{}: dataset '{}': unreadable type: {}", where, dataset,
               hdf5_detail());
  const H5T_class_t type_class = H5Tget_class(type.get());
  PMT_THROW_IF(type_class != H5T_INTEGER && type_class != H5T_FLOAT, kData,
               "{}: dataset '{}' holds {}, not numbers", where, dataset,
               type_class_name(type_class));

  const Handle space(H5Dget_space(d.get()), H5Sclose);
  const H5S_class_t space_class =
      space.ok() ? H5Sget_simple_extent_type(space.get()) : H5S_NO_CLASS;
  PMT_THROW_IF(space_class == H5S_SCALAR, kData,
               "{}: dataset '{}' is a scalar; pmt reads arrays of rank >= 1", where, dataset);
  PMT_THROW_IF(space_class == H5S_NULL, kData, "{}: dataset '{}' has no data (null dataspace)",
               where, dataset);
  const int rank = space_class == H5S_SIMPLE ? H5Sget_simple_extent_ndims(space.get()) : -1;
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  PMT_THROW_IF(rank < 1 || H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) != rank,
               kData, "{}: dataset '{}': unreadable shape: {}", where, dataset, hdf5_detail());

  // The element count, refused before it overflows what a std::vector<float> can index.
  constexpr auto kMaxElements =
      static_cast<hsize_t>(std::numeric_limits<std::ptrdiff_t>::max()) / sizeof(float);
  hsize_t count = 1;
  for (const hsize_t n : dims) {
    PMT_THROW_IF(n != 0 && count > kMaxElements / n, kData,
                 "{}: dataset '{}' of shape {} has too many elements", where, dataset,
                 shape_string(dims));
    count *= n;
  }
  // The data cannot be larger than what the file stores: the dataset's storage (compressed for
  // chunked data; never more than the file) times the largest expansion of a filter (zlib's
  // deflate: 1032 to 1) bounds the element count. A crafted file that declares more is refused
  // before any allocation (an 8 KB file could otherwise make pmt allocate and zero gigabytes).
  constexpr hsize_t kMaxExpansion = 1032;
  const hsize_t stored = file_bytes == 0 ? H5Dget_storage_size(d.get())
                                         : std::min(H5Dget_storage_size(d.get()), file_bytes);
  PMT_THROW_IF(count > 0 && stored == 0, kData,
               "{}: dataset '{}' of shape {} has no data stored in the file", where, dataset,
               shape_string(dims));
  PMT_THROW_IF(count > 0 && count / kMaxExpansion > stored, kData,
               "{}: dataset '{}' declares shape {} ({} values) but the file stores {} bytes of it: "
               "a truncated or corrupt file",
               where, dataset, shape_string(dims), count, stored);
  Hdf5Array out;
  out.shape.assign(dims.begin(), dims.end());
  const auto out_of_memory = [&] {
    PMT_THROW(kData, "{}: dataset '{}' of shape {} needs {:.3g} GB: out of memory", where, dataset,
              shape_string(dims), static_cast<double>(count) * sizeof(float) / 1e9);
  };
  // More than the machine's memory is refused without trying (sanitizer builds abort on such an
  // allocation instead of throwing); what fits the machine but not the moment gives bad_alloc.
  const double memory =
      static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  if (memory > 0 && static_cast<double>(count) * sizeof(float) > memory) out_of_memory();
  try {
    out.data.resize(static_cast<std::size_t>(count));
  } catch (const std::bad_alloc&) {
    out_of_memory();
  }
  if (count > 0 &&
      H5Dread(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data.data()) < 0) {
    const std::string detail = hdf5_detail();
    const std::string filter = missing_filter(d.get());
    PMT_THROW(kData, "{}: cannot read dataset '{}': {}", where, dataset,
              filter.empty() ? detail : filter);
  }
  return out;
}

// H5Literate callback: collects a group's member names.
herr_t collect_member(hid_t, const char* name, const H5L_info_t*, void* out) {
  constexpr std::size_t kMaxMembers = 1000000;
  auto* names = static_cast<std::vector<std::string>*>(out);
  if (names->size() >= kMaxMembers) return -1;
  try {
    names->emplace_back(name);
  } catch (...) {  // no exception may cross HDF5's C frames
    return -1;
  }
  return 0;
}

// True when every link of `path` exists (H5Lexists' contract: each step before the next).
bool links_exist(hid_t f, const std::string& name) {
  bool found = !name.empty();
  for (std::size_t end = 0; found && end != std::string::npos;) {
    end = name.find('/', end + 1);
    found = H5Lexists(f, name.substr(0, end).c_str(), H5P_DEFAULT) > 0;
  }
  H5Eclear2(H5E_DEFAULT);
  return found;
}

// The HDF5 signature at offset 0 or a power of two from 512 (where a superblock may sit).
bool has_signature(const std::string& image) {
  static constexpr char kSignature[] = "\x89HDF\r\n\x1a\n";
  for (std::size_t at = 0; at + 8 <= image.size(); at = at == 0 ? 512 : at * 2)
    if (image.compare(at, 8, kSignature, 8) == 0) return true;
  return false;
}

}  // namespace

struct Hdf5File::Impl {
  Impl(Handle f, std::string name, hsize_t size)
      : file(std::move(f)), origin(std::move(name)), bytes(size) {}
  Handle file;
  std::string origin;
  hsize_t bytes;  // the file's size
};

Hdf5File::Hdf5File(const fs::path& file) {
  const QuietErrors quiet;
  std::error_code error;
  const auto bytes = static_cast<hsize_t>(fs::file_size(file, error));
  impl_ = std::make_unique<Impl>(open_file(file), file.string(), error ? 0 : bytes);
}

Hdf5File::Hdf5File(const std::string& image, std::string origin) {
  const QuietErrors quiet;
  PMT_THROW_IF(!has_signature(image), kData, "{}: not an HDF5 file (no HDF5 signature)", origin);
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  // the core driver over a copy of the image (H5Pset_file_image copies it)
  PMT_THROW_IF(!fapl.ok() || H5Pset_fapl_core(fapl.get(), 1 << 16, false) < 0 ||
                   H5Pset_file_image(fapl.get(), const_cast<char*>(image.data()), image.size()) < 0,
               kData, "{}: cannot open in memory: {}", origin, hdf5_detail());
  Handle f(H5Fopen(origin.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  PMT_THROW_IF(!f.ok(), kData, "{}: not a readable HDF5 file (truncated or corrupt?): {}", origin,
               hdf5_detail());
  const hsize_t bytes = image.size();
  impl_ = std::make_unique<Impl>(std::move(f), std::move(origin), bytes);
}

Hdf5File::~Hdf5File() {
  if (impl_) {
    const QuietErrors quiet;
    impl_->file.release();
  }
}
Hdf5File::Hdf5File(Hdf5File&&) noexcept = default;

const std::string& Hdf5File::origin() const { return impl_->origin; }

bool Hdf5File::is_group(const std::string& path) const {
  const QuietErrors quiet;
  const std::string name = relative_name(path);
  if (name.empty()) return true;
  if (!links_exist(impl_->file.get(), name)) return false;
  const Handle object(H5Oopen(impl_->file.get(), name.c_str(), H5P_DEFAULT), H5Oclose);
  H5Eclear2(H5E_DEFAULT);
  return object.ok() && H5Iget_type(object.get()) == H5I_GROUP;
}

bool Hdf5File::is_dataset(const std::string& path) const {
  const QuietErrors quiet;
  const std::string name = relative_name(path);
  if (name.empty() || !links_exist(impl_->file.get(), name)) return false;
  const Handle object(H5Oopen(impl_->file.get(), name.c_str(), H5P_DEFAULT), H5Oclose);
  H5Eclear2(H5E_DEFAULT);
  return object.ok() && H5Iget_type(object.get()) == H5I_DATASET;
}

std::vector<std::string> Hdf5File::members(const std::string& group) const {
  const QuietErrors quiet;
  const std::string name = relative_name(group);
  PMT_THROW_IF(!is_group(group), kData, "{}: no group '{}'", impl_->origin, group);
  const Handle g(H5Gopen2(impl_->file.get(), name.empty() ? "/" : name.c_str(), H5P_DEFAULT),
                 H5Gclose);
  PMT_THROW_IF(!g.ok(), kData, "{}: cannot open group '{}': {}", impl_->origin, group,
               hdf5_detail());
  std::vector<std::string> names;
  hsize_t index = 0;
  PMT_THROW_IF(H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_member, &names) < 0,
               kData, "{}: cannot list group '{}' (corrupt file, or over 1,000,000 members?): {}",
               impl_->origin, group, hdf5_detail());
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::vector<std::string>> Hdf5File::strings(const std::string& path,
                                                          const std::string& name) const {
  const QuietErrors quiet;
  const std::string object = relative_name(path).empty() ? "." : relative_name(path);
  const std::string where =
      fmt::format("{}: attribute '{}' of '{}'", impl_->origin, name, object == "." ? "/" : object);
  const hid_t f = impl_->file.get();
  if (object != "." && !links_exist(f, object)) return std::nullopt;
  const htri_t exists = H5Aexists_by_name(f, object.c_str(), name.c_str(), H5P_DEFAULT);
  PMT_THROW_IF(exists < 0, kData, "{}: unreadable: {}", where, hdf5_detail());
  if (exists == 0) return std::nullopt;
  const Handle a(H5Aopen_by_name(f, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                 H5Aclose);
  PMT_THROW_IF(!a.ok(), kData, "{}: cannot open: {}", where, hdf5_detail());
  const Handle type(H5Aget_type(a.get()), H5Tclose);
  PMT_THROW_IF(!type.ok() || H5Tget_class(type.get()) != H5T_STRING, kData,
               "{}: holds {}, not strings", where,
               type.ok() ? type_class_name(H5Tget_class(type.get())) : "an unreadable type");
  const Handle space(H5Aget_space(a.get()), H5Sclose);
  const int rank = space.ok() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  PMT_THROW_IF(rank < 0 || rank > 1, kData, "{}: rank {} (a string or a list of them expected)",
               where, rank);
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  constexpr hsize_t kMaxBytes = hsize_t{256} << 20;
  PMT_THROW_IF(count < 0 || static_cast<hsize_t>(count) > kMaxBytes, kData, "{}: {} strings", where,
               count);
  const auto n = static_cast<std::size_t>(count);
  std::vector<std::string> out;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle memory(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory.get(), H5T_VARIABLE);
    std::vector<char*> pointers(n, nullptr);
    PMT_THROW_IF(n > 0 && H5Aread(a.get(), memory.get(), pointers.data()) < 0, kData,
                 "{}: cannot read: {}", where, hdf5_detail());
    std::size_t total = 0;
    for (char* p : pointers) {
      const std::size_t length = p == nullptr ? 0 : std::strlen(p);
      total += length;
      if (total <= kMaxBytes) out.emplace_back(p == nullptr ? "" : p, length);
    }
    H5Dvlen_reclaim(memory.get(), space.get(), H5P_DEFAULT, pointers.data());
    PMT_THROW_IF(total > kMaxBytes, kData, "{}: over 256 MB of text", where);
    return out;
  }
  const std::size_t size = H5Tget_size(type.get());
  PMT_THROW_IF(size == 0 || (n > 0 && size > kMaxBytes / n), kData, "{}: over 256 MB of text",
               where);
  std::string buffer(size * n, '\0');
  PMT_THROW_IF(n > 0 && H5Aread(a.get(), type.get(), buffer.data()) < 0, kData,
               "{}: cannot read: {}", where, hdf5_detail());
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view item(buffer.data() + i * size, size);
    out.emplace_back(item.substr(0, item.find('\0')));
  }
  return out;
}

Hdf5Array Hdf5File::read(const std::string& path) const {
  const QuietErrors quiet;
  return read_dataset(impl_->file.get(), impl_->origin, path, impl_->bytes);
}

Hdf5Array read_hdf5(const fs::path& file, const std::string& dataset) {
  return Hdf5File(file).read(dataset);
}

std::vector<std::string> hdf5_datasets(const fs::path& file) {
  const QuietErrors quiet;
  return list_datasets(open_file(file).get(), file.string());
}

void write_hdf5(const fs::path& file,
                const std::vector<std::pair<std::string, Hdf5Array>>& datasets, Hdf5Store store) {
  const std::string where = file.string();
  std::set<std::string> names;
  for (const auto& [dataset, array] : datasets) {
    const std::string name = relative_name(dataset);
    PMT_THROW_IF(name.empty() || !names.insert(name).second, kData,
                 "{}: cannot write dataset '{}': empty or repeated name", where, dataset);
    PMT_THROW_IF(array.shape.empty(), kData, "{}: cannot write dataset '{}': rank 0", where,
                 dataset);
    std::size_t count = 1;
    for (const std::int64_t n : array.shape) {
      PMT_THROW_IF(n < 0, kData, "{}: cannot write dataset '{}': negative dimension", where,
                   dataset);
      count *= static_cast<std::size_t>(n);
    }
    PMT_THROW_IF(count != array.data.size(), kData,
                 "{}: cannot write dataset '{}': shape has {} elements, data {}", where, dataset,
                 count, array.data.size());
    PMT_THROW_IF(
        store == Hdf5Store::kUint8 &&
            std::any_of(array.data.begin(), array.data.end(),
                        [](float v) { return !(v >= 0 && v <= 255 && v == std::floor(v)); }),
        kData, "{}: cannot write dataset '{}' as uint8: a value is not an integer in [0, 255]",
        where, dataset);
  }

  const QuietErrors quiet;
  AtomicPath target(file);
  {
    const Handle fapl = file_access();
    Handle f(H5Fcreate(target.tmp().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
    PMT_THROW_IF(!f.ok(), kData, "{}: cannot create: {}", target.tmp().string(), hdf5_detail());
    const Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    const hid_t file_type = store == Hdf5Store::kUint8 ? H5T_STD_U8LE : H5T_IEEE_F32LE;
    for (const auto& [dataset, array] : datasets) {
      const std::vector<hsize_t> dims(array.shape.begin(), array.shape.end());
      const Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                         H5Sclose);
      const Handle d(H5Dcreate2(f.get(), relative_name(dataset).c_str(), file_type, space.get(),
                                lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                     H5Dclose);
      PMT_THROW_IF(!d.ok(), kData, "{}: cannot create dataset '{}': {}", where, dataset,
                   hdf5_detail());
      PMT_THROW_IF(!array.data.empty() && H5Dwrite(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                                                   H5P_DEFAULT, array.data.data()) < 0,
                   kData, "{}: cannot write dataset '{}': {}", where, dataset, hdf5_detail());
    }
    PMT_THROW_IF(!f.release(), kData, "{}: cannot finish writing: {}", target.tmp().string(),
                 hdf5_detail());
  }
  target.commit();
}

}  // namespace pmt::io
