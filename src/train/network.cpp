// Subject specs as LibTorch modules; Keras initialisers, activations and losses; model.fit.
// References: Keras 2.3 / TF 2.3 initializers.py, activations.py, losses.py (semantics only).
#include "pmt/train/network.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <map>

#include "network_detail.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/train/optim.hpp"

namespace pmt::train {

namespace {

constexpr double kEps = 1e-7;  // Keras backend epsilon

// Keras fans: dense kernel (in, out); conv kernel (kh, kw, in, out) -> receptive field * in/out.
// LibTorch weights are (out, in[, kh, kw]).
std::pair<double, double> fans(const torch::Tensor& w) {
  if (w.dim() == 1) return {double(w.size(0)), double(w.size(0))};
  const double receptive = w.dim() > 2 ? double(w[0][0].numel()) : 1.0;
  return {double(w.size(1)) * receptive, double(w.size(0)) * receptive};
}

// Normal(0, std) truncated at 2 std (TF's truncated_normal), redrawing the outliers.
void truncated_normal_(torch::Tensor& w, double stddev, torch::Generator& gen) {
  w.normal_(0.0, stddev, gen);
  for (int round = 0; round < 100; ++round) {
    torch::Tensor bad = w.abs() > 2 * stddev;
    if (!bad.any().item<bool>()) return;
    torch::Tensor redraw = torch::empty_like(w).normal_(0.0, stddev, gen);
    w.copy_(torch::where(bad, redraw, w));
  }
  w.clamp_(-2 * stddev, 2 * stddev);
}

// `stddev` > 0 replaces the 0.05 of random_normal and truncated_normal.
void initialise(torch::Tensor w, const std::string& name, torch::Generator& gen,
                double stddev = 0) {
  const double sd = stddev > 0 ? stddev : 0.05;
  torch::NoGradGuard no_grad;
  const auto [fan_in, fan_out] = fans(w);
  const double fan_avg = (fan_in + fan_out) / 2;
  // variance scaling: truncated normal stddev corrected by 0.8796 (Keras' constant).
  auto vs_normal = [&](double scale, double fan) {
    truncated_normal_(w, std::sqrt(scale / fan) / .87962566103423978, gen);
  };
  auto vs_uniform = [&](double scale, double fan) {
    const double limit = std::sqrt(3.0 * scale / fan);
    w.uniform_(-limit, limit, gen);
  };
  if (name == "zeros" || name == "constant") {
    w.zero_();
  } else if (name == "ones") {
    w.fill_(1.0);
  } else if (name == "random_normal") {
    w.normal_(0.0, sd, gen);
  } else if (name == "random_uniform") {
    w.uniform_(-0.05, 0.05, gen);
  } else if (name == "truncated_normal") {
    truncated_normal_(w, sd, gen);
  } else if (name == "orthogonal") {
    const int64_t rows = w.size(0), cols = w.numel() / rows;
    torch::Tensor a = torch::empty({std::max(rows, cols), std::min(rows, cols)}).normal_(0, 1, gen);
    auto [q, r] = torch::linalg_qr(a);
    q = q * torch::sign(torch::diagonal(r));
    if (rows < cols) q = q.t();
    w.copy_(q.reshape(w.sizes()));
  } else if (name == "glorot_uniform") {
    vs_uniform(1.0, fan_avg);
  } else if (name == "glorot_normal") {
    vs_normal(1.0, fan_avg);
  } else if (name == "he_uniform") {
    vs_uniform(2.0, fan_in);
  } else if (name == "he_normal") {
    vs_normal(2.0, fan_in);
  } else if (name == "lecun_uniform") {
    vs_uniform(1.0, fan_in);
  } else if (name == "lecun_normal") {
    vs_normal(1.0, fan_in);
  } else {
    PMT_THROW(kData, "unknown initialiser '{}' (valid: {})", name,
              model::join_names(model::initializer_names()));
  }
}

// A normalisation's learnt scale (gamma, "weight") and centre (beta, "bias"), each present when
// the spec's scale and center say so (else undefined).
std::pair<torch::Tensor, torch::Tensor> scale_and_centre(torch::nn::Module& m) {
  const auto params = m.named_parameters(false);
  const auto* gamma = params.find("weight");
  const auto* beta = params.find("bias");
  return {gamma ? *gamma : torch::Tensor(), beta ? *beta : torch::Tensor()};
}

// Batch normalisation of x (N, C, H, W), (N, F) or (N, steps, C) over all but the channel axis
// (Keras' axis -1 in its channels-last layout), by LibTorch's fused kernel. Training: the batch's
// mean and biased variance normalise, and the running statistics move towards them (Keras:
// running = momentum * running + (1 - momentum) * batch, with the biased variance; PyTorch:
// running = (1 - momentum) * running + momentum * batch, with the unbiased one). Evaluation: the
// running statistics.
torch::Tensor batch_normalization(const torch::Tensor& x, const model::LayerSpec& l,
                                  torch::nn::Module& m, bool training) {
  // the kernel normalises over all but dimension 1: a sequence's channels are moved there
  const bool sequence = x.dim() == 3;
  const torch::Tensor in = sequence ? x.transpose(1, 2) : x;
  const auto buffers = m.named_buffers(false);  // handles: the in-place updates reach m
  torch::Tensor mean_run = buffers["running_mean"], var_run = buffers["running_var"];
  const auto [w, b] = scale_and_centre(m);
  torch::Tensor y;
  if (training) {
    torch::Tensor mean, invstd;
    std::tie(y, mean, invstd) = torch::native_batch_norm(in, w, b, {}, {}, true, 0.0, l.epsilon);
    torch::NoGradGuard no_grad;
    const double n = double(in.numel() / in.size(1));
    const double batch = l.pytorch ? l.momentum : 1 - l.momentum;  // the batch's weight
    // the batch's biased variance, from the kernel's 1 / sqrt(var + epsilon)
    // (clamped: a constant channel's rounds to about -1e-10)
    const torch::Tensor var = invstd.to(torch::kDouble).pow(-2).sub_(l.epsilon).clamp_min_(0);
    const torch::Tensor v = var * (l.pytorch && n > 1 ? n / (n - 1) : 1.0);
    mean_run.mul_(1 - batch).add_(mean, batch);
    var_run.mul_(1 - batch).add_(v.to(var_run.scalar_type()), batch);
  } else {
    y = torch::batch_norm(in, w, b, mean_run, var_run, false, 0.0, l.epsilon, false);
  }
  return sequence ? y.transpose(1, 2) : y;
}

// Keras' LayerNormalization(axis=-1): each position over its channels (dimension 1 of
// (N, C, H, W), the last of (N, F) or (N, steps, C)), the biased variance; LibTorch's fused
// kernel over the last axis, an image's channels moved there.
torch::Tensor layer_normalization(const torch::Tensor& x, const model::LayerSpec& l,
                                  torch::nn::Module& m) {
  const bool image = x.dim() == 4;
  const torch::Tensor in = image ? x.permute({0, 2, 3, 1}) : x;
  const auto [w, b] = scale_and_centre(m);
  const torch::Tensor y = torch::layer_norm(in, {in.size(-1)}, w, b, l.epsilon, false);
  return image ? y.permute({0, 3, 1, 2}) : y;
}

// Keras' Conv2DTranspose (TF's conv2d_transpose, the adjoint of a convolution) to the output
// size Keras gives (`out`, deconv_output_length): the full transposed convolution
// ((in - 1) stride + span) cropped as TF's "same" pads (floor of the excess before, the rest
// after), or, when the output is larger (a kernel smaller than its stride), zeros after; then the
// bias.
torch::Tensor conv_transpose(const torch::Tensor& x, const model::LayerSpec& l,
                             const std::vector<std::int64_t>& out, torch::nn::Module& m) {
  const auto p = m.named_parameters(false);
  const std::vector<std::int64_t> stride{l.strides[0], l.strides[1]}, none{0, 0},
      dilation{l.dilation[0], l.dilation[1]};
  torch::Tensor y =
      torch::conv_transpose2d(x, p["weight"], torch::Tensor(), stride, none, none, 1, dilation);
  for (std::int64_t a = 0; a < 2; ++a) {
    const std::int64_t dim = 2 + a, full = y.size(dim), want = out[static_cast<std::size_t>(1 + a)];
    if (want <= full) {
      const std::int64_t before = (full - want) / 2;
      y = y.slice(dim, before, before + want);
    } else {
      y = torch::constant_pad_nd(y, a == 0 ? std::vector<std::int64_t>{0, 0, 0, want - full}
                                           : std::vector<std::int64_t>{0, want - full});
    }
  }
  if (const auto* bias = p.find("bias")) y = y + bias->view({1, -1, 1, 1});
  return y;
}

}  // namespace

namespace detail {

torch::Tensor activate_output(const model::SubjectSpec& spec, const torch::Tensor& x) {
  return activate(x, model::output_activation(spec), spec.layers.back().alpha);
}

torch::Tensor activate(const torch::Tensor& x, model::Activation activation, double alpha) {
  using A = model::Activation;
  switch (activation) {
    case A::kLinear:
      return x;
    case A::kRelu:
      return torch::relu(x);
    case A::kSoftmax:
      // Keras' softmax(axis=-1) on channels-last data normalises over the channels: pmt's
      // feature maps are channels-first (N, C, H, W), so over dimension 1 there
      return torch::softmax(x, x.dim() == 4 ? 1 : x.dim() - 1);
    case A::kElu:
      return torch::elu(x);
    case A::kSelu:
      return torch::selu(x);
    case A::kSoftplus:
      return torch::softplus(x);
    case A::kSoftsign:
      return x / (x.abs() + 1);
    case A::kTanh:
      return torch::tanh(x);
    case A::kSigmoid:
      return torch::sigmoid(x);
    case A::kHardSigmoid:
      return torch::clamp(x * 0.2 + 0.5, 0.0, 1.0);
    case A::kExponential:
      return torch::exp(x);
    case A::kRelu6:
      return torch::clamp(x, 0.0, 6.0);
    case A::kLeakyRelu:
      return torch::leaky_relu(x, alpha);
    case A::kGelu:  // Keras' gelu(approximate=False): x Phi(x)
      return torch::gelu(x);
    case A::kSwish:
      return x * torch::sigmoid(x);
  }
  PMT_THROW(kData, "activation {} has no forward", static_cast<int>(activation));
}

// DeepCrime's lenet angle (test_models/lenet.py angle_loss_fn; PMT's generate_acc_files_lenet.py):
// the two columns are spherical angles (a0, a1) -> (sin a0 cos a1, sin a0 sin a1, cos a0); the
// error is acos of the cosine between prediction and truth, clipped to [-0.99999, 0.99999].
torch::Tensor angular_error(const torch::Tensor& p, const torch::Tensor& y) {
  const auto unit = [](const torch::Tensor& a) {
    const torch::Tensor a0 = a.select(1, 0), a1 = a.select(1, 1);
    return torch::stack({a0.sin() * a1.cos(), a0.sin() * a1.sin(), a0.cos()}, 1);
  };
  const torch::Tensor u = unit(p), v = unit(y);
  const torch::Tensor cosine = (u * v).sum(1) / (u.norm(2, 1) * v.norm(2, 1));
  return torch::acos(cosine.clamp(-0.99999, 0.99999));
}

// Keras losses on the network output `p` (after the last activation) against one-hot `y`:
// mean over the last axis (or its sum, for the cross-entropies) then over the batch.
torch::Tensor keras_loss(model::Loss loss, const torch::Tensor& p, const torch::Tensor& y) {
  using L = model::Loss;
  const auto mean_last = [](const torch::Tensor& t) { return t.mean(-1).mean(); };
  // The hinge losses map labels that are all 0 or 1 to -1 and 1, and use any other targets as
  // they are (TF 2.3's _maybe_convert_labels, per batch).
  const auto y_pm = [&] {
    const bool binary = ((y == 0) | (y == 1)).all().item<bool>();
    return binary ? 2 * y - 1 : y;
  };
  switch (loss) {
    case L::kCategoricalCrossentropy: {
      torch::Tensor q = p / p.sum(-1, true);
      return -(y * torch::log(q.clamp(kEps, 1 - kEps))).sum(-1).mean();
    }
    case L::kMeanSquaredError:
      return mean_last((p - y).pow(2));
    case L::kMeanAbsoluteError:
      return mean_last((p - y).abs());
    case L::kMeanAbsolutePercentageError:
      return 100 * mean_last((y - p).abs() / y.abs().clamp_min(kEps));
    case L::kMeanSquaredLogarithmicError:
      return mean_last((torch::log1p(p.clamp_min(kEps)) - torch::log1p(y.clamp_min(kEps))).pow(2));
    case L::kHinge:
      return mean_last((1 - y_pm() * p).clamp_min(0));
    case L::kSquaredHinge:
      return mean_last((1 - y_pm() * p).clamp_min(0).pow(2));
    case L::kCategoricalHinge: {
      const torch::Tensor pos = (y * p).sum(-1);
      const torch::Tensor neg = std::get<0>(((1 - y) * p).max(-1));
      return (neg - pos + 1).clamp_min(0).mean();
    }
    case L::kLogcosh: {
      const torch::Tensor d = p - y;
      return mean_last(d + torch::softplus(-2 * d) - std::log(2.0));
    }
    case L::kHuber: {
      const torch::Tensor d = (p - y).abs();
      return mean_last(torch::where(d <= 1, 0.5 * d * d, d - 0.5));
    }
    case L::kBinaryCrossentropy: {  // TF 2.3's backend.binary_crossentropy on probabilities
      const torch::Tensor q = p.clamp(kEps, 1 - kEps);
      return mean_last(-(y * torch::log(q + kEps) + (1 - y) * torch::log(1 - q + kEps)));
    }
    case L::kKullbackLeiblerDivergence: {
      const torch::Tensor yc = y.clamp(kEps, 1), pc = p.clamp(kEps, 1);
      return (yc * torch::log(yc / pc)).sum(-1).mean();
    }
    case L::kPoisson:
      return mean_last(p - y * torch::log(p + kEps));
    case L::kAngle:
      return angular_error(p, y).mean();
  }
  PMT_THROW(kData, "loss {} has no formula", static_cast<int>(loss));
}

// Loss of a batch from the last layer's pre-activation output against the targets (class
// indices, rows of class probabilities, or target rows for regression). Softmax + categorical
// cross-entropy is computed from the logits, as TF 2.3's Keras does.
torch::Tensor batch_loss(const model::SubjectSpec& spec, const torch::Tensor& logits,
                         const torch::Tensor& target) {
  const model::Activation last = model::output_activation(spec);
  const auto loss_of = [&](const torch::Tensor& y) {
    // Binary cross-entropy behind a sigmoid: TF 2.3 takes the sigmoid's input, the logits
    // (sigmoid_cross_entropy_with_logits), so saturated outputs keep their loss.
    if (spec.loss == model::Loss::kBinaryCrossentropy && last == model::Activation::kSigmoid)
      return torch::binary_cross_entropy_with_logits(logits, y, {}, {}, at::Reduction::None)
          .mean(-1)
          .mean();
    return keras_loss(spec.loss, activate_output(spec, logits), y);
  };
  if (spec.task == model::Task::kRegression) return loss_of(target);
  const bool soft = target.dim() == 2;  // rows of class probabilities (Keras takes soft labels)
  if (spec.loss == model::Loss::kCategoricalCrossentropy && last == model::Activation::kSoftmax)
    return soft ? -(target * torch::log_softmax(logits, 1)).sum(1).mean()
                : torch::nll_loss(torch::log_softmax(logits, 1), target);
  const torch::Tensor y =
      soft ? target : torch::one_hot(target, spec.num_classes).to(torch::kFloat);
  return loss_of(y);
}

torch::Tensor predicted_classes(const model::SubjectSpec& spec, const torch::Tensor& logits) {
  return activate_output(spec, logits).argmax(-1);
}

// Per sample: 1 when the subject's metric counts the output as right (the class is predicted;
// the angular error is below the threshold; every target is within the threshold).
torch::Tensor metric_hits(const model::SubjectSpec& spec, const torch::Tensor& logits,
                          const torch::Tensor& target) {
  const model::Metric m = model::parse_metric(spec.metric);
  if (m.kind == "loss")  // a share of the batch's summed loss per sample: sums to it
    return batch_loss(spec, logits, target).expand({logits.size(0)});
  if (m.kind == "accuracy")
    return predicted_classes(spec, logits).eq(target.dim() == 2 ? target.argmax(1) : target);
  const torch::Tensor p = activate_output(spec, logits);
  if (m.kind == "angle_below") return angular_error(p, target) < m.threshold * M_PI / 180.0;
  return ((p - target).abs() <= m.threshold).all(1);
}

std::vector<torch::Tensor> input_tensors(const model::Dataset& d) {
  std::vector<torch::Tensor> out;
  for (const auto& in : d.inputs) {
    std::vector<int64_t> shape{d.size()};
    shape.insert(shape.end(), in.shape.begin(), in.shape.end());
    out.push_back(torch::from_blob(const_cast<float*>(in.x.data()), shape, torch::kFloat));
  }
  return out;
}

torch::Tensor target_tensor(const model::Dataset& d) {
  if (d.regression())
    return torch::from_blob(const_cast<float*>(d.t.data()), {d.size(), d.target_dim},
                            torch::kFloat);
  return torch::from_blob(const_cast<int64_t*>(d.y.data()), {d.size()}, torch::kLong);
}

}  // namespace detail

using namespace detail;  // NOLINT: this file's own helpers

namespace {

// Keras' LSTM, GRU and SimpleRNN over x (N, steps, features), from zero states; every step's output
// (return_sequences) or the last. LSTM: z = x W + h U + b split i, f, c, o; c = f c + i act(c~),
// h = o act(c). GRU (z, r, h): reset_after (TF 2): h~ = act(x W_h + b_h + r (h U_h + b'_h)),
// else h~ = act(x W_h + b_h + (r h) U_h); h = z h + (1 - z) h~.
// SimpleRNN: h = act(x W + b + h U). The weights are named `prefix` + kernel, recurrent_kernel,
// bias.
torch::Tensor recurrent_pass(const torch::Tensor& x, const model::LayerSpec& l,
                             const torch::OrderedDict<std::string, torch::Tensor>& p,
                             const std::string& prefix) {
  const torch::Tensor& kernel = p[prefix + "kernel"];
  const torch::Tensor& rec = p[prefix + "recurrent_kernel"];
  const torch::Tensor* bias = p.find(prefix + "bias");
  const std::int64_t u = l.units;
  const bool lstm = l.type == model::LayerType::kLstm;
  const bool two = l.type == model::LayerType::kGru && l.reset_after;
  torch::Tensor xk = x.matmul(kernel);
  if (bias) xk = xk + (two ? (*bias)[0] : *bias);
  const auto gate = [&](const torch::Tensor& t) { return activate(t, l.recurrent_activation); };
  torch::Tensor h = torch::zeros({x.size(0), u}, x.options()), c = torch::zeros_like(h);
  std::vector<torch::Tensor> steps;
  // unbind, not select: the gradient of T selected steps would be T full-size tensors
  const std::vector<torch::Tensor> inputs = xk.unbind(1);
  for (const torch::Tensor& in : inputs) {
    if (l.type == model::LayerType::kSimpleRnn) {
      h = activate(in + h.matmul(rec), l.activation);
    } else if (lstm) {
      const auto z = (in + h.matmul(rec)).chunk(4, 1);
      c = gate(z[1]) * c + gate(z[0]) * activate(z[2], l.activation);
      h = gate(z[3]) * activate(c, l.activation);
    } else {
      const auto xi = in.chunk(3, 1);
      torch::Tensor z, r, candidate;
      if (two) {
        torch::Tensor inner = h.matmul(rec);
        if (bias) inner = inner + (*bias)[1];
        const auto hi = inner.chunk(3, 1);
        z = gate(xi[0] + hi[0]);
        r = gate(xi[1] + hi[1]);
        candidate = activate(xi[2] + r * hi[2], l.activation);
      } else {
        const auto hi = h.matmul(rec.slice(1, 0, 2 * u)).chunk(2, 1);
        z = gate(xi[0] + hi[0]);
        r = gate(xi[1] + hi[1]);
        candidate = activate(xi[2] + (r * h).matmul(rec.slice(1, 2 * u)), l.activation);
      }
      h = z * h + (1 - z) * candidate;
    }
    if (l.return_sequences) steps.push_back(h);
  }
  return l.return_sequences ? torch::stack(steps, 1) : h;
}

// The layer, or Keras' Bidirectional over it: the backward layer reads the steps reversed, its
// sequence output is reversed back, and the two merge (concat: forward then backward).
torch::Tensor recurrent(const torch::Tensor& x, const model::LayerSpec& l, torch::nn::Module& m) {
  const auto p = m.named_parameters(false);
  const torch::Tensor forward = recurrent_pass(x, l, p, "");
  if (l.bidirectional.empty()) return forward;
  torch::Tensor backward = recurrent_pass(x.flip(1), l, p, "backward_");
  if (l.return_sequences) backward = backward.flip(1);
  if (l.bidirectional == "concat") return torch::cat({forward, backward}, -1);
  if (l.bidirectional == "sum") return forward + backward;
  if (l.bidirectional == "mul") return forward * backward;
  return (forward + backward) / 2;  // ave
}

std::vector<torch::Tensor> rows(const std::vector<torch::Tensor>& xs, const torch::Tensor& idx) {
  std::vector<torch::Tensor> out;
  for (const auto& x : xs) out.push_back(x.index_select(0, idx));
  return out;
}

std::vector<torch::Tensor> rows(const std::vector<torch::Tensor>& xs, int64_t begin, int64_t end) {
  std::vector<torch::Tensor> out;
  for (const auto& x : xs) out.push_back(x.slice(0, begin, end));
  return out;
}

// Keras (TF 2.3) gradient clipping, applied to each gradient tensor on its own: clipnorm scales
// g to norm c when its L2 norm exceeds c (tf.clip_by_norm); clipvalue clamps it to [-c, c].
void clip_gradients(const std::vector<torch::Tensor>& params, double clipnorm, double clipvalue) {
  if (clipnorm <= 0 && clipvalue <= 0) return;
  torch::NoGradGuard no_grad;
  for (const auto& p : params) {
    torch::Tensor g = p.grad();
    if (!g.defined()) continue;
    if (clipnorm > 0) {
      const double norm = g.norm().item<double>();
      if (norm > clipnorm) g.mul_(clipnorm / norm);
    }
    if (clipvalue > 0) g.clamp_(-clipvalue, clipvalue);
  }
}

}  // namespace

SubjectNet::SubjectNet(const model::SubjectSpec& spec, torch::Generator gen)
    : spec_(spec), gen_(std::move(gen)) {
  const auto shapes = model::infer_shapes(spec_);
  out_shape_ = shapes;
  // Keras' depthwise kernel (kh, kw, in, multiplier) drawn with its fans, laid out as LibTorch's
  // grouped (in x multiplier, 1, kh, kw)
  const auto depthwise_init = [&](torch::Tensor w, std::int64_t in, const model::LayerSpec& l) {
    torch::Tensor keras = torch::empty({l.depth_multiplier, in, l.kernel[0], l.kernel[1]});
    initialise(keras, l.kernel_initializer, gen_, l.kernel_stddev);
    torch::NoGradGuard no_grad;
    w.copy_(keras.permute({1, 0, 2, 3}).reshape(w.sizes()));
  };
  std::map<std::string, int> index;  // name -> layer j, or input k as -1 - k
  for (std::size_t k = 0; k < spec_.inputs.size(); ++k)
    index[spec_.inputs[k].name] = -1 - static_cast<int>(k);
  for (std::size_t i = 0; i < spec_.layers.size(); ++i) {
    const model::LayerSpec& l = spec_.layers[i];
    std::vector<int> edges;
    for (const auto& e : l.inputs) edges.push_back(index.at(e));
    if (edges.empty()) edges.push_back(static_cast<int>(i) - 1);  // a programmatic stack
    edges_.push_back(edges);
    if (!l.name.empty()) index[l.name] = static_cast<int>(i);
    const int from = edges[0];
    const std::vector<int64_t>& in =
        from >= 0
            ? shapes[static_cast<std::size_t>(from)]
            : (spec_.inputs.empty() ? spec_.input_shape
                                    : spec_.inputs[static_cast<std::size_t>(-1 - from)].shape);
    const std::string name = "layer" + std::to_string(i);
    std::array<std::int64_t, 4> pad{};
    if (l.type == model::LayerType::kConv2d || l.type == model::LayerType::kMaxPool2d ||
        l.type == model::LayerType::kAveragePool2d ||
        l.type == model::LayerType::kDepthwiseConv2d ||
        l.type == model::LayerType::kSeparableConv2d) {
      const auto h =
          model::window_axis(in[1], l.kernel[0], l.strides[0], l.dilation[0], l.padding, l.pad[0]);
      const auto w =
          model::window_axis(in[2], l.kernel[1], l.strides[1], l.dilation[1], l.padding, l.pad[1]);
      pad = {w.before, w.after, h.before, h.after};
    }
    if (l.type == model::LayerType::kConv1d || l.type == model::LayerType::kMaxPool1d ||
        l.type == model::LayerType::kAveragePool1d) {  // along the steps of [steps, channels]
      const auto a =
          model::window_axis(in[0], l.kernel[0], l.strides[0], l.dilation[0], l.padding, l.pad[0]);
      pad = {a.before, a.after, 0, 0};
    }
    pads_.push_back(pad);
    torch::Tensor w, b;
    if (l.type == model::LayerType::kConv2d || l.type == model::LayerType::kDepthwiseConv2d) {
      // a depthwise convolution: one group per input channel, depth_multiplier outputs each
      // (output channel c * depth_multiplier + m, as Keras' (kh, kw, in, multiplier) reshaped)
      const bool depthwise = l.type == model::LayerType::kDepthwiseConv2d;
      const std::int64_t out = depthwise ? in[0] * l.depth_multiplier : l.units;
      slot_.push_back(static_cast<int>(conv_.size()));
      auto conv = register_module(
          name, torch::nn::Conv2d(torch::nn::Conv2dOptions(in[0], out, {l.kernel[0], l.kernel[1]})
                                      .stride({l.strides[0], l.strides[1]})
                                      .dilation({l.dilation[0], l.dilation[1]})
                                      .groups(depthwise ? in[0] : l.groups)
                                      .bias(l.use_bias)));
      conv_.push_back(conv);
      if (depthwise) {
        depthwise_init(conv->weight, in[0], l);
      } else {
        w = conv->weight;
      }
      b = conv->bias;
    } else if (l.type == model::LayerType::kSeparableConv2d) {
      slot_.push_back(static_cast<int>(parts_.size()));
      auto part = register_module(name, std::make_shared<torch::nn::Module>());
      const std::int64_t mid = in[0] * l.depth_multiplier;
      torch::Tensor dw = part->register_parameter("depthwise_kernel",
                                                  torch::empty({mid, 1, l.kernel[0], l.kernel[1]}));
      depthwise_init(dw, in[0], l);
      torch::Tensor pw =
          part->register_parameter("pointwise_kernel", torch::empty({l.units, mid, 1, 1}));
      initialise(pw, l.pointwise_initializer, gen_);
      if (l.use_bias) b = part->register_parameter("bias", torch::empty({l.units}));
      parts_.push_back(part);
    } else if (l.type == model::LayerType::kConv2dTranspose) {
      // LibTorch's (in, out, kh, kw) has the fans of Keras' (kh, kw, filters, in) kernel
      slot_.push_back(static_cast<int>(parts_.size()));
      auto part = register_module(name, std::make_shared<torch::nn::Module>());
      w = part->register_parameter("weight",
                                   torch::empty({in[0], l.units, l.kernel[0], l.kernel[1]}));
      if (l.use_bias) b = part->register_parameter("bias", torch::empty({l.units}));
      parts_.push_back(part);
    } else if (l.type == model::LayerType::kConv1d) {
      slot_.push_back(static_cast<int>(conv1d_.size()));
      auto conv = register_module(
          name, torch::nn::Conv1d(torch::nn::Conv1dOptions(in[1], l.units, l.kernel[0])
                                      .stride(l.strides[0])
                                      .dilation(l.dilation[0])
                                      .groups(l.groups)
                                      .bias(l.use_bias)));
      conv1d_.push_back(conv);
      w = conv->weight, b = conv->bias;
    } else if (l.type == model::LayerType::kDense) {
      slot_.push_back(static_cast<int>(dense_.size()));
      auto dense = register_module(
          name, torch::nn::Linear(torch::nn::LinearOptions(in.back(), l.units).bias(l.use_bias)));
      dense_.push_back(dense);
      w = dense->weight, b = dense->bias;
    } else if (l.type == model::LayerType::kEmbedding) {
      slot_.push_back(static_cast<int>(embedding_.size()));
      auto emb = register_module(name, torch::nn::Embedding(l.input_dim, l.units));
      embedding_.push_back(emb);
      // Keras' embedding matrix is (input_dim, output_dim), LibTorch's too: its transpose has
      // the (out, in) layout that the initialisers' fans assume.
      initialise(emb->weight.t(), l.kernel_initializer, gen_);
    } else if (model::is_recurrent(l.type)) {
      slot_.push_back(static_cast<int>(recurrent_.size()));
      auto cell = register_module(name, std::make_shared<torch::nn::Module>());
      const std::int64_t u = l.units;
      const std::int64_t gates = l.type == model::LayerType::kLstm  ? 4
                                 : l.type == model::LayerType::kGru ? 3
                                                                    : 1;
      for (const std::string prefix : {"", "backward_"}) {  // Bidirectional: its own weights
        if (!prefix.empty() && l.bidirectional.empty()) break;
        torch::Tensor kernel =
            cell->register_parameter(prefix + "kernel", torch::empty({in[1], gates * u}));
        torch::Tensor rec =
            cell->register_parameter(prefix + "recurrent_kernel", torch::empty({u, gates * u}));
        // the initialisers see Keras' (in, out) shapes through the (out, in) transposes
        initialise(kernel.t(), l.kernel_initializer, gen_);
        initialise(rec.t(), l.recurrent_initializer, gen_);
        if (l.use_bias) {
          const bool two = l.type == model::LayerType::kGru && l.reset_after;  // input, recurrent
          torch::Tensor bias = cell->register_parameter(
              prefix + "bias", two ? torch::empty({2, gates * u}) : torch::empty({gates * u}));
          initialise(two ? bias.t() : bias, l.bias_initializer, gen_);
          torch::NoGradGuard no_grad;
          if (l.type == model::LayerType::kLstm && l.unit_forget_bias)
            bias.slice(0, u, 2 * u).fill_(1.0);
        }
      }
      recurrent_.push_back(cell);
    } else if (l.type == model::LayerType::kBatchNormalization ||
               l.type == model::LayerType::kLayerNormalization) {
      slot_.push_back(static_cast<int>(norm_.size()));
      auto norm = register_module(name, std::make_shared<torch::nn::Module>());
      const std::int64_t c = in.size() == 3 ? in[0] : in.back();  // channels or features
      if (l.scale) norm->register_parameter("weight", torch::ones({c}));
      if (l.center) norm->register_parameter("bias", torch::zeros({c}));
      if (l.type == model::LayerType::kBatchNormalization) {
        norm->register_buffer("running_mean", torch::zeros({c}));
        norm->register_buffer("running_var", torch::ones({c}));
      }
      norm_.push_back(norm);
    } else {
      slot_.push_back(-1);
    }
    if (w.defined()) initialise(w, l.kernel_initializer, gen_, l.kernel_stddev);
    if (b.defined()) initialise(b, l.bias_initializer, gen_);
  }
}

torch::Tensor SubjectNet::run(const std::vector<torch::Tensor>& inputs, bool last_activation,
                              std::vector<torch::Tensor>* all, std::size_t from) {
  const std::size_t want = std::max<std::size_t>(1, spec_.inputs.size());
  PMT_THROW_IF(inputs.size() != want, kData, "subject '{}' takes {} input(s), got {}", spec_.name,
               want, inputs.size());
  std::vector<torch::Tensor> out(spec_.layers.size());
  const auto value = [&](int e) -> const torch::Tensor& {
    return e >= 0 ? out[static_cast<std::size_t>(e)] : inputs[static_cast<std::size_t>(-1 - e)];
  };
  for (std::size_t i = from; i < spec_.layers.size(); ++i) {
    const model::LayerSpec& l = spec_.layers[i];
    const bool last = i + 1 == spec_.layers.size();
    torch::Tensor x = i == from && from > 0 ? inputs[0] : value(edges_[i][0]);
    const auto& pad = pads_[i];
    const bool padded = pad != std::array<std::int64_t, 4>{};
    const auto pad_with = [&](const torch::Tensor& t, double fill) {
      return padded ? torch::constant_pad_nd(t, {pad[0], pad[1], pad[2], pad[3]}, fill) : t;
    };
    if (l.type == model::LayerType::kConv2d || l.type == model::LayerType::kDepthwiseConv2d) {
      x = conv_[slot_[i]]->forward(pad_with(x, 0));
    } else if (l.type == model::LayerType::kSeparableConv2d) {
      const auto p = parts_[slot_[i]]->named_parameters(false);
      const std::vector<std::int64_t> stride{l.strides[0], l.strides[1]}, none{0, 0},
          dilation{l.dilation[0], l.dilation[1]};
      x = torch::conv2d(pad_with(x, 0), p["depthwise_kernel"], torch::Tensor(), stride, none,
                        dilation, x.size(1));
      const torch::Tensor* bias = p.find("bias");
      x = torch::conv2d(x, p["pointwise_kernel"], bias ? *bias : torch::Tensor());
    } else if (l.type == model::LayerType::kConv2dTranspose) {
      x = conv_transpose(x, l, out_shape_[i], *parts_[slot_[i]]);
    } else if (l.type == model::LayerType::kMaxPool2d) {
      x = torch::max_pool2d(pad_with(x, -std::numeric_limits<double>::infinity()),
                            {l.kernel[0], l.kernel[1]}, {l.strides[0], l.strides[1]});
    } else if (l.type == model::LayerType::kAveragePool2d) {
      const std::vector<std::int64_t> k{l.kernel[0], l.kernel[1]}, s{l.strides[0], l.strides[1]};
      torch::Tensor sum = torch::avg_pool2d(pad_with(x, 0), k, s);
      // TF's "same" averages each window's input positions only (PyTorch's explicit padding
      // counts the zeros, as its count_include_pad default)
      if (padded && l.padding == model::Padding::kSame)
        sum = sum / torch::avg_pool2d(
                        pad_with(torch::ones({1, 1, x.size(2), x.size(3)}, x.options()), 0), k, s);
      x = sum;
    } else if (l.type == model::LayerType::kBatchNormalization) {
      x = batch_normalization(x, l, *norm_[slot_[i]], is_training());
    } else if (l.type == model::LayerType::kLayerNormalization) {
      x = layer_normalization(x, l, *norm_[slot_[i]]);
    } else if (model::is_recurrent(l.type)) {
      x = recurrent(x, l, *recurrent_[slot_[i]]);
    } else if (l.type == model::LayerType::kConv1d) {  // [steps, channels] <-> (N, C, L)
      x = conv1d_[slot_[i]]->forward(pad_with(x.transpose(1, 2), 0)).transpose(1, 2);
    } else if (l.type == model::LayerType::kMaxPool1d) {
      x = torch::max_pool1d(pad_with(x.transpose(1, 2), -std::numeric_limits<double>::infinity()),
                            l.kernel[0], l.strides[0])
              .transpose(1, 2);
    } else if (l.type == model::LayerType::kAveragePool1d) {
      const torch::Tensor t = x.transpose(1, 2);
      torch::Tensor sum = torch::avg_pool1d(pad_with(t, 0), l.kernel[0], l.strides[0]);
      if (padded && l.padding == model::Padding::kSame)  // TF: the input positions only
        sum = sum / torch::avg_pool1d(pad_with(torch::ones({1, 1, t.size(2)}, t.options()), 0),
                                      l.kernel[0], l.strides[0]);
      x = sum.transpose(1, 2);
    } else if (l.type == model::LayerType::kGlobalAveragePool1d) {
      x = x.mean(1);
    } else if (l.type == model::LayerType::kGlobalMaxPool1d) {
      x = x.amax(1);
    } else if (l.type == model::LayerType::kGlobalAveragePool2d) {
      x = x.mean({2, 3});
    } else if (l.type == model::LayerType::kGlobalMaxPool2d) {
      x = x.amax({2, 3});
    } else if (l.type == model::LayerType::kDense) {
      x = dense_[slot_[i]]->forward(x);
    } else if (l.type == model::LayerType::kEmbedding) {
      x = embedding_[slot_[i]]->forward(x.to(torch::kLong));
    } else if (l.type == model::LayerType::kFlatten) {
      x = x.flatten(1);
    } else if (l.type == model::LayerType::kDropout && is_training() && l.rate > 0) {
      if (l.rate >= 1) {
        x = torch::zeros_like(x);
      } else {
        torch::Tensor keep = torch::empty_like(x).bernoulli_(1 - l.rate, gen_);
        x = x * keep * (1.0 / (1 - l.rate));
      }
    } else if (l.type == model::LayerType::kConcatenate) {
      std::vector<torch::Tensor> parts;
      for (int e : edges_[i]) parts.push_back(value(e));
      x = torch::cat(parts, model::concat_axis(l.axis, static_cast<std::size_t>(x.dim() - 1)) + 1);
    } else if (l.type == model::LayerType::kAdd || l.type == model::LayerType::kAverage) {
      for (std::size_t k = 1; k < edges_[i].size(); ++k) x = x + value(edges_[i][k]);
      if (l.type == model::LayerType::kAverage) x = x / double(edges_[i].size());
    } else if (l.type == model::LayerType::kSubtract) {
      x = x - value(edges_[i][1]);
    } else if (l.type == model::LayerType::kMultiply) {
      for (std::size_t k = 1; k < edges_[i].size(); ++k) x = x * value(edges_[i][k]);
    } else if (l.type == model::LayerType::kMaximum || l.type == model::LayerType::kMinimum) {
      for (std::size_t k = 1; k < edges_[i].size(); ++k)
        x = l.type == model::LayerType::kMaximum ? torch::maximum(x, value(edges_[i][k]))
                                                 : torch::minimum(x, value(edges_[i][k]));
    } else if (l.type == model::LayerType::kRescaling) {
      x = x * l.rescale + l.offset;
    } else if (l.type == model::LayerType::kZeroPadding2d) {
      const auto& m = l.margins;
      x = torch::constant_pad_nd(x, {m[2], m[3], m[0], m[1]}, 0);
    } else if (l.type == model::LayerType::kCropping2d) {
      const auto& m = l.margins;
      x = x.slice(2, m[0], x.size(2) - m[1]).slice(3, m[2], x.size(3) - m[3]);
    } else if (l.type == model::LayerType::kZeroPadding1d) {
      x = torch::constant_pad_nd(x, {0, 0, l.margins[0], l.margins[1]}, 0);
    } else if (l.type == model::LayerType::kCropping1d) {
      x = x.slice(1, l.margins[0], x.size(1) - l.margins[1]);
    } else if (l.type == model::LayerType::kReshape || l.type == model::LayerType::kPermute) {
      // over Keras' channels-last layout: an image (N, C, H, W) is Keras' (N, H, W, C)
      const torch::Tensor k = x.dim() == 4 ? x.permute({0, 2, 3, 1}) : x;
      std::vector<std::int64_t> to{x.size(0)};
      if (l.type == model::LayerType::kReshape) {
        const auto target = model::keras_shape(out_shape_[i]);
        to.insert(to.end(), target.begin(), target.end());
        x = k.reshape(to);
      } else {
        for (int d : l.dims) to.push_back(d);
        to[0] = 0;
        x = k.permute(to);
      }
      if (x.dim() == 4) x = x.permute({0, 3, 1, 2});
    } else if (l.type == model::LayerType::kUpSampling2d && !l.bilinear) {  // Keras: repeats
      x = x.repeat_interleave(l.kernel[0], 2).repeat_interleave(l.kernel[1], 3);
    } else if (l.type == model::LayerType::kUpSampling2d || l.type == model::LayerType::kResizing) {
      // TF 2's tf.image.resize (antialias off), half-pixel centres, scale = in / out (float, as
      // TF's CalculateResizeScale): bilinear from (o + 0.5) scale - 0.5, which is LibTorch's
      // align_corners=false; nearest from floor((o + 0.5f) scale) (TF's HalfPixelScalerForNN),
      // computed here as TF computes it
      const std::int64_t h = out_shape_[i][1], w = out_shape_[i][2];
      if (l.bilinear) {
        namespace F = torch::nn::functional;
        x = F::interpolate(x, F::InterpolateFuncOptions()
                                  .size(std::vector<std::int64_t>{h, w})
                                  .mode(torch::kBilinear)
                                  .align_corners(false));
      } else {
        const auto nearest = [&](std::int64_t size_in, std::int64_t size_out) {
          const float scale = static_cast<float>(size_in) / static_cast<float>(size_out);
          std::vector<std::int64_t> idx(static_cast<std::size_t>(size_out));
          for (std::int64_t o = 0; o < size_out; ++o)
            idx[static_cast<std::size_t>(o)] = std::min<std::int64_t>(
                static_cast<std::int64_t>(std::floor((static_cast<float>(o) + 0.5f) * scale)),
                size_in - 1);
          return torch::tensor(idx, torch::TensorOptions(torch::kLong).device(x.device()));
        };
        x = x.index_select(2, nearest(x.size(2), h)).index_select(3, nearest(x.size(3), w));
      }
    } else if (l.type == model::LayerType::kDot) {
      const torch::Tensor product = x * value(edges_[i][1]);
      x = l.dot_all ? product.sum().expand({x.size(0), 1}) : product.sum(-1, true);
    }
    if (model::activates(l.type) && (!last || last_activation))
      x = activate(x, l.activation, l.alpha);
    out[i] = x;
  }
  if (all) *all = out;
  return out.back();
}

torch::Tensor SubjectNet::regularization() const {
  torch::Tensor penalty;
  torch::OrderedDict<std::string, torch::Tensor> params;  // read once, when a layer needs it
  for (std::size_t i = 0; i < spec_.layers.size(); ++i) {
    const model::LayerSpec& l = spec_.layers[i];
    if (l.kernel_regularizer == "none" || slot_[i] < 0) continue;
    if (params.is_empty()) params = named_parameters();
    const bool recurrent = model::is_recurrent(l.type);
    // the kernel (a recurrent layer's input kernel, a bidirectional one's two, a separable
    // convolution's depthwise kernel) or the embeddings
    const std::string layer = "layer" + std::to_string(i);
    std::vector<std::string> kernels{recurrent ? ".kernel"
                                     : l.type == model::LayerType::kSeparableConv2d
                                         ? ".depthwise_kernel"
                                         : ".weight"};
    if (recurrent && !l.bidirectional.empty()) kernels.push_back(".backward_kernel");
    for (const auto& k : kernels) {
      const torch::Tensor& w = params[layer + k];
      torch::Tensor term = l.l1 * w.abs().sum() + l.l2 * w.pow(2).sum();
      penalty = penalty.defined() ? penalty + term : term;
    }
  }
  return penalty;
}

torch::Tensor SubjectNet::logits(torch::Tensor x) { return run({std::move(x)}, false); }
torch::Tensor SubjectNet::logits(const std::vector<torch::Tensor>& inputs) {
  return run(inputs, false);
}
torch::Tensor SubjectNet::forward(torch::Tensor x) { return run({std::move(x)}, true); }
torch::Tensor SubjectNet::logits_from(std::size_t layer, torch::Tensor input) {
  PMT_THROW_IF(!model::is_stack(spec_) || layer >= spec_.layers.size(), kUsage,
               "subject '{}': logits from layer {} need a plain stack of more layers", spec_.name,
               layer);
  if (layer == 0) return run({std::move(input)}, false);
  return run({std::move(input)}, false, nullptr, layer);
}
std::vector<torch::Tensor> SubjectNet::layer_outputs(const std::vector<torch::Tensor>& inputs) {
  std::vector<torch::Tensor> all;
  run(inputs, false, &all);
  return all;
}

torch::Tensor outputs(SubjectNet& net, const model::Dataset& data, bool last_activation) {
  torch::NoGradGuard no_grad;
  net.eval();
  const std::vector<torch::Tensor> x = input_tensors(data);
  std::vector<torch::Tensor> parts;
  for (int64_t start = 0; start < data.size(); start += net.spec().eval_batch_size) {
    const int64_t end = std::min(data.size(), start + int64_t(net.spec().eval_batch_size));
    const torch::Tensor logits = net.logits(rows(x, start, end));
    parts.push_back(last_activation ? activate_output(net.spec(), logits) : logits);
  }
  return parts.empty() ? torch::zeros({0, int64_t(net.spec().num_classes)}) : torch::cat(parts);
}

std::pair<double, double> evaluate(SubjectNet& net, const model::Dataset& data,
                                   std::vector<std::int64_t>* predictions) {
  torch::NoGradGuard no_grad;
  net.eval();
  const std::vector<torch::Tensor> x = input_tensors(data);
  const torch::Tensor y = target_tensor(data);
  double loss = 0, correct = 0;
  if (predictions) predictions->clear();
  const bool per_input = model::parse_metric(net.spec().metric).kind != "loss";
  const int64_t step = net.spec().eval_batch_size;
  for (int64_t start = 0; start < data.size(); start += step) {
    const int64_t end = std::min(data.size(), start + step);
    const torch::Tensor out = net.logits(rows(x, start, end));
    const torch::Tensor yb = y.slice(0, start, end);
    loss += batch_loss(net.spec(), out, yb).item<double>() * double(end - start);
    const torch::Tensor hits = metric_hits(net.spec(), out, yb);
    correct += hits.sum().item<double>();
    if (predictions && per_input) {
      const torch::Tensor pred =
          (net.spec().task == model::Task::kRegression ? hits : predicted_classes(net.spec(), out))
              .to(torch::kLong)
              .contiguous();
      const int64_t* p = pred.data_ptr<int64_t>();
      predictions->insert(predictions->end(), p, p + (end - start));
    }
  }
  const double n = std::max<double>(1.0, double(data.size()));
  return {loss / n, correct / n};
}

namespace {

// Copies of every parameter and buffer (Keras' get_weights), and back (set_weights).
std::vector<torch::Tensor> snapshot(SubjectNet& net) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> state;
  for (const auto& p : net.parameters()) state.push_back(p.detach().clone());
  for (const auto& b : net.buffers()) state.push_back(b.detach().clone());
  return state;
}
void restore(SubjectNet& net, const std::vector<torch::Tensor>& state) {
  torch::NoGradGuard no_grad;
  std::size_t k = 0;
  for (auto& p : net.parameters()) p.copy_(state[k++]);
  for (auto& b : net.buffers()) b.copy_(state[k++]);
}

}  // namespace

