#!/usr/bin/python3
"""Reference forwards and gradients of pmt's window layers (tests/data/layers/window.json).

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


def forward(layer, x, weight, bias):
    t = layer["type"]
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
]


def flat(t):
    return [float("%.9g" % v) for v in t.detach().double().flatten()]


def main():
    torch.manual_seed(20261203)
    out = []
    for name, layer, shape in CASES:
        x = torch.randn(2, *shape, dtype=torch.float64, requires_grad=True)
        weight = bias = None
        if layer["type"] == "conv2d":
            k = layer["kernel_size"]
            weight = torch.randn(layer["filters"], shape[0], k[0], k[1], dtype=torch.float64,
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
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "layers", "window.json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/layer_fixtures.py (python3-torch %s, float64)"
                   % torch.__version__, "cases": out}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
