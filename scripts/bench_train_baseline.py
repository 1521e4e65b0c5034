#!/usr/bin/python3
"""Python baseline for scripts/bench_train.sh: DeepCrime's MNIST model written directly in
PyTorch (Debian's python3-torch), trained like pmt's built-in `mnist` subject: the same IDX data
(pixels / 255), Conv2D(32,3x3,relu) -> Conv2D(64,3x3,relu) -> MaxPool(2) -> Dropout(0.25) ->
Flatten -> Dense(128,relu) -> Dropout(0.5) -> Dense(10) with softmax cross-entropy on the logits,
Keras initialisers (glorot_uniform kernels, zero biases), Adadelta(lr=1.0, rho=0.95, eps=1e-7)
(PyTorch's Adadelta implements the same rule), batch 128, a fresh shuffle each epoch and an
evaluation on the test split after every epoch (Keras' validation_data).

Prints one JSON line: {"instances": N, "epochs": E, "train_size": n, "wall_s": t,
"test_accuracy": [...]} for N instances trained one after the other.
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    if not os.path.exists(path):
        path += ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    _, _, dtype, nd = struct.unpack(">BBBB", data[:4])
    assert dtype == 8, path
    dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def load(data_dir, prefix):
    x = read_idx(os.path.join(data_dir, prefix + "-images-idx3-ubyte")).astype(np.float32) / 255
    y = read_idx(os.path.join(data_dir, prefix + "-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)


def model():
    net = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10))
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)  # = Keras glorot_uniform (same fans)
            nn.init.zeros_(m.bias)
    return net


def evaluate(net, x, y):
    net.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(y), 1000):
            correct += (net(x[s:s + 1000]).argmax(1) == y[s:s + 1000]).sum().item()
    return correct / len(y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True, help="folder with the mnist IDX files")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--instances", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: default)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    x, y = load(a.data_dir, "train")
    xt, yt = load(a.data_dir, "t10k")
    start = time.time()
    accs = []
    for i in range(a.instances):
        torch.manual_seed(a.seed * 1000 + i)
        net = model()
        opt = torch.optim.Adadelta(net.parameters(), lr=1.0, rho=0.95, eps=1e-7)
        for _ in range(a.epochs):
            net.train()
            order = torch.randperm(len(y))
            for s in range(0, len(y), 128):
                idx = order[s:s + 128]
                opt.zero_grad()
                loss = F.cross_entropy(net(x[idx]), y[idx])
                loss.backward()
                opt.step()
            acc = evaluate(net, xt, yt)
        accs.append(acc)
    print(json.dumps({"instances": a.instances, "epochs": a.epochs, "train_size": len(y),
                      "threads": torch.get_num_threads(), "wall_s": time.time() - start,
                      "test_accuracy": accs}))


if __name__ == "__main__":
    main()
