"""Random numbers: terra.Generator, manual_seed, rand, randn, randint, ...

Terra draws every random number from Philox-4x32-10, a counter-based
generator (Salmon et al., SC'11), exactly as the ``terra.random_uniform``,
``terra.random_normal`` and ``terra.random_bernoulli`` dialect ops define it
(dialects/terra/RandomOps.td): element ``i`` of a draw is a pure function of
a 64-bit *key* and the 64-bit *counter* ``counter + i``.

A :class:`Generator` is therefore nothing but a key (from the seed) and a
counter; every draw of ``n`` elements uses counters ``counter .. counter+n-1``
and then advances the counter by ``n``. Because the state is two integers and
the draw is a pure function of them, the eager kernels and compiled code
(which is handed the same key and counter, see :func:`next_key_counter`)
produce identical numbers, and a recompiled or re-run stretch of a program
draws exactly what the imperative run drew.

The streams differ from PyTorch's (PyTorch's CPU generator is a Mersenne
Twister): ``terra.manual_seed(0); terra.rand(3)`` is reproducible run to
run, on every machine and in eager and compiled code, but it is not
``torch.rand(3)`` after ``torch.manual_seed(0)``.

How each distribution consumes the stream (counter steps per element):

* ``rand``/``uniform_``: 1; the top 24 bits of the first Philox word.
* ``randn``/``normal``/``normal_``: 1; Box-Muller of the first two words.
* ``bernoulli``/``bernoulli_``: 1; the uniform at the same position < p.
* ``randint``/``random_``: 1 for ranges up to 2**24, 2 above (a 48-bit
  integer k, scaled as floor(k * range / 2**48)).
* ``randperm(n)``: 2n (48-bit sort keys, argsorted).
* ``multinomial``: one uniform per sample with replacement, one per
  category per row without (exponential race keys).
"""

import contextlib
import numbers
import os
import time

import numpy as np

import _terra

from . import _dtype
from ._device import _require_cpu
from ._tensor import Tensor, _shape_arg

__all__ = [
    "Generator", "default_generator", "manual_seed", "seed", "initial_seed",
    "get_rng_state", "set_rng_state", "fork_rng", "next_key_counter",
    "rand", "randn", "randint", "randperm", "rand_like", "randn_like",
    "randint_like", "bernoulli", "normal", "multinomial",
]

_MASK64 = (1 << 64) - 1

# PyTorch's default CPU seed: an unseeded program is still reproducible.
_DEFAULT_SEED = 67280421310721


def _signed(value):
    """The two's complement int64 of an unsigned 64-bit value: the form the
    native functions (and the dialect's i64 scalars) take."""
    return value - (1 << 64) if value >= (1 << 63) else value


