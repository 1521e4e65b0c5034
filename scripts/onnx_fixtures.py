#!/usr/bin/env python3
"""ONNX fixtures for import_model (tests/data/onnx/): models nobody here wrote, exported by
PyTorch's torch.onnx.export (Debian's python3-torch 1.13, python3-torchvision 0.14), with
PyTorch's outputs on fixed inputs, so that tests/importer need no Python.

Models: torchvision's resnet18, mobilenet_v2 and vgg11 (untrained definitions), an LSTM
classifier and an MLP written in the PyTorch tutorials' style; and a small CNN graph built by hand
in the pattern tf2onnx and keras2onnx write (NHWC input, Transposes around the convolution). Their weights are not trained
ones but a formula that the C++ test computes too (weight(), below): the big models' weights
then need not be in git, only their graphs, with every initializer in an external data file
(`<model>.onnx.data`, as `onnx.save_model(..., save_as_external_data=True)` writes it) that the
test writes from the formula before importing. The small models keep their weights inline.
BatchNormalization is kept as a layer (TrainingMode.PRESERVE on an eval() model: no
_jit_pass_onnx_eval_peephole folding it into the convolutions), so that the parameter count is
PyTorch's.

Inputs: sample s, element k of the sample in C order: ((s * 1009 + k * 7919) mod 1000) / 1000
- 0.5. Writes tests/data/onnx/*.onnx and expected.json (per model: file, opset, input shape,
PyTorch's parameter count, outputs). Run: /usr/bin/python3 scripts/onnx_fixtures.py
"""
import json
import os

import numpy as np
import onnx
import torch
import torchvision

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "onnx")
SAMPLES = 2
MASK = (1 << 64) - 1


def fnv1a(name):
    h = 0xCBF29CE484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001B3) & MASK
    return h


def weight(name, shape):
    """Element i of tensor `name`: splitmix64(fnv1a(name) + i) -> u in [0, 1), then a scale."""
    n = int(np.prod(shape)) if len(shape) else 1
    with np.errstate(over="ignore"):
        z = np.uint64(fnv1a(name)) + np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) / float(1 << 24)
    if name.endswith("running_var"):
        v = 0.5 + u
    elif name.endswith("running_mean"):
        v = 0.2 * (2 * u - 1)
    elif len(shape) == 1 and (name.endswith(".weight") or name.endswith("weight")):
        v = 1 + 0.2 * (2 * u - 1)  # a normalisation's scale
    else:
        fan = int(np.prod(shape[1:])) if len(shape) > 1 else int(shape[0]) if len(shape) else 1
        v = (2 * u - 1) * np.sqrt(3.0 / max(fan, 1))
    return v.astype(np.float32).reshape(shape)


def inputs(shape):
    n = int(np.prod(shape))
    k = np.arange(n, dtype=np.int64)
    return np.stack([(((s * 1009 + k * 7919) % 1000) / 1000.0 - 0.5).reshape(shape)
                     for s in range(SAMPLES)]).astype(np.float32)


class LstmClassifier(torch.nn.Module):
    """A sequence classifier as PyTorch's tutorials write one: the last hidden state -> Linear."""

    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(input_size=8, hidden_size=16, batch_first=True)
        self.fc = torch.nn.Linear(16, 5)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return torch.softmax(self.fc(h[-1]), dim=1)


def mlp():
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(20, 32), torch.nn.ReLU(),
                               torch.nn.Dropout(0.2), torch.nn.Linear(32, 16), torch.nn.Tanh(),
                               torch.nn.Linear(16, 4))


MODELS = [
    # name, constructor, sample shape, opset, external data
    ("resnet18", lambda: torchvision.models.resnet18(), [3, 64, 64], 11, True),
    ("mobilenet_v2", lambda: torchvision.models.mobilenet_v2(), [3, 64, 64], 13, True),
    ("vgg11", lambda: torchvision.models.vgg11(), [3, 224, 224], 9, True),
    ("lstm_classifier", LstmClassifier, [12, 8], 14, False),
    ("mlp", mlp, [20], 17, False),
]


