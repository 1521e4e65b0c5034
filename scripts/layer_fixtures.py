#!/usr/bin/python3
"""Reference forwards and gradients of pmt's layers (tests/data/layers/window.json, bn.json,
recurrent.json, vocabulary.json).

Run with Debian's python3-torch (1.13): /usr/bin/python3 scripts/layer_fixtures.py. The Keras
(TF 2.3) conventions are spelled out here, independently of pmt's code:
  - "valid": no padding; out = floor((in - span) / stride) + 1, span = (k - 1) * dilation + 1.
  - "same": out = ceil(in / stride); total = max((out - 1) * stride + span - in, 0) zeros, of
    which floor(total / 2) before (top/left) and the rest after (bottom/right), as TF's
    GetWindowedOutputSize / conv_ops padding computes them.
  - MaxPooling2D "same": the padded positions never win (padded with -inf).
  - AveragePooling2D "same": each window's mean over the positions inside the input only
    (TF's avg_pool does not count the padding).
  - explicit [ph, pw] padding: PyTorch's Conv2d / pools (zeros; average pooling counts them).
  - GlobalAveragePooling2D / GlobalMaxPooling2D: mean / max over height and width.
  - Conv1D and the 1-D pools act on Keras' (N, steps, channels), as pmt's sequences are laid
    out (PyTorch's conv1d on the transpose); GlobalAveragePooling1D / GlobalMaxPooling1D over
    the steps.
Batch normalisation (bn.json), Keras' BatchNormalization (TF 2.3 normalization.py): training
normalises with the batch's mean and biased variance (over all axes but the channels: dimension 1
of (N, C, H, W) or (N, F), the last of a sequence's (N, steps, C)) and moves
moving = momentum * moving + (1 - momentum) * statistic, the variance biased (Keras removes the
fused kernel's Bessel correction: _maybe_add_or_remove_bessels_correction); evaluation uses the
moving statistics; out = gamma * normalised + beta. The "pytorch" convention is checked against
torch.nn.BatchNorm1d/2d itself (running variance unbiased, momentum the batch's weight).
Recurrent layers (recurrent.json), Keras 2.4's LSTM and GRU over (N, steps, features), zero
initial states, weights in Keras' layout: kernel (features, gates x units), recurrent_kernel
(units, gates x units), bias; gate order LSTM i, f, c, o and GRU z, r, h:
  LSTM: z = x W + h U + b; c = sig(f) c + sig(i) act(c~); h = sig(o) act(c).
  GRU reset_after (TF 2's default; bias (2, 3 units): input, recurrent):
    h~ = act(x W_h + b_h + sig(r) (h U_h + b'_h)); h = z h + (1 - z) h~;
  GRU reset_after=False: h~ = act(x W_h + b_h + (r h) U_h).
The default activations (tanh, sigmoid) are also checked against torch.nn.LSTM / torch.nn.GRU
with the weights reordered (PyTorch: weight_ih = W^T; GRU gates r, z, n).
Tensors are channels-first (pmt's layout): Keras' channels-last results are these transposed.
Each case: a random input (N, C, H, W), the layer's weights (PyTorch layout OIHW), the output,
and the gradients of sum(output * cotangent) with respect to the input, weight and bias.
"""
import json
import math
import os

import torch
import torch.nn.functional as F