class Generator:
    """The state of a random stream: a 64-bit key and a 64-bit counter.

    ``Generator().manual_seed(s)`` sets the key to ``s`` (modulo 2**64) and
    the counter to 0. ``get_state()`` returns both as an int64 tensor of two
    elements (PyTorch returns a uint8 tensor; terra has no uint8 dtype).
    """

    def __init__(self, device="cpu"):
        from ._device import _require_cpu, device as _device_class

        self.device = _device_class(device)
        _require_cpu(self.device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Sets the key from `seed` and the counter to 0; returns self."""
        seed = int(seed)
        if not -(1 << 63) <= seed <= _MASK64:
            raise RuntimeError(
                "Overflow when unpacking long: seed must be within the range "
                "[-0x8000_0000_0000_0000, 0xffff_ffff_ffff_ffff]")
        self._seed = seed & _MASK64
        self._key = self._seed
        self._counter = 0
        return self

    def seed(self):
        """Seeds from the operating system's entropy; returns the seed."""
        value = int.from_bytes(os.urandom(8), "little") ^ time.time_ns()
        self.manual_seed(value & ((1 << 63) - 1))
        return self._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The key and the counter as an int64 tensor [key, counter]."""
        return _terra.tensor([_signed(self._key), _signed(self._counter)],
                             _dtype.int64._code)

    def set_state(self, new_state):
        """Restores a state from get_state() (also accepts the 16 bytes
        key, counter as little-endian uint64)."""
        if isinstance(new_state, Tensor):
            values = new_state.numpy()
        else:
            values = np.asarray(new_state)
        if isinstance(new_state, (bytes, bytearray)):
            values = np.frombuffer(bytes(new_state), dtype=np.uint8)
        if values.dtype == np.uint8 and values.size == 16:
            key, counter = np.frombuffer(values.tobytes(), dtype="<u8")
        elif values.dtype.kind in "iu" and values.shape == (2,):
            key, counter = values
        else:
            raise RuntimeError(
                "set_state: expected the int64 tensor [key, counter] of "
                "get_state(), got %s of shape %s"
                % (values.dtype, tuple(values.shape)))
        self._key = int(key) & _MASK64
        self._counter = int(counter) & _MASK64
        return self

    def _next(self, numel):
        """(key, counter) for `numel` elements as native int64 values, and
        advances the counter past them."""
        key, counter = self._key, self._counter
        self._counter = (counter + int(numel)) & _MASK64
        return _signed(key), _signed(counter)

    def __repr__(self):
        return "<terra.Generator key=%#x counter=%d>" % (self._key, self._counter)


default_generator = Generator()


def manual_seed(seed):
    """Seeds the default generator (torch.manual_seed); returns it."""
    return default_generator.manual_seed(seed)


def seed():
    """Seeds the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, **_):
    """Restores the default generator's state on exit (torch.random.fork_rng)."""
    if not enabled:
        yield
        return
    state = default_generator.get_state()
    try:
        yield
    finally:
        default_generator.set_state(state)


def next_key_counter(numel, generator=None):
    """Reserves `numel` elements of the stream: returns (key, counter) as
    signed int64 values ready for ``_terra.random_*`` and the dialect's
    random ops, and advances the generator's counter by `numel`.

    nn.Dropout and compiled code draw through this, so that they consume
    the same stream positions as the eager functions here.
    """
    return (generator or default_generator)._next(numel)


# -- helpers ---------------------------------------------------------------

def _float_dtype(dtype, op):
    dtype = _dtype._resolve(dtype) or _dtype.get_default_dtype()
    if not dtype.is_floating_point:
        raise RuntimeError(
            "%s(): expected a floating point dtype, got %r" % (op, dtype))
    return dtype


def _size(size, op):
    if len(size) == 1 and size[0] is None:
        raise TypeError("%s() missing required argument 'size'" % op)
    shape = _shape_arg(size)
    for s in shape:
        if not isinstance(s, numbers.Integral) or s < 0:
            raise RuntimeError(
                "%s(): sizes must be non-negative integers, got %s" % (op, shape))
    return tuple(int(s) for s in shape)


def _numel(shape):
    count = 1
    for s in shape:
        count *= s
    return count


def _finish(result, requires_grad=False, out=None):
    if out is not None:
        if tuple(out.shape) != tuple(result.shape):
            raise RuntimeError(
                "out= has shape %s, the result has shape %s"
                % (tuple(out.shape), tuple(result.shape)))
        return out.copy_(result)
    if requires_grad:
        result.requires_grad_(True)
    return result


def _uniform(shape, dtype, generator, low=0.0, high=1.0):
    key, counter = next_key_counter(_numel(shape), generator)
    return _terra.random_uniform(shape, dtype._code, key, counter,
                                 float(low), float(high))


def _normal(shape, dtype, generator, mean=0.0, std=1.0):
    key, counter = next_key_counter(_numel(shape), generator)
    return _terra.random_normal(shape, dtype._code, key, counter,
                                float(mean), float(std))


def _keys48(count, generator):
    """`count` integers uniform in [0, 2**48) (NumPy int64): two 24-bit
    uniforms each, so two counter steps per element."""
    words = _uniform((2, count), _dtype.float64, generator, 0.0, 2.0**24)
    words = words.numpy().astype(np.int64)
    return (words[0] << 24) | words[1]


