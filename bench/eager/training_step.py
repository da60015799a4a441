"""Training-step throughput of Terra's imperative phase against PyTorch 1.13
eager, the same model code run on both. Each measurement runs in its own
process (so that neither library's threads or BLAS settings disturb the
other), alternating between the two; the best of the rounds counts.

MLP: batch 64, 784-256-10, SGD with momentum. LeNet-style CNN: batch 32,
1x28x28, two conv + pool stages, two linear layers.

The ratio is Terra's step time over PyTorch's (below 1: Terra is faster).

Run: PYTHONPATH=build/python /usr/bin/python3 bench/eager/training_step.py
"""

import subprocess
import sys
import time

import numpy as np


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


CASES = {
    "mlp": ("MLP 784-256-10, batch 64", mlp, (64, 784), 200),
    "lenet": ("LeNet CNN, batch 32", lenet, (32, 1, 28, 28), 50),
}


def measure(library, case):
    """Steps per second of one case on one library (run in a child)."""
    if library == "torch":
        import torch as module

        module.set_num_threads(2)
    else:
        import terra as module
    _, build, shape, steps = CASES[case]
    rng = np.random.default_rng(0)
    inputs = rng.standard_normal(shape).astype(np.float32)
    labels = rng.integers(0, 10, size=shape[0]).astype(np.int64)
    return steps_per_second(make_step(module, build, inputs, labels), steps)


def in_child(library, case):
    output = subprocess.run(
        [sys.executable, __file__, library, case], check=True,
        capture_output=True, text=True).stdout
    return float(output)


def main():
    if len(sys.argv) == 3:
        print(measure(sys.argv[1], sys.argv[2]))
        return
    print("%-28s %14s %14s %8s" % ("training step", "terra (step/s)",
                                   "torch (step/s)", "ratio"))
    for case, (name, _, _, _) in CASES.items():
        rates = {"terra": 0.0, "torch": 0.0}
        for _ in range(3):  # Alternate so drift hits both alike.
            for library in rates:
                rates[library] = max(rates[library], in_child(library, case))
        print("%-28s %14.1f %14.1f %8.2f" % (
            name, rates["terra"], rates["torch"], rates["torch"] / rates["terra"]))


if __name__ == "__main__":
    main()
