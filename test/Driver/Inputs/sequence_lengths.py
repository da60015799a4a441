# A sequence classifier fed batches of `lengths` different sequence lengths
# (default 50), each length once, in a shuffled order: embedding, a linear
# layer on every position, attention pooling (a softmax over the sequence),
# a classifier and cross-entropy, trained with SGD and momentum.
import sys

import numpy as np
import terra
import terra.nn as nn
import terra.nn.functional as F

count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
rng = np.random.RandomState(0)
terra.manual_seed(0)


class Classifier(nn.Module):
    def __init__(self, vocabulary=64, width=32, classes=4):
        super().__init__()
        self.embed = nn.Embedding(vocabulary, width)
        self.hidden = nn.Linear(width, width)
        self.score = nn.Linear(width, 1)
        self.out = nn.Linear(width, classes)

    def forward(self, tokens):
        h = terra.tanh(self.hidden(self.embed(tokens)))
        weights = F.softmax(self.score(h), dim=1)
        pooled = (weights * h).sum(1)
        return self.out(pooled + h.mean(1))


model = Classifier()
optimizer = terra.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
lengths = 3 + rng.permutation(count)
losses = []
for length in lengths:
    tokens = terra.tensor(rng.randint(0, 64, size=(8, int(length))))
    labels = terra.tensor(rng.randint(0, 4, size=(8,)))
    loss = F.cross_entropy(model(tokens), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
print("lengths %d..%d" % (lengths.min(), lengths.max()))
for i in range(0, count, 10):
    print("losses", " ".join("%.5f" % v for v in losses[i:i + 10]))
