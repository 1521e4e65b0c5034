// Datasets: the in-memory set that training and the data mutation operators work on (one or more
// inputs; class labels or regression targets), read as the subject declares (SubjectSpec::data):
// IDX files of the MNIST family (LeCun's format: magic 0x0000 08 <ndims>, big-endian dimensions,
// unsigned bytes; plain or gzip), NPY arrays, or HDF5 datasets. No LibTorch here.
//
// Where datasets live: <data-dir>/<dataset>/ ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]
// for IDX), <data-dir> defaulting to <data-root>/datasets (what scripts/get_data.sh fills in).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pmt::model {

struct SubjectSpec;

struct IdxArray {
  std::vector<std::int64_t> dims;  // e.g. {N, 28, 28} for images, {N} for labels
  std::vector<std::uint8_t> data;  // row-major
};

// Reads an unsigned-byte IDX file, plain or .gz (detected from the content). Throws pmt::Error
// (data) naming the file: missing, not IDX, wrong element type, truncated or corrupt gzip.
// Dimensions whose element count overflows 63 bits, and gzip data that inflates beyond the size
// its header announces, are errors too.
IdxArray read_idx(const std::filesystem::path& path);
// The same from the file's bytes (plain or gzip); `where` (a file name) prefixes every message.
IdxArray parse_idx(std::string bytes, const std::string& where);
// Writes atomically; gzip-compressed when the name ends in .gz.
void write_idx(const std::filesystem::path& path, const IdxArray& array);

// One input of every sample: its per-sample shape and the values (float, already scaled).
struct DatasetInput {
  std::vector<std::int64_t> shape;
  std::vector<float> x;  // size() * prod(shape), row-major
};

// A set of samples: one or more inputs (a graph subject's, in spec order) and either class
// labels (classification) or target rows of target_dim values (regression).
struct Dataset {
  std::vector<DatasetInput> inputs;
  std::vector<std::int64_t> y;  // classification: class indices
  std::vector<float> t;         // regression: size() * target_dim targets
  std::int64_t target_dim = 0;  // 0: classification
  // A classification set may also hold rows of class probabilities in t (soft labels, as Keras'
  // categorical losses take them; tmr --distill), with y empty: only fit() and evaluate() take
  // one, and regression() is true for it.
  // Regression: what the class-based operators (TCL, TRD, TUD, TCO) take as classes:
  // "std_buckets" (DeepCrime's regression rule) or "values" (each distinct target row, DeepCrime's
  // classification code run on float targets, as for its movie_recomm subject).
  std::string classes = "std_buckets";
  bool regression() const { return target_dim > 0; }
  std::int64_t size() const;
  // Values per sample of input k.
  std::int64_t sample_size(std::size_t k = 0) const;
  // Samples [begin, end) and the subset picked by `indices` (in that order).
  Dataset slice(std::int64_t begin, std::int64_t end) const;
  Dataset subset(const std::vector<std::int64_t>& indices) const;
  // Appends the samples of `other` (same inputs and kind of targets).
  void append(const Dataset& other);
};

// Builds a dataset from an image array {N, ...} and a label array {N}; pixels divided by `scale`;
// reshaped to `sample_shape` (its element count must match). Labels must be < num_classes.
// Errors name the images' or the labels' origin (file), whichever is at fault.
Dataset make_dataset(const IdxArray& images, const IdxArray& labels,
                     const std::vector<std::int64_t>& sample_shape, double scale, int num_classes,
                     const std::string& images_origin, const std::string& labels_origin);

struct DatasetFiles {
  std::filesystem::path images;
  std::filesystem::path labels;
};
// The files of split "train" or "test" of `dataset` under `data_dir` (plain preferred over .gz).
// Throws pmt::Error (data) saying what is missing and how to get it (scripts/get_data.sh).
DatasetFiles locate_dataset(const std::string& dataset, const std::filesystem::path& data_dir,
                            const std::string& split);
// Labels file next to an images file: "...images-idx3..." -> "...labels-idx1..." (with or
// without .gz, whichever exists).
std::filesystem::path labels_for_images(const std::filesystem::path& images);

// The split ("train" or "test") of a subject's data as its spec declares it (DataSpec: IDX, NPY
// or HDF5 under <data_dir>/<dataset>/), checked against the subject: one array per input, each
// sample of the input's shape, as many samples in every array, targets that fit the task (class
// indices < num_classes or one-hot rows; regression: `outputs` columns). Errors name the file.
Dataset load_split(const SubjectSpec& spec, const std::filesystem::path& data_dir,
                   const std::string& split);
// Builds the dataset from arrays already read (one per input, then the targets); `origin` names
// their files in messages.
struct ArrayData {
  std::vector<std::int64_t> shape;  // including the sample dimension
  std::vector<float> data;
  std::string origin;  // file (and dataset) it came from
};
Dataset make_dataset(const SubjectSpec& spec, std::vector<ArrayData> inputs, ArrayData targets);

Dataset load_dataset(const DatasetFiles& files, const std::vector<std::int64_t>& sample_shape,
                     double scale, int num_classes);

}  // namespace pmt::model
