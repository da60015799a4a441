"""A loop whose tensors have a new shape every iteration (concatenations of
ever longer tails, which stay per shape): nothing in it repeats, so
recording it can never lead to compiled code.

    terra-run new_shapes.py [ITERATIONS]
"""
import sys

import numpy as np

import terra

iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
rng = np.random.default_rng(0)
head = terra.from_numpy(rng.standard_normal(8).astype(np.float32))
total = 0.0
checksum = terra.zeros(1)
for i in range(iterations):
    tail = terra.ones(i + 1) * (i % 7)
    x = terra.cat([head, tail])
    y = (x * 0.5 + 1).relu().sqrt()
    z = y - y.mean()
    checksum = checksum + (z * z).sum().reshape(1) * 1e-3
    if i % 1000 == 0:
        print(i, round(float(checksum.sum()), 4))
print("checksum", round(float(checksum.sum()), 4))
