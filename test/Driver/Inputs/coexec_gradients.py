"""Gradients whose backward formulas build new tensors (slices, selects,
clamps, a strided transposed convolution) and in-place writes, in a loop that co-execution
compiles: the compiled gradients must be the imperative ones.

    terra-run coexec_gradients.py CASE
"""
import sys

import numpy as np

import terra
import terra.nn.functional as F

rng = np.random.default_rng(0)
x = terra.from_numpy(rng.standard_normal((6, 8, 4, 4)).astype(np.float32))
w = terra.from_numpy(rng.uniform(-0.5, 0.5, (8, 3, 4, 4)).astype(np.float32))
x.requires_grad_()
w.requires_grad_()


def slices():
    m = x[:, :, 0]
    return ((m[1:4, ::3] * 2).sum() + (m[:, 1::2] ** 2).sum() + m[2].sum() * 3
            + m[-1, -3:].sum() + m[:, 5:].sum() + x[::2, 1, :, 3].sum())


def clamps():
    return (x.clamp(-0.5, 0.5).sum() + x.clamp(min=0.1).square().sum()
            + x.clamp(max=-0.2).sum())


def conv_transpose():
    return F.conv_transpose2d(x, w, stride=2, padding=1).square().mean()


def in_place():
    # In-place activations and copies: traced code must see the writes; a
    # write into part of a buffer keeps its block imperative.
    y = x[:, :, 0, 0] * 2
    y.relu_()
    z = F.leaky_relu(y - 1, 0.2, inplace=True)
    whole = terra.zeros(6, 8)
    whole.copy_(z.detach() * 3)
    part = terra.zeros(6, 10)
    part[:, 1:9] = whole
    part[0] = 3.0
    return (z * z).sum() + (part * z.sum()).sum()


def residual():
    # torchvision's BasicBlock: out += identity, then ReLU(inplace=True).
    out = x * 2
    out += x
    out = F.relu(out, inplace=True)
    return out.square().sum()


def residual_after_fetch():
    # The same across a fetch: `out` comes from the block before it, so the
    # next block's pass holds it (to write it back) when ReLU writes it again
    # in place; only the program's tensors count as sharing its memory.
    out = x * 2
    scale = 1.0 + 0.0 * out.sum().item()
    out += x
    out = F.relu(out, inplace=True)
    return out.square().sum() * scale


def transpose_contiguous():
    # GPT-2's attention output, y.transpose(1, 2).contiguous().view(...):
    # eagerly a copy (the transpose is not contiguous), while a lazy
    # transpose is laid out contiguously; both take the traced path.
    y = (x * 2).transpose(1, 2).contiguous().view(6, -1)
    return (y * y.detach().contiguous()).sum()


CASES = {f.__name__: f for f in [slices, clamps, conv_transpose, in_place,
                                 residual, residual_after_fetch,
                                 transpose_contiguous]}

losses = []
for step in range(20):
    x.grad = None
    w.grad = None
    loss = CASES[sys.argv[1]]()
    loss.backward()
    losses.append(loss.item())
print("loss %.3f" % losses[-1])  # sums reassociate when compiled
print("dx", [round(v, 5) for v in x.grad.sum((1, 2, 3)).tolist()])
if w.grad is not None:
    print("dw", [round(v, 5) for v in w.grad.sum((1, 2, 3)).tolist()])