def _integers(shape, low, high, generator):
    """NumPy int64 array of `shape` with integers uniform in [low, high)."""
    low, high = int(low), int(high)
    span = high - low
    if span <= 0:
        raise RuntimeError(
            "random_ expects 'from' to be less than 'to', but got from=%d >= "
            "to=%d" % (low, high))
    count = _numel(shape)
    if span <= 1 << 24:
        # u = k / 2**24 is exact and so is u * span: floor(k * span / 2**24).
        values = _uniform((count,), _dtype.float64, generator, 0.0, float(span))
        values = np.floor(values.numpy()).astype(np.int64) + low
    else:
        # floor(k * span / 2**48) with a 48-bit k, in exact integers.
        keys = _keys48(count, generator).astype(object)
        values = np.array((keys * span >> 48) + low, dtype=np.int64)
    return values.reshape(shape)


# -- creation functions ------------------------------------------------------

def rand(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """Uniform numbers in [0, 1) (torch.rand)."""
    _require_cpu(device)
    shape = _size(args if size is None else (size,), "rand")
    dtype = _float_dtype(dtype, "rand")
    return _finish(_uniform(shape, dtype, generator), requires_grad, out)


def randn(*args, size=None, generator=None, out=None, dtype=None, layout=None,
          device=None, requires_grad=False, pin_memory=False):
    """Standard normal numbers (torch.randn)."""
    _require_cpu(device)
    shape = _size(args if size is None else (size,), "randn")
    dtype = _float_dtype(dtype, "randn")
    return _finish(_normal(shape, dtype, generator), requires_grad, out)


def randint(*args, size=None, generator=None, out=None, dtype=None,
            layout=None, device=None, requires_grad=False, pin_memory=False,
            low=None, high=None):
    """Integers uniform in [low, high): randint(high, size) or
    randint(low, high, size) (torch.randint); int64 unless `dtype`."""
    _require_cpu(device)
    args = list(args)
    if size is None and args and not isinstance(args[-1], numbers.Number):
        size = args.pop()
    if high is None:
        if not args:
            raise TypeError("randint() missing required argument 'high'")
        high = args.pop()
    if low is None:
        low = args.pop() if args else 0
    if args or size is None:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    shape = _size((size,), "randint")
    dtype = _dtype._resolve(dtype) or _dtype.int64
    values = _integers(shape, int(low), int(high), generator)
    result = _terra.tensor(values.astype(dtype._numpy), dtype._code)
    return _finish(result, requires_grad, out)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None,
             device=None, requires_grad=False, pin_memory=False):
    """A random permutation of 0 .. n-1 (torch.randperm): argsort of 48-bit
    keys drawn from the generator (2n counter steps); ties (rare) keep
    index order, so the result is always a permutation."""
    _require_cpu(device)
    n = int(n)
    if n < 0:
        raise RuntimeError("randperm(): n must be non-negative, got %d" % n)
    dtype = _dtype._resolve(dtype) or _dtype.int64
    order = np.argsort(_keys48(n, generator), kind="stable")
    result = _terra.tensor(order.astype(dtype._numpy), dtype._code)
    return _finish(result, requires_grad, out)


def _like_dtype(input, dtype):
    return _dtype._resolve(dtype) or input.dtype


