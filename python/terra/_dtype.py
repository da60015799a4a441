"""Tensor element types: terra.float32, terra.int64, ... as in torch."""

import builtins

import numpy as np


class dtype:
    """An element type. Compares by identity, prints as ``terra.float32``."""

    __slots__ = ("name", "_code", "_numpy", "is_floating_point", "itemsize")

    def __init__(self, name, code, numpy_type, is_floating_point, itemsize):
        self.name = name
        self._code = code
        self._numpy = np.dtype(numpy_type)
        self.is_floating_point = is_floating_point
        self.itemsize = itemsize

    def __repr__(self):
        return "terra." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))


# Codes are terra::DType's enumerators (include/terra/Runtime/Tensor.h).
bool = dtype("bool", 0, np.bool_, False, 1)
int32 = dtype("int32", 1, np.int32, False, 4)
int64 = dtype("int64", 2, np.int64, False, 8)
float32 = dtype("float32", 3, np.float32, True, 4)
float64 = dtype("float64", 4, np.float64, True, 8)

# PyTorch's aliases.
int = int32
long = int64
float = float32
double = float64

_BY_CODE = (bool, int32, int64, float32, float64)
_BY_NUMPY = {d._numpy: d for d in _BY_CODE}


def _by_name(name):
    return globals()[name]


def _from_code(code):
    return _BY_CODE[code]


def _from_numpy(numpy_dtype):
    try:
        return _BY_NUMPY[np.dtype(numpy_dtype)]
    except KeyError:
        raise TypeError(
            "can't convert np.ndarray of type %s. The only supported types "
            "are: float64, float32, int64, int32, and bool." % np.dtype(numpy_dtype)
        ) from None


def _resolve(value):
    """A terra dtype from a terra dtype, a NumPy dtype or a Python type."""
    if value is None or isinstance(value, dtype):
        return value
    if value is builtins.float:
        return float32
    if value is builtins.int:
        return int64
    if value is builtins.bool:
        return bool
    return _from_numpy(value)


def get_default_dtype():
    return float32
