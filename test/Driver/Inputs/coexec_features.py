"""One Python feature around a training loop, chosen by name: co-execution
must print what --imperative prints, and compile the loop's step.

    terra-run coexec_features.py FEATURE
"""
import math
import random
import sys

import numpy as np

import terra
import terra.nn as nn
import terra.nn.functional as F

terra.manual_seed(0)
random.seed(0)
rng = np.random.default_rng(0)
data = rng.standard_normal((64, 8)).astype(np.float32)
labels = (data[:, 0] + data[:, 1] > 0).astype(np.int64)
x_all, y_all = terra.from_numpy(data), terra.from_numpy(labels)
STEPS = 60


def make_model(depth=2):
    layers = [nn.Linear(8, 16), nn.ReLU()]
    for _ in range(depth - 1):
        layers += [nn.Linear(16, 16), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(16, 2))


model = make_model()
optimizer = terra.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def step(x, y, net=model):
    loss = F.cross_entropy(net(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def third_party():
    for i in range(STEPS):
        loss = step(x_all, y_all)
        if i % 10 == 0:
            value = loss.item()
            weights = model[0].weight.detach().numpy()
            print("%d %.5f %.5f %.5f %d" % (i, value, math.exp(-value),
                                          float(np.abs(weights).mean()),
                                          random.randint(0, 9)))


def print_every_n():
    for i in range(STEPS):
        loss = step(x_all, y_all)
        if i % 15 == 0:
            print(i, loss, model[0].bias)


def data_dependent_branch():
    for i in range(STEPS):
        loss = step(x_all, y_all)
        if loss > 0.5:  # a fetch and a branch on its value
            scaled = loss * 2
        else:
            scaled = loss / 2
        if i % 10 == 0:
            print("%d %.5f" % (i, scaled.item()))


sdpoint_net = nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])
sdpoint_head = nn.Linear(8, 2)
sdpoint_optimizer = terra.optim.SGD(
    list(sdpoint_net.parameters()) + list(sdpoint_head.parameters()), lr=0.05)


def python_random_branch():
    for i in range(STEPS):
        point = random.choice([1, 2, 3])  # SDPoint: where to stop, per step
        h = x_all
        for block in sdpoint_net[:point]:
            h = block(h).relu()
        loss = F.cross_entropy(sdpoint_head(h), y_all)
        sdpoint_optimizer.zero_grad()
        loss.backward()
        sdpoint_optimizer.step()
        if i % 10 == 0:
            print("%d %d %.5f" % (i, point, loss.item()))


def data_dependent_trip_count():
    for i in range(STEPS):
        loss = step(x_all, y_all)
        value, halvings = loss.detach(), 0
        while value.item() > 0.05 and halvings < 4:
            value = value * 0.5
            halvings += 1
        if i % 10 == 0:
            print("%d %.5f %d" % (i, value.item(), halvings))


class Tree(nn.Module):
    def __init__(self):
        super().__init__()
        self.leaf = nn.Linear(8, 8)
        self.join = nn.Linear(16, 8)
        self.head = nn.Linear(8, 2)

    def node(self, tree, x):
        if not isinstance(tree, tuple):
            return self.leaf(x[tree:tree + 16]).tanh()
        left, right = (self.node(branch, x) for branch in tree)
        return self.join(terra.cat([left, right], 1)).relu()

    def forward(self, tree, x):
        return self.head(self.node(tree, x))


def recursion():
    tree = Tree()
    tree_optimizer = terra.optim.SGD(tree.parameters(), lr=0.05)
    for i in range(STEPS):
        shape = ((0, 16), (32, 48)) if i % 2 else ((0, 16), 32)
        loss = F.cross_entropy(tree(shape, x_all), y_all[:16])
        tree_optimizer.zero_grad()
        loss.backward()
        tree_optimizer.step()
        if i % 10 == 0:
            print("%d %.5f" % (i, loss.item()))


def exceptions():
    caught = 0
    for i in range(STEPS):
        loss = F.cross_entropy(model(x_all), y_all)
        try:
            if i % 7 == 3:
                raise ValueError("skip the penalty")
            loss = loss + 1e-3 * model[0].weight.pow(2).sum()
        except ValueError:
            caught += 1
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i % 10 == 0:
            print("%d %.5f %d" % (i, loss.item(), caught))


def generators_and_closures():
    def batches(size):
        for start in range(0, 64, size):
            yield x_all[start:start + size], y_all[start:start + size]

    def scaled_loss(factor):
        return lambda out, y: F.cross_entropy(out, y) * factor

    criterion = scaled_loss(0.5)
    for epoch in range(8):
        total = 0.0
        for x, y in batches(16):
            loss = criterion(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        print("%d %.5f" % (epoch, total))


seen = {"steps": 0, "best": None}


def global_side_effects():
    for i in range(STEPS):
        loss = step(x_all, y_all)
        seen["steps"] += 1
        if i % 5 == 0:
            value = loss.item()
            if seen["best"] is None or value < seen["best"]:
                seen["best"] = value
    print("%d %.5f" % (seen["steps"], seen["best"]))


def list_of_tensors():
    history = []
    for i in range(STEPS):
        history.append(step(x_all, y_all).detach())
    print("%.5f %.5f" % (terra.stack(history).mean().item(),
                         history[-1].item()))


def shape_changes():
    for epoch in range(6):
        for start in range(0, 64, 24):  # 24, 24, then 16
            loss = step(x_all[start:start + 24], y_all[start:start + 24])
        print("%d %.5f" % (epoch, loss.item()))


def dropout():
    net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.3),
                        nn.Linear(16, 2))
    drop_optimizer = terra.optim.SGD(net.parameters(), lr=0.05)
    for i in range(STEPS):
        loss = F.cross_entropy(net(x_all), y_all)
        drop_optimizer.zero_grad()
        loss.backward()
        drop_optimizer.step()
        if i % 10 == 0:
            print("%d %.5f" % (i, loss.item()))


def no_grad_evaluation():
    for i in range(STEPS):
        loss = step(x_all, y_all)
        if i % 10 == 9:
            model.eval()
            with terra.no_grad():
                accuracy = (model(x_all).argmax(1) == y_all).float().mean()
            model.train()
            print("%d %.5f %.4f" % (i, loss.item(), accuracy.item()))


FEATURES = {f.__name__: f for f in [
    third_party, print_every_n, data_dependent_branch, python_random_branch,
    data_dependent_trip_count, recursion, exceptions, generators_and_closures,
    global_side_effects, list_of_tensors, shape_changes, dropout,
    no_grad_evaluation]}

if __name__ == "__main__":
    FEATURES[sys.argv[1]]()
