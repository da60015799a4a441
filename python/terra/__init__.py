"""Terra: imperative deep-learning programs at compiled speed.

The API follows PyTorch's names, signatures and semantics, so that code
ports by changing the import (or unchanged under ``terra-run --torch``).
"""

import _terra

from . import _dtype
from ._creation import (arange, as_tensor, empty, empty_like, eye, from_numpy,
                        full, full_like, linspace, ones, ones_like, tensor,
                        zeros, zeros_like)
from ._device import device
from ._dtype import (bool, double, dtype, float, float32, float64,
                     get_default_dtype, int, int32, int64, long)
from ._functions import (abs, add, clamp, clip, cos, div, eq, erf, exp, ge,
                         gt, le, log, logical_not, lt, maximum, minimum, mul,
                         ne, neg, pow, relu, rsqrt, sigmoid, sin, sqrt, sub,
                         tanh, where)
from ._tensor import Size, Tensor

__version__ = _terra.__version__


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()