TrainResult fit(SubjectNet& net, const model::Dataset& train, const model::Dataset* validation,
                const std::function<void(const EpochStats&)>& on_epoch) {
  const model::SubjectSpec& spec = net.spec();
  PMT_THROW_IF(train.size() == 0, kData, "no training data");
  const std::vector<torch::Tensor> params = net.parameters();
  auto optimizer = make_optimizer(spec.optimizer, params);
  const auto option = [&](const char* key) {
    const auto it = spec.optimizer.params.find(key);
    return it == spec.optimizer.params.end() ? 0.0 : it->second;
  };
  const double clipnorm = option("clipnorm"), clipvalue = option("clipvalue");
  const auto t0 = std::chrono::steady_clock::now();
  TrainResult result;
  const std::vector<torch::Tensor> x = input_tensors(train);
  const torch::Tensor y = target_tensor(train);
  double best = std::numeric_limits<double>::infinity();
  int wait = 0;
  std::vector<torch::Tensor> best_state;  // restore_best_weights: the best epoch's
  for (int epoch = 1; epoch <= spec.epochs; ++epoch) {
    const auto e0 = std::chrono::steady_clock::now();
    net.train();
    const torch::Tensor order = torch::randperm(train.size(), net.generator(), torch::kLong);
    double loss_sum = 0;
    double correct = 0;
    for (int64_t start = 0; start < train.size(); start += spec.batch_size) {
      throw_if_interrupted();  // SIGINT/SIGTERM: stop between batches (core/interrupt.hpp)
      const int64_t end = std::min(train.size(), start + int64_t(spec.batch_size));
      const torch::Tensor idx = order.slice(0, start, end);
      const std::vector<torch::Tensor> xb = rows(x, idx);
      const torch::Tensor yb = y.index_select(0, idx);
      optimizer->zero_grad();
      const torch::Tensor out = net.logits(xb);
      torch::Tensor loss = batch_loss(spec, out, yb);
      if (const torch::Tensor penalty = net.regularization(); penalty.defined())
        loss = loss + penalty;
      loss.backward();
      clip_gradients(params, clipnorm, clipvalue);
      optimizer->step();
      loss_sum += loss.item<double>() * double(end - start);
      correct += metric_hits(spec, out.detach(), yb).sum().item<double>();
    }
    EpochStats s;
    s.epoch = epoch;
    s.loss = loss_sum / double(train.size());
    s.accuracy = correct / double(train.size());
    s.val_loss = s.val_accuracy = std::numeric_limits<double>::quiet_NaN();
    if (validation) std::tie(s.val_loss, s.val_accuracy) = evaluate(net, *validation);
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - e0).count();
    result.history.push_back(s);
    if (on_epoch) on_epoch(s);
    if (spec.patience > 0 && validation) {
      if (s.val_loss < best) {
        best = s.val_loss, wait = 0;
        if (spec.restore_best_weights) best_state = snapshot(net);
      } else if (++wait >= spec.patience) {
        result.early_stopped = true;
        if (spec.restore_best_weights && !best_state.empty()) restore(net, best_state);
        break;
      }
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

void save_net(SubjectNet& net, const std::filesystem::path& path) {
  torch::serialize::OutputArchive archive;
  net.save(archive);
  std::filesystem::create_directories(path.parent_path());
  io::AtomicFile file(path, true);
  archive.save_to(file.stream());
  file.stream().flush();
  PMT_THROW_IF(!file.stream(), kData, "{}: write failed", path.string());
  file.commit();
}

void load_net(SubjectNet& net, const std::filesystem::path& path) {
  PMT_THROW_IF(!std::filesystem::exists(path), kData, "{}: no such file", path.string());
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    net.load(archive);
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    PMT_THROW(kData, "{}: corrupt or incompatible model file ({})", path.string(),
              what.substr(0, what.find('\n')));
  }
}

}  // namespace pmt::train
