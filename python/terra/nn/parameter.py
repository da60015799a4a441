"""nn.Parameter: a tensor that a Module registers as a learnable weight."""

from .._tensor import Tensor
from .. import _creation


class Parameter(Tensor):
    """A Tensor that is a module parameter (requires_grad=True by default).

    Assigning a Parameter as a Module attribute registers it in
    ``parameters()``. It shares memory with ``data``."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _creation.empty(0)
        result = data.detach()
        result.__class__ = cls
        result.requires_grad_(requires_grad)
        return result

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        return (Parameter, (self.detach().clone(), self.requires_grad))


class UninitializedParameter(Parameter):
    pass
