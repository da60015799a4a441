"""Runs a command, then prints "status: N" (its exit status; -N when a
signal N ended it), so that a test can check the exact status."""
import subprocess
import sys

status = subprocess.run(sys.argv[1:]).returncode
print("status:", status, flush=True)
