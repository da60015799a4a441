"""A training loop that never ends, for Ctrl-C during co-execution: prints
"ready" once its step runs as a compiled block on the runner."""
import _terra
import terra
import terra.nn as nn
import terra.nn.functional as F

terra.manual_seed(0)
model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
optimizer = terra.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
x, y = terra.randn(32, 16), terra.randint(0, 4, (32,))
announced = False
while True:
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if not announced and _terra._trace_stats()["passes_compiled"] > 5:
        print("ready", flush=True)
        announced = True
