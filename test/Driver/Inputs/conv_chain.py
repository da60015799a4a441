"""Training steps through convolutions with elementwise ops between them
(conv -> relu -> conv, a ResNet basic block): `terra-run conv_chain.py
[chain|block]`. Under co-execution with waiting for compilation, every step
after the first few runs compiled convolutions (calls of the runtime's
kernels) whose operands bufferization must keep intact.
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + x)


if sys.argv[1:] == ["block"]:
    model = Block(8)
else:
    model = nn.Sequential(nn.Conv2d(8, 8, 1, bias=False), nn.ReLU(),
                          nn.Conv2d(8, 8, 1, bias=False))
rng = np.random.default_rng(0)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(
            rng.uniform(-0.3, 0.3, tuple(p.shape)).astype(np.float32)))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x = torch.from_numpy(rng.standard_normal((4, 8, 8, 8)).astype(np.float32))
for step in range(12):
    optimizer.zero_grad()
    loss = model(x).square().mean()
    loss.backward()
    optimizer.step()
    print("step %d loss %.6f" % (step, loss.item()))
