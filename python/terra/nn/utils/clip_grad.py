"""Gradient clipping, as torch.nn.utils.clip_grad."""

import math
import warnings

import _terra

from ..._autograd import no_grad
from ..._tensor import Tensor
from ... import _creation


def clip_grad_norm_(parameters, max_norm, norm_type=2.0,
                    error_if_nonfinite=False, foreach=None):
    """Scales the gradients of `parameters` in place so that their joint
    norm is at most max_norm; returns the total norm before clipping."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if len(grads) == 0:
        return _creation.tensor(0.0)
    with no_grad():
        if norm_type == math.inf:
            norms = [g.detach().abs().amax() for g in grads]
            total_norm = norms[0] if len(norms) == 1 else \
                _terra.stack(norms, 0).amax()
        else:
            # Per gradient, traced as code of its own (_call_unrolled): the
            # loops are straight-line code under co-execution.
            norms = [_terra._call_unrolled(i, _norm, g.detach(), norm_type)
                     for i, g in enumerate(grads)]
            total_norm = _norm(_terra.stack(norms, 0), norm_type)
        if error_if_nonfinite and not math.isfinite(total_norm.item()):
            raise RuntimeError(
                "The total norm of order {} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and "
                "scale the gradients by the non-finite norm anyway, set "
                "`error_if_nonfinite=False`".format(norm_type))
        clip_coef = max_norm / (total_norm + 1e-6)
        clip_coef_clamped = _terra.clamp(clip_coef, None, 1.0)
        for i, g in enumerate(grads):
            _terra._call_unrolled(i, _scale_, g, clip_coef_clamped)
    return total_norm


def _scale_(grad, coef):
    grad.mul_(coef.to(grad.dtype))


def _norm(tensor, p):
    if p == 2.0:
        return (tensor * tensor).sum().sqrt()
    if p == 1.0:
        return tensor.abs().sum()
    return (tensor.abs() ** p).sum() ** (1.0 / p)


def clip_grad_norm(parameters, max_norm, norm_type=2.0,
                   error_if_nonfinite=False):
    warnings.warn("torch.nn.utils.clip_grad_norm is now deprecated in favor "
                  "of torch.nn.utils.clip_grad_norm_.", stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamps every gradient to [-clip_value, clip_value] in place."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    with no_grad():
        for p in parameters:
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)
