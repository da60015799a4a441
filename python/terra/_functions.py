"""Function forms of the tensor operations (terra.add, terra.exp, ...)."""

import _terra

from ._ops import BINARY, UNARY


def _unary(name):
    code = UNARY[name]

    def function(input):
        return _terra.unary(code, input)

    function.__name__ = name
    return function


def _binary(name):
    code = BINARY[name]

    def function(input, other):
        return _terra.binary(code, input, other)

    function.__name__ = name
    return function


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


def where(condition, input, other):
    return _terra.where(condition, input, other)


def clamp(input, min=None, max=None):
    return _terra.clamp(input, min, max)


clip = clamp
