"""Random Python programs through terra-run, co-executed against --imperative.

Each seed makes one training program (random layers, random Python around
the op calls: branches on tensor values and on Python's random module, loops
whose trip count is drawn per step, fetches at random points, exceptions
raised and caught between op calls, batches whose size changes, no_grad
evaluation, updates by hand or through gradient clipping and SGD/Adam) and runs it twice: `terra-run --imperative` and `terra-run`
(co-execution, TERRA_COMPILE_WAIT=1 so compiled blocks are used as soon as
they exist). The printed numbers must agree within --rtol; a crash, a hang
(--timeout) or a difference is a finding, saved as the program's source with
both outputs in the findings folder.

Usage: /usr/bin/python3 tools/terra-fuzz/python_programs.py [--build build]
           [--seconds N | --programs N] [--seed S] [--out DIR] [--rtol R]
Exits 1 when anything was found.
"""

import argparse
import os
import random
import subprocess
import sys
import time

PRELUDE = """\
import random
import numpy as np
import terra
import terra.nn.functional as F

rng = np.random.RandomState({seed})
random.seed({seed})
terra.manual_seed({seed})
D = {width}
weights = [terra.tensor(rng.randn(D, D).astype(np.float32) * 0.3,
                        requires_grad=True) for _ in range({layers})]
bias = terra.zeros(D, requires_grad=True)
params = weights + [bias]
optimizer = {optimizer}


def penalty(h):
    if random.random() < 0.5:
        raise ValueError("skip")
    return (h * h).mean() * 0.01


losses = []
for step in range({steps}):
    batch = {batch}
    x = terra.tensor(rng.randn(batch, D).astype(np.float32))
    h = x
"""

EPILOGUE = """\
    loss = (h * h).mean() + bias.abs().sum() * 0.001
    try:
        loss = loss + penalty(h)
    except ValueError:
        pass
    for p in params:
        p.grad = None
    loss.backward()
{update}
    losses.append(loss.item())
    {fetch_every}
with terra.no_grad():
    check = (terra.tensor(rng.randn(4, D).astype(np.float32)) @ weights[0]).sum()
print("losses", " ".join("%.5g" % v for v in losses))
print("check %.5g" % check.item())
"""

# Statements of the loop body; {w} is a weight index. Each keeps h a
# [batch, D] float tensor.
STATEMENTS = [
    "h = F.relu(h @ weights[{w}] + bias)",
    "h = terra.tanh(h @ weights[{w}])",
    "h = h.sigmoid() * 2 - 1",
    "h = F.gelu(h)",
    "h = h - h.mean(1, keepdim=True)",
    "h = h / (h.norm(dim=1, keepdim=True) + 1)",
    "h = terra.cat([h[:, : D // 2], h[:, D // 2 :] * 0.5], 1)",
    "h = h.clamp(-2, 2)",
    "h = terra.where(h > 0, h, h * 0.1)",
    "h = F.softmax(h, dim=1) * D",
    "h = h + F.dropout(h, 0.2) * 0.1",
    # Data-dependent branch (the compiled path validates the fetch). On one
    # element: a sum can be pinned near 0 (rows centred above), where
    # float reassociation alone would flip the branch.
    "if h[0, 0].item() > 0:\n        h = h * 0.9\n    else:\n        h = h + 0.1",
    # Python-random branch.
    "if random.random() < 0.3:\n        h = h @ weights[{w}]",
    # Trip count drawn per step.
    "for _ in range(random.randint(1, 3)):\n        h = terra.tanh(h)",
    # A fetch in the middle of the step.
    "print('mid', step, '%.4g' % h.abs().max().item())",
    # A list of tensors.
    "parts = [h[:, i::2] for i in range(2)]\n    h = terra.cat(parts[::-1], 1)",
]


