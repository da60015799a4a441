"""Runs a command N times, each time sending it SIGINT (as Ctrl-C does) at a
random moment after it printed its first line; reports per trial whether it
ended by SIGINT with a KeyboardInterrupt traceback, within a time limit (no
hang). Usage: interrupt_trials.py N SEED COMMAND..."""
import random
import signal
import subprocess
import sys

signal.signal(signal.SIGINT, signal.SIG_DFL)  # lit may ignore SIGINT.

trials, seed, command = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
rng = random.Random(seed)
for trial in range(trials):
    process = subprocess.Popen(command, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    first = process.stdout.readline().strip()
    try:
        process.wait(timeout=rng.uniform(0.0, 0.3))
    except subprocess.TimeoutExpired:
        pass
    process.send_signal(signal.SIGINT)
    try:
        status = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        status = "hang"
    errors = process.stderr.read()
    interrupted = errors.rstrip().endswith("KeyboardInterrupt")
    print("trial %d: %s status %s %s" % (
        trial, first, status,
        "KeyboardInterrupt" if interrupted else "other:\n" + errors))
