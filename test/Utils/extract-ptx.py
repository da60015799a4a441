#!/usr/bin/env python3
"""Writes the PTX of every gpu.binary in MLIR text (stdin) to OUTDIR/N.ptx.

`terra-lower-to-nvvm` embeds PTX as the escaped `assembly` string of each
gpu.object; ptxas needs it as a plain file. With --ptxas PTXAS --arch SM,
each file is also assembled, and any ptxas error fails the script.
"""
import argparse
import os
import re
import subprocess
import sys


def unescape(text):
    # MLIR escapes non-printable bytes, quotes and backslashes as \XX (hex).
    return re.sub(r"\\([0-9A-Fa-f]{2})",
                  lambda m: chr(int(m.group(1), 16)), text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--ptxas", help="assemble each module with this ptxas")
    parser.add_argument("--arch", default="sm_80")
    args = parser.parse_args()
    out_dir = args.out_dir
    os.makedirs(out_dir, exist_ok=True)
    text = sys.stdin.read()
    blobs = re.findall(r'assembly = "((?:[^"\\]|\\.)*)"', text)
    if not blobs:
        sys.exit("extract-ptx.py: no gpu.object with PTX assembly in the input")
    for index, blob in enumerate(blobs):
        path = os.path.join(out_dir, f"{index}.ptx")
        with open(path, "w") as f:
            f.write(unescape(blob))
        if args.ptxas:
            result = subprocess.run(
                [args.ptxas, f"-arch={args.arch}", path, "-o", path + ".cubin"],
                capture_output=True, text=True)
            if result.returncode != 0:
                sys.exit(f"ptxas failed on {path}:\n{result.stderr}")
    action = "assembled" if args.ptxas else "extracted"
    print(f"{action} {len(blobs)} PTX modules")


if __name__ == "__main__":
    main()
