#!/usr/bin/env python3
"""Reference outputs of the real Keras files in tests/data/import/, for tests/importer/.

No TensorFlow or Keras on Debian: each model is evaluated here by a NumPy reading of Keras'
inference semantics straight from the file (its model_config and model_weights, channels-last
as Keras holds them: TF's "same" padding, Keras 2's hard_sigmoid, gate order i, f, c, o, ...),
independent of pmt's conversion to LibTorch's layout. The inputs are a formula that the C++ test
computes too: sample s, channels-last element k of the sample, x = ((s * 1009 + k * 7919) mod
1000) / 1000 - 0.5 (times 255 for image models fed raw pixels, see SCALE).

Writes tests/data/import/expected.json: per file its parameter count (every weight array of the
file, Keras' "Total params"), each weighted layer's array shapes, and the outputs of two inputs.
Run: /usr/bin/python3 scripts/import_fixtures.py (python3-h5py, python3-numpy).
"""
import io
import json
import os
import re
import zipfile

import h5py
import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "import")
SAMPLES = 2
# the steering model's Lambda is x / 127.5 - 1 (its marshalled code holds 127.5 and 1.0): it is
# fed pixels in [0, 255]
SCALE = {"keras_steering_cb1560800.h5": 255.0}
SUBSTITUTE = {"keras_steering_cb1560800.h5": {"lambda_1": lambda x: x / 127.5 - 1.0}}


def inputs(shape, scale):
    n = int(np.prod(shape))
    k = np.arange(n, dtype=np.int64)
    out = []
    for s in range(SAMPLES):
        v = ((s * 1009 + k * 7919) % 1000).astype(np.float64) / 1000.0 - 0.5
        out.append((v.astype(np.float32) * np.float32(scale)).reshape(shape))
    return np.stack(out).astype(np.float64)


def hard_sigmoid(x):  # Keras 2
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def act(name, x):
    if name in (None, "linear"):
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "elu":
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))
    if name == "tanh":
        return np.tanh(x)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "hard_sigmoid":
        return hard_sigmoid(x)
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise ValueError(name)


def pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


def same_pad(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def pad_hw(x, k, s, padding, value=0.0):
    if padding != "same":
        return x
    (t, b), (l, r) = same_pad(x.shape[1], k[0], s[0]), same_pad(x.shape[2], k[1], s[1])
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=value)


def windows(x, k, s):
    """(N, OH, OW, kh, kw, C) views of NHWC x."""
    n, h, w, c = x.shape
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    st = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, oh, ow, k[0], k[1], c), (st[0], st[1] * s[0], st[2] * s[1], st[1], st[2], st[3]))


def conv2d(x, kernel, s, padding):
    k = kernel.shape[:2]
    x = np.ascontiguousarray(pad_hw(x, k, s, padding))
    return np.einsum("nhwijc,ijco->nhwo", windows(x, k, s), kernel)


def depthwise(x, kernel, s, padding):  # kernel (kh, kw, C, m) -> channel c * m + j
    k = kernel.shape[:2]
    x = np.ascontiguousarray(pad_hw(x, k, s, padding))
    y = np.einsum("nhwijc,ijcm->nhwcm", windows(x, k, s), kernel)
    return y.reshape(y.shape[0], y.shape[1], y.shape[2], -1)


def pool(x, cfg, kind):
    k = pair(cfg.get("pool_size", 2))
    s = pair(cfg.get("strides") or k)
    x = np.ascontiguousarray(pad_hw(x, k, s, cfg.get("padding", "valid"),
                                    -np.inf if kind == "max" else 0.0))
    w = windows(x, k, s)
    if kind == "max":
        return w.max(axis=(3, 4))
    raise ValueError("average pooling is not in the fixtures")


def lstm(x, cfg, kernel, rec, bias):
    u = cfg["units"]
    ra = cfg.get("recurrent_activation", "hard_sigmoid")
    a = cfg.get("activation", "tanh")
    n, steps, _ = x.shape
    h = np.zeros((n, u))
    c = np.zeros((n, u))
    seq = []
    for t in range(steps):
        z = x[:, t] @ kernel + h @ rec + bias
        i, f, g, o = (z[:, k * u:(k + 1) * u] for k in range(4))
        i, f, o = act(ra, i), act(ra, f), act(ra, o)
        c = f * c + i * act(a, g)
        h = o * act(a, c)
        seq.append(h)
    return np.stack(seq, axis=1) if cfg.get("return_sequences") else h


def weights_of(f, layer):
    g = f["model_weights"][layer]
    names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs.get("weight_names", [])]
    return [np.asarray(g[n], dtype=np.float64) for n in names]


