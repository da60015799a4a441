"""A training step whose optimizer loops over parameters of five shapes,
with gradient clipping: `terra-run optimizer_step.py [sgd|adam]`. Under
co-execution the library's per-parameter loops are traced unrolled, so the
whole step (forward, backward, clipping, update) is one block.
"""
import sys

import numpy as np
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.Tanh(),
                            torch.nn.Linear(5, 4), torch.nn.Tanh(),
                            torch.nn.Linear(4, 3))
if sys.argv[1:] == ["sgd"]:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
else:
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
rng = np.random.default_rng(0)
x = torch.tensor(rng.standard_normal((8, 6)).astype(np.float32))
y = torch.tensor(rng.standard_normal((8, 3)).astype(np.float32))
for step in range(40):
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    optimizer.step()
    print("step %d loss %.6f" % (step, loss.item()))
