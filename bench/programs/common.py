"""What every model-suite program shares, so that one script gives the same
numbers under PyTorch and under Terra and reports them to bench/suite.py.

* Randomness comes from NumPy (weights, data, dropout masks, Python-side
  choices): Terra's random streams differ from PyTorch's by design
  (docs/torch-compat.md), NumPy's are the same in every process.
* ``StepLog`` times the steps and, at the end, prints one line
  ``BENCH_RESULT {json}`` with the per-step losses, the time to the first
  step, steps/s over the measured steps and, under Terra, what the
  co-executor did.

Environment (set by bench/suite.py; defaults make each program runnable on
its own): ``BENCH_STEPS`` measured steps, ``BENCH_WARMUP`` steps before
them, ``BENCH_T0`` the launch time (``time.time()``) for time to first step.
"""

import json
import math
import os
import sys
import time

import numpy as np
import torch

_T_IMPORT = time.time()


def steps(default):
    """Measured steps: BENCH_STEPS or the program's default."""
    return int(os.environ.get("BENCH_STEPS", default))


def warmup(default):
    """Steps run before the measured ones: BENCH_WARMUP or the default."""
    return int(os.environ.get("BENCH_WARMUP", default))


def init_parameters(model, seed):
    """Overwrites every parameter of ``model`` from a NumPy generator, in
    ``named_parameters()`` order, scaled like PyTorch's default
    initialisation (uniform in +-1/sqrt(fan_in)); norm weights start at 1."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            shape = tuple(parameter.shape)
            if len(shape) == 1 and name.endswith("weight"):
                values = np.ones(shape)
            else:
                fan_in = math.prod(shape[1:]) if len(shape) > 1 else shape[0]
                bound = 1.0 / math.sqrt(fan_in)
                values = rng.uniform(-bound, bound, shape)
            parameter.copy_(torch.from_numpy(values.astype(np.float32)))


class StepLog:
    """Per-step losses and timing. Call ``step(loss)`` once per training
    step with the Python float the program logged, ``finish()`` at the end."""

    def __init__(self, program, warmup_steps):
        self.program = program
        # Timing starts at the end of a step: at least the first is warm-up.
        self.warmup_steps = max(1, warmup_steps)
        self.t0 = float(os.environ.get("BENCH_T0", _T_IMPORT))
        self.losses = []
        self.first_step_s = None
        self.measure_start = None
        self.extra = {}

    def step(self, loss):
        now = time.perf_counter()
        self.losses.append(float(loss))
        if len(self.losses) == 1:
            self.first_step_s = time.time() - self.t0
        if len(self.losses) == self.warmup_steps:
            self.measure_start = now
        self.measure_end = now

    def record(self, **values):
        """Extra results to compare across modes (an inference output)."""
        self.extra.update(values)

    def finish(self):
        measured = len(self.losses) - self.warmup_steps
        result = {
            "program": self.program,
            "losses": self.losses,
            "extra": self.extra,
            "first_step_s": self.first_step_s,
            "measured_steps": measured,
            "steps_per_s": None,
        }
        if measured > 0 and self.measure_start is not None:
            elapsed = self.measure_end - self.measure_start
            result["steps_per_s"] = measured / elapsed if elapsed > 0 else None
        result["terra"] = _terra_stats()
        sys.stdout.flush()
        print("BENCH_RESULT " + json.dumps(result))
        sys.stdout.flush()


def _terra_stats():
    """The co-executor's counters under terra-run, None under PyTorch."""
    try:
        import _terra
        return _terra._trace_stats()
    except Exception:
        return None
