"""Starts a command, waits until it has printed its first line and sleeps,
sends it SIGINT (as Ctrl-C does) and prints "status: N" once it has ended."""
import signal
import subprocess
import sys
import time

# lit may run tests with SIGINT ignored, which the child would inherit (and
# then no Ctrl-C reaches Python); give it the default disposition.
signal.signal(signal.SIGINT, signal.SIG_DFL)


def sleeping(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rpartition(")")[2].split()[0] == "S"


process = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, text=True)
print(process.stdout.readline(), end="", flush=True)
# Interrupt the sleep itself, so that the traceback is always the same.
while not sleeping(process.pid):
    time.sleep(0.01)
process.send_signal(signal.SIGINT)
print(process.stdout.read(), end="")
print("status:", process.wait(), flush=True)
