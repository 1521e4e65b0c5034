// Subjects: a deep-learning program to mutate, as declarative JSON (data/subjects/<name>.json).
// The spec holds everything DeepCrime's pre-training operators touch (layers with activations,
// initialisers and use_bias; loss; optimiser; batch size; epochs; validation; early stopping;
// dataset), so that each operator is a pure function spec -> spec or data -> data (mutation.hpp).
// Keras semantics: channels-first shapes here, "valid" padding, glorot_uniform kernels and zero
// biases by default. No LibTorch in this header: tools and tests that only read specs stay light.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pmt::model {

// The spec's names, typed: parsed once by the spec reader (an unknown name is a one-line error
// naming the file and the field), written back by to_string (Keras spelling).
enum class LayerType {
  kConv1d,
  kMaxPool1d,
  kAveragePool1d,
  kGlobalAveragePool1d,
  kGlobalMaxPool1d,
  kConv2d,
  kDepthwiseConv2d,
  kSeparableConv2d,
  kConv2dTranspose,
  kMaxPool2d,
  kAveragePool2d,
  kGlobalAveragePool2d,
  kGlobalMaxPool2d,
  kBatchNormalization,
  kLayerNormalization,
  kLstm,
  kGru,
  kSimpleRnn,
  kDropout,
  kFlatten,
  kDense,
  kActivation,
  kEmbedding,
  kConcatenate,
  kAdd,
  kSubtract,
  kMultiply,
  kAverage,
  kMaximum,
  kMinimum,
  kDot,
  kRescaling,
  kZeroPadding2d,
  kCropping2d,
  kUpSampling2d,
  kResizing,
  kZeroPadding1d,
  kCropping1d,
  kReshape,
  kPermute
};
enum class Activation {
  kElu,
  kSoftmax,
  kSelu,
  kSoftplus,
  kSoftsign,
  kRelu,
  kTanh,
  kSigmoid,
  kHardSigmoid,
  kExponential,
  kLinear,
  // beyond DeepCrime's list (not among ACH's and AAL's choices): Keras' relu6, leaky_relu
  // (negative slope `alpha`), gelu (exact, Keras' approximate=False) and swish (x sigmoid(x))
  kRelu6,
  kLeakyRelu,
  kGelu,
  kSwish
};
enum class Loss {
  kMeanSquaredError,
  kMeanAbsoluteError,
  kMeanAbsolutePercentageError,
  kMeanSquaredLogarithmicError,
  kSquaredHinge,
  kHinge,
  kCategoricalHinge,
  kLogcosh,
  kHuber,
  kCategoricalCrossentropy,
  kBinaryCrossentropy,
  kKullbackLeiblerDivergence,
  kPoisson,
  kAngle  // lenet's angle_loss
};
enum class Task { kClassification, kRegression };
// Where validation data comes from: none; "test" (Keras validation_data: the test split); "val"
// (a "val" split of NPY / HDF5 data); a fraction in (0, 1) (Keras validation_split: the last
// share of the training data).
struct Validation {
  enum class Kind { kNone, kTest, kVal, kFraction } kind = Kind::kNone;
  double fraction = 0;  // kFraction only
  bool none() const { return kind == Kind::kNone; }
  bool split() const { return kind == Kind::kTest || kind == Kind::kVal; }  // a whole split
  bool operator==(const Validation& o) const { return kind == o.kind && fraction == o.fraction; }
};
const char* to_string(LayerType type);
const char* to_string(Activation activation);
const char* to_string(Loss loss);
const char* to_string(Task task);
std::string to_string(const Validation& validation);  // "none", "test", "val" or "0.1"
// Usage errors listing the valid names (operator parameters; the spec reader has its own).
Activation parse_activation(const std::string& name);
Loss parse_loss(const std::string& name);

// How a window layer (conv2d, the pools) pads its input: Keras' "valid" (none) and "same" (TF:
// out = ceil(in / stride), the total padding split floor before, ceil after: an odd total puts
// the extra row or column at the bottom or right), or explicit symmetric zero padding (PyTorch's
// Conv2d(padding=p); for average pooling the padded zeros count, as PyTorch's default).
enum class Padding { kValid, kSame, kExplicit };

// One spatial axis of a window layer: the output size and the padding before and after it.
struct WindowAxis {
  std::int64_t out = 0;
  std::int64_t before = 0, after = 0;
};
// `in` input positions, window `kernel` dilated by `dilation`, `stride`, padding `padding` (`pad`
// per side when explicit). out < 1 when the window does not fit.
WindowAxis window_axis(std::int64_t in, int kernel, int stride, int dilation, Padding padding,
                       int pad);

