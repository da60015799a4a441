"""Mutation fuzzing of what Terra parses from outside: saved checkpoints
(terra.load) and terra-dialect text (terra-opt).

  mutate_inputs.py load      [--build build] [--count N] [--seed S] [--out DIR]
  mutate_inputs.py terra-opt [--build build] [--count N] [--seed S] [--out DIR]
  mutate_inputs.py corpus    --out DIR
  mutate_inputs.py checkpoint [--build build] --out DIR

`load` saves a small checkpoint (several dtypes, a nested dict) with
terra.save and loads damaged copies of it (bytes flipped, ranges zeroed or
duplicated, truncated): each load must return or raise an exception, never
crash. The loads run in a child process that names each mutation before
trying it, so a crash names the mutation that caused it.

`terra-opt` takes the terra-dialect test files (valid and invalid IR), makes
textual mutants (a number or a type replaced, a token or a line dropped or
doubled) and runs terra-opt on each, plain and with -terra-lower-to-cpu:
every run must end with status 0 or 1 (a diagnostic), never a signal, an
assertion or a stack dump.

`corpus` writes the terra-dialect test chunks to DIR, one file each: the
seed corpus of the libFuzzer target terra-fuzz-dialect; `checkpoint`
writes the sound checkpoint to DIR/good.pt, terra-fuzz-load's seed.

A finding is saved in DIR (default fuzz-findings); exits 1 if any.
"""

import argparse
import glob
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


# -- terra.load -------------------------------------------------------------

WORKER = r"""
import os, random, sys
sys.path.insert(0, {python!r})
import terra
good = open({good!r}, "rb").read()
path = {path!r}
raised = 0
for seed in range({first}, {last}):
    rng = random.Random(seed)
    data = bytearray(good)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(4)
        at = rng.randrange(len(data)) if data else 0
        if kind == 0:
            for i in range(rng.randint(1, 8)):
                if at + i < len(data):
                    data[at + i] = rng.randrange(256)
        elif kind == 1:
            data[at:at + rng.randint(1, 64)] = bytes(rng.randint(1, 64))
        elif kind == 2:
            data[at:at] = data[at:at + rng.randint(1, 64)]
        else:
            del data[rng.randrange(len(data) + 1):]
    with open(path, "wb") as f:
        f.write(data)
    print("seed", seed, flush=True)
    try:
        terra.load(path)
    except Exception:
        raised += 1
print("done", raised, flush=True)
"""


def save_checkpoint(build, path):
    """A sound checkpoint: several dtypes and a nested dict."""
    sys.path.insert(0, os.path.join(os.path.abspath(build), "python"))
    import terra
    state = {
        "w": terra.arange(24.0).reshape(4, 6),
        "i": terra.arange(10),
        "b": terra.arange(6) > 2,
        "nested": {"step": 7, "list": [terra.ones(3), 1.5]},
    }
    terra.save(state, path)


def fuzz_load(args):
    python_dir = os.path.join(os.path.abspath(args.build), "python")
    work = tempfile.mkdtemp(prefix="terra-load-fuzz-")
    good = os.path.join(work, "good.pt")
    save_checkpoint(args.build, good)
    findings = raised = 0
    batch = 200
    first = args.seed
    while first < args.seed + args.count:
        last = min(first + batch, args.seed + args.count)
        script = WORKER.format(python=python_dir, good=good,
                               path=os.path.join(work, "bad.pt"),
                               first=first, last=last)
        done = subprocess.run([sys.executable, "-c", script],
                              capture_output=True, text=True, timeout=600)
        lines = done.stdout.split()
        if "done" in lines:
            raised += int(lines[lines.index("done") + 1])
        if done.returncode != 0 or "done" not in lines:
            seeds = [int(w) for p, w in zip(lines, lines[1:]) if p == "seed"]
            crashed = seeds[-1] if seeds else first
            findings += 1
            keep = os.path.join(args.out, "load-%d.pt" % crashed)
            os.makedirs(args.out, exist_ok=True)
            os.replace(os.path.join(work, "bad.pt"), keep)
            print("mutate_inputs load: seed %d: status %d (%s): %s"
                  % (crashed, done.returncode, keep,
                     done.stderr.strip().splitlines()[-1:]), flush=True)
            last = crashed + 1
        first = last
    print("mutate_inputs load: %d damaged checkpoints: %d raised an "
          "exception, the others loaded; %d crashes"
          % (args.count, raised, findings))
    return findings


