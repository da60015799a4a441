"""A training loop whose compiled block fails on the runner (an injected
allocation failure): the error surfaces at the next fetch as the Python
exception, and the program handles it."""
import terra
import terra.nn as nn
import terra.nn.functional as F

terra.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
optimizer = terra.optim.SGD(model.parameters(), lr=0.05)
x, y = terra.randn(32, 8), terra.randint(0, 2, (32,))
try:
    for step in range(200):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 20 == 19:
            print("step", step, "loss %.4f" % loss.item())
except MemoryError as error:
    print("MemoryError at step", step, "-", error)
print("the program goes on")
