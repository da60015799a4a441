"""terra.autograd: reverse-mode differentiation (torch.autograd)."""

from ._autograd import (backward, enable_grad, inference_mode, is_grad_enabled,
                        no_grad, set_grad_enabled)

__all__ = ["backward", "enable_grad", "inference_mode", "is_grad_enabled",
           "no_grad", "set_grad_enabled"]