# -- terra-opt --------------------------------------------------------------

CRASH_SIGNS = ("Assertion", "Stack dump", "PLEASE submit a bug report",
               "UNREACHABLE", "Segmentation fault")


def chunks():
    files = sorted(glob.glob(os.path.join(ROOT, "test", "Dialect", "*.mlir")) +
                   glob.glob(os.path.join(ROOT, "test", "Transforms", "*.mlir")))
    for path in files:
        text = open(path).read()
        for chunk in text.split("// -----"):
            body = "\n".join(l for l in chunk.splitlines()
                             if not l.lstrip().startswith("//"))
            if "terra." in body:
                yield os.path.basename(path), body


def mutate(rng, text):
    lines = text.splitlines()
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(5)
        numbers = list(re.finditer(r"-?\b\d+\b", text))
        types = list(re.finditer(r"\b(f32|f64|i1|i32|i64|f16|index)\b", text))
        if kind == 0 and numbers:
            m = rng.choice(numbers)
            text = (text[:m.start()] +
                    str(rng.choice([0, 1, -1, 2, 3, 7, 1 << 31, -(1 << 40)])) +
                    text[m.end():])
        elif kind == 1 and types:
            m = rng.choice(types)
            text = (text[:m.start()] +
                    rng.choice(["f32", "f64", "i1", "i64", "i8", "index"]) +
                    text[m.end():])
        elif kind == 2:
            tokens = list(re.finditer(r"[^\s,()<>\[\]{}:]+", text))
            if tokens:
                m = rng.choice(tokens)
                text = text[:m.start()] + text[m.end():]
        elif kind == 3 and lines:
            lines = text.splitlines()
            del lines[rng.randrange(len(lines))]
            text = "\n".join(lines)
        elif lines:
            lines = text.splitlines()
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
            text = "\n".join(lines)
    return text


def fuzz_terra_opt(args):
    terra_opt = os.path.join(os.path.abspath(args.build), "bin", "terra-opt")
    sources = list(chunks())
    work = tempfile.mkdtemp(prefix="terra-opt-fuzz-")
    findings = runs = 0
    for seed in range(args.seed, args.seed + args.count):
        rng = random.Random(seed)
        name, text = sources[rng.randrange(len(sources))]
        mutant = mutate(rng, text)
        path = os.path.join(work, "mutant.mlir")
        with open(path, "w") as f:
            f.write(mutant)
        for flags in ([], ["-terra-lower-to-cpu"]):
            runs += 1
            try:
                done = subprocess.run([terra_opt, path] + flags,
                                      capture_output=True, text=True,
                                      timeout=60)
                status, stderr = done.returncode, done.stderr
            except subprocess.TimeoutExpired:
                status, stderr = "timeout", ""
            if status in (0, 1) and not any(s in stderr for s in CRASH_SIGNS):
                continue
            findings += 1
            os.makedirs(args.out, exist_ok=True)
            keep = os.path.join(args.out, "terra-opt-%d.mlir" % seed)
            with open(keep, "w") as f:
                f.write("// mutant of %s; terra-opt %s: status %s\n%s"
                        % (name, " ".join(flags), status, mutant))
            last = stderr.strip().splitlines()[:3]
            print("mutate_inputs terra-opt: seed %d (%s %s): status %s: %s"
                  % (seed, keep, " ".join(flags), status, last), flush=True)
            break
    print("mutate_inputs terra-opt: %d mutants of %d test chunks, %d runs, "
          "%d crashes" % (args.count, len(sources), runs, findings))
    return findings


def write_corpus(args):
    """The test chunks as files: terra-fuzz-dialect's seed corpus."""
    os.makedirs(args.out, exist_ok=True)
    for i, (_, text) in enumerate(chunks()):
        with open(os.path.join(args.out, "chunk-%03d.mlir" % i), "w") as f:
            f.write(text)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target",
                        choices=["load", "terra-opt", "corpus", "checkpoint"])
    parser.add_argument("--build", default="build")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="fuzz-findings")
    args = parser.parse_args()
    if args.target == "corpus":
        return write_corpus(args)
    if args.target == "checkpoint":
        os.makedirs(args.out, exist_ok=True)
        save_checkpoint(args.build, os.path.join(args.out, "good.pt"))
        return 0
    found = fuzz_load(args) if args.target == "load" else fuzz_terra_opt(args)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
