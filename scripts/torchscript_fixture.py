#!/usr/bin/python3
"""Makes tests/data/torchscript/: tiny TorchScript classifiers, as a PyTorch user saves them, for
pmt's TorchScript tests (gen_acc --torchscript, mutate_model --torchscript, ratio).

Run with Debian's python3-torch (1.13, the version of Debian's libtorch-dev that pmt links):
    /usr/bin/python3 scripts/torchscript_fixture.py [OUT_DIR]
Writes instance_0.pt .. instance_2.pt: three independently trained instances (seeds 0, 1, 2) of
Conv2d(1, 4, 3) -> ReLU -> Flatten -> Linear(16, 8) -> ReLU -> Linear(8, 2) on 1x4x4 images of two
classes (class c has its band of rows bright: the top half for 0, the bottom half for 1, on a dark
background, plus Gaussian noise of sd 30; pixels / 255), the data tests/support/tiny_data.hpp
generates. The output is the 2 logits. Deterministic: the same weights on every run (torch's own
generator, one thread; the archive's code listing may order a module's constants differently).
"""
import os
import sys

import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.fc1 = nn.Linear(16, 8)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = torch.relu(self.fc1(torch.flatten(x, 1)))
        return self.out(x)


def bands(n, gen):
    labels = torch.arange(n) % 2
    rows = torch.arange(4).view(1, 4, 1)
    bright = (rows * 2 // 4) == labels.view(n, 1, 1)
    x = torch.where(bright, 200.0, 40.0).expand(n, 4, 4) + 30 * torch.randn(n, 4, 4, generator=gen)
    return (x.clamp(0, 255) / 255).view(n, 1, 4, 4), labels


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "torchscript")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    for seed in range(3):
        gen = torch.Generator().manual_seed(100 + seed)
        x, y = bands(256, gen)
        torch.manual_seed(seed)
        model = Tiny()
        opt = torch.optim.Adam(model.parameters(), lr=0.02)
        for _ in range(3):
            for start in range(0, 256, 32):
                opt.zero_grad()
                loss = nn.functional.cross_entropy(model(x[start:start + 32]), y[start:start + 32])
                loss.backward()
                opt.step()
        model.eval()
        xt, yt = bands(64, torch.Generator().manual_seed(200 + seed))
        acc = (model(xt).argmax(1) == yt).float().mean().item()
        path = os.path.join(out, "instance_%d.pt" % seed)
        torch.jit.save(torch.jit.script(model), path)
        print("%s: held-out accuracy %.3f, %d bytes" % (path, acc, os.path.getsize(path)))


if __name__ == "__main__":
    main()
