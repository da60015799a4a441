"""parameters_to_vector / vector_to_parameters."""

import _terra

from ..._autograd import no_grad


def parameters_to_vector(parameters):
    return _terra.cat([p.reshape(-1) for p in parameters], 0)


def vector_to_parameters(vec, parameters):
    pointer = 0
    with no_grad():
        for param in parameters:
            numel = param.numel()
            param.copy_(vec[pointer:pointer + numel].reshape(param.shape))
            pointer += numel
