"""The model suite side by side: every program of bench/programs/ under
PyTorch 1.13 eager (python3), Terra imperative (terra-run --torch
--imperative) and Terra co-execution (terra-run --torch), one process per
program and mode, the modes interleaved round by round so that drift on a
shared machine hits all three alike.

Per program it reports steps/s (the best round), co-execution's speed-up
over PyTorch and over Terra imperative, time to first step (launch to the
end of step one), compile time, peak resident memory, the share of op calls
that ran in compiled blocks and the largest relative difference of the
per-step losses (and of recorded inference results) against PyTorch.

Writes DIR/latest.json, DIR/latest.md and DIR/speedups.png (DIR:
bench/results, or --out).

Usage: /usr/bin/python3 bench/suite.py [--build build] [--quick]
           [--rounds N] [--programs a,b] [--out DIR] [--check TOL]
           [--compile-wait] [--steps N] [--warmup N]
--quick runs 2 warm-up and 3 measured steps, one round (a smoke check);
--check TOL exits 1 unless every program ran in every mode with losses
within TOL of PyTorch's. Co-execution runs as `terra-run` does, compiling
in the background while the program goes on; --compile-wait makes each
step wait for its blocks' code instead (steady-state speed).
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS_DIR = os.path.join(HERE, "programs")
MODES = ("torch", "imperative", "coexec")
MODE_TITLES = {"torch": "PyTorch eager", "imperative": "Terra imperative",
               "coexec": "Terra co-execution"}
TIMEOUT_S = 900


# Modules the programs import, not programs.
LIBRARIES = ("common.py", "bert_model.py", "resnet_blocks.py")


def program_names():
    names = []
    for entry in sorted(os.listdir(PROGRAMS_DIR)):
        if entry.endswith(".py") and entry not in LIBRARIES:
            names.append(entry[:-3])
    return names


def command_for(mode, script, build_dir):
    terra_run = os.path.join(build_dir, "bin", "terra-run")
    if mode == "torch":
        return ["/usr/bin/python3", script]
    if mode == "imperative":
        return [terra_run, "--torch", "--imperative", script]
    return [terra_run, "--torch", script]


def run_once(mode, name, build_dir, steps, warmup, compile_wait=False,
             cache_dir=None):
    """One process: the program's BENCH_RESULT plus wall time, exit status
    and peak resident memory (from wait4, this child only)."""
    script = os.path.join(PROGRAMS_DIR, name + ".py")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # PyTorch mode must not see terra.
    # Cold runs: every block compiles (a cache left by an earlier round or
    # run would hide compile time); --cache DIR measures warm starts.
    if cache_dir:
        env["TERRA_CACHE"] = "1"
        env["TERRA_CACHE_DIR"] = cache_dir
    else:
        env["TERRA_CACHE"] = "0"
    if steps is not None:
        env["BENCH_STEPS"] = str(steps)
    if warmup is not None:
        env["BENCH_WARMUP"] = str(warmup)
    if mode == "coexec" and compile_wait:
        # Steady state: Python waits for each block's compilation, so the
        # steps run compiled code as soon as it exists (time to first step
        # is unaffected). By default the program runs as a user runs it,
        # compiling in the background.
        env["TERRA_COMPILE_WAIT"] = "1"
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        env["BENCH_T0"] = repr(time.time())
        start = time.perf_counter()
        child = subprocess.Popen(command_for(mode, script, build_dir),
                                 stdout=out, stderr=err, env=env,
                                 cwd=PROGRAMS_DIR)
        status, rusage = wait_with_timeout(child, TIMEOUT_S)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    result = None
    for line in stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line[len("BENCH_RESULT "):])
    run = {"mode": mode, "program": name, "exit_status": status,
           "wall_s": wall, "peak_rss_mb": rusage.ru_maxrss / 1024.0,
           "result": result}
    if status != 0 or result is None:
        run["error"] = (stderr.strip().splitlines() or ["no output"])[-12:]
    return run


def wait_with_timeout(child, timeout):
    deadline = time.monotonic() + timeout
    while True:
        pid, status, rusage = os.wait4(child.pid, os.WNOHANG)
        if pid == child.pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return child.returncode, rusage
        if time.monotonic() > deadline:
            child.kill()
            _, status, rusage = os.wait4(child.pid, 0)
            child.returncode = -9
            return "timeout", rusage
        time.sleep(0.02)


def relative_difference(values, reference):
    """Largest |a - b| / max(|b|, 1e-6) over paired numbers (nested lists
    allowed); inf if the shapes differ."""
    if isinstance(reference, (list, tuple)):
        if not isinstance(values, (list, tuple)) or len(values) != len(reference):
            return math.inf
        return max((relative_difference(v, r) for v, r in zip(values, reference)),
                   default=0.0)
    if isinstance(reference, (int, float)) and isinstance(values, (int, float)):
        if math.isnan(reference) or math.isnan(values):
            return 0.0 if math.isnan(reference) and math.isnan(values) else math.inf
        return abs(values - reference) / max(abs(reference), 1e-6)
    return 0.0 if values == reference else math.inf


def summarise(name, runs):
    """The best round per mode, and the comparisons against PyTorch."""
    best = {}
    for mode in MODES:
        ok = [r for r in runs if r["mode"] == mode and r["result"]
              and r["exit_status"] == 0]
        if not ok:
            failed = [r for r in runs if r["mode"] == mode]
            best[mode] = {"ok": False,
                          "error": failed[-1].get("error") if failed else None}
            continue
        fastest = max(ok, key=lambda r: r["result"]["steps_per_s"] or 0.0)
        result = fastest["result"]
        best[mode] = {
            "ok": True,
            "steps_per_s": result["steps_per_s"],
            "first_step_s": min(r["result"]["first_step_s"] for r in ok),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in ok),
            "losses": result["losses"],
            "extra": result["extra"],
            "terra": result["terra"],
        }
    summary = {"program": name, "modes": best}
    reference = best["torch"]
    for mode in ("imperative", "coexec"):
        entry = best[mode]
        if not (entry["ok"] and reference["ok"]):
            continue
        entry["loss_rel_diff"] = relative_difference(entry["losses"],
                                                     reference["losses"])
        entry["extra_rel_diff"] = relative_difference(entry["extra"],
                                                      reference["extra"])
        if entry["steps_per_s"] and reference["steps_per_s"]:
            entry["speedup_vs_torch"] = (entry["steps_per_s"]
                                         / reference["steps_per_s"])
        stats = entry["terra"] or {}
        if stats.get("op_calls"):
            entry["compiled_share"] = ((stats["ops_deferred"]
                                        - stats.get("ops_deferred_eager", 0))
                                       / stats["op_calls"])
            entry["compile_s"] = stats.get("compile_seconds", 0.0)
    coexec, imperative = best["coexec"], best["imperative"]
    if (coexec["ok"] and imperative["ok"] and coexec["steps_per_s"]
            and imperative["steps_per_s"]):
        coexec["speedup_vs_imperative"] = (coexec["steps_per_s"]
                                           / imperative["steps_per_s"])
    return summary


def fmt(value, pattern):
    return "—" if value is None else pattern % value


def markdown(summaries, header):
    lines = [header, "",
             "| program | PyTorch steps/s | imperative steps/s | co-exec steps/s "
             "| co-exec / PyTorch | co-exec / imperative | first step (s) "
             "PyTorch / co-exec | compile (s) | peak RSS (MB) PyTorch / co-exec "
             "| compiled ops | loss rel. diff imper. / co-exec |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in summaries:
        m = s["modes"]
        torch_, imper, coexec = m["torch"], m["imperative"], m["coexec"]

        def get(entry, key, pattern):
            return fmt(entry.get(key) if entry["ok"] else None, pattern)

        failed = [mode for mode in MODES if not m[mode]["ok"]]
        row = [s["program"] + (" (fails: %s)" % ", ".join(failed) if failed else ""),
               get(torch_, "steps_per_s", "%.2f"),
               get(imper, "steps_per_s", "%.2f"),
               get(coexec, "steps_per_s", "%.2f"),
               get(coexec, "speedup_vs_torch", "%.2fx"),
               get(coexec, "speedup_vs_imperative", "%.2fx"),
               get(torch_, "first_step_s", "%.2f") + " / "
               + get(coexec, "first_step_s", "%.2f"),
               get(coexec, "compile_s", "%.1f"),
               get(torch_, "peak_rss_mb", "%.0f") + " / "
               + get(coexec, "peak_rss_mb", "%.0f"),
               fmt(100 * coexec["compiled_share"]
                   if coexec.get("compiled_share") is not None else None,
                   "%.1f%%"),
               get(imper, "loss_rel_diff", "%.1e") + " / "
               + get(coexec, "loss_rel_diff", "%.1e")]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def chart(summaries, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is missing: no chart", file=sys.stderr)
        return
    names = [s["program"] for s in summaries]
    series = []
    for mode in ("imperative", "coexec"):
        values = []
        for s in summaries:
            entry = s["modes"][mode]
            values.append(entry.get("speedup_vs_torch", 0.0)
                          if entry["ok"] else 0.0)
        series.append((MODE_TITLES[mode], values))
    figure, axes = plt.subplots(figsize=(10, 4.5))
    width = 0.38
    for i, (title, values) in enumerate(series):
        positions = [x + (i - 0.5) * width for x in range(len(names))]
        axes.bar(positions, values, width, label=title)
    axes.axhline(1.0, color="black", linewidth=0.8)
    axes.set_xticks(range(len(names)))
    axes.set_xticklabels(names, rotation=30, ha="right")
    axes.set_ylabel("steps/s relative to PyTorch 1.13 eager")
    axes.set_title("Terra model suite")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--quick", action="store_true",
                        help="2 warm-up and 3 measured steps, one round")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--steps", type=int, default=None,
                        help="measured steps (default: each program's)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="warm-up steps (default: each program's)")
    parser.add_argument("--programs", default=None,
                        help="comma-separated names (default: all)")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--compile-wait", action="store_true",
                        help="co-execution waits for each compilation "
                        "(TERRA_COMPILE_WAIT=1): steady-state speed")
    parser.add_argument("--cache", default=None, metavar="DIR",
                        help="Terra runs save and load compiled blocks in "
                        "DIR (default: the compile cache is off, every run "
                        "is cold)")
    parser.add_argument("--check", type=float, default=None, metavar="TOL",
                        help="fail unless all runs succeed within TOL")
    args = parser.parse_args()

    names = program_names()
    if args.programs:
        wanted = args.programs.split(",")
        unknown = [n for n in wanted if n not in names]
        if unknown:
            parser.error("no such program: %s (have: %s)"
                         % (", ".join(unknown), ", ".join(names)))
        names = wanted
    rounds = args.rounds or (1 if args.quick else 3)
    steps, warmup = (3, 2) if args.quick else (args.steps, args.warmup)
    build_dir = os.path.abspath(args.build)

    runs = {name: [] for name in names}
    for round_index in range(rounds):
        for name in names:
            # Rotate the mode order so no mode always runs first.
            order = MODES[round_index % 3:] + MODES[:round_index % 3]
            for mode in order:
                print("[round %d/%d] %-18s %-10s" % (round_index + 1, rounds,
                                                   name, mode),
                      end=" ", flush=True)
                run = run_once(mode, name, build_dir, steps, warmup,
                               args.compile_wait,
                               args.cache and os.path.abspath(args.cache))
                runs[name].append(run)
                result = run["result"]
                if run.get("error"):
                    print("FAILED (%s)" % run["exit_status"])
                    print("    " + "\n    ".join(run["error"]))
                else:
                    print("%s steps/s, %.1f s" % (
                        fmt(result["steps_per_s"], "%.2f"), run["wall_s"]))

    summaries = [summarise(name, runs[name]) for name in names]
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    header = ("Model suite, %s, %d cores (%s), %d round(s)%s%s%s; best round "
              "per mode." % (time.strftime("%Y-%m-%d"), os.cpu_count(), cpu,
                             rounds, ", quick" if args.quick else "",
                             ", %s warm-up and %s measured steps"
                             % (warmup or "default", steps or "default")
                             if (steps or warmup) and not args.quick else "",
                             ", co-execution waiting for compilation"
                             if args.compile_wait else ""))
    table = markdown(summaries, header)
    print()
    print(table)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "latest.json"), "w") as out:
        json.dump({"header": header, "summaries": summaries,
                   "runs": {n: [{k: v for k, v in r.items() if k != "result"}
                                for r in rs] for n, rs in runs.items()}},
                  out, indent=1)
    with open(os.path.join(args.out, "latest.md"), "w") as out:
        out.write(table)
    chart(summaries, os.path.join(args.out, "speedups.png"))
    print("results in %s/" % args.out)

    if args.check is not None:
        bad = []
        for s in summaries:
            for mode in MODES:
                entry = s["modes"][mode]
                if not entry["ok"]:
                    bad.append("%s: %s failed" % (s["program"], mode))
                elif mode != "torch":
                    diff = max(entry.get("loss_rel_diff", math.inf),
                               entry.get("extra_rel_diff", math.inf))
                    if not diff <= args.check:
                        bad.append("%s: %s differs from PyTorch by %.2e"
                                   % (s["program"], mode, diff))
        if bad:
            print("suite check failed:\n  " + "\n  ".join(bad), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
