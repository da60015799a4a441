"""Prints the CHECK lines of mlp.mlir: the demo program recomputed with NumPy
from the reference Philox draws. Run: /usr/bin/python3 gen_mlp.py"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Execution", "Inputs"))
import philox  # noqa: E402
from reference import checks  # noqa: E402

KEY = 42
x = philox.uniform(KEY, 0, 32, -1.0, 1.0).reshape(4, 8)
w1 = philox.normal(KEY, 32, 128, 0.0, 0.5).reshape(8, 16)
b1 = philox.uniform(KEY, 160, 16, -0.1, 0.1)
w2 = philox.normal(KEY, 176, 48, 0.0, 0.5).reshape(16, 3)
b2 = philox.uniform(KEY, 224, 3, -0.1, 0.1)

h = np.maximum(x.astype(np.float64) @ w1 + b1, 0.0)
logits = h @ w2 + b2
e = np.exp(logits - logits.max(axis=1, keepdims=True))
p = e / e.sum(axis=1, keepdims=True)
print(checks(p, rtol=1e-5, atol=1e-6))
print(checks(p.argmax(axis=1)))