def same_pads(size, k, stride, dilation):
    span = (k - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def pads(layer, h, w):
    k = layer.get("kernel_size", layer.get("pool_size"))
    conv = layer["type"] == "conv2d"
    s = layer.get("strides", 1 if conv else k)
    d = layer.get("dilation_rate", 1)
    k, s, d = [v if isinstance(v, list) else [v, v] for v in (k, s, d)]
    p = layer.get("padding", "valid")
    if p == "valid":
        return k, s, d, (0, 0, 0, 0)
    if p == "same":
        top, bottom = same_pads(h, k[0], s[0], d[0])
        left, right = same_pads(w, k[1], s[1], d[1])
        return k, s, d, (left, right, top, bottom)
    return k, s, d, (p[1], p[1], p[0], p[0])


def forward_1d(layer, x, weight, bias):
    """conv1d and the 1-D pools on Keras' (N, steps, channels), through PyTorch's (N, C, L)."""
    t = layer["type"]
    if t == "global_average_pool1d":
        return x.mean(1)
    if t == "global_max_pool1d":
        return x.amax(1)
    conv = t == "conv1d"
    k = layer.get("kernel_size", layer.get("pool_size", 2))
    s = layer.get("strides", 1 if conv else k)
    d = layer.get("dilation_rate", 1)
    padding = layer.get("padding", "valid")
    xt = x.transpose(1, 2)
    length = xt.shape[2]
    p = (0, 0) if padding == "valid" else same_pads(length, k, s, d) if padding == "same" else (
        padding[0], padding[0])
    if conv:
        y = F.conv1d(F.pad(xt, p), weight, bias, stride=s, dilation=d)
    elif t == "max_pool1d":
        y = F.max_pool1d(F.pad(xt, p, value=-math.inf), k, s)
    else:
        y = F.avg_pool1d(F.pad(xt, p), k, s)
        if padding == "same":
            y = y / F.avg_pool1d(F.pad(torch.ones(1, 1, length, dtype=x.dtype), p), k, s)
    return y.transpose(1, 2)


def forward(layer, x, weight, bias):
    t = layer["type"]
    if t.endswith("1d"):
        return forward_1d(layer, x, weight, bias)
    if t == "global_average_pool2d":
        return x.mean((2, 3))
    if t == "global_max_pool2d":
        return x.amax((2, 3))
    k, s, d, p = pads(layer, x.shape[2], x.shape[3])
    if t == "conv2d":
        return F.conv2d(F.pad(x, p), weight, bias, stride=s, dilation=d)
    if t == "max_pool2d":
        return F.max_pool2d(F.pad(x, p, value=-math.inf), k, s)
    total = F.avg_pool2d(F.pad(x, p), k, s)
    if layer.get("padding") == "same":
        ones = torch.ones(1, 1, x.shape[2], x.shape[3], dtype=x.dtype)
        total = total / F.avg_pool2d(F.pad(ones, p), k, s)
    return total


CASES = [
    ("conv2d stride 2 same, odd total (extra row/column after)",
     {"type": "conv2d", "filters": 3, "kernel_size": [3, 3], "strides": [2, 2], "padding": "same"},
     [2, 6, 6]),
    ("conv2d stride 1 same, kernel 4 (total 3: 1 before, 2 after)",
     {"type": "conv2d", "filters": 2, "kernel_size": [4, 4], "padding": "same"}, [2, 5, 5]),
    ("conv2d strides (2, 3) valid, no bias",
     {"type": "conv2d", "filters": 2, "kernel_size": [3, 2], "strides": [2, 3], "use_bias": False},
     [3, 7, 8]),
    ("conv2d dilation 2 same",
     {"type": "conv2d", "filters": 2, "kernel_size": [3, 3], "dilation_rate": 2,
      "padding": "same"}, [1, 7, 6]),
    ("conv2d explicit padding [1, 2]",
     {"type": "conv2d", "filters": 2, "kernel_size": [3, 3], "padding": [1, 2]}, [2, 5, 4]),
    ("max_pool2d 3x3 stride 2 same",
     {"type": "max_pool2d", "pool_size": [3, 3], "strides": [2, 2], "padding": "same"},
     [2, 6, 7]),
    ("max_pool2d 2x2 stride 1 valid",
     {"type": "max_pool2d", "pool_size": [2, 2], "strides": 1}, [2, 5, 5]),
    ("average_pool2d 2x2 valid (stride = pool size)",
     {"type": "average_pool2d", "pool_size": [2, 2]}, [2, 5, 6]),
    ("average_pool2d 3x3 stride 2 same (padding not counted)",
     {"type": "average_pool2d", "pool_size": [3, 3], "strides": [2, 2], "padding": "same"},
     [2, 6, 7]),
    ("average_pool2d 3x3 explicit padding [1, 1] (zeros counted)",
     {"type": "average_pool2d", "pool_size": [3, 3], "strides": [1, 1], "padding": [1, 1]},
     [1, 4, 5]),
    ("global_average_pool2d", {"type": "global_average_pool2d"}, [3, 4, 5]),
    ("global_max_pool2d", {"type": "global_max_pool2d"}, [3, 4, 5]),
    ("conv1d stride 2 same on [steps, channels] (the extra step after)",
     {"type": "conv1d", "filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"},
     [6, 2]),
    ("conv1d dilation 2 valid, no bias",
     {"type": "conv1d", "filters": 2, "kernel_size": 3, "dilation_rate": 2, "use_bias": False},
     [7, 3]),
    ("conv1d explicit padding [2]",
     {"type": "conv1d", "filters": 2, "kernel_size": 4, "padding": [2]}, [5, 2]),
    ("max_pool1d 3 stride 2 same", {"type": "max_pool1d", "pool_size": 3, "strides": 2,
                                    "padding": "same"}, [7, 2]),
    ("average_pool1d 3 stride 2 same (padding not counted)",
     {"type": "average_pool1d", "pool_size": 3, "strides": 2, "padding": "same"}, [6, 2]),
    ("average_pool1d 2 valid", {"type": "average_pool1d"}, [5, 3]),
    ("global_average_pool1d", {"type": "global_average_pool1d"}, [4, 3]),
    ("global_max_pool1d", {"type": "global_max_pool1d"}, [4, 3]),
]


def flat(t):
    return [float("%.9g" % v) for v in t.detach().double().flatten()]


def main():
    torch.manual_seed(20261203)
    out = []
    for name, layer, shape in CASES:
        x = torch.randn(2, *shape, dtype=torch.float64, requires_grad=True)
        weight = bias = None
        if layer["type"] in ("conv2d", "conv1d"):
            k = layer["kernel_size"]
            size = [k] if layer["type"] == "conv1d" else k
            channels = shape[1] if layer["type"] == "conv1d" else shape[0]
            weight = torch.randn(layer["filters"], channels, *size, dtype=torch.float64,
                                 requires_grad=True)
            if layer.get("use_bias", True):
                bias = torch.randn(layer["filters"], dtype=torch.float64, requires_grad=True)
        y = forward(layer, x, weight, bias)
        cot = torch.randn_like(y)
        (y * cot).sum().backward()
        case = {"name": name, "layer": layer, "input_shape": shape, "x": flat(x),
                "output_shape": list(y.shape[1:]), "y": flat(y), "cotangent": flat(cot),
                "grad_x": flat(x.grad)}
        if weight is not None:
            case["weight"] = flat(weight)
            case["grad_weight"] = flat(weight.grad)
        if bias is not None:
            case["bias"] = flat(bias)
            case["grad_bias"] = flat(bias.grad)
        out.append(case)
    write("window.json", out)
    write("bn.json", batch_norm_cases())
    write("recurrent.json", recurrent_cases())
    write("vocabulary.json", vocabulary_cases())


def write(name, cases):
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "layers", name)
    with open(path, "w") as f:
        json.dump({"generator": "scripts/layer_fixtures.py (python3-torch %s, float64)"
                   % torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


BN_CASES = [
    ("keras, a convolution's channels", {"type": "batch_normalization"}, [3, 3, 4], 4),
    ("keras, dense features", {"type": "batch_normalization"}, [5], 6),
    ("keras, no center or scale, momentum 0.9, epsilon 0.01",
     {"type": "batch_normalization", "center": False, "scale": False, "momentum": 0.9,
      "epsilon": 0.01}, [4], 5),
    ("keras, a sequence's channels (the last axis of [steps, channels])",
     {"type": "batch_normalization"}, [4, 3], 3),
    ("pytorch, a convolution's channels (torch.nn.BatchNorm2d)",
     {"type": "batch_normalization", "convention": "pytorch"}, [2, 3, 3], 3),
    ("pytorch, dense features (torch.nn.BatchNorm1d)",
     {"type": "batch_normalization", "convention": "pytorch", "momentum": 0.3}, [4], 6),
]


def batch_norm_cases():
    out = []
    for name, layer, shape, n in BN_CASES:
        axis = 2 if len(shape) == 2 else 1  # [steps, channels]: Keras' channels-last
        c = shape[axis - 1]
        x = torch.randn(n, *shape, dtype=torch.float64) * 2 + 0.5
        x.requires_grad_(True)
        gamma = (torch.rand(c, dtype=torch.float64) + 0.5).requires_grad_(True)
        beta = torch.randn(c, dtype=torch.float64).requires_grad_(True)
        moving_mean = torch.randn(c, dtype=torch.float64)
        moving_var = torch.rand(c, dtype=torch.float64) + 0.5
        center, scale = layer.get("center", True), layer.get("scale", True)
        dims = [d for d in range(x.dim()) if d != axis]
        view = [c if d == axis else 1 for d in range(x.dim())]
        if layer.get("convention") == "pytorch":
            bn = (torch.nn.BatchNorm2d if x.dim() == 4 else torch.nn.BatchNorm1d)(
                c, momentum=layer.get("momentum", 0.1), eps=1e-5).double()
            with torch.no_grad():
                bn.weight.copy_(gamma)
                bn.bias.copy_(beta)
                bn.running_mean.copy_(moving_mean)
                bn.running_var.copy_(moving_var)
            bn.train()
            y = bn(x)
            cot = torch.randn_like(y)
            (y * cot).sum().backward()
            grad_gamma, grad_beta = bn.weight.grad, bn.bias.grad
            mean_after, var_after = bn.running_mean.clone(), bn.running_var.clone()
            bn.eval()
            y_eval = bn(x)
        else:
            m, eps = layer.get("momentum", 0.99), layer.get("epsilon", 1e-3)
            mean = x.mean(dims, keepdim=True)
            var = ((x - mean) ** 2).mean(dims, keepdim=True)  # biased
            y = (x - mean) / torch.sqrt(var + eps)
            if scale:
                y = y * gamma.view(view)
            if center:
                y = y + beta.view(view)
            cot = torch.randn_like(y)
            (y * cot).sum().backward()
            grad_gamma, grad_beta = gamma.grad, beta.grad
            with torch.no_grad():
                mean_after = m * moving_mean + (1 - m) * mean.flatten()
                var_after = m * moving_var + (1 - m) * var.flatten()
                y_eval = (x - mean_after.view(view)) / torch.sqrt(var_after.view(view) + eps)
                if scale:
                    y_eval = y_eval * gamma.view(view)
                if center:
                    y_eval = y_eval + beta.view(view)
        case = {"name": name, "layer": layer, "input_shape": shape, "batch": n, "x": flat(x),
                "moving_mean": flat(moving_mean), "moving_var": flat(moving_var),
                "y_train": flat(y), "cotangent": flat(cot), "grad_x": flat(x.grad),
                "moving_mean_after": flat(mean_after), "moving_var_after": flat(var_after),
                "y_eval": flat(y_eval)}
        if scale:
            case["gamma"], case["grad_gamma"] = flat(gamma), flat(grad_gamma)
        if center:
            case["beta"], case["grad_beta"] = flat(beta), flat(grad_beta)
        out.append(case)
    return out



def activation(name):
    return {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu,
            "hard_sigmoid": lambda t: torch.clamp(0.2 * t + 0.5, 0, 1)}[name]


def keras_recurrent(layer, x, kernel, rec, bias):
    act = activation(layer.get("activation", "tanh"))
    gate = activation(layer.get("recurrent_activation", "sigmoid"))
    u = layer["units"]
    lstm = layer["type"] == "lstm"
    after = layer["type"] == "gru" and layer.get("reset_after", True)
    h = torch.zeros(x.shape[0], u, dtype=x.dtype)
    c = torch.zeros_like(h)
    outs = []
    for t in range(x.shape[1]):
        xt = x[:, t] @ kernel
        if bias is not None:
            xt = xt + (bias[0] if after else bias)
        if layer["type"] == "simple_rnn":  # SimpleRNN: h = act(x W + b + h U)
            h = act(xt + h @ rec)
        elif lstm:
            z = xt + h @ rec
            i, f, g, o = z[:, :u], z[:, u:2 * u], z[:, 2 * u:3 * u], z[:, 3 * u:]
            c = gate(f) * c + gate(i) * act(g)
            h = gate(o) * act(c)
        else:
            xz, xr, xh = xt[:, :u], xt[:, u:2 * u], xt[:, 2 * u:]
            if after:
                inner = h @ rec
                if bias is not None:
                    inner = inner + bias[1]
                z, r = gate(xz + inner[:, :u]), gate(xr + inner[:, u:2 * u])
                hh = act(xh + r * inner[:, 2 * u:])
            else:
                inner = h @ rec[:, :2 * u]
                z, r = gate(xz + inner[:, :u]), gate(xr + inner[:, u:])
                hh = act(xh + (r * h) @ rec[:, 2 * u:])
            h = z * h + (1 - z) * hh
        outs.append(h)
    return torch.stack(outs, 1) if layer.get("return_sequences", False) else h


def torch_reference(layer, x, kernel, rec, bias):
    """The same layer through torch.nn.LSTM / GRU (default activations only)."""
    u = layer["units"]
    lstm = layer["type"] == "lstm"
    net = (torch.nn.LSTM if lstm else torch.nn.GRU)(x.shape[2], u, batch_first=True,
                                                    bias=bias is not None).double()
    order = (lambda w: w) if lstm else (lambda w: torch.cat([w[u:2 * u], w[:u], w[2 * u:]]))
    with torch.no_grad():
        net.weight_ih_l0.copy_(order(kernel.t()))
        net.weight_hh_l0.copy_(order(rec.t()))
        if bias is not None:
            net.bias_ih_l0.copy_(order(bias[0] if not lstm else bias))
            net.bias_hh_l0.copy_(order(bias[1]) if not lstm else torch.zeros(4 * u))
    y, _ = net(x)
    return y if layer.get("return_sequences", False) else y[:, -1]


RECURRENT_CASES = [
    ("lstm, the last output", {"type": "lstm", "units": 4}, [5, 3], 3),
    ("lstm, every step, no bias", {"type": "lstm", "units": 3, "use_bias": False,
                                   "return_sequences": True}, [4, 2], 2),
    ("lstm, Keras 2.2's hard_sigmoid gates and relu",
     {"type": "lstm", "units": 3, "recurrent_activation": "hard_sigmoid", "activation": "relu"},
     [4, 3], 2),
    ("gru, reset_after (TF 2), every step", {"type": "gru", "units": 4, "return_sequences": True},
     [5, 3], 3),
    ("gru, reset_after false", {"type": "gru", "units": 3, "reset_after": False}, [4, 2], 2),
]


def recurrent_cases():
    out = []
    for name, layer, shape, n in RECURRENT_CASES:
        u = layer["units"]
        gates = 4 if layer["type"] == "lstm" else 3
        x = torch.randn(n, *shape, dtype=torch.float64, requires_grad=True)
        kernel = (torch.randn(shape[1], gates * u, dtype=torch.float64) * 0.5).requires_grad_()
        rec = (torch.randn(u, gates * u, dtype=torch.float64) * 0.5).requires_grad_()
        bias = None
        if layer.get("use_bias", True):
            two = layer["type"] == "gru" and layer.get("reset_after", True)
            bias = (torch.randn(*([2] if two else []), gates * u, dtype=torch.float64) * 0.5)
            bias.requires_grad_()
        y = keras_recurrent(layer, x, kernel, rec, bias)
        plain = (layer.get("activation", "tanh") == "tanh"
                 and layer.get("recurrent_activation", "sigmoid") == "sigmoid"
                 and (layer["type"] == "lstm" or layer.get("reset_after", True)))
        if plain:
            assert torch.allclose(y, torch_reference(layer, x, kernel, rec, bias), atol=1e-12)
        cot = torch.randn_like(y)
        (y * cot).sum().backward()
        case = {"name": name, "layer": layer, "input_shape": shape, "batch": n, "x": flat(x),
                "kernel": flat(kernel), "recurrent_kernel": flat(rec),
                "output_shape": list(y.shape[1:]), "y": flat(y), "cotangent": flat(cot),
                "grad_x": flat(x.grad), "grad_kernel": flat(kernel.grad),
                "grad_recurrent_kernel": flat(rec.grad), "checked_with_torch_nn": plain}
        if bias is not None:
            case["bias"], case["grad_bias"] = flat(bias), flat(bias.grad)
        out.append(case)
    return out


# vocabulary.json: the other layers, each computed in Keras' channels-last layout (N, H, W, C) or
# (N, steps, C) from Keras' kernel layouts, then moved to pmt's layout (images (N, C, H, W)):
#   - activation layers: relu6 = min(max(x, 0), 6); leaky_relu = x if x > 0 else alpha x;
#     gelu (Keras' approximate=False) = x (1 + erf(x / sqrt 2)) / 2; swish = x sigmoid(x).
#   - LayerNormalization(axis=-1): each position over its channels, biased variance,
#     (x - mean) / sqrt(var + epsilon) gamma + beta.
#   - Conv2D / Conv1D groups: the channels cut into `groups` contiguous blocks, block g of the
#     input convolved with the kernel's block g of filters (one convolution per group).
#   - DepthwiseConv2D: kernel (kh, kw, in, multiplier); output channel c * multiplier + m is
#     input channel c convolved with kernel[:, :, c, m] (one single-channel convolution each).
#   - SeparableConv2D: that depthwise step (no bias), then the pointwise kernel
#     (1, 1, in * multiplier, filters) and the bias.
#   - Conv2DTranspose: TF's conv2d_transpose, i.e. the gradient with respect to its input z of
#     the convolution z -> conv2d(z, kernel) (kernel (kh, kw, filters, in), TF's padding of z),
#     z of Keras' output size (deconv_output_length), at the layer's input; then the bias.
#   - ZeroPadding1D / Cropping1D: steps added / removed before and after.
#   - Dense on a sequence: x @ kernel + bias on each step (Keras' Dense on a rank-3 input, what
#     TimeDistributed(Dense) computes).
#   - Reshape / Permute: numpy's reshape / transpose of the channels-last sample.
#   - SimpleRNN: h = act(x W + b + h U) from a zero state (checked with torch.nn.RNN too);
#     Bidirectional(layer, merge_mode): a second layer with its own weights on the reversed
#     steps, its sequence output reversed back (Keras' Bidirectional.call), merged by concat
#     (forward, backward), sum, mul or ave.
# pmt's parameters are stored in its layout: weight (out, in / groups, kh, kw); depthwise
# (in * multiplier, 1, kh, kw); conv2d_transpose weight (in, filters, kh, kw).

def to_keras(t):
    return t.permute(0, 2, 3, 1) if t.dim() == 4 else t


def from_keras(t):
    return t.permute(0, 3, 1, 2) if t.dim() == 4 else t


def conv_keras(x, kernel, strides, dilation, padding):
    """Keras' Conv2D of channels-last x with an HWIO kernel, one group, no bias, via explicit
    TF padding and PyTorch's correlation on the transposes."""
    xt = x.permute(0, 3, 1, 2)
    w = kernel.permute(3, 2, 0, 1)  # OIHW
    pad = (0, 0, 0, 0)
    if padding == "same":
        top, bottom = same_pads(xt.shape[2], kernel.shape[0], strides[0], dilation[0])
        left, right = same_pads(xt.shape[3], kernel.shape[1], strides[1], dilation[1])
        pad = (left, right, top, bottom)
    return F.conv2d(F.pad(xt, pad), w, None, stride=strides, dilation=dilation).permute(0, 2, 3, 1)


def vocabulary_forward(layer, x, p):
    """x in pmt's layout; p: Keras-layout weights. Returns pmt's layout."""
    t = layer["type"]
    k = to_keras(x)
    if t == "activation":
        a = layer["activation"]
        if a == "relu6":
            y = torch.clamp(k, 0, 6)
        elif a == "leaky_relu":
            y = torch.where(k > 0, k, layer.get("alpha", 0.2) * k)
        elif a == "gelu":
            y = k * (1 + torch.erf(k / math.sqrt(2))) / 2
        else:
            y = k * torch.sigmoid(k)
    elif t == "layer_normalization":
        mean = k.mean(-1, keepdim=True)
        var = ((k - mean) ** 2).mean(-1, keepdim=True)
        y = (k - mean) / torch.sqrt(var + layer.get("epsilon", 1e-3))
        if "gamma" in p:
            y = y * p["gamma"]
        if "beta" in p:
            y = y + p["beta"]
    elif t in ("conv2d", "conv1d"):
        one = t == "conv1d"
        kk = p["kernel"]  # (kh, kw, in / groups, filters); conv1d (k, in / groups, filters)
        if one:
            k, kk = k.unsqueeze(1), kk.unsqueeze(0)  # (N, 1, steps, C), (1, k, in, filters)
        g = layer.get("groups", 1)
        cin, f = k.shape[-1] // g, kk.shape[-1] // g
        size = layer.get("kernel_size")
        s = layer.get("strides", 1)
        s = [1, s] if one else (s if isinstance(s, list) else [s, s])
        parts = [conv_keras(k[..., i * cin:(i + 1) * cin], kk[..., i * f:(i + 1) * f], s, [1, 1],
                            layer.get("padding", "valid")) for i in range(g)]
        y = torch.cat(parts, -1)
        if "bias" in p:
            y = y + p["bias"]
        if one:
            y = y.squeeze(1)
    elif t == "dense":  # Keras' Dense: the kernel (in, units) on the last axis
        y = k @ p["kernel"] + p["bias"]
    elif t in ("depthwise_conv2d", "separable_conv2d"):
        dk = p["depthwise_kernel"]  # (kh, kw, in, multiplier)
        s = layer.get("strides", 1)
        s = s if isinstance(s, list) else [s, s]
        d = layer.get("dilation_rate", 1)
        d = d if isinstance(d, list) else [d, d]
        parts = []
        for c in range(k.shape[-1]):
            for m in range(dk.shape[3]):
                parts.append(conv_keras(k[..., c:c + 1], dk[:, :, c:c + 1, m:m + 1], s, d,
                                        layer.get("padding", "valid")))
        y = torch.cat(parts, -1)
        if t == "separable_conv2d":
            y = torch.einsum("nhwc,cf->nhwf", y, p["pointwise_kernel"][0, 0])
        if "bias" in p:
            y = y + p["bias"]
    elif t == "conv2d_transpose":
        kernel = p["kernel"]  # (kh, kw, filters, in)
        s = layer.get("strides", 1)
        s = s if isinstance(s, list) else [s, s]
        padding = layer.get("padding", "valid")
        size = []
        op = layer.get("output_padding")
        op = op if op is None or isinstance(op, list) else [op, op]
        for a in range(2):
            kk = kernel.shape[a]
            if op is not None:  # Keras' deconv_output_length with output_padding
                pad = kk // 2 if padding == "same" else 0
                size.append((k.shape[1 + a] - 1) * s[a] + kk - 2 * pad + op[a])
                continue
            n = k.shape[1 + a] * s[a]
            size.append(n if padding == "same" else n + max(kk - s[a], 0))
        z = torch.zeros(k.shape[0], size[0], size[1], kernel.shape[2], dtype=k.dtype,
                        requires_grad=True)
        f = conv_keras(z, kernel, s, [1, 1], padding)
        assert f.shape == k.shape, (f.shape, k.shape)
        y, = torch.autograd.grad(f, z, grad_outputs=k, create_graph=True)
        if "bias" in p:
            y = y + p["bias"]
    elif t in ("lstm", "gru", "simple_rnn"):
        # Keras' layer, or Bidirectional(layer, merge_mode): a backward copy with its own weights
        # reads the steps reversed; with return_sequences its output is reversed back
        y = keras_recurrent(layer, k, p["kernel"], p["recurrent_kernel"], p.get("bias"))
        mode = layer.get("bidirectional")
        if mode:
            b = keras_recurrent(layer, k.flip(1), p["backward_kernel"],
                                p["backward_recurrent_kernel"], p.get("backward_bias"))
            if layer.get("return_sequences", False):
                b = b.flip(1)
            y = {"concat": lambda: torch.cat([y, b], -1), "sum": lambda: y + b,
                 "mul": lambda: y * b, "ave": lambda: (y + b) / 2}[mode]()
        if layer["type"] == "simple_rnn" and not mode and layer.get("activation", "tanh") == "tanh":
            net = torch.nn.RNN(k.shape[2], layer["units"], batch_first=True,
                               bias="bias" in p).double()
            with torch.no_grad():
                net.weight_ih_l0.copy_(p["kernel"].t())
                net.weight_hh_l0.copy_(p["recurrent_kernel"].t())
                if "bias" in p:
                    net.bias_ih_l0.copy_(p["bias"])
                    net.bias_hh_l0.zero_()
            ref, _ = net(k)
            ref = ref if layer.get("return_sequences", False) else ref[:, -1]
            assert torch.allclose(y, ref, atol=1e-12)
    elif t in ("resizing", "up_sampling2d"):
        # TF 2's tf.image.resize (Keras' Resizing; UpSampling2D's bilinear), antialias off, on
        # (N, H, W, C) with half-pixel centres, written out from TF's kernels:
        #   bilinear (resize_bilinear_op.cc, compute_interpolation_weights): in = (o + 0.5) *
        #     in_size / out_size - 0.5, lower = max(floor(in), 0), upper = min(ceil(in), n - 1),
        #     lerp = in - floor(in)
        #   nearest (resize_nearest_neighbor_op.cc, HalfPixelScalerForNN): in = min(floor((o +
        #     0.5) * in_size / out_size), n - 1)
        # UpSampling2D's nearest repeats each row and column.
        if t == "resizing":
            size = [layer["height"], layer["width"]]
        else:
            f = layer.get("size", 2)
            f = f if isinstance(f, list) else [f, f]
            size = [k.shape[1] * f[0], k.shape[2] * f[1]]
        how = layer.get("interpolation", "bilinear" if t == "resizing" else "nearest")
        y = k
        for axis in (1, 2):
            n, m = y.shape[axis], size[axis - 1]
            scale = n / m
            if how == "nearest":
                idx = [min(math.floor((o + 0.5) * scale), n - 1) for o in range(m)]
                if t == "up_sampling2d":
                    idx = [o // (m // n) for o in range(m)]
                y = y.index_select(axis, torch.tensor(idx))
            else:
                rows = []
                for o in range(m):
                    src = (o + 0.5) * scale - 0.5
                    lo, hi = max(math.floor(src), 0), min(math.ceil(src), n - 1)
                    lerp = src - math.floor(src)
                    a, b = y.select(axis, lo), y.select(axis, hi)
                    rows.append(a + (b - a) * lerp)
                y = torch.stack(rows, axis)
        if how == "bilinear":  # LibTorch's align_corners=False is the same interpolation
            ref = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
            assert torch.allclose(from_keras(y), ref, atol=1e-12)
    elif t in ("zero_padding1d", "cropping1d"):
        m = layer.get("padding" if t == "zero_padding1d" else "cropping")
        m = m if isinstance(m, list) else [m, m]
        if t == "zero_padding1d":
            y = F.pad(k, (0, 0, m[0], m[1]))
        else:
            y = k[:, m[0]:k.shape[1] - m[1]]
    elif t == "reshape":
        y = k.reshape(k.shape[0], *layer["target_shape"])
    elif t == "permute":
        y = k.permute(0, *layer["dims"])
    return from_keras(y)


def pmt_params(layer, p):
    """Keras-layout weights in pmt's layout, by pmt's parameter names."""
    t = layer["type"]
    out = {}
    if t == "layer_normalization":
        if "gamma" in p:
            out["weight"] = p["gamma"]
        if "beta" in p:
            out["bias"] = p["beta"]
        return out
    if t == "dense":
        out["weight"] = p["kernel"].t()
    elif t in ("conv2d", "conv1d"):
        kk = p["kernel"]
        out["weight"] = kk.permute(3, 2, 0, 1) if t == "conv2d" else kk.permute(2, 1, 0)
    elif t == "depthwise_conv2d":
        dk = p["depthwise_kernel"]
        out["weight"] = dk.permute(2, 3, 0, 1).reshape(-1, 1, dk.shape[0], dk.shape[1])
    elif t == "separable_conv2d":
        dk = p["depthwise_kernel"]
        out["depthwise_kernel"] = dk.permute(2, 3, 0, 1).reshape(-1, 1, dk.shape[0], dk.shape[1])
        out["pointwise_kernel"] = p["pointwise_kernel"].permute(3, 2, 0, 1)
    elif t == "conv2d_transpose":
        out["weight"] = p["kernel"].permute(3, 2, 0, 1)  # (in, filters, kh, kw)
    elif t in ("lstm", "gru", "simple_rnn"):
        return dict(p)  # pmt keeps Keras' layout and names (backward_* for Bidirectional)
    if "bias" in p:
        out["bias"] = p["bias"]
    return out


VOCABULARY_CASES = [
    ("relu6", {"type": "activation", "activation": "relu6"}, [2, 3, 3], {}),
    ("leaky_relu alpha 0.3 (Keras 2's LeakyReLU)",
     {"type": "activation", "activation": "leaky_relu", "alpha": 0.3}, [5], {}),
    ("gelu (exact)", {"type": "activation", "activation": "gelu"}, [4, 2], {}),
    ("swish", {"type": "activation", "activation": "swish"}, [6], {}),
    ("layer_normalization over an image's channels", {"type": "layer_normalization"}, [3, 2, 2],
     {"gamma": [3], "beta": [3]}),
    ("layer_normalization over a sequence's channels, no center",
     {"type": "layer_normalization", "center": False, "epsilon": 0.01}, [3, 4], {"gamma": [4]}),
    ("conv2d groups 2 same", {"type": "conv2d", "filters": 4, "kernel_size": [3, 3], "groups": 2,
                              "padding": "same"}, [4, 4, 5], {"kernel": [3, 3, 2, 4],
                                                               "bias": [4]}),
    ("conv1d groups 3", {"type": "conv1d", "filters": 3, "kernel_size": 2, "groups": 3},
     [5, 3], {"kernel": [2, 1, 3], "bias": [3]}),
    ("depthwise_conv2d multiplier 2, stride 2 same",
     {"type": "depthwise_conv2d", "kernel_size": [3, 3], "depth_multiplier": 2, "strides": 2,
      "padding": "same"}, [2, 5, 6], {"depthwise_kernel": [3, 3, 2, 2], "bias": [4]}),
    ("depthwise_conv2d dilation 2, no bias",
     {"type": "depthwise_conv2d", "kernel_size": [2, 2], "dilation_rate": 2, "use_bias": False},
     [3, 5, 5], {"depthwise_kernel": [2, 2, 3, 1]}),
    ("separable_conv2d valid", {"type": "separable_conv2d", "filters": 3, "kernel_size": [3, 3]},
     [2, 5, 5], {"depthwise_kernel": [3, 3, 2, 1], "pointwise_kernel": [1, 1, 2, 3],
                 "bias": [3]}),
    ("separable_conv2d multiplier 2 same stride 2",
     {"type": "separable_conv2d", "filters": 2, "kernel_size": [3, 3], "depth_multiplier": 2,
      "strides": 2, "padding": "same"}, [2, 5, 4],
     {"depthwise_kernel": [3, 3, 2, 2], "pointwise_kernel": [1, 1, 4, 2], "bias": [2]}),
    ("conv2d_transpose stride 2 same (kernel 3: crop 1 before, 0 after)",
     {"type": "conv2d_transpose", "filters": 2, "kernel_size": [3, 3], "strides": 2,
      "padding": "same"}, [3, 3, 4], {"kernel": [3, 3, 2, 3], "bias": [2]}),
    ("conv2d_transpose stride 2 valid", {"type": "conv2d_transpose", "filters": 3,
                                         "kernel_size": [3, 2], "strides": 2},
     [2, 3, 3], {"kernel": [3, 2, 3, 2], "bias": [3]}),
    ("conv2d_transpose stride 3 valid, kernel 2 (zeros after), no bias",
     {"type": "conv2d_transpose", "filters": 2, "kernel_size": [2, 2], "strides": 3,
      "use_bias": False}, [2, 2, 3], {"kernel": [2, 2, 2, 2]}),
    ("conv2d_transpose stride 1 same kernel 4",
     {"type": "conv2d_transpose", "filters": 2, "kernel_size": [4, 4], "padding": "same"},
     [1, 4, 3], {"kernel": [4, 4, 2, 1], "bias": [2]}),
    ("conv2d_transpose stride 2 valid, output_padding 1 (zeros after)",
     {"type": "conv2d_transpose", "filters": 2, "kernel_size": [3, 3], "strides": 2,
      "output_padding": 1}, [2, 3, 2], {"kernel": [3, 3, 2, 2], "bias": [2]}),
    ("conv2d_transpose stride [2, 3] same, output_padding [1, 2], no bias",
     {"type": "conv2d_transpose", "filters": 1, "kernel_size": [3, 3], "strides": [2, 3],
      "padding": "same", "output_padding": [1, 2], "use_bias": False}, [2, 3, 2],
     {"kernel": [3, 3, 1, 2]}),
    ("resizing bilinear up (3x4 to 5x7)",
     {"type": "resizing", "height": 5, "width": 7}, [2, 3, 4], {}),
    ("resizing bilinear down (6x5 to 4x3)",
     {"type": "resizing", "height": 4, "width": 3}, [1, 6, 5], {}),
    ("resizing nearest up and down (3x6 to 5x4)",
     {"type": "resizing", "height": 5, "width": 4, "interpolation": "nearest"}, [2, 3, 6], {}),
    ("up_sampling2d bilinear [2, 3]",
     {"type": "up_sampling2d", "size": [2, 3], "interpolation": "bilinear"}, [2, 3, 2], {}),
    ("zero_padding1d [1, 2]", {"type": "zero_padding1d", "padding": [1, 2]}, [3, 2], {}),
    ("cropping1d 1", {"type": "cropping1d", "cropping": 1}, [5, 2], {}),
    ("reshape an image (Keras (3, 4, 2)) to (12, 2)",
     {"type": "reshape", "target_shape": [12, 2]}, [2, 3, 4], {}),
    ("reshape features to an image (Keras (2, 3, 2))",
     {"type": "reshape", "target_shape": [2, -1, 2]}, [12], {}),
    ("permute an image's axes (Keras dims (3, 1, 2))",
     {"type": "permute", "dims": [3, 1, 2]}, [2, 3, 4], {}),
    ("permute a sequence (dims (2, 1))", {"type": "permute", "dims": [2, 1]}, [3, 4], {}),
    ("dense on a sequence (Keras' Dense on [steps, features]: TimeDistributed(Dense))",
     {"type": "dense", "units": 3}, [4, 2], {"kernel": [2, 3], "bias": [3]}),
    ("simple_rnn, every step (checked with torch.nn.RNN)",
     {"type": "simple_rnn", "units": 3, "return_sequences": True}, [4, 2],
     {"kernel": [2, 3], "recurrent_kernel": [3, 3], "bias": [3]}),
    ("simple_rnn relu, no bias, the last output",
     {"type": "simple_rnn", "units": 2, "activation": "relu", "use_bias": False}, [5, 3],
     {"kernel": [3, 2], "recurrent_kernel": [2, 2]}),
    ("bidirectional lstm, concat, every step",
     {"type": "lstm", "units": 2, "return_sequences": True, "bidirectional": "concat"}, [4, 3],
     {"kernel": [3, 8], "recurrent_kernel": [2, 8], "bias": [8], "backward_kernel": [3, 8],
      "backward_recurrent_kernel": [2, 8], "backward_bias": [8]}),
    ("bidirectional gru, sum, the last output",
     {"type": "gru", "units": 3, "bidirectional": "sum"}, [4, 2],
     {"kernel": [2, 9], "recurrent_kernel": [3, 9], "bias": [2, 9], "backward_kernel": [2, 9],
      "backward_recurrent_kernel": [3, 9], "backward_bias": [2, 9]}),
    ("bidirectional simple_rnn, ave, every step",
     {"type": "simple_rnn", "units": 2, "return_sequences": True, "bidirectional": "ave"},
     [3, 2], {"kernel": [2, 2], "recurrent_kernel": [2, 2], "bias": [2],
              "backward_kernel": [2, 2], "backward_recurrent_kernel": [2, 2],
              "backward_bias": [2]}),
]


def vocabulary_cases():
    out = []
    for name, layer, shape, weights in VOCABULARY_CASES:
        n = 2
        x = torch.randn(n, *shape, dtype=torch.float64, requires_grad=True)
        p = {key: (torch.randn(*size, dtype=torch.float64) * 0.5).requires_grad_()
             for key, size in weights.items()}
        if layer["type"] == "layer_normalization" and "gamma" in p:
            with torch.no_grad():
                p["gamma"] += 1
        y = vocabulary_forward(layer, x, p)
        cot = torch.randn_like(y)
        (y * cot).sum().backward()
        params = pmt_params(layer, p)
        grads = pmt_params(layer, {key: v.grad for key, v in p.items()})
        out.append({"name": name, "layer": layer, "input_shape": shape, "batch": n, "x": flat(x),
                    "output_shape": list(y.shape[1:]), "y": flat(y), "cotangent": flat(cot),
                    "grad_x": flat(x.grad),
                    "params": {key: {"shape": list(v.shape), "values": flat(v)}
                               for key, v in params.items()},
                    "grads": {key: flat(v) for key, v in grads.items()}})
    return out


if __name__ == "__main__":
    main()
