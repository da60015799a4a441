import sys


def fail(kind):
    if kind == "raise":
        raise ValueError("bad value")
    if kind == "interrupt":
        raise KeyboardInterrupt


mode = sys.argv[1]
print("mode:", mode, flush=True)
if mode == "code":
    sys.exit(int(sys.argv[2]))
if mode == "message":
    sys.exit("stopped: " + sys.argv[2])
fail(mode)
print("end")