// Keras' concatenate axis (1-based over a sample's channels-last axes, or negative from the end)
// as an axis of pmt's sample shape of `rank` axes (an image's [C, H, W]); `rank` when none.
int concat_axis(int keras_axis, std::size_t rank);

struct LayerSpec {
  LayerType type = LayerType::kDense;
  // Graph form: the layer's name and the names of the inputs or earlier layers it reads (a
  // stack leaves both empty: "layer<i>", reading the previous layer or the single input).
  std::string name;
  std::vector<std::string> inputs;
  int input_dim = 0;     // embedding: vocabulary size (indices 0 .. input_dim - 1)
  bool dot_all = false;  // dot with "axes": "all": DeepCrime's movie_recomm tf.tensordot(u, m, 2),
                         // ONE sum over the whole batch, broadcast to every row
  int units = 0;         // dense: units; conv2d: filters; embedding: output_dim
  std::array<int, 2> kernel{3, 3};  // conv2d kernel_size, the pools' pool_size
  // conv2d and the pools (Keras' defaults: strides 1 for conv2d, the pool size for the pools;
  // dilation_rate 1, conv2d only; padding "valid")
  std::array<int, 2> strides{1, 1};
  std::array<int, 2> dilation{1, 1};
  Padding padding = Padding::kValid;
  std::array<int, 2> pad{0, 0};  // Padding::kExplicit: zeros on each side (height, width)
  // conv1d and conv2d: Keras' groups (each group of in / groups input channels makes filters /
  // groups outputs); depthwise_conv2d and separable_conv2d: depth_multiplier outputs per input
  // channel (separable_conv2d: then a 1x1 convolution to `units` filters)
  int groups = 1;
  int depth_multiplier = 1;
  // batch_normalization over the channels ([C, H, W]) or features ([F]): Keras' convention
  // (moving = momentum * moving + (1 - momentum) * batch statistic, the batch's biased
  // variance, as Keras removes the fused kernel's Bessel correction) or PyTorch's (momentum is
  // the weight of the batch statistic, the running variance unbiased); center: the offset beta,
  // scale: the factor gamma.
  bool pytorch = false;
  double momentum = 0.99, epsilon = 1e-3;
  bool center = true, scale = true;
  // layer_normalization: Keras' LayerNormalization(axis=-1): each position normalised over its
  // channels (an image's C, a sequence's channels, a vector's features) with the biased variance,
  // `epsilon` (1e-3), then scaled by gamma and offset by beta (`center`, `scale`).
  // lstm and gru over a [steps, features] input (Keras' layout): `units`, `activation` (tanh),
  // the gates' recurrent_activation (sigmoid), the recurrent kernel's initialiser (orthogonal),
  // LSTM's unit_forget_bias (the forget gate's bias starts at 1), GRU's reset_after (TF 2's
  // default: the reset gate applies after the recurrent matrix, with a recurrent bias);
  // return_sequences: every step's output [steps, units] instead of the last [units].
  Activation recurrent_activation = Activation::kSigmoid;
  std::string recurrent_initializer = "orthogonal";
  bool unit_forget_bias = true, reset_after = true, return_sequences = false;
  // simple_rnn: h = activation(x W + h U + b). Any of the three with `bidirectional` (Keras'
  // Bidirectional(layer, merge_mode)): a second layer of the same config, own weights
  // ("backward_..."), reads the steps in reverse (its sequence output reversed back), merged
  // by "concat" (forward then backward: 2 x units), "sum", "mul" or "ave"; "" when not.
  std::string bidirectional;
  // concatenate: Keras' axis over the sample's channels-last axes (-1: the channels), held here
  // as the axis of pmt's sample shape (an image's channels are its axis 0)
  int axis = -1;
  // rescaling: x * rescale + offset (Keras' Rescaling(scale, offset))
  double rescale = 1, offset = 0;
  // zero_padding2d (rows and columns of zeros added) and cropping2d (removed): top, bottom,
  // left, right; up_sampling2d repeats each row kernel[0] and each column kernel[1] times
  // (zero_padding1d and cropping1d: steps before, after)
  std::array<int, 4> margins{0, 0, 0, 0};
  // up_sampling2d and resizing (to kernel = {height, width}): TF 2's bilinear interpolation
  // (half-pixel centres) instead of nearest neighbours (up_sampling2d: repeats; resizing: TF's
  // half-pixel nearest, floor((o + 0.5) in / out))
  bool bilinear = false;
  // conv2d_transpose: Keras' output_padding per axis, added to the output size (-1: none, the
  // size Keras derives from the padding)
  std::array<int, 2> output_padding{-1, -1};
  // dense written as Keras' TimeDistributed(Dense): its input must be a sequence (it then acts
  // on each step's features, as a dense on a sequence does anyway)
  bool time_distributed = false;
  // reshape: Keras' target_shape and permute: Keras' dims (1-based), both over the sample's
  // channels-last axes with Keras' element order (pmt's images are [C, H, W]: they are moved to
  // Keras' (H, W, C) and back around the operation)
  std::vector<std::int64_t> target_shape;
  std::vector<int> dims;
  double alpha = 0.2;  // leaky_relu's negative slope (Keras 3's default; Keras 2's LeakyReLU 0.3)
  double rate = 0.0;   // dropout
  Activation activation = Activation::kLinear;
  std::string kernel_initializer = "glorot_uniform";
  double kernel_stddev = 0;  // random_normal / truncated_normal: stddev (0: Keras' 0.05)
  std::string bias_initializer = "zeros";
  std::string pointwise_initializer = "glorot_uniform";  // separable_conv2d's 1x1 kernel
  bool use_bias = true;
  // Keras kernel_regularizer (embeddings_regularizer for an embedding): "none", "l1", "l2" or
  // "l1_l2"; its factors (Keras defaults 0.01:
  // the penalty l1 * sum|W| + l2 * sum W^2 is added to the loss of every training batch).
  std::string kernel_regularizer = "none";
  double l1 = 0.0, l2 = 0.0;
};

