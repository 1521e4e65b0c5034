#!/usr/bin/env python3
"""The Python side of scripts/bench_layers.sh: the cifar10 (Keras' ResNet20 v1) and imdb (Keras'
bidirectional-LSTM example) subjects written in PyTorch (Debian's python3-torch) as pmt trains
them: the same layers and shapes (TF's "same" padding: a stride-2 3x3 convolution on an even
input pads 0 before and 1 after), Adam(0.001), batch 32, sparse cross-entropy on the logits,
the epochs' shuffles, no validation. Trains INSTANCES instances one after the other on the NPY
arrays of DIR (train_x.npy, train_y.npy) with THREADS intra-op threads.

  bench_layers_baseline.py MODEL DIR INSTANCES EPOCHS THREADS
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SameConv(nn.Module):
    """Keras' Conv2D(padding="same") with TF's split: floor of the total before, the rest after."""

    def __init__(self, cin, cout, k, stride):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride)
        self.k, self.stride = k, stride

    def forward(self, x):
        pads = []
        for size in (x.shape[3], x.shape[2]):
            out = -(-size // self.stride)
            total = max((out - 1) * self.stride + self.k - size, 0)
            pads += [total // 2, total - total // 2]
        return self.conv(F.pad(x, pads))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1, self.b1 = SameConv(cin, cout, 3, stride), nn.BatchNorm2d(cout, 1e-3, 0.01)
        self.c2, self.b2 = SameConv(cout, cout, 3, 1), nn.BatchNorm2d(cout, 1e-3, 0.01)
        self.short = SameConv(cin, cout, 1, stride) if stride != 1 else None

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu((self.short(x) if self.short else x) + y)


class ResNet20(nn.Module):
    def __init__(self):
        super().__init__()
        self.c0, self.b0 = SameConv(3, 16, 3, 1), nn.BatchNorm2d(16, 1e-3, 0.01)
        blocks, cin = [], 16
        for stack, filters in enumerate((16, 32, 64)):
            for b in range(3):
                blocks.append(Block(cin, filters, 2 if stack > 0 and b == 0 else 1))
                cin = filters
        self.blocks = nn.Sequential(*blocks)
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        x = self.blocks(F.relu(self.b0(self.c0(x))))
        return self.out(F.avg_pool2d(x, 8).flatten(1))


class BiLstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20000, 128)
        self.l1 = nn.LSTM(128, 64, batch_first=True, bidirectional=True)
        self.l2 = nn.LSTM(128, 64, batch_first=True, bidirectional=True)
        self.out = nn.Linear(128, 2)

    def forward(self, x):
        y, _ = self.l1(self.emb(x))
        _, (h, _) = self.l2(y)  # the forward direction's last step, the backward's first
        return self.out(torch.cat([h[0], h[1]], 1))


def main():
    model, folder, instances, epochs, threads = sys.argv[1:6]
    torch.set_num_threads(int(threads))
    x = np.load(f"{folder}/train_x.npy")
    y = torch.from_numpy(np.load(f"{folder}/train_y.npy").astype(np.int64))
    if model == "cifar10":
        x = torch.from_numpy(x.astype(np.float32) / 255).permute(0, 3, 1, 2).contiguous()
    else:
        x = torch.from_numpy(x.astype(np.int64))
    for i in range(int(instances)):
        torch.manual_seed(i)
        net = ResNet20() if model == "cifar10" else BiLstm()
        opt = torch.optim.Adam(net.parameters(), 1e-3, eps=1e-7)
        net.train()
        for _ in range(int(epochs)):
            order = torch.randperm(len(x))
            for s in range(0, len(x), 32):
                idx = order[s:s + 32]
                opt.zero_grad()
                F.cross_entropy(net(x[idx]), y[idx]).backward()
                opt.step()


if __name__ == "__main__":
    main()
