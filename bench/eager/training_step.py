"""Training-step throughput of Terra's imperative phase against PyTorch 1.13
eager, the same model code run on both (interleaved rounds, best of each).

MLP: batch 64, 784-256-10, SGD with momentum. LeNet-style CNN: batch 32,
1x28x28, two conv + pool stages, two linear layers.

Run: PYTHONPATH=build/python /usr/bin/python3 bench/eager/training_step.py
"""

import time

import numpy as np
import torch

import terra

torch.set_num_threads(2)


def mlp(nn):
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 10))


def make_step(module, build, inputs, labels):
    model = build(module.nn)
    optimizer = module.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = module.nn.CrossEntropyLoss()
    x, y = module.tensor(inputs), module.tensor(labels)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def steps_per_second(step, steps, rounds=5):
    step()  # Warm-up.
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, (time.perf_counter() - start) / steps)
    return 1.0 / best


def main():
    rng = np.random.default_rng(0)
    cases = [
        ("MLP 784-256-10, batch 64", mlp,
         rng.standard_normal((64, 784)).astype(np.float32), 200),
        ("LeNet CNN, batch 32", lenet,
         rng.standard_normal((32, 1, 28, 28)).astype(np.float32), 50),
    ]
    print("%-28s %14s %14s %8s" % ("training step", "terra (step/s)",
                                   "torch (step/s)", "ratio"))
    for name, build, inputs, steps in cases:
        labels = rng.integers(0, 10, size=inputs.shape[0]).astype(np.int64)
        ours = make_step(terra, build, inputs, labels)
        theirs = make_step(torch, build, inputs, labels)
        rates = [0.0, 0.0]
        for _ in range(2):  # Interleave so drift hits both alike.
            rates[0] = max(rates[0], steps_per_second(ours, steps))
            rates[1] = max(rates[1], steps_per_second(theirs, steps))
        print("%-28s %14.1f %14.1f %8.2f" % (name, rates[0], rates[1],
                                             rates[1] / rates[0]))


if __name__ == "__main__":
    main()
