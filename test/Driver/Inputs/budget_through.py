"""A step whose block holds the first iteration of a loop over tensors of
several shapes: the loop's own blocks start at its line, the step's block
only goes through it.

    terra-run budget_through.py
"""
import numpy as np

import terra

weights = [terra.ones(n) for n in (5, 3, 3, 4, 4)]
for step in range(30):
    x = terra.from_numpy(np.full(8, step % 5, dtype=np.float32))
    s = (x * 0.1 + 1).tanh().sum()
    for w in weights:  # the first alone, then two shapes twice: loops
        s = s + (w * 2).sum()
    print("%.4f" % float(s))
