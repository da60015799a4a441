"""A training step through nn.Sequential stacks of same-shaped layers,
nested (a stack of residual-free blocks, each a Sequential):
`terra-run --torch sequential_layers.py`. Under co-execution Sequential's
loop over its layers is traced unrolled, so the whole step is one block.
"""
import numpy as np
import torch

torch.manual_seed(0)


def block():
    return torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Tanh())


model = torch.nn.Sequential(block(), block(), block(), block(),
                            torch.nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
rng = np.random.default_rng(0)
x = torch.tensor(rng.standard_normal((16, 8)).astype(np.float32))
y = torch.tensor(rng.standard_normal((16, 2)).astype(np.float32))
for step in range(40):
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    optimizer.step()
    print("step %d loss %.6f" % (step, loss.item()))
