"""An unmodified PyTorch training script: `mlp` (784-256-10 on synthetic
data, SGD with momentum) or `cnn` (conv, batchnorm, relu, maxpool, linear;
dropout off), 50 steps from NumPy-drawn initial weights. Prints each step's
loss at full precision, so that runs under python3 + PyTorch and under
`terra-run --torch` can be compared number by number."""

import sys

import numpy as np
import torch
import torch.nn as nn

kind = sys.argv[1]
rng = np.random.default_rng(7)

if kind == "mlp":
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(),
                          nn.Linear(256, 10))
    shape = (64, 1, 28, 28)
else:
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.0), nn.Conv2d(8, 16, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 2 * 2, 10))
    shape = (32, 1, 14, 14)

with torch.no_grad():
    for param in model.parameters():
        fan_in = int(np.prod(param.shape[1:])) if param.dim() > 1 else param.shape[0]
        bound = 1.0 / np.sqrt(fan_in)
        param.copy_(torch.from_numpy(
            rng.uniform(-bound, bound, tuple(param.shape)).astype(np.float32)))

optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
projection = rng.standard_normal((int(np.prod(shape[1:])), 10)).astype(np.float32)
for step in range(50):
    x = rng.standard_normal(shape).astype(np.float32)
    y = (x.reshape(shape[0], -1) @ projection).argmax(1)
    optimizer.zero_grad()
    loss = loss_fn(model(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    optimizer.step()
    print(repr(loss.item()))
