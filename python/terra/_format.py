"""repr() of tensors in PyTorch's layout: tensor([1., 2.], dtype=...)."""

import numpy as np

from . import _dtype

_DEFAULT_DTYPES = (_dtype.float32, _dtype.int64, _dtype.bool)


def _float_formatter(values):
    finite = values[np.isfinite(values)]
    if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
        return lambda v: ("%.0f." % v) if np.isfinite(v) else str(v)
    nonzero = np.abs(finite[finite != 0])
    if nonzero.size and (nonzero.max() >= 1e8 or nonzero.min() < 1e-4):
        return lambda v: ("%.4e" % v) if np.isfinite(v) else str(v)
    return lambda v: ("%.4f" % v) if np.isfinite(v) else str(v)


def format_tensor(tensor, prefix="tensor("):
    array = tensor.numpy()
    if array.dtype == np.bool_:
        element = lambda v: "True" if v else "False"
    elif array.dtype.kind == "f":
        element = _float_formatter(array.astype(np.float64))
    else:
        element = str
    if array.size == 0:
        body = "[]" if array.ndim == 1 else "[], size=(%s)" % ", ".join(
            str(s) for s in array.shape)
    else:
        # Every element right-aligned to the widest, as PyTorch prints.
        width = max(len(element(v)) for v in array.reshape(-1)[:100000])
        formatter = {"all": lambda v: element(v).rjust(width)}
        body = np.array2string(
            array, separator=", ", prefix=prefix, formatter=formatter,
            max_line_width=80, threshold=1000, edgeitems=3)
    suffix = ""
    if tensor.dtype not in _DEFAULT_DTYPES:
        suffix += ", dtype=%r" % tensor.dtype
    grad_fn = getattr(tensor, "grad_fn", None)
    if grad_fn is not None:
        suffix += ", grad_fn=<%s>" % grad_fn.name()
    elif getattr(tensor, "requires_grad", False):
        suffix += ", requires_grad=True"
    return prefix + body + suffix + ")"
