"""terra.Tensor: the PyTorch tensor API over the native _terra.Tensor."""

import builtins
import numbers

import numpy as np

import _terra

from . import _dtype
from ._device import _require_cpu
from ._ops import BINARY, COMPARE, UNARY


class Size(tuple):
    """The shape of a tensor, a tuple as torch.Size is."""

    def __repr__(self):
        return "terra.Size([%s])" % ", ".join(str(s) for s in self)

    def numel(self):
        count = 1
        for size in self:
            count *= size
        return count


def _shape_arg(args):
    """Accepts f(2, 3), f((2, 3)) and f([2, 3]) as PyTorch does."""
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        return tuple(args[0])
    return tuple(args)


class Tensor(_terra.Tensor):
    """A multi-dimensional array of one element type, as torch.Tensor."""

    # -- attributes -------------------------------------------------------

    @property
    def dtype(self):
        return _dtype._from_code(self._dtype_code)

    @property
    def shape(self):
        return Size(_terra.Tensor.shape.__get__(self))

    @property
    def device(self):
        from ._device import cpu

        return cpu

    @property
    def is_cuda(self):
        return False

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def size(self, dim=None):
        shape = self.shape
        if dim is None:
            return shape
        return shape[_normalize_dim(dim, len(shape))]

    def dim(self):
        return self.ndim

    def numel(self):
        return self.shape.numel()

    def nelement(self):
        return self.numel()

    def element_size(self):
        return self.dtype.itemsize

    def stride(self, dim=None):
        strides = self._strides
        if dim is None:
            return strides
        return strides[_normalize_dim(dim, len(strides))]

    def storage_offset(self):
        return self._offset

    def data_ptr(self):
        return self._data_ptr

    def is_contiguous(self):
        return self._is_contiguous

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    # -- conversion -------------------------------------------------------

    def numpy(self):
        """A NumPy array sharing this tensor's memory."""
        return np.asarray(memoryview(self))

    def __array__(self, dtype=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def to(self, *args, **kwargs):
        """to(dtype), to(device), to(device, dtype), to(other)."""
        target = kwargs.get("dtype")
        copy = kwargs.get("copy", False)
        for arg in args:
            if isinstance(arg, _dtype.dtype):
                target = arg
            elif isinstance(arg, Tensor):
                target = arg.dtype
            else:
                _require_cpu(arg)
        if "device" in kwargs and kwargs["device"] is not None:
            self.to(kwargs["device"])
        if target is None or target is self.dtype:
            return self.clone() if copy else self
        return _terra.to(self, target._code)

    def type(self, dtype=None):
        if dtype is None:
            return "terra." + _TYPE_NAMES[self.dtype]
        return self.to(_dtype._resolve(dtype))

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def bool(self):
        return self.to(_dtype.bool)

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """As Tensor.to("cuda"): tensors cannot live on a GPU yet, so this
        raises RuntimeError with the reason (see terra.cuda)."""
        return self.to("cuda" if device is None else device)

    def __format__(self, spec):
        if self.ndim == 0 or self.numel() == 1:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self):
        from ._format import format_tensor

        return format_tensor(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        from ._serialization import _rebuild_tensor

        return (_rebuild_tensor, (self.numpy().copy(),))

    def __deepcopy__(self, memo):
        result = self.clone()
        memo[id(self)] = result
        return result

    # -- views ------------------------------------------------------------

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
            raise NotImplementedError("terra: view(dtype) is not supported")
        return _terra.view(self, _shape_arg(shape))

    def view_as(self, other):
        return self.view(other.shape)

    def reshape(self, *shape):
        return _terra.reshape(self, _shape_arg(shape))

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def permute(self, *dims):
        return _terra.permute(self, _shape_arg(dims))

    def transpose(self, dim0, dim1):
        return _terra.transpose(self, dim0, dim1)

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(
                "t() expects a tensor with <= 2 dimensions, but self is %dD" % self.ndim
            )
        return self.transpose(0, 1) if self.ndim == 2 else self

    def expand(self, *shape):
        return _terra.expand(self, _shape_arg(shape))

    def expand_as(self, other):
        return self.expand(other.shape)

    def unsqueeze(self, dim):
        return _terra.unsqueeze(self, dim)

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape([s for s in self.shape if s != 1])
        return _terra.squeeze(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        start = _normalize_dim(start_dim, self.ndim)
        end = _normalize_dim(end_dim, self.ndim)
        if start > end:
            raise RuntimeError(
                "flatten() has invalid args: start_dim cannot come after end_dim"
            )
        shape = self.shape
        middle = 1
        for size in shape[start : end + 1]:
            middle *= size
        return self.reshape(shape[:start] + (middle,) + shape[end + 1 :])

    def unflatten(self, dim, sizes):
        dim = _normalize_dim(dim, self.ndim)
        shape = self.shape
        return self.reshape(shape[:dim] + tuple(sizes) + shape[dim + 1 :])

    def contiguous(self):
        return _terra.contiguous(self)

    def clone(self):
        return _terra.clone(self)

    def detach(self):
        return _terra.detach(self)

    @property
    def data(self):
        return _terra.detach(self)

    @data.setter
    def data(self, value):
        if tuple(value.shape) != tuple(self.shape) or value.dtype is not self.dtype:
            raise NotImplementedError(
                "terra: assigning .data of another shape or dtype is not supported")
        with _no_grad():
            _terra.copy_(self, value)

    def select(self, dim, index):
        return _terra.select(self, dim, index)

    def narrow(self, dim, start, length):
        if self.dim() == 0:
            raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
        return _terra.slice(self, dim, start, start + length, 1)

    def chunk(self, chunks, dim=0):
        size = self.size(dim)
        step = -(-size // chunks) if chunks > 0 else size
        return self.split(max(step, 1), dim)

    def split(self, split_size_or_sections, dim=0):
        size = self.size(dim)
        if isinstance(split_size_or_sections, numbers.Integral):
            step = split_size_or_sections
            return tuple(
                self.narrow(dim, start, min(step, size - start))
                for start in range(0, size, step)
            ) or (self,)
        sections = list(split_size_or_sections)
        if sum(sections) != size:
            raise RuntimeError(
                "split_with_sizes expects split_sizes to sum exactly to %d "
                "(input tensor's size at dimension %d), but got split_sizes=%s"
                % (size, dim, sections)
            )
        result, start = [], 0
        for length in sections:
            result.append(self.narrow(dim, start, length))
            start += length
        return tuple(result)

    def unbind(self, dim=0):
        return tuple(_terra.select(self, dim, i) for i in range(self.size(dim)))

    # -- autograd ---------------------------------------------------------

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False,
                 inputs=None):
        """Accumulates the gradient of this tensor into the .grad of the
        leaves it was computed from."""
        if create_graph:
            raise NotImplementedError("terra: backward(create_graph=True) is not supported")
        if inputs is not None:
            raise NotImplementedError("terra: backward(inputs=...) is not supported")
        _terra.backward([self], [gradient], bool(retain_graph))

    def detach_(self):
        raise NotImplementedError("terra: detach_() is not supported; use detach()")

    # -- reductions -------------------------------------------------------

    def sum(self, dim=None, keepdim=False, dtype=None):
        source = self if dtype is None else self.to(dtype)
        return _terra.sum(source, _dims(dim), keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None):
        source = self if dtype is None else self.to(dtype)
        return _terra.mean(source, _dims(dim), keepdim)

    def amax(self, dim=(), keepdim=False):
        return _terra.amax(self, _dims(dim), keepdim)

    def amin(self, dim=(), keepdim=False):
        return _terra.amin(self, _dims(dim), keepdim)

    def max(self, dim=None, keepdim=False):
        """max() -> value; max(dim) -> (values, indices), as torch.max."""
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        if dim is None:
            return _terra.amax(self, (), False)
        return _MinMax(_terra.amax(self, (dim,), keepdim),
                       _terra.argmax(self, dim, keepdim))

    def min(self, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        if dim is None:
            return _terra.amin(self, (), False)
        return _MinMax(_terra.amin(self, (dim,), keepdim),
                       _terra.argmin(self, dim, keepdim))

    def argmax(self, dim=None, keepdim=False):
        return _terra.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _terra.argmin(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return _terra.var(self, _dims(dim), _correction(unbiased, correction),
                          keepdim)

    def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return self.var(dim, unbiased, keepdim, correction).sqrt()

    def softmax(self, dim):
        return _terra.softmax(self, dim)

    def log_softmax(self, dim):
        return _terra.log_softmax(self, dim)

    def norm(self, p=2, dim=None, keepdim=False):
        if p != 2:
            raise NotImplementedError("terra: only the 2-norm is supported")
        return (self * self).sum(dim, keepdim).sqrt()

    # -- contractions -----------------------------------------------------

    def matmul(self, other):
        return _terra.matmul(self, other)

    def mm(self, other):
        if self.ndim != 2 or other.ndim != 2:
            raise RuntimeError("self must be a matrix")
        return _terra.matmul(self, other)

    def bmm(self, other):
        if self.ndim != 3 or other.ndim != 3:
            raise RuntimeError("batch1 must be a 3D tensor")
        return _terra.matmul(self, other)

    def __rmatmul__(self, other):
        return _terra.matmul(other, self)

    # -- indexing ---------------------------------------------------------

    def __getitem__(self, index):
        from ._indexing import get_item

        return get_item(self, index)

    def __setitem__(self, index, value):
        from ._indexing import set_item

        set_item(self, index, value)

    # -- elementwise ------------------------------------------------------

    def __radd__(self, other):
        return _terra.binary(BINARY["add"], other, self)

    def __rsub__(self, other):
        return _terra.binary(BINARY["sub"], other, self)

    def __rmul__(self, other):
        return _terra.binary(BINARY["mul"], other, self)

    def __rtruediv__(self, other):
        return _terra.binary(BINARY["div"], other, self)

    def __rpow__(self, other):
        return _terra.binary(BINARY["pow"], other, self)

    def __and__(self, other):
        return _logical(self, other, "and")

    def __or__(self, other):
        return _logical(self, other, "or")

    def __xor__(self, other):
        return _logical(self, other, "xor")

    __rand__ = __and__
    __ror__ = __or__
    __rxor__ = __xor__

    def add(self, other, alpha=1):
        if alpha != 1:
            other = other * alpha
        return self + other

    def sub(self, other, alpha=1):
        if alpha != 1:
            other = other * alpha
        return self - other

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, exponent):
        return self**exponent

    def add_(self, other, alpha=1):
        if alpha != 1:
            other = other * alpha
        _terra.binary_(BINARY["add"], self, other)
        return self

    def sub_(self, other, alpha=1):
        if alpha != 1:
            other = other * alpha
        _terra.binary_(BINARY["sub"], self, other)
        return self

    def mul_(self, other):
        _terra.binary_(BINARY["mul"], self, other)
        return self

    def div_(self, other):
        _terra.binary_(BINARY["div"], self, other)
        return self

    def pow_(self, exponent):
        _terra.binary_(BINARY["pow"], self, exponent)
        return self

    def copy_(self, source):
        _terra.copy_(self, source)
        return self

    def fill_(self, value):
        _terra.copy_(self, value)
        return self

    def zero_(self):
        return self.fill_(0)

    maximum = _terra.bound_op(1, BINARY["maximum"], "maximum")
    minimum = _terra.bound_op(1, BINARY["minimum"], "minimum")

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def logical_not(self):
        return _terra.unary(UNARY["logical_not"], self)

    def clamp(self, min=None, max=None):
        return _terra.clamp(self, min, max)

    clip = clamp

    def clamp_(self, min=None, max=None):
        return self.copy_(self.clamp(min, max))

    def where(self, condition, other):
        return _terra.where(condition, self, other)

    def equal(self, other):
        return self.shape == other.shape and builtins.bool(
            (self == other).numpy().all()
        )

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return builtins.bool(
            np.allclose(self.numpy(), np.asarray(other), rtol, atol, equal_nan)
        )


def _make_unary(name):
    code = UNARY[name]
    # The op as a method descriptor: no Python frame per call.
    method = _terra.bound_op(0, code, name)

    def method_(self):
        return self.copy_(_terra.unary(code, self))

    method_.__name__ = name + "_"
    return method, method_


for _name in ("neg", "abs", "exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid",
              "relu", "erf", "sin", "cos"):
    _method, _method_ = _make_unary(_name)
    setattr(Tensor, _name, _method)
    setattr(Tensor, _name + "_", _method_)
Tensor.negative = Tensor.neg
Tensor.absolute = Tensor.abs

class _MinMax(tuple):
    """torch.return_types.max: (values, indices) with names."""

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]


def _dims(dim):
    if dim is None:
        return ()
    if isinstance(dim, numbers.Integral):
        return (dim,)
    return tuple(dim)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


class _no_grad:
    def __enter__(self):
        self.previous = _terra.is_grad_enabled()
        _terra.set_grad_enabled(False)

    def __exit__(self, *exc):
        _terra.set_grad_enabled(self.previous)


_TYPE_NAMES = {
    _dtype.float32: "FloatTensor",
    _dtype.float64: "DoubleTensor",
    _dtype.int64: "LongTensor",
    _dtype.int32: "IntTensor",
    _dtype.bool: "BoolTensor",
}


def _normalize_dim(dim, rank):
    bound = builtins.max(rank, 1)
    if not -bound <= dim < bound:
        raise IndexError(
            "Dimension out of range (expected to be in range of [%d, %d], but "
            "got %d)" % (-bound, bound - 1, dim)
        )
    return dim % bound


def _logical(a, b, kind):
    a = a if isinstance(a, Tensor) else _terra.tensor(a, None)
    b = b if isinstance(b, Tensor) else _terra.tensor(b, None)
    if a.dtype is not _dtype.bool or b.dtype is not _dtype.bool:
        raise NotImplementedError(
            "terra: bitwise %s is only supported on bool tensors" % kind
        )
    if kind == "and":
        return _terra.binary(BINARY["minimum"], a, b)
    if kind == "or":
        return _terra.binary(BINARY["maximum"], a, b)
    return a != b


_terra._set_tensor_class(Tensor)


# ---------------------------------------------------------------------------
# Tensor methods used by terra.nn and terra.optim, composed from existing ops
# (added for the nn/optim packages; each is defined only if no one else has
# defined it already).
# ---------------------------------------------------------------------------


def _nn_addcmul(self, tensor1, tensor2, value=1):
    return self + (tensor1 * tensor2 if value == 1 else tensor1 * tensor2 * value)


def _nn_addcmul_(self, tensor1, tensor2, value=1):
    return self.add_(tensor1 * tensor2 if value == 1 else tensor1 * tensor2 * value)


def _nn_addcdiv(self, tensor1, tensor2, value=1):
    return self + (tensor1 / tensor2 if value == 1 else tensor1 / tensor2 * value)


def _nn_addcdiv_(self, tensor1, tensor2, value=1):
    return self.add_(tensor1 / tensor2 if value == 1 else tensor1 / tensor2 * value)


def _nn_lerp_(self, end, weight):
    return self.add_((end - self) * weight)


def _nn_masked_fill(self, mask, value):
    return _terra.where(mask, value, self)


def _nn_masked_fill_(self, mask, value):
    return self.copy_(_terra.where(mask, value, self))


def _nn_gather(self, dim, index):
    """torch.gather: out[i][j] = self[i][index[i][j]] (dim=1), via a flat
    index_select."""
    rank = self.ndim
    dim = _normalize_dim(dim, rank)
    source = self.contiguous()
    strides = source._strides
    flat = index * strides[dim]
    for d in range(rank):
        if d == dim or index.shape[d] == 1 and self.shape[d] == 1:
            continue
        shape = [1] * rank
        shape[d] = index.shape[d]
        positions = np.arange(index.shape[d], dtype=np.int64) * strides[d]
        flat = flat + _terra.tensor(positions.reshape(shape), None)
    flat = flat.expand(index.shape).reshape(-1)
    return _terra.index_select(source.reshape(-1), 0, flat).reshape(index.shape)


def _nn_any(self, dim=None, keepdim=False):
    return (self != 0).int().amax(() if dim is None else dim, keepdim) != 0


def _nn_all(self, dim=None, keepdim=False):
    return (self != 0).int().amin(() if dim is None else dim, keepdim) != 0


def _band(self, diagonal, lower):
    """The mask of tril (lower) / triu over the last two dimensions."""
    rows, cols = self.shape[-2], self.shape[-1]
    offset = (np.arange(cols, dtype=np.int64)[None, :]
              - np.arange(rows, dtype=np.int64)[:, None])
    keep = offset <= diagonal if lower else offset >= diagonal
    return _terra.tensor(keep, None)


def _nn_tril(self, diagonal=0):
    return _terra.where(_band(self, diagonal, True), self, _terra.tensor(0, self.dtype._code))


def _nn_triu(self, diagonal=0):
    return _terra.where(_band(self, diagonal, False), self, _terra.tensor(0, self.dtype._code))


class _SortResult(tuple):
    """torch.return_types.sort / topk: (values, indices) with names."""

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])