struct OptimizerSpec {
  std::string name = "adam";
  double learning_rate = 0.001;
  std::map<std::string, double> params;  // rho, beta_1, momentum... (Keras names); clipnorm and
                                         // clipvalue: Keras gradient clipping (per tensor)
};

// One input of a graph subject: its name and the shape of one sample (channels first).
struct InputSpec {
  std::string name;
  std::vector<std::int64_t> shape;
  double scale = 1.0;  // the stored values are divided by it
};

// Where a subject's data comes from: IDX image/label files (the MNIST family), NPY arrays (one
// file per input and one for the targets) or an HDF5 file with one dataset per input and one for
// the targets. In every name "{split}" stands for "train" or "test". Files live in
// <data-dir>/<dataset>/.
struct DataSpec {
  std::string format = "idx";       // idx, npy, hdf5
  std::string file;                 // hdf5: the file, e.g. "{split}.h5"
  std::vector<std::string> inputs;  // npy: files; hdf5: dataset names (one per subject input)
  std::string targets;              // npy: file; hdf5: dataset name (class indices, one-hot rows
                                    // or, for regression, target rows)
};

// The subject's metric: "accuracy" (the predicted class is right), "angle_below_<degrees>"
// (lenet: the angular error of two spherical angles is below the threshold) or
// "abs_error_below_<x>" (movie_recomm: every target is within x): shares of the test inputs,
// higher is better; or "loss" (regression: the spec's loss on the test set, what DeepCrime's
// udacity records, model.evaluate's; LOWER is better: decide with --effect negative, DeepCrime's
// rule for regression).
struct Metric {
  std::string kind;  // accuracy, loss, angle_below, abs_error_below
  double threshold = 0;
};
Metric parse_metric(const std::string& text);

