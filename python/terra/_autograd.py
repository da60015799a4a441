"""Grad-mode switches with PyTorch's names: no_grad, enable_grad,
set_grad_enabled, inference_mode."""

import functools

import _terra


class _GradMode:
    """A context manager that is also a decorator."""

    _mode = True

    def __enter__(self):
        self._previous = _terra.is_grad_enabled()
        _terra.set_grad_enabled(self._mode)

    def __exit__(self, *exc):
        _terra.set_grad_enabled(self._previous)
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return function(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Operations inside record no history (torch.no_grad)."""

    _mode = False


class enable_grad(_GradMode):
    _mode = True


class inference_mode(_GradMode):
    """torch.inference_mode: here the same as no_grad."""

    _mode = False

    def __init__(self, mode=True):
        self._mode = not mode

    def __call__(self, function):
        mode = self._mode

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            guard = inference_mode(not mode)
            with guard:
                return function(*args, **kwargs)

        return wrapper


class set_grad_enabled(_GradMode):
    def __init__(self, mode):
        self._mode = bool(mode)
        self._previous = _terra.is_grad_enabled()
        _terra.set_grad_enabled(self._mode)

    def __enter__(self):
        pass


def is_grad_enabled():
    return _terra.is_grad_enabled()


def backward(tensors, grad_tensors=None, retain_graph=None):
    """terra.autograd.backward."""
    tensors = [tensors] if isinstance(tensors, _terra.Tensor) else list(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif isinstance(grad_tensors, _terra.Tensor):
        grad_tensors = [grad_tensors]
    _terra.backward(tensors, list(grad_tensors), bool(retain_graph))
