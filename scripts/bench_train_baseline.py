#!/usr/bin/python3
"""Python baseline for scripts/bench_train.sh: pmt's built-in subjects written directly in PyTorch
(Debian's python3-torch 1.13), trained as pmt trains them: the same IDX data (pixels / 255),
Keras initialisers (glorot_uniform kernels, zero biases), softmax cross-entropy on the logits,
a fresh shuffle per epoch and per instance.

  --model mnist      DeepCrime's MNIST model: Conv2D(32,3x3,relu) -> Conv2D(64,3x3,relu) ->
                     MaxPool(2) -> Dropout(0.25) -> Flatten -> Dense(128,relu) -> Dropout(0.5) ->
                     Dense(10); Adadelta(lr=1.0, rho=0.95, eps=1e-7) (PyTorch's Adadelta is the
                     same rule); batch 128; the test split evaluated after every epoch (Keras'
                     validation_data, as pmt's subject)
  --model mnist_mlp  Flatten -> Dense(64,relu) -> Dense(10); Adam(0.001, eps=1e-7); batch 64; no
                     validation: the test split evaluated once at the end (what gen_acc does)

Layouts: N instances one after the other in this process (torch's default threads, or
--threads), or --ensemble: the N instances trained at once as ONE functorch ensemble
(combine_state_for_ensemble: stacked parameters, vmap(grad(loss)) with per-instance dropout
randomness, one optimiser over the stacked tensors: elementwise rules keep per-instance state),
PyTorch's own "model ensembling" recipe.

Prints one JSON line: {"model", "instances", "epochs", "train_size", "threads", "wall_s",
"test_accuracy": [...]}.
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


SUBJECTS = {
    "mnist": {"batch": 128, "validate": True},
    "mnist_mlp": {"batch": 64, "validate": False},
}


class VmapDropout(nn.Module):
    """Inverted dropout from rand_like: functorch 1.13's vmap(grad(...), randomness="different")
    rejects nn.Dropout ("Cannot ask for different inplace randomness on an unbatched tensor")."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype) / (1 - self.p)


def model(name, ensemble=False):
    drop = VmapDropout if ensemble else nn.Dropout
    if name == "mnist":
        net = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            drop(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), drop(0.5),
            nn.Linear(128, 10))
    else:
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)  # = Keras glorot_uniform (same fans)
            nn.init.zeros_(m.bias)
    return net


def optimiser(name, params):
    if name == "mnist":
        return torch.optim.Adadelta(params, lr=1.0, rho=0.95, eps=1e-7)
    return torch.optim.Adam(params, lr=0.001, eps=1e-7)


def evaluate(net, x, y):
    net.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(y), 1000):
            correct += (net(x[s:s + 1000]).argmax(1) == y[s:s + 1000]).sum().item()
    return correct / len(y)


def train_sequential(a, x, y, xt, yt):
    batch, validate = SUBJECTS[a.model]["batch"], SUBJECTS[a.model]["validate"]
    accs = []
    for i in range(a.instances):
        torch.manual_seed(a.seed * 1000 + i)
        net = model(a.model)
        opt = optimiser(a.model, net.parameters())
        for _ in range(a.epochs):
            net.train()
            order = torch.randperm(len(y))
            for s in range(0, len(y), batch):
                idx = order[s:s + batch]
                opt.zero_grad()
                loss = F.cross_entropy(net(x[idx]), y[idx])
                loss.backward()
                opt.step()
            if validate:
                acc = evaluate(net, xt, yt)
        if not validate:
            acc = evaluate(net, xt, yt)
        accs.append(acc)
    return accs


def train_ensemble(a, x, y, xt, yt):
    from functorch import combine_state_for_ensemble, grad, vmap
    batch, validate = SUBJECTS[a.model]["batch"], SUBJECTS[a.model]["validate"]
    n = a.instances
    torch.manual_seed(a.seed)
    nets = [model(a.model, ensemble=True) for _ in range(n)]
    fmodel, params, buffers = combine_state_for_ensemble(nets)
    params = [p.detach().requires_grad_() for p in params]
    opt = optimiser(a.model, params)

    def loss_fn(p, b, xb, yb):
        return F.cross_entropy(fmodel(p, b, xb), yb)

    grads_fn = vmap(grad(loss_fn), randomness="different")

    def ensemble_eval():
        for m in nets:
            m.eval()
        fm_eval, _, _ = combine_state_for_ensemble(nets)  # eval mode: no dropout
        correct = torch.zeros(n, dtype=torch.long)
        with torch.no_grad():
            for s in range(0, len(yt), 1000):
                out = vmap(fm_eval, in_dims=(0, 0, None))(params, buffers, xt[s:s + 1000])
                correct += (out.argmax(2) == yt[s:s + 1000]).sum(1)
        return (correct.double() / len(yt)).tolist()

    accs = None
    for _ in range(a.epochs):
        orders = torch.stack([torch.randperm(len(y)) for _ in range(n)])
        for s in range(0, len(y), batch):
            idx = orders[:, s:s + batch]
            grads = grads_fn(params, buffers, x[idx], y[idx])
            for p, g in zip(params, grads):
                p.grad = g
            opt.step()
        if validate:
            accs = ensemble_eval()
    if not validate:
        accs = ensemble_eval()
    return accs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True, help="folder with the mnist IDX files")
    ap.add_argument("--model", choices=sorted(SUBJECTS), default="mnist")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--instances", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: default)")
    ap.add_argument("--ensemble", action="store_true",
                    help="train the instances at once as one functorch ensemble")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    x, y = load(a.data_dir, "train")
    xt, yt = load(a.data_dir, "t10k")
    start = time.time()
    accs = (train_ensemble if a.ensemble else train_sequential)(a, x, y, xt, yt)
    print(json.dumps({"model": a.model, "instances": a.instances, "epochs": a.epochs,
                      "ensemble": a.ensemble, "train_size": len(y),
                      "threads": torch.get_num_threads(), "wall_s": time.time() - start,
                      "test_accuracy": accs}))


if __name__ == "__main__":
    main()
