"""Helpers that turn NumPy / PyTorch reference results into FileCheck lines.

Run with Debian's /usr/bin/python3 (it has numpy and torch). The execution
tests print results with printMemref*, which writes each element with
`std::ostream << value` (6 significant digits, %g style) and nests rows in
brackets; `checks` emulates that layout. Where a few ulps of difference in
the compiled result could change the printed digits, the element becomes a
FileCheck regex accepting each rendering within the tolerance.
"""

import re

import numpy as np

TINY = "{{-?([0-9.]+e-(0[7-9]|[1-9][0-9]+)|0)}}"
NAN = "{{-?nan}}"


def fmt(value):
    """One element as std::ostream prints it (precision 6)."""
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    if np.isnan(value):
        return "nan"
    if np.isinf(value):
        return "inf" if value > 0 else "-inf"
    return "%g" % value


def element(value, rtol, atol):
    """A FileCheck pattern for one element."""
    if not isinstance(value, (float, np.floating)):
        return fmt(value)
    value = float(value)
    if np.isnan(value):
        return NAN
    if np.isinf(value) or (rtol == 0 and atol == 0):
        return fmt(value)
    if abs(value) <= atol:
        return TINY
    spellings = []
    for k in np.linspace(-1.0, 1.0, 81):
        spelling = fmt(value * (1.0 + k * rtol))
        if spelling not in spellings:
            spellings.append(spelling)
    if len(spellings) == 1:
        return spellings[0]
    return "{{(" + "|".join(re.escape(s).replace("\\-", "-") for s in spellings) + ")}}"


def _print(array, dim, out, pattern):
    """Mirrors MemRefDataPrinter<T>::print in mlir/ExecutionEngine/RunnerUtils.h
    (spacing aside: FileCheck canonicalises horizontal whitespace)."""
    if dim == 0:
        out.append(pattern(array[()]))
        return
    size = array.shape[0]
    out.append("[")
    _print(array[0], dim - 1, out, pattern)
    if size <= 1:
        out.append("]")
        return
    out.append(", ")
    if dim > 1:
        out.append("\n")
    for i in range(1, size - 1):
        out.append(" ")
        _print(array[i], dim - 1, out, pattern)
        out.append(", ")
        if dim > 1:
            out.append("\n")
    out.append(" ")
    _print(array[size - 1], dim - 1, out, pattern)
    out.append("]")


def checks(array, rtol=1e-6, atol=1e-6, prefix="CHECK"):
    """FileCheck lines matching printMemref*'s output for `array`."""
    array = np.asarray(array)
    if array.dtype == np.bool_:
        array = array.astype(np.int64)
    shape = list(array.shape)
    strides = [int(np.prod(shape[i + 1:])) for i in range(len(shape))]
    header = "rank = %d offset = 0 sizes = [%s] strides = [%s] data =" % (
        array.ndim, ", ".join(map(str, shape)), ", ".join(map(str, strides)))
    out = []
    pattern = lambda v: element(v, rtol, atol)
    if array.ndim == 0:
        out.append("[" + pattern(array[()]) + "]")
    else:
        _print(array, array.ndim, out, pattern)
    lines = ["// %s: %s" % (prefix, header)]
    for line in "".join(out).split("\n"):
        line = " ".join(line.split())
        # FileCheck reads `[[` as a variable: spell nested opening brackets
        # as a regex.
        opening = len(line) - len(line.lstrip("["))
        if opening > 1:
            line = "{{" + "\\[" * opening + "}}" + line[opening:]
        lines.append("// %s-NEXT: %s" % (prefix, line))
    return "\n".join(lines)


def dense(array):
    """An MLIR dense literal for `array` (exact: floats as repr, NaN/inf as hex)."""
    array = np.asarray(array)

    def item(v):
        if array.dtype == np.bool_:
            return "true" if v else "false"
        if np.issubdtype(array.dtype, np.integer):
            return str(int(v))
        if np.isnan(v) or np.isinf(v):
            if array.dtype == np.float32:
                return "0x%08X" % np.float32(v).view(np.uint32)
            return "0x%016X" % np.float64(v).view(np.uint64)
        return repr(float(v))

    def rec(a):
        if a.ndim == 0:
            return item(a[()])
        return "[" + ", ".join(rec(x) for x in a) + "]"

    return "dense<" + rec(array) + ">"
