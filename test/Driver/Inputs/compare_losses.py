"""compare_losses.py REFERENCE CANDIDATE: the two files hold one loss per
line; exits 1 naming the first step whose relative difference exceeds 1e-4."""

import sys

reference = [float(line) for line in open(sys.argv[1])]
candidate = [float(line) for line in open(sys.argv[2])]
if len(reference) != len(candidate):
    sys.exit("different step counts: %d and %d" % (len(reference), len(candidate)))
for step, (r, c) in enumerate(zip(reference, candidate)):
    if abs(r - c) > 1e-4 * abs(r):
        sys.exit("step %d: loss %r vs %r (relative %.2e)" % (step, r, c, abs(r - c) / abs(r)))
print("%d steps agree to 1e-4 relative" % len(reference))