def rand_like(input, *, dtype=None, layout=None, device=None,
              requires_grad=False, memory_format=None, generator=None):
    return rand(input.shape, dtype=_like_dtype(input, dtype), device=device,
                requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, layout=None, device=None,
               requires_grad=False, memory_format=None, generator=None):
    return randn(input.shape, dtype=_like_dtype(input, dtype), device=device,
                 requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None,
                 device=None, requires_grad=False, memory_format=None,
                 generator=None):
    """randint_like(input, high) or randint_like(input, low, high)."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=_like_dtype(input, dtype),
                   device=device, requires_grad=requires_grad,
                   generator=generator)


# -- distributions -----------------------------------------------------------

def _probabilities(p, shape, dtype):
    """A contiguous float tensor of `shape` holding `p`, checked in [0, 1]."""
    if isinstance(p, Tensor):
        probs = p.detach()
        if not probs.dtype.is_floating_point:
            probs = probs.to(dtype)
        if tuple(probs.shape) != tuple(shape):
            probs = probs.expand(shape)
        probs = probs.contiguous()
        values = probs.numpy()
        if values.size and not ((values >= 0) & (values <= 1)).all():
            raise RuntimeError("bernoulli: expected all probabilities in "
                               "[0, 1]")
        return probs
    p = float(p)
    if not 0 <= p <= 1:
        raise RuntimeError("bernoulli_ expects p to be in [0, 1], but got p=%g" % p)
    return _terra.full(tuple(shape), p, dtype._code)


def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 draws: element i is 1 with probability input[i] (or `p`), in
    input's dtype (torch.bernoulli)."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "bernoulli(): expected a floating point tensor of probabilities, "
            "got %r" % input.dtype)
    probs = _probabilities(input if p is None else p, input.shape, input.dtype)
    key, counter = next_key_counter(probs.numel(), generator)
    return _finish(_terra.random_bernoulli(probs, key, counter), out=out)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None,
           dtype=None, layout=None, device=None, requires_grad=False,
           pin_memory=False):
    """torch.normal: normal(mean, std) with tensors (broadcast) or numbers,
    normal(mean, std, size) with numbers."""
    _require_cpu(device)
    tensor_args = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not tensor_args:
        if size is None:
            raise TypeError("normal() with float mean and std needs a size")
        _check_std(std)
        dtype = _float_dtype(dtype, "normal")
        result = _normal(_size((size,), "normal"), dtype, generator, mean, std)
        return _finish(result, requires_grad, out)
    if size is not None:
        raise TypeError("normal() with tensor mean or std takes no size")
    if isinstance(std, Tensor):
        values = std.detach().numpy()
        if values.size and (values < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    else:
        _check_std(std)
    dtypes = [t.dtype for t in tensor_args]
    dtype = (_dtype.float64 if _dtype.float64 in dtypes else
             _float_dtype(dtypes[0] if dtypes[0].is_floating_point else None,
                          "normal"))
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensor_args))
    result = mean + std * _normal(tuple(shape), dtype, generator)
    return _finish(result, out=out)


def _check_std(std):
    if std < 0:
        raise RuntimeError("normal expects std >= 0.0, but found std %g" % std)


def multinomial(input, num_samples, replacement=False, *, generator=None,
                out=None):
    """Indices drawn from the categories weighted by each row of `input`
    (torch.multinomial); int64, shape (num_samples,) or (rows, num_samples).

    With replacement: inverse transform of one uniform per sample. Without:
    the `num_samples` largest keys log(u) / w (an exponential race, which
    samples without replacement in proportion to the weights)."""
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    weights = input.detach().to(_dtype.float64).numpy()
    rows = weights.reshape(-1, weights.shape[-1])
    categories = rows.shape[1]
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` "
                           "or element < 0")
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    num_samples = int(num_samples)
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if replacement:
        cumulative = np.cumsum(rows, axis=1)
        cumulative /= cumulative[:, -1:]
        u = _uniform((rows.shape[0], num_samples), _dtype.float64,
                     generator).numpy()
        result = np.stack([
            np.minimum(np.searchsorted(c, x, side="right"), categories - 1)
            for c, x in zip(cumulative, u)])
    else:
        if num_samples > categories:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) "
                               "samples without replacement")
        if ((rows > 0).sum(axis=1) < num_samples).any():
            raise RuntimeError("invalid multinomial distribution (with "
                               "replacement=False, not enough non-negative "
                               "category to sample)")
        u = _uniform(rows.shape, _dtype.float64, generator).numpy()
        with np.errstate(divide="ignore"):
            keys = np.log1p(-u) / rows  # -inf for weight 0: drawn last.
        keys[rows == 0] = -np.inf
        result = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    result = result.astype(np.int64).reshape(weights.shape[:-1] + (num_samples,))
    return _finish(_terra.tensor(result, _dtype.int64._code), out=out)


# -- in-place Tensor methods (installed on terra.Tensor below) --------------

def _fill(tensor, values):
    """Writes `values` into `tensor` (in place) and returns `tensor`."""
    _terra.copy_(tensor, values)
    return tensor


def _draw_dtype(tensor):
    return tensor.dtype if tensor.dtype.is_floating_point else _dtype.float64


def _uniform_(self, a=0.0, b=1.0, *, generator=None, **kwargs):
    """Fills with numbers uniform in [a, b) (Tensor.uniform_; `from`/`to`
    are accepted as keywords too)."""
    a, b = kwargs.pop("from", a), kwargs.pop("to", b)
    if kwargs:
        raise TypeError("uniform_() got unexpected arguments %s" % list(kwargs))
    if not self.dtype.is_floating_point:
        raise RuntimeError(
            "uniform_(): expected a floating point tensor, got %r" % self.dtype)
    if a > b:
        raise RuntimeError("uniform_ expects to return a [from, to) range, but "
                           "found from=%g > to=%g" % (a, b))
    return _fill(self, _uniform(tuple(self.shape), self.dtype, generator, a, b))


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fills with normal numbers (Tensor.normal_)."""
    if not self.dtype.is_floating_point:
        raise RuntimeError(
            "normal_(): expected a floating point tensor, got %r" % self.dtype)
    _check_std(std)
    return _fill(self, _normal(tuple(self.shape), self.dtype, generator,
                               mean, std))


