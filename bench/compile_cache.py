"""Compile latency of model-suite programs, cold and warm, in one run.

For each program: Terra imperative (the reference first step), then
co-execution with an empty compile cache (cold: every block compiles), then
co-execution again with the cache the cold run filled (warm: blocks load
instead). The co-executed runs wait for each block's code when they enter it
(TERRA_COMPILE_WAIT=1), so that every hot block is compiled (or loaded) in
the run and its whole cost shows in the wall time. Per run it reports time
to first step, steps/s after warm-up, wall time, background compilations,
blocks loaded from the cache and compile time. Programs whose shapes change
from step to step (--varying, compiling in the background as users run
them) show how many compilations and recompilations (blocks compiled again
at a site) a run makes.

Writes bench/results/compile-cache.{md,json} (or --out DIR).

Usage: /usr/bin/python3 bench/compile_cache.py [--build build]
           [--programs a,b] [--varying c,d] [--out DIR]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import suite  # noqa: E402  (run_once: one process, its BENCH_RESULT)


def terra_numbers(run):
    result = run["result"] or {}
    stats = result.get("terra") or {}
    return {
        "first_step_s": result.get("first_step_s"),
        "steps_per_s": result.get("steps_per_s"),
        "compilations": stats.get("compilations"),
        "cache_loads": stats.get("cache_loads"),
        "recompilations": stats.get("recompilations"),
        "compile_s": stats.get("compile_seconds"),
        "dynamic_nodes": stats.get("dynamic_nodes"),
        "wall_s": run["wall_s"],
        "error": run.get("error"),
    }


def measure(name, build_dir, cache_dir):
    rows = {}
    rows["imperative"] = terra_numbers(
        suite.run_once("imperative", name, build_dir, None, None))
    for kind in ("cold", "warm"):
        rows[kind] = terra_numbers(
            suite.run_once("coexec", name, build_dir, None, None,
                           compile_wait=True, cache_dir=cache_dir))
    return rows


def fmt(value, spec):
    return "-" if value is None else spec % value


def markdown(results, varying):
    lines = [
        "| program | first step: imperative / cold / warm (s) "
        "| steps/s: imperative / cold / warm "
        "| wall (s): imperative / cold / warm "
        "| cold: compilations, compile time | warm: loaded, compiled, "
        "compile time |",
        "|---|---|---|---|---|---|",
    ]
    for name, rows in results.items():
        imp, cold, warm = rows["imperative"], rows["cold"], rows["warm"]
        lines.append(
            "| %s | %s / %s / %s | %s / %s / %s | %s / %s / %s | %s, %s s "
            "| %s, %s, %s s |"
            % (name, fmt(imp["first_step_s"], "%.2f"),
               fmt(cold["first_step_s"], "%.2f"),
               fmt(warm["first_step_s"], "%.2f"),
               fmt(imp["steps_per_s"], "%.2f"),
               fmt(cold["steps_per_s"], "%.2f"),
               fmt(warm["steps_per_s"], "%.2f"),
               fmt(imp["wall_s"], "%.1f"), fmt(cold["wall_s"], "%.1f"),
               fmt(warm["wall_s"], "%.1f"),
               fmt(cold["compilations"], "%d"), fmt(cold["compile_s"], "%.1f"),
               fmt(warm["cache_loads"], "%d"), fmt(warm["compilations"], "%d"),
               fmt(warm["compile_s"], "%.2f")))
    if varying:
        lines += [
            "",
            "| program (shapes vary) | steps | compilations | recompilations "
            "| nodes with dynamic sizes | compile time (s) | steps/s |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, row in varying.items():
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                name, row.get("steps", "-"), fmt(row["compilations"], "%d"),
                fmt(row["recompilations"], "%d"),
                fmt(row["dynamic_nodes"], "%d"), fmt(row["compile_s"], "%.1f"),
                fmt(row["steps_per_s"], "%.2f")))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--programs", default="bert_cls,gpt2,resnet50")
    parser.add_argument("--varying",
                        default="music_transformer,sdpoint,faster_rcnn")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    build_dir = os.path.abspath(args.build)

    results, varying = {}, {}
    cache_root = tempfile.mkdtemp(prefix="terra-cache-bench-")
    try:
        for name in filter(None, args.programs.split(",")):
            print("%-18s imperative, cold, warm" % name, flush=True)
            results[name] = measure(name, build_dir,
                                    os.path.join(cache_root, name))
            for kind in ("imperative", "cold", "warm"):
                if results[name][kind]["error"]:
                    print("  %s FAILED: %s" % (kind, results[name][kind]["error"]))
        for name in filter(None, args.varying.split(",")):
            print("%-18s co-execution, shapes varying" % name, flush=True)
            run = suite.run_once("coexec", name, build_dir, None, None)
            varying[name] = terra_numbers(run)
            result = run["result"] or {}
            varying[name]["steps"] = len(result.get("losses", []))
    finally:
        shutil.rmtree(cache_root, ignore_errors=True)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "compile-cache.json"), "w") as f:
        json.dump({"programs": results, "varying": varying}, f, indent=1)
    table = markdown(results, varying)
    with open(os.path.join(args.out, "compile-cache.md"), "w") as f:
        f.write(table)
    print(table)


if __name__ == "__main__":
    main()
