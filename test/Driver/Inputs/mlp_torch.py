"""A plain PyTorch training script (an MLP on synthetic data, SGD with
momentum, a learning-rate schedule): run under python3 with torch and under
`terra-run --torch`, it prints the same losses."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(self.dropout(x))


rng = np.random.default_rng(0)
model = MLP()
# Identical initial weights in both runs: drawn with NumPy.
with torch.no_grad():
    for name, param in model.named_parameters():
        bound = 1.0 / np.sqrt(param.shape[-1] if param.dim() > 1 else 32)
        values = rng.uniform(-bound, bound, tuple(param.shape)).astype(np.float32)
        param.copy_(torch.from_numpy(values))

projection = rng.standard_normal((64, 10)).astype(np.float32)
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9,
                      weight_decay=1e-4)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
criterion = nn.CrossEntropyLoss()
model.eval()  # dropout off: both runs see the same network
for step in range(30):
    x = rng.standard_normal((32, 8, 8)).astype(np.float32)
    y = (x.reshape(32, -1) @ projection).argmax(1)
    inputs, targets = torch.from_numpy(x), torch.from_numpy(y)
    optimizer.zero_grad()
    loss = criterion(model(inputs), targets)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()
    scheduler.step()
    print("step %2d loss %s lr %.4g" % (step, "{:.4g}".format(loss.item()),
                                         scheduler.get_last_lr()[0]))

with torch.no_grad():
    accuracy = (model(inputs).argmax(1) == targets).float().mean()
print("final accuracy {:.4g}".format(accuracy.item()))
print("parameters", sum(p.numel() for p in model.parameters()))
