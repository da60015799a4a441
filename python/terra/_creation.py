"""Tensor creation functions with PyTorch's names and signatures."""

import builtins
import math
import numbers

import numpy as np

import _terra

from . import _dtype
from ._device import _require_cpu
from ._tensor import Tensor, _shape_arg


def _code(dtype, default=None):
    dtype = _dtype._resolve(dtype) or default
    return None if dtype is None else dtype._code


def _finish(result, requires_grad):
    if requires_grad:
        result.requires_grad_(True)
    return result


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor copying `data` (nested lists, scalars, arrays, tensors)."""
    _require_cpu(device)
    if isinstance(data, np.ndarray) and dtype is None:
        dtype = _dtype._from_numpy(data.dtype)
    return _finish(_terra.tensor(data, _code(dtype)), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Shares memory with `data` when it already is a tensor or a NumPy array
    of the requested dtype."""
    _require_cpu(device)
    dtype = _dtype._resolve(dtype)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        result = from_numpy(data)
        return result if dtype is None else result.to(dtype)
    return tensor(data, dtype)


def from_numpy(array):
    """A tensor sharing `array`'s memory (zero-copy), as torch.from_numpy."""
    if not isinstance(array, np.ndarray):
        raise TypeError("expected np.ndarray (got %s)" % type(array).__name__)
    _dtype._from_numpy(array.dtype)  # Raises for unsupported dtypes.
    if array.dtype.byteorder == ">":
        raise ValueError("given numpy array has byte order different from the "
                         "native byte order. Conversion between byte orders is "
                         "currently not supported.")
    return _terra.from_buffer(array)


def empty(*size, dtype=None, device=None, requires_grad=False, **_):
    _require_cpu(device)
    return _finish(_terra.empty(_shape_arg(size), _code(dtype, _dtype.float32)),
                   requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    _require_cpu(device)
    if dtype is None:
        dtype = (_dtype.bool if isinstance(fill_value, builtins.bool) else
                 _dtype.int64 if isinstance(fill_value, numbers.Integral) else
                 _dtype.float32)
    return _finish(_terra.full(tuple(size), fill_value, _code(dtype)),
                   requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    _require_cpu(device)
    return _finish(_terra.full(_shape_arg(size), 0, _code(dtype, _dtype.float32)),
                   requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    _require_cpu(device)
    return _finish(_terra.full(_shape_arg(size), 1, _code(dtype, _dtype.float32)),
                   requires_grad)


def _like(input, dtype):
    return input.shape, (_dtype._resolve(dtype) or input.dtype)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    shape, dtype = _like(input, dtype)
    return empty(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    shape, dtype = _like(input, dtype)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    shape, dtype = _like(input, dtype)
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    shape, dtype = _like(input, dtype)
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None,
           requires_grad=False):
    """Values from start (inclusive) to end (exclusive) by step; integer
    arguments give int64, as in PyTorch."""
    _require_cpu(device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    integral = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    if dtype is None:
        dtype = _dtype.int64 if integral else _dtype.float32
    dtype = _dtype._resolve(dtype)
    count = builtins.max(0, math.ceil((end - start) / step))
    values = np.arange(count, dtype=np.float64) * step + start
    return _finish(tensor(values.astype(dtype._numpy), dtype=dtype),
                   requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    _require_cpu(device)
    dtype = _dtype._resolve(dtype) or _dtype.float32
    values = np.linspace(start, end, steps, dtype=np.float64)
    return _finish(tensor(values.astype(dtype._numpy), dtype=dtype),
                   requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    _require_cpu(device)
    dtype = _dtype._resolve(dtype) or _dtype.float32
    return _finish(tensor(np.eye(n, m, dtype=dtype._numpy), dtype=dtype),
                   requires_grad)
