"""Gradient clipping then Adam, the way GPT-2's training loop does it:
clip_grad_norm_ scales each gradient in place through the list it built
(`g = p.grad; g.mul_(c)`), and Adam then reads `p.grad`, another tensor on
the same memory, which must see the scaled value.

    terra-run --torch clip_adam.py
"""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(4, 3)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
rng = np.random.default_rng(0)
inputs = rng.standard_normal((8, 4)).astype(np.float32)
labels = rng.integers(0, 3, 8)
for step in range(40):
    loss = nn.functional.cross_entropy(model(torch.from_numpy(inputs)),
                                       torch.from_numpy(labels))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
    optimizer.step()
    if step % 10 == 9:
        print(step, "%.6f" % loss.item())