def tf2onnx_style():
    """A graph in the pattern tf2onnx and keras2onnx write for a Keras CNN (hand-built with
    onnx.helper: TensorFlow is not on Debian): an NHWC input transposed to NCHW for the
    convolution and back before Keras' Flatten (a Reshape), then MatMul + Add and Softmax."""
    from onnx import TensorProto, helper, numpy_helper
    shape = [8, 8, 3]
    w = weight("conv/kernel", [4, 3, 3, 3])
    b = weight("conv/bias", [4])
    d = weight("dense/kernel", [256, 5])
    db = weight("dense/bias", [5])
    nodes = [
        helper.make_node("Transpose", ["input_1"], ["t0"], perm=[0, 3, 1, 2], name="transpose_in"),
        helper.make_node("Conv", ["t0", "conv/kernel", "conv/bias"], ["c"], name="conv2d",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="conv2d/Relu"),
        helper.make_node("Transpose", ["r"], ["t1"], perm=[0, 2, 3, 1], name="transpose_out"),
        helper.make_node("Reshape", ["t1", "flatten/shape"], ["f"], name="flatten"),
        helper.make_node("MatMul", ["f", "dense/kernel"], ["m"], name="dense/MatMul"),
        helper.make_node("Add", ["m", "dense/bias"], ["a"], name="dense/BiasAdd"),
        helper.make_node("Softmax", ["a"], ["output"], name="dense/Softmax", axis=-1),
    ]
    inits = [numpy_helper.from_array(w, "conv/kernel"), numpy_helper.from_array(b, "conv/bias"),
             numpy_helper.from_array(np.array([-1, 256], dtype=np.int64), "flatten/shape"),
             numpy_helper.from_array(d, "dense/kernel"), numpy_helper.from_array(db, "dense/bias")]
    graph = helper.make_graph(
        nodes, "tf2onnx_style_cnn",
        [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["unk__1", *shape])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["unk__1", 5])], inits)
    model = helper.make_model(graph, producer_name="pmt scripts/onnx_fixtures.py (tf2onnx's pattern)",
                              opset_imports=[helper.make_opsetid("", 12)])
    onnx.checker.check_model(model)
    x = torch.from_numpy(inputs(shape))
    y = torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), torch.from_numpy(w), torch.from_numpy(b),
                                   padding=1).relu().permute(0, 2, 3, 1).reshape(SAMPLES, -1)
    out = torch.softmax(y @ torch.from_numpy(d) + torch.from_numpy(db), dim=1)
    return model, shape, out, sum(a.size for a in (w, b, d, db))


def main():
    os.makedirs(HERE, exist_ok=True)
    expected = {}
    model, shape, out, params = tf2onnx_style()
    onnx.save_model(model, os.path.join(HERE, "tf2onnx_style_cnn.onnx"))
    expected["tf2onnx_style_cnn"] = {"file": "tf2onnx_style_cnn.onnx", "opset": 12,
                                     "input_shape": shape, "nhwc": True, "softmax": True,
                                     "parameters": int(params),
                                     "external_data": "", "outputs": out.double().tolist()}
    for name, make, shape, opset, external in MODELS:
        torch.manual_seed(0)
        model = make().eval()
        state = model.state_dict()
        for key, value in state.items():
            if value.dtype == torch.float32:
                state[key] = torch.from_numpy(weight(key, list(value.shape)))
        model.load_state_dict(state)
        x = torch.from_numpy(inputs(shape))
        with torch.no_grad():
            out = model(x)
        path = os.path.join(HERE, name + ".onnx")
        torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                          output_names=["output"], training=torch.onnx.TrainingMode.PRESERVE,
                          do_constant_folding=True)
        m = onnx.load(path)
        data = name + ".onnx.data"
        if external:
            onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                            location=data, size_threshold=0)
            os.remove(os.path.join(HERE, data))  # the test writes it from weight()
        expected[name] = {
            "file": name + ".onnx",
            "opset": opset,
            "input_shape": shape,
            "parameters": sum(p.numel() for p in model.parameters()),
            "external_data": data if external else "",
            "nhwc": False,
            "softmax": name == "lstm_classifier",  # the others end in logits
            "outputs": out.double().tolist(),
        }
        ops = sorted({n.op_type for n in m.graph.node})
        print(f"{name}: opset {opset}, {expected[name]['parameters']} parameters, ops {ops}")
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f)
        f.write("\n")


if __name__ == "__main__":
    main()
