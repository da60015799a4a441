"""Per-op cost of small eager ops: Terra's imperative phase against PyTorch
1.13 eager in the same process, interleaved (min of several rounds).

Run: PYTHONPATH=build/python /usr/bin/python3 bench/eager/per_op.py
"""

import time

import numpy as np
import torch

import terra

torch.set_num_threads(2)


def best_time(function, repeats=2000, rounds=7):
    """Seconds per call: the best round of `repeats` calls."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            function()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


def chain(module, x, y):
    a = x + y
    b = a * x
    c = b - y
    d = module.maximum(c, x)
    return d.relu()


def main():
    data = np.random.default_rng(0).standard_normal((2, 32, 32)).astype(np.float32)
    tx, ty = terra.tensor(data[0]), terra.tensor(data[1])
    px, py = torch.tensor(data[0]), torch.tensor(data[1])
    big = np.random.default_rng(1).standard_normal((2, 1024, 1024)).astype(np.float32)
    bx, by = terra.tensor(big[0]), terra.tensor(big[1])
    qx, qy = torch.tensor(big[0]), torch.tensor(big[1])
    cases = [
        ("32x32 add", lambda: tx + ty, lambda: px + py),
        ("5-op chain on 32x32", lambda: chain(terra, tx, ty), lambda: chain(torch, px, py)),
        ("32x32 matmul", lambda: tx @ ty, lambda: px @ py),
        ("32x32 sum", lambda: tx.sum(), lambda: px.sum()),
        ("1024x1024 add", lambda: bx + by, lambda: qx + qy),
    ]
    print("%-22s %12s %12s %8s" % ("op", "terra (us)", "torch (us)", "ratio"))
    for name, ours, theirs in cases:
        repeats = 50 if "1024" in name else 2000
        times = [best_time(ours, repeats), best_time(theirs, repeats)]
        times = [min(times[0], best_time(ours, repeats)), min(times[1], best_time(theirs, repeats))]
        print("%-22s %12.2f %12.2f %8.2f" % (name, times[0] * 1e6, times[1] * 1e6,
                                             times[0] / times[1]))
    tracing_cost(tx, ty)


def tracing_cost(tx, ty):
    """What recording costs the imperative phase (terra-run --explain, and
    co-execution's first iterations): the 5-op chain traced vs untraced."""
    untraced = best_time(lambda: chain(terra, tx, ty))
    import _terra

    _terra._trace_start("", False)
    try:
        traced = best_time(lambda: chain(terra, tx, ty), repeats=500)
    finally:
        _terra._trace_close()
    print("recording: %.2f us per op traced vs %.2f untraced (+%.2f us per op)"
          % (traced / 5 * 1e6, untraced / 5 * 1e6, (traced - untraced) / 5 * 1e6))


if __name__ == "__main__":
    main()
