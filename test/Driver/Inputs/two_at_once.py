"""Runs two terra-run processes at once: two_at_once.py TERRA_RUN SCRIPT
OUT1 OUT2 (each one's stdout to its file); fails unless both succeed."""
import subprocess
import sys

terra_run, script, outputs = sys.argv[1], sys.argv[2], sys.argv[3:5]
children = []
for path in outputs:
    children.append(subprocess.Popen([terra_run, script],
                                     stdout=open(path, "w")))
statuses = [child.wait() for child in children]
if any(statuses):
    sys.exit("exit statuses %s" % statuses)
