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
from . import autograd
from ._autograd import (enable_grad, inference_mode, is_grad_enabled, no_grad,
                        set_grad_enabled)
from ._functions import (all, any, argsort, nonzero, sort, topk, tril,
                         triu)
from ._functions import (abs, add, allclose, amax, amin, argmax, argmin, bmm,
                         cat, chunk, clamp, clip, concat, cos, div, eq, equal,
                         erf, exp, flatten, ge, gt, index_select, le, log,
                         log_softmax, logical_not, lt, masked_select, matmul,
                         max, maximum, mean, min, minimum, mm, mul, ne, neg,
                         permute, pow, relu, reshape, rsqrt, sigmoid, sin,
                         softmax, split, sqrt, squeeze, stack, std, sub, sum,
                         tanh, transpose, unsqueeze, var, where)
from ._tensor import Size, Tensor

__version__ = _terra.__version__


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()

from . import random
from ._random import (Generator, bernoulli, default_generator, get_rng_state,
                      initial_seed, manual_seed, multinomial, normal, rand,
                      rand_like, randint, randint_like, randn, randn_like,
                      randperm, seed, set_rng_state)
from . import utils
from . import nn, optim
from . import serialization
from ._serialization import load, save
from . import accelerator, backends, cuda
from ._device import get_default_device, set_default_device
from ._surface import (compile, finfo, from_dlpack, get_default_dtype,
                       get_printoptions, iinfo, is_floating_point,
                       set_default_dtype, set_printoptions, typename)
from ._surface import _missing_attribute as __getattr__

from . import _explain

_explain._start_from_environment()