def apply(cls, cfg, x, w, substitute):
    name = cfg["name"]
    if name in substitute:
        return substitute[name](x[0])
    if cls == "Dense":
        y = x[0] @ w[0] + (w[1] if cfg.get("use_bias", True) else 0)
        return act(cfg.get("activation"), y)
    if cls == "Conv2D":
        y = conv2d(x[0], w[0], pair(cfg.get("strides", 1)), cfg.get("padding", "valid"))
        if cfg.get("use_bias", True):
            y = y + w[1]
        return act(cfg.get("activation"), y)
    if cls == "SeparableConv2D":
        y = depthwise(x[0], w[0], pair(cfg.get("strides", 1)), cfg.get("padding", "valid"))
        y = np.einsum("nhwc,co->nhwo", y, w[1][0, 0])
        if cfg.get("use_bias", True):
            y = y + w[2]
        return act(cfg.get("activation"), y)
    if cls == "BatchNormalization":
        k = 0
        gamma = w[k] if cfg.get("scale", True) else 1.0
        k += cfg.get("scale", True)
        beta = w[k] if cfg.get("center", True) else 0.0
        k += cfg.get("center", True)
        mean, var = w[k], w[k + 1]
        return gamma * (x[0] - mean) / np.sqrt(var + cfg.get("epsilon", 1e-3)) + beta
    if cls == "Activation":
        return act(cfg["activation"], x[0])
    if cls == "MaxPooling2D":
        return pool(x[0], cfg, "max")
    if cls == "Add":
        return sum(x)
    if cls == "GlobalAveragePooling2D":
        return x[0].mean(axis=(1, 2))
    if cls == "Flatten":
        return x[0].reshape(x[0].shape[0], -1)
    if cls == "Dropout":
        return x[0]
    if cls == "LSTM":
        return lstm(x[0], cfg, *w)
    raise ValueError(cls)


def evaluate(f, name):
    model = json.loads(f.attrs["model_config"])
    config = model["config"]
    layers = config if isinstance(config, list) else config["layers"]
    substitute = SUBSTITUTE.get(name, {})
    values = {}
    weighted = {}
    if model["class_name"] == "Sequential":
        first = layers[0]["config"]
        shape = first.get("batch_input_shape") or first.get("batch_shape")
        x = inputs(shape[1:], SCALE.get(name, 1.0))
        ins = x
        for layer in layers:
            if layer["class_name"] == "InputLayer":
                continue
            w = weights_of(f, layer["config"]["name"])
            if w:
                weighted[layer["config"]["name"]] = [list(a.shape) for a in w]
            x = apply(layer["class_name"], layer["config"], [x], w, substitute)
        return ins, x, weighted
    ins = None
    for layer in layers:
        cfg = layer["config"]
        if layer["class_name"] == "InputLayer":
            ins = inputs(cfg["batch_input_shape"][1:], SCALE.get(name, 1.0))
            values[layer["name"]] = ins
            continue
        src = [values[r[0]] for r in layer["inbound_nodes"][0]]
        w = weights_of(f, layer["name"])
        if w:
            weighted[layer["name"]] = [list(a.shape) for a in w]
        values[layer["name"]] = apply(layer["class_name"], cfg, src, w, substitute)
    out = config["output_layers"][0][0]
    return ins, values[out], weighted


def snake(name):  # keras.src.utils.naming.to_snake_case
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def evaluate_keras3(path):
    """A Keras 3 .keras Sequential model: config.json and model.weights.h5's layers/<key>/vars."""
    z = zipfile.ZipFile(path)
    config = json.loads(z.read("config.json"))
    w = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    used = {}
    x = ins = None
    weighted, params = {}, 0
    for layer in config["config"]["layers"]:
        cls, cfg = layer["class_name"], layer["config"]
        if cls == "InputLayer":
            x = ins = inputs(cfg["batch_shape"][1:], 1.0)
            continue
        key = snake(cls)
        used[key] = used.get(key, -1) + 1
        key = key if used[key] == 0 else f"{key}_{used[key]}"
        vars_ = w["layers"][key]["vars"]
        arrays = [np.asarray(vars_[str(i)], dtype=np.float64) for i in range(len(vars_))]
        if arrays:
            weighted[cfg["name"]] = [list(a.shape) for a in arrays]
            params += sum(a.size for a in arrays)
        x = apply(cls, cfg, [x], arrays, {})
    return params, weighted, x


def main():
    expected = {}
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".keras"):
            params, weighted, out = evaluate_keras3(os.path.join(HERE, name))
            expected[name] = {"parameters": int(params), "weights": weighted, "scale": 1.0,
                              "outputs": out.tolist()}
            print(f"{name}: {params} parameters, outputs {np.asarray(out).shape}")
            continue
        if not name.endswith(".h5"):
            continue
        with h5py.File(os.path.join(HERE, name), "r") as f:
            params = 0
            for layer in f["model_weights"].attrs["layer_names"]:
                layer = layer.decode() if isinstance(layer, bytes) else layer
                params += sum(int(np.prod(a.shape)) for a in weights_of(f, layer))
            if "Lambda" in f.attrs["model_config"] and name not in SUBSTITUTE:
                expected[name] = {"parameters": params}
                continue
            _, out, weighted = evaluate(f, name)
        expected[name] = {"parameters": params, "weights": weighted,
                          "scale": SCALE.get(name, 1.0), "outputs": out.tolist()}
        print(f"{name}: {params} parameters, outputs {np.asarray(out).shape}")
    with open(os.path.join(HERE, "expected.json"), "w") as out:
        json.dump(expected, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