def _order(self, dim, descending, count=None):
    """Indices that sort the values along dim (a fetch: NumPy sorts them;
    ties keep their order, NaN sorts as the largest value)."""
    values = self.detach().numpy()
    dim = _normalize_dim(dim, max(self.ndim, 1))
    if self.ndim == 0:
        return _terra.tensor(np.zeros((), np.int64), None)
    keys = np.where(np.isnan(values), np.inf, values) if values.dtype.kind == "f" else values
    order = np.argsort(-keys if descending else keys, axis=dim, kind="stable")
    if count is not None:
        order = np.take(order, np.arange(count), axis=dim)
    return _terra.tensor(np.ascontiguousarray(order, dtype=np.int64), None)


def _nn_sort(self, dim=-1, descending=False, stable=False):
    indices = _order(self, dim, descending)
    return _SortResult(self.gather(dim, indices) if self.ndim else self, indices)


def _nn_argsort(self, dim=-1, descending=False, stable=False):
    return _order(self, dim, descending)


def _nn_topk(self, k, dim=-1, largest=True, sorted=True):
    size = self.shape[_normalize_dim(dim, self.ndim)] if self.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    indices = _order(self, dim, largest, k)
    return _SortResult(self.gather(dim, indices) if self.ndim else self, indices)


def _nn_nonzero(self, *, as_tuple=False):
    """Indices of the non-zero elements (a sync point: their number depends
    on the values), as an int64 (count, ndim) tensor or a tuple of 1-D
    index tensors, in row-major order as PyTorch."""
    values = self.detach().numpy()
    if as_tuple:
        return tuple(_terra.tensor(np.ascontiguousarray(axis, dtype=np.int64), None)
                     for axis in np.nonzero(np.atleast_1d(values)))
    return _terra.tensor(np.argwhere(values).astype(np.int64), None)


