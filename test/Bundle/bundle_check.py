"""Run by scripts/test-bundle.sh with an unpacked bundle's terra-run (and,
for reference, the build tree's): trains a small MLP with co-execution and
prints its losses, then checks that every module, shared library and
sys.path entry the program used came from inside the bundle.

    terra-run bundle_check.py PREFIX     PREFIX: the bundle's root, or "-"
"""
import os
import sys

import numpy as np
import terra
import terra.nn as nn
import terra.nn.functional as F

# glibc's libraries are the host's (they go with its dynamic loader).
GLIBC = ("linux-vdso.so", "ld-linux-x86-64.so", "libc.so", "libm.so",
         "libmvec.so", "libpthread.so", "libdl.so", "librt.so", "libutil.so",
         "libresolv.so", "libanl.so", "libnsl.so")


def train():
    rng = np.random.default_rng(0)
    inputs = terra.tensor(rng.standard_normal((64, 32), dtype=np.float32))
    labels = terra.tensor(rng.integers(0, 10, 64))
    terra.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = terra.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(40):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def outside(path, prefix):
    real = os.path.realpath(path)
    return not (real == prefix or real.startswith(prefix + os.sep))


def check(prefix):
    script_dir = os.path.realpath(os.path.dirname(__file__))
    problems = []
    for entry in sys.path:
        if entry and os.path.realpath(entry) != script_dir and \
                outside(entry, prefix):
            problems.append("sys.path entry " + entry)
    for name, module in sorted(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and os.path.realpath(os.path.dirname(path)) != script_dir \
                and outside(path, prefix):
            problems.append("module %s from %s" % (name, path))
    libraries = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split(None, 5)
            if len(fields) == 6 and ".so" in fields[5]:
                libraries.add(fields[5].strip())
    for path in sorted(libraries):
        if outside(path, prefix) and \
                not os.path.basename(path).startswith(GLIBC):
            problems.append("shared library " + path)
    if sys.prefix != prefix:
        problems.append("sys.prefix " + sys.prefix)
    return problems, len(libraries)


def main():
    losses = train()
    stats = __import__("_terra")._trace_stats()
    for step, loss in enumerate(losses):
        print("step %d loss %r" % (step, loss))
    print("compiled passes: %s" % ("yes" if stats["passes_compiled"] > 0
                                   else "none"))
    if sys.argv[1] != "-":
        problems, count = check(os.path.realpath(sys.argv[1]))
        for problem in problems:
            print("bundle: outside the bundle: " + problem)
        print("bundle: %d shared libraries mapped; %d things from outside"
              " the bundle" % (count, len(problems)))
        if problems:
            sys.exit(1)


if __name__ == "__main__":
    main()