# How a step updates the parameters: by hand, or through the library's
# gradient clipping and optimisers (which write gradients in place through
# one tensor and read them through another).
UPDATES = [
    "    with terra.no_grad():\n        for p in params:\n"
    "            if p.grad is not None:\n                p -= 0.05 * p.grad",
    "    optimizer.step()",
    "    terra.nn.utils.clip_grad_norm_(params, 0.05)\n    optimizer.step()",
]
OPTIMIZERS = [
    "terra.optim.SGD(params, lr=0.05, momentum=0.9)",
    "terra.optim.Adam(params, lr=0.01)",
]


def make_program(seed):
    rng = random.Random(seed)
    layers = rng.randint(1, 3)
    body = []
    for _ in range(rng.randint(3, 8)):
        statement = rng.choice(STATEMENTS)
        body.append("    " + statement.format(w=rng.randrange(layers)))
    batch = rng.choice(["8", "8 if step % 7 else 5",
                        "int(rng.randint(4, 7))"])
    fetch = rng.choice(["", "if step % 5 == 4:\n        print(step, '%.5g' % loss.item())"])
    update = rng.choice(UPDATES)
    optimizer = rng.choice(OPTIMIZERS)
    return (PRELUDE.format(seed=seed, width=rng.choice([4, 8, 12]),
                           layers=layers, steps=rng.randint(8, 25),
                           batch=batch, optimizer=optimizer)
            + "\n".join(body) + "\n"
            + EPILOGUE.format(fetch_every=fetch, update=update))


def numbers_agree(expected, actual, rtol):
    want, got = expected.split(), actual.split()
    if len(want) != len(got):
        return False
    for a, b in zip(want, got):
        try:
            x, y = float(a), float(b)
        except ValueError:
            if a != b:
                return False
            continue
        if abs(x - y) > rtol * max(abs(x), abs(y)) + 1e-6:
            return False
    return True


def run(terra_run, path, imperative, timeout):
    command = [terra_run] + (["--imperative"] if imperative else []) + [path]
    env = dict(os.environ, TERRA_COMPILE_WAIT="1", TERRA_CACHE="0")
    try:
        done = subprocess.run(command, capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % timeout
    return done.returncode, done.stdout + done.stderr


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--seconds", type=float, default=0)
    parser.add_argument("--programs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="fuzz-findings")
    parser.add_argument("--rtol", type=float, default=2e-3)
    parser.add_argument("--timeout", type=int, default=60)
    args = parser.parse_args()
    terra_run = os.path.join(os.path.abspath(args.build), "bin", "terra-run")
    os.makedirs(args.out, exist_ok=True)

    start = time.monotonic()
    programs = findings = invalid = 0
    index = 0
    while (time.monotonic() - start < args.seconds if args.seconds
           else index < args.programs):
        seed = args.seed + index
        index += 1
        source = make_program(seed)
        path = os.path.join(args.out, "program-%d.py" % seed)
        with open(path, "w") as f:
            f.write(source)
        programs += 1
        status_i, out_i = run(terra_run, path, True, args.timeout)
        status_c, out_c = run(terra_run, path, False, args.timeout)
        problem = None
        if status_i != 0:
            invalid += 1  # The generator's fault, unless co-execution
            # differs too (checked below).
        if status_c is None:
            problem = "co-execution " + out_c
        elif status_c != status_i:
            problem = "exit status %s, imperative %s" % (status_c, status_i)
        elif not numbers_agree(out_i, out_c, args.rtol):
            problem = "outputs differ"
        if problem is None:
            os.remove(path)
            continue
        findings += 1
        with open(os.path.join(args.out, "program-%d.txt" % seed), "w") as f:
            f.write("%s\n--- imperative (status %s)\n%s\n--- co-execution "
                    "(status %s)\n%s" % (problem, status_i, out_i, status_c,
                                         out_c))
        print("python_programs: seed %d: %s (%s)" % (seed, problem, path),
              flush=True)
    print("python_programs: %d programs (seeds %d..%d), %d failing under "
          "--imperative too, %d findings, %.0f s"
          % (programs, args.seed, args.seed + index - 1, invalid, findings,
             time.monotonic() - start))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