def _bernoulli_(self, p=0.5, *, generator=None):
    """Fills with 0/1 draws, 1 with probability `p` (a number or a tensor
    broadcast to self's shape) (Tensor.bernoulli_)."""
    probs = _probabilities(p, tuple(self.shape), _draw_dtype(self))
    key, counter = next_key_counter(probs.numel(), generator)
    return _fill(self, _terra.random_bernoulli(probs, key, counter))


def _bernoulli(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


def _random_(self, *args, generator=None, **kwargs):
    """Fills with integers uniform in [from, to) (Tensor.random_):
    random_(from, to), random_(to), or random_() up to the largest integer
    the dtype holds (2**mantissa inclusive for floats)."""
    low, high = kwargs.pop("from", 0), kwargs.pop("to", None)
    if kwargs or len(args) > 2:
        raise TypeError("random_() takes (from, to), (to) or no arguments")
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        high = args[0]
    if high is None:
        high = {"float32": (1 << 24) + 1, "float64": (1 << 53) + 1,
                "int32": 1 << 31, "int64": 1 << 63, "bool": 2}[self.dtype.name]
    values = _integers(tuple(self.shape), low, high, generator)
    return _fill(self, _terra.tensor(values.astype(self.dtype._numpy),
                                     self.dtype._code))


def _exponential_(self, lambd=1.0, *, generator=None):
    """Fills with exponential numbers of rate `lambd` (Tensor.exponential_)."""
    u = _uniform(tuple(self.shape), _dtype.float64, generator).numpy()
    values = -np.log1p(-u) / lambd
    return _fill(self, _terra.tensor(values.astype(self.dtype._numpy),
                                     self.dtype._code))


def _multinomial(self, num_samples, replacement=False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)


Tensor.uniform_ = _uniform_
Tensor.normal_ = _normal_
Tensor.bernoulli_ = _bernoulli_
Tensor.bernoulli = _bernoulli
Tensor.random_ = _random_
Tensor.exponential_ = _exponential_
Tensor.multinomial = _multinomial
for _method in (_uniform_, _normal_, _bernoulli_, _bernoulli, _random_,
                _exponential_, _multinomial):
    _method.__name__ = _method.__name__[1:]
    _method.__qualname__ = "Tensor." + _method.__name__
