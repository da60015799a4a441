# A training loop for terra-run --explain: the report must show the step as
# one compiled block and the loss fetch as a sync point on its line.
import terra
import terra.nn as nn
import terra.nn.functional as F

terra.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 2))
optimizer = terra.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
data = terra.randn(32, 8)
target = (data.sum(1) > 0).long()
for step in range(30):
    loss = F.cross_entropy(model(data), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 10 == 9:
        print("step %d loss %.4f" % (step + 1, loss.item()))
