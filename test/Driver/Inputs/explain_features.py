# Python features around op calls, for terra-run --explain: tracing must not
# change what the program computes or prints, whatever the control flow.
import math
import random

import numpy as np

import terra
import terra.nn as nn
import terra.nn.functional as F

terra.manual_seed(1)
random.seed(1)


class Tree(nn.Module):
    """A tree-structured net: recursion over a nested tuple."""

    def __init__(self):
        super().__init__()
        self.leaf = nn.Linear(4, 4)
        self.join = nn.Linear(8, 4)

    def forward(self, tree, x):
        if not isinstance(tree, tuple):
            return self.leaf(x[tree]).tanh()
        left, right = (self.forward(branch, x) for branch in tree)
        return self.join(terra.cat([left, right])).relu()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(6, 6) for _ in range(3)])
        self.head = nn.Linear(6, 2)
        self.drop = nn.Dropout(0.25)

    def forward(self, x, depth):
        for block in self.blocks[:depth]:  # depth chosen in Python
            x = self.drop(block(x).relu())
        return self.head(x)


net, tree = Net(), Tree()
params = list(net.parameters()) + list(tree.parameters())
optimizer = terra.optim.SGD(params, lr=0.05, momentum=0.5)
data = np.random.default_rng(0).standard_normal((70, 6)).astype(np.float32)
labels = (data[:, 0] > 0).astype(np.int64)
history = []


def batches(size):
    for start in range(0, len(data), size):  # a generator; last batch smaller
        yield terra.from_numpy(data[start:start + size]), terra.from_numpy(
            labels[start:start + size])


for epoch in range(3):
    for x, y in batches(16):
        depth = random.choice([1, 2, 3])  # SDPoint-style Python randomness
        loss = F.cross_entropy(net(x, depth), y)
        leaves = terra.randn(4, 4)
        loss = loss + tree(((0, 1), (2, 3)), leaves).sum() * 0.01
        if loss > 0.69:  # a data-dependent branch
            loss = loss * 1.5
        try:
            if depth == 2:
                raise ValueError("skip the penalty")
            loss = loss + 1e-3 * sum(p.pow(2).sum() for p in net.parameters())
        except ValueError:
            pass
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.detach())
    with terra.no_grad():
        net.eval()
        accuracy = (net(terra.from_numpy(data), 3).argmax(1) ==
                    terra.from_numpy(labels)).float().mean()
        net.train()
    steps = 0
    value = history[-1]
    while value.item() > 0.05 and steps < 5:  # data-dependent trip count
        value = value * 0.5
        steps += 1
    print("epoch %d loss %.5f accuracy %.4f halvings %d sqrt %.4f" % (
        epoch, history[-1].item(), accuracy.item(), steps,
        math.sqrt(abs(history[-1].item()))))
print("mean loss %.6f" % terra.stack(history).mean().item())
