# Training steps whose shapes change: `lengths N` feeds sequences of N
# different lengths in turn (a sequence model's variable lengths);
# `last-batch` runs epochs whose last batch is smaller.
import sys

import numpy as np
import terra
import terra.nn as nn
import terra.nn.functional as F

mode = sys.argv[1]
rng = np.random.RandomState(0)
terra.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
optimizer = terra.optim.SGD(model.parameters(), lr=0.01)


def step(batch):
    x = terra.tensor(batch)
    loss = F.mse_loss(model(x).mean(0), terra.ones(1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


if mode == "lengths":
    count = int(sys.argv[2])
    losses = []
    for i in range(3 * count):
        length = 4 + i % count
        losses.append(step(rng.randn(length, 8).astype(np.float32)))
    print("mean loss %.5f" % (sum(losses) / len(losses)))
else:
    for epoch in range(4):
        for batch in range(6):
            size = 16 if batch == 5 else 32
            loss = step(rng.randn(size, 8).astype(np.float32))
        print("epoch %d loss %.5f" % (epoch, loss))
