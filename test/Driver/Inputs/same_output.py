"""Compares two program outputs: the same lines and words, numbers equal
within one unit of their last printed digit (co-execution's compiled blocks
may reassociate float sums, which moves a rounded last digit) or `--rtol`.

    same_output.py EXPECTED ACTUAL [--rtol R]
"""

import argparse
import sys


def number(word):
    try:
        return float(word)
    except ValueError:
        return None


def last_digit_unit(word):
    mantissa = word.lower().split("e")[0]
    digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(word.lower().split("e")[1]) if "e" in word.lower() else 0
    return 10.0 ** (exponent - digits)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("expected")
    parser.add_argument("actual")
    parser.add_argument("--rtol", type=float, default=1e-5)
    args = parser.parse_args()
    expected = open(args.expected).read().split("\n")
    actual = open(args.actual).read().split("\n")
    if len(expected) != len(actual):
        sys.exit("%d lines expected, %d met" % (len(expected), len(actual)))
    for line, (want, got) in enumerate(zip(expected, actual), 1):
        want_words, got_words = want.split(), got.split()
        same = len(want_words) == len(got_words)
        for a, b in zip(want_words, got_words):
            x, y = number(a.strip(",%()")), number(b.strip(",%()"))
            if x is None or y is None:
                same = same and a == b
            else:
                tolerance = max(args.rtol * abs(x),
                                1.01 * last_digit_unit(a.strip(",%()")))
                same = same and abs(x - y) <= tolerance
        if not same:
            sys.exit("line %d differs:\n  expected: %s\n  met:      %s" %
                     (line, want, got))


if __name__ == "__main__":
    main()
