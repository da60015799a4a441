"""terra.nn: neural network layers, losses and initialisation, with
torch.nn's names and semantics."""

from .parameter import Parameter
from .modules import *  # noqa: F401,F403
from .modules import __dict__ as _modules_dict
from . import functional, init, utils
from .modules.module import Module

__all__ = ["Parameter", "functional", "init", "utils"] + [
    name for name, value in _modules_dict.items()
    if isinstance(value, type) and not name.startswith("_")]
del _modules_dict