def _nn_new(fill):
    def method(self, *size, dtype=None, device=None, requires_grad=False):
        _require_cpu(device)
        dtype = _dtype._resolve(dtype) or self.dtype
        result = _terra.full(_shape_arg(size), fill, dtype._code)
        return result.requires_grad_(True) if requires_grad else result
    return method


def _nn_new_full(self, size, fill_value, dtype=None, device=None,
                 requires_grad=False):
    _require_cpu(device)
    dtype = _dtype._resolve(dtype) or self.dtype
    result = _terra.full(tuple(size), fill_value, dtype._code)
    return result.requires_grad_(True) if requires_grad else result


def _nn_new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    _require_cpu(device)
    dtype = _dtype._resolve(dtype) or self.dtype
    result = _terra.tensor(data, dtype._code)
    return result.requires_grad_(True) if requires_grad else result


for _name, _value in (
        ("addcmul", _nn_addcmul), ("addcmul_", _nn_addcmul_),
        ("addcdiv", _nn_addcdiv), ("addcdiv_", _nn_addcdiv_),
        ("lerp_", _nn_lerp_),
        ("square", lambda self: self * self),
        ("square_", lambda self: self.mul_(self)),
        ("sign", lambda self: (self > 0).to(self.dtype) - (self < 0).to(self.dtype)),
        ("clamp_min", lambda self, min: _terra.clamp(self, min, None)),
        ("clamp_max", lambda self, max: _terra.clamp(self, None, max)),
        ("clamp_min_", lambda self, min: self.copy_(_terra.clamp(self, min, None))),
        ("clamp_max_", lambda self, max: self.copy_(_terra.clamp(self, None, max))),
        ("masked_fill", _nn_masked_fill), ("masked_fill_", _nn_masked_fill_),
        ("gather", _nn_gather),
        ("any", _nn_any), ("all", _nn_all), ("nonzero", _nn_nonzero),
        ("tril", _nn_tril), ("triu", _nn_triu),
        ("sort", _nn_sort), ("argsort", _nn_argsort), ("topk", _nn_topk),
        ("type_as", lambda self, other: self.to(other.dtype)),
        ("new_zeros", _nn_new(0)), ("new_ones", _nn_new(1)),
        ("new_empty", _nn_new(0)), ("new_full", _nn_new_full),
        ("new_tensor", _nn_new_tensor),
        ("relu_", lambda self: self.copy_(self.relu()))):
    if not hasattr(Tensor, _name):
        setattr(Tensor, _name, _value)
del _name, _value


# ---------------------------------------------------------------------------
# DLPack export (terra.from_dlpack imports): the tensor hands out NumPy's
# capsule of the array view that shares its memory.
# ---------------------------------------------------------------------------


def _dlpack(self, *, stream=None, max_version=None, dl_device=None,
            copy=None):
    """A DLPack capsule sharing this tensor's memory (CPU)."""
    if self.requires_grad:
        raise RuntimeError("Can't export tensors that require gradient, use "
                           "tensor.detach()")
    if dl_device is not None and tuple(dl_device) != (1, 0):
        raise BufferError("terra tensors live on the CPU (DLPack device 1)")
    options = {} if max_version is None else {"max_version": max_version}
    if copy is not None:
        options["copy"] = copy
    return self.numpy().__dlpack__(**options)


def _dlpack_device(self):
    return (1, 0)  # (kDLCPU, device 0)


Tensor.__dlpack__ = _dlpack
Tensor.__dlpack_device__ = _dlpack_device
del _dlpack, _dlpack_device