struct SubjectSpec {
  std::string name;
  std::string dataset;                    // mnist, fashion_mnist (datasets/<dataset>/ IDX files)
  std::vector<std::int64_t> input_shape;  // per sample, channels first: {1, 28, 28} (the first
                                          // input's shape in the graph form)
  // Graph form ("inputs" in the JSON): every input; a stack has one, named "input".
  std::vector<InputSpec> inputs;
  int num_classes = 10;
  double scale = 255.0;  // pixels are divided by it
  std::vector<LayerSpec> layers;
  Loss loss = Loss::kCategoricalCrossentropy;
  OptimizerSpec optimizer;
  int batch_size = 32;
  int epochs = 1;
  Validation validation;
  int patience = 0;  // early stopping on val_loss; 0 = off
  // Keras' EarlyStopping(restore_best_weights=True): when it stops training, the weights (and
  // moving statistics) of the epoch with the lowest val_loss come back
  bool restore_best_weights = false;
  std::string metric = "accuracy";
  // "classification" (num_classes outputs, class labels) or "regression" (num_classes target
  // columns: JSON "outputs"); regression subjects' class-based operators use `classes`.
  Task task = Task::kClassification;
  std::string classes = "std_buckets";  // regression: "std_buckets" or "values" (Dataset::classes)
  DataSpec data;
  // Evaluation batches (Keras' predict uses 32; only movie_recomm's batch-wide dot makes the
  // output depend on it). 128 keeps a batch's activations under glibc's 32 MB mmap ceiling for
  // the image subjects: with 1,000 every batch of the mnist CNN mapped and unmapped 86 and 147 MB
  // blocks, and gen_acc on 8 instances x 8,004 images took 27.6 s (31.9 s of it system time)
  // against 13.5 s (4.8 s), the same predictions.
  int eval_batch_size = 128;
  // The layers each layer operator runs on by default on this subject, one configuration each
  // (DeepCrime's per-subject layer_udp, e.g. mnist: change_activation_function -> the Dense(128)
  // layer, change_dropout_rate -> both dropout layers); operators not listed run on every layer
  // they apply to (mutate/registry.hpp, default_layers).
  std::map<std::string, std::vector<int>> mutation_layers;
  // DeepCrime's per-subject search settings (utils/properties/properties_<subject>.py and
  // constants_<subject>.py) where they differ from the registry's defaults: binary search bounds
  // (from = the most aggressive value) and precision, or the values of an exhaustive search.
  struct Search {
    double from = 0, to = 0, precision = 0;  // 0: the registry's default
    std::vector<std::string> values;         // empty: the registry's default
  };
  std::map<std::string, Search> mutation_search;
};

// Valid names (Keras spelling), for checks and error messages.
const std::vector<std::string>& layer_types();
const std::vector<std::string>& activation_names();
// DeepCrime's activation functions (utils/constants.py, Keras 2.3's list, with exponential and
// linear): the choices of its ACH and AAL operators.
const std::vector<std::string>& deepcrime_activation_names();
const std::vector<std::string>& initializer_names();
const std::vector<std::string>& optimizer_names();
const std::vector<std::string>& loss_names();
const std::vector<std::string>& regularizer_names();  // none, l1, l2, l1_l2
std::string join_names(const std::vector<std::string>& names);

// Sets a layer's kernel regulariser with Keras' default factors (0.01 for l1 and for l2).
void set_regularizer(LayerSpec& layer, const std::string& name);

// Parses and validates a spec; `origin` (a file name) prefixes every message. Unknown names are
// reported with the valid ones; shapes that do not fit name the layer. Throws pmt::Error (data).
// Without `check_output` the last layer's output need not be num_classes wide (the importer
// reads the width off it).
SubjectSpec parse_subject(const nlohmann::json& json, const std::string& origin,
                          bool check_output = true);
SubjectSpec load_subject(const std::filesystem::path& path);
// A built-in subject: data/subjects/<name>.json found from any working directory.
std::filesystem::path builtin_subject_path(const std::string& name);
nlohmann::json to_json(const SubjectSpec& spec);

// True when the spec is a plain stack (one input, each layer reading the previous one).
bool is_stack(const SubjectSpec& spec);
// lstm, gru and simple_rnn.
bool is_recurrent(LayerType type);
// True for the layers whose output passes through their `activation`: dense, the
// convolutions and activation layers (a recurrent layer's activation acts inside it).
bool activates(LayerType type);
// The layers with a kernel: dense, the convolutions and the recurrent layers (the layers whose
// Keras config has kernel_initializer and kernel_regularizer, or a depthwise kernel's own keys,
// and the post-training operators' weight layers).
bool has_kernel(LayerType type);
// The activation applied after the last layer's output: its activation when activates(), else
// linear.
Activation output_activation(const SubjectSpec& spec);
// Keras' channels-last shape of a sample held in pmt's layout (an image's [C, H, W] is Keras'
// (H, W, C); sequences and vectors are the same in both), and back.
std::vector<std::int64_t> keras_shape(const std::vector<std::int64_t>& shape);
std::vector<std::int64_t> pmt_shape(const std::vector<std::int64_t>& keras);

// Why train_mutants cannot train several instances of `spec` as one fused model (--fuse), or ""
// when it can: fused layers cover stacks of conv2d, dense, max_pool2d, dropout, flatten and
// activation layers; early stopping (patience > 0 with validation data) stops instances at
// different epochs. Such subjects fall back to one instance per model.
std::string fusion_blocker(const SubjectSpec& spec);

// Output shape of every layer (channels first, without the batch dimension); throws naming the
// layer whose input does not fit (e.g. a kernel larger than its input, dense before flatten), or
// a graph edge that names no input or earlier layer. The last layer is the output.
std::vector<std::vector<std::int64_t>> infer_shapes(const SubjectSpec& spec);

}  // namespace pmt::model
