"""SDPoint: stochastic downsampling (Kuen et al., CVPR 2018) on a small ResNet.

Stands for the paper's SDPoint program: a CIFAR-style residual network
(stem + three stages of two basic blocks, 16-32-64 channels, 32x32 input)
trained with a Stochastic Downsampling Point. Every iteration the training
loop draws, with a NumPy generator, an SDPoint instance: the block before
which the feature map is downsampled and the downsampling ratio (0.5: 2x2
average pooling; 0.75: bilinear resize), or no SDPoint (the full network).
All the layers after the point see smaller feature maps, so the forward and
backward graph changes from step to step among seven variants; the shared
weights serve all of them. After training the same weights are evaluated
at several SDPoint instances (cost-adjustable inference), each instance's
cost estimated in Python from the feature-map sizes.

Python features kept:
* a Python-side random choice per iteration (``rng.integers`` over a list
  of (block, ratio) tuples) that is written into the model as plain
  attributes (``model.sdpoint = ...``) before the forward;
* ``for index, block in enumerate(self.blocks): if index == point: ...`` --
  control flow on a Python int inside ``forward``, and a branch on the ratio
  choosing avg_pool2d or interpolate;
* shapes that change with the draw (every op after the point), the global
  average pooling absorbing the size;
* a Python multiply-accumulate cost model (``conv.kernel_size``,
  ``len(block.shortcut)``) with shapes read from the tensors (``x.shape``)
  during an instrumented evaluation forward under ``no_grad``.

Tolerance: 1e-3 relative on the per-step loss: float32 reassociation in the
convolutions and reductions (~1e-7 per op), amplified over the steps by ReLU
flips near zero as in any ReLU network; the learning rate is kept modest
(0.0005, momentum 0.9): measured 2.2e-4 over the default 35 steps, 3.6e-3
at lr 0.002. Only the evaluation's MAC counts (Python ints from the shapes
Terra computed) are recorded for exact comparison: the untrained network's
argmax has near-ties that float32 reassociation flips.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import StepLog, init_parameters, steps, warmup
from resnet_blocks import BasicBlock


def sd_downsample(x, ratio):
    """The SDPoint's downsampling: average pooling for 1/2, a bilinear
    resize for the other ratios."""
    if ratio == 0.5:
        return F.avg_pool2d(x, kernel_size=2, stride=2)
    return F.interpolate(x, scale_factor=ratio, mode="bilinear",
                         align_corners=False)


class SDPointResNet(nn.Module):
    def __init__(self, widths=(16, 32, 64), blocks_per_stage=2, num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, widths[0], 3, 1, 1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        )
        blocks = []
        in_planes = widths[0]
        for stage, planes in enumerate(widths):
            for i in range(blocks_per_stage):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(BasicBlock(in_planes, planes, stride))
                in_planes = planes
        self.blocks = nn.ModuleList(blocks)
        self.fc = nn.Linear(in_planes, num_classes)
        # (block index, ratio) of the current SDPoint; None: no downsampling.
        self.sdpoint = None

    def forward(self, x):
        x = self.stem(x)
        for index, block in enumerate(self.blocks):
            if self.sdpoint is not None and index == self.sdpoint[0]:
                x = sd_downsample(x, self.sdpoint[1])
            x = block(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


def sdpoint_instances(model, ratios=(0.5, 0.75)):
    """The SDPoint instances the training loop draws from: before the second
    block of each stage (the paper's points lie between residual blocks),
    each ratio, plus the full network (None)."""
    points = [index for index, block in enumerate(model.blocks)
              if index > 0 and isinstance(block.shortcut, nn.Sequential)
              and len(block.shortcut) == 0]
    return [None] + [(point, ratio) for point in points for ratio in ratios]


def count_macs(model, x):
    """Multiply-accumulates of one forward at the current SDPoint, from the
    shapes each conv / linear layer sees (a Python-side cost model, as the
    paper reports each instance's cost)."""
    total = 0
    # One instrumented forward: walk the network by hand, reading shapes.
    with torch.no_grad():
        h = model.stem[0](x)
        total += _conv_macs(model.stem[0], h)
        h = model.stem[2](model.stem[1](h))
        for index, block in enumerate(model.blocks):
            if model.sdpoint is not None and index == model.sdpoint[0]:
                h = sd_downsample(h, model.sdpoint[1])
            out = block.conv1(h)
            total += _conv_macs(block.conv1, out)
            total += _conv_macs(block.conv2, out)
            if len(block.shortcut) > 0:
                total += _conv_macs(block.shortcut[0], out)
            h = block(h)
    total += model.fc.in_features * model.fc.out_features
    return total


def _conv_macs(conv, output):
    _, _, h, w = output.shape
    kh, kw = conv.kernel_size
    return h * w * conv.out_channels * conv.in_channels * kh * kw


def make_data(rng, n_batches, batch_size, num_classes=10):
    """Synthetic 10-class 32x32 images: per-class oriented gratings of
    class-specific colour plus noise."""
    yy, xx = np.meshgrid(np.linspace(-1, 1, 32), np.linspace(-1, 1, 32),
                         indexing="ij")
    protos = []
    for c in range(num_classes):
        angle = np.pi * c / num_classes
        freq = 2.0 + (c % 3)
        grating = np.cos(freq * np.pi * (np.cos(angle) * xx + np.sin(angle) * yy))
        colour = rng.uniform(-1, 1, (3, 1, 1))
        protos.append(colour * grating[None])
    protos = np.stack(protos).astype(np.float32)
    batches = []
    for _ in range(n_batches):
        labels = rng.integers(0, num_classes, batch_size)
        noise = rng.standard_normal((batch_size, 3, 32, 32))
        images = protos[labels] + 0.5 * noise
        batches.append((images.astype(np.float32), labels.astype(np.int64)))
    return batches


def main():
    n_warmup, n_steps = warmup(5), steps(30)
    model = SDPointResNet()
    init_parameters(model, 0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0005, momentum=0.9,
                                weight_decay=1e-4)
    criterion = nn.CrossEntropyLoss()
    data = make_data(np.random.default_rng(1), 8, 32)
    instances = sdpoint_instances(model)
    rng = np.random.default_rng(2)

    log = StepLog("sdpoint", n_warmup)
    counts = {}
    model.train()
    for i in range(n_warmup + n_steps):
        images, labels = data[i % len(data)]
        # Draw this iteration's SDPoint instance.
        model.sdpoint = instances[rng.integers(len(instances))]
        counts[model.sdpoint] = counts.get(model.sdpoint, 0) + 1
        x = torch.from_numpy(images)
        y = torch.from_numpy(labels)
        logits = model(x)
        loss = criterion(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_value = loss.item()
        log.step(loss_value)
        if i % 10 == 0:
            print(f"step {i:3d} loss {loss_value:.4f} sdpoint {model.sdpoint}")

    # Cost-adjustable inference: the same weights at several SDPoints.
    model.eval()
    images, labels = data[0]
    x = torch.from_numpy(images)
    accuracies, costs = [], []
    for instance in [None, (1, 0.75), (3, 0.5), (5, 0.5)]:
        model.sdpoint = instance
        with torch.no_grad():
            pred = model(x).argmax(dim=1)
        accuracies.append(int((pred == torch.from_numpy(labels)).sum().item()))
        costs.append(count_macs(model, x[:1]))
        print(f"eval sdpoint {instance}: {accuracies[-1]}/{len(labels)} correct,"
              f" {costs[-1] / 1e6:.2f} MMACs")
    print("sdpoint draws:", {str(k): v for k, v in sorted(counts.items(), key=str)})
    log.record(eval_macs=costs)
    log.finish()


if __name__ == "__main__":
    main()
