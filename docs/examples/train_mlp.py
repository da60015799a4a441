"""A small imperative training script, the one `make demo` runs with
terra-run: an MLP learns a synthetic classification task with plain Python
control flow, printing the loss as it goes.

    build/bin/terra-run docs/examples/train_mlp.py
"""

import terra
import terra.nn as nn
import terra.nn.functional as F

terra.manual_seed(0)
projection = terra.randn(20, 4)


def batch(size=64):
    x = terra.randn(size, 20)
    return x, (x @ projection).argmax(1)


model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4))
optimizer = terra.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for step in range(1, 201):
    x, y = batch()
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 40 == 0:  # Python decides when to look at a value.
        print("step %3d  loss %.4f" % (step, loss.item()))

with terra.no_grad():
    x, y = batch(1000)
    accuracy = (model(x).argmax(1) == y).float().mean().item()
print("accuracy on fresh data: %.1f%%" % (100 * accuracy))
