"""Function forms of the tensor operations (terra.add, terra.exp, ...)."""

import _terra

from ._ops import BINARY, UNARY


def _unary(name):
    return _terra.bound_op(0, UNARY[name], name)


def _binary(name):
    return _terra.bound_op(1, BINARY[name], name)


neg = _unary("neg")
abs = _unary("abs")
exp = _unary("exp")
log = _unary("log")
sqrt = _unary("sqrt")
rsqrt = _unary("rsqrt")
tanh = _unary("tanh")
sigmoid = _unary("sigmoid")
relu = _unary("relu")
erf = _unary("erf")
sin = _unary("sin")
cos = _unary("cos")
logical_not = _unary("logical_not")

mul = _binary("mul")
div = _binary("div")
pow = _binary("pow")
maximum = _binary("maximum")
minimum = _binary("minimum")


def add(input, other, alpha=1):
    return _terra.binary(BINARY["add"], input, other if alpha == 1 else other * alpha)


def sub(input, other, alpha=1):
    return _terra.binary(BINARY["sub"], input, other if alpha == 1 else other * alpha)


def eq(input, other):
    return input == other


def ne(input, other):
    return input != other


def lt(input, other):
    return input < other


def le(input, other):
    return input <= other


def gt(input, other):
    return input > other


def ge(input, other):
    return input >= other


def where(condition, input=None, other=None):
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes a condition alone, or a condition, "
                        "input and other")
    return _terra.where(condition, input, other)


def nonzero(input, *, as_tuple=False):
    return input.nonzero(as_tuple=as_tuple)


def clamp(input, min=None, max=None):
    return _terra.clamp(input, min, max)


clip = clamp


# Reductions and the rest take the tensor method's arguments.
def sum(input, dim=None, keepdim=False, dtype=None):
    return input.sum(dim, keepdim, dtype=dtype)


def mean(input, dim=None, keepdim=False, dtype=None):
    return input.mean(dim, keepdim, dtype=dtype)


def max(input, dim=None, keepdim=False):
    return input.max(dim, keepdim)


def min(input, dim=None, keepdim=False):
    return input.min(dim, keepdim)


def amax(input, dim=(), keepdim=False):
    return input.amax(dim, keepdim)


def amin(input, dim=(), keepdim=False):
    return input.amin(dim, keepdim)


def argmax(input, dim=None, keepdim=False):
    return input.argmax(dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return input.argmin(dim, keepdim)


def var(input, dim=None, unbiased=None, keepdim=False, correction=None):
    return input.var(dim, unbiased, keepdim, correction)


def std(input, dim=None, unbiased=None, keepdim=False, correction=None):
    return input.std(dim, unbiased, keepdim, correction)


def softmax(input, dim):
    return _terra.softmax(input, dim)


def log_softmax(input, dim):
    return _terra.log_softmax(input, dim)


def cat(tensors, dim=0):
    return _terra.cat(list(tensors), dim)


concat = cat


def stack(tensors, dim=0):
    return _terra.stack(list(tensors), dim)


def matmul(input, other):
    return _terra.matmul(input, other)


def mm(input, mat2):
    return input.mm(mat2)


def bmm(input, mat2):
    return input.bmm(mat2)


def reshape(input, shape):
    return input.reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def transpose(input, dim0, dim1):
    return input.transpose(dim0, dim1)


def permute(input, dims):
    return input.permute(dims)


def squeeze(input, dim=None):
    return input.squeeze(dim)


def unsqueeze(input, dim):
    return input.unsqueeze(dim)


def chunk(input, chunks, dim=0):
    return input.chunk(chunks, dim)


def split(tensor, split_size_or_sections, dim=0):
    return tensor.split(split_size_or_sections, dim)


def index_select(input, dim, index):
    return _terra.index_select(input, dim, index)


def masked_select(input, mask):
    return _terra.masked_select(input, mask)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return input.allclose(other, rtol, atol, equal_nan)


def equal(input, other):
    return input.equal(other)


def any(input, dim=None, keepdim=False):
    return input.any(dim, keepdim)


def all(input, dim=None, keepdim=False):
    return input.all(dim, keepdim)


def tril(input, diagonal=0):
    return input.tril(diagonal)


def triu(input, diagonal=0):
    return input.triu(diagonal)


def sort(input, dim=-1, descending=False, stable=False):
    return input.sort(dim, descending, stable)


def argsort(input, dim=-1, descending=False, stable=False):
    return input.argsort(dim, descending, stable)


def topk(input, k, dim=-1, largest=True, sorted=True):
    return input.topk(k, dim, largest, sorted)
