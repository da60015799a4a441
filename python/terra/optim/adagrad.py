import _terra

from .. import _creation
from .._autograd import no_grad
from .optimizer import (Optimizer, _advance_step, _closure_loss,
                        _parameters, _step_tensor)


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *,
                 maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError("Invalid learning rate: {}".format(lr))
        if not 0.0 <= lr_decay:
            raise ValueError("Invalid lr_decay value: {}".format(lr_decay))
        if not 0.0 <= weight_decay:
            raise ValueError("Invalid weight_decay value: {}".format(weight_decay))
        if not 0.0 <= initial_accumulator_value:
            raise ValueError("Invalid initial_accumulator_value value: {}".format(
                initial_accumulator_value))
        if not 0.0 <= eps:
            raise ValueError("Invalid epsilon value: {}".format(eps))
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps,
                        weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value,
                        foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _step_tensor()
                state["sum"] = _creation.full_like(
                    p, group["initial_accumulator_value"])

    def step(self, closure=None):
        loss = _closure_loss(closure)
        with no_grad():
            for index, group, param in _parameters(self.param_groups):
                if param.grad is not None:
                    _terra._call_unrolled(index, self._update, param, group)
        return loss

    def _update(self, param, group):
        lr, lr_decay = group["lr"], group["lr_decay"]
        weight_decay, eps = group["weight_decay"], group["eps"]
        state = self.state[param]
        state_sum = state["sum"]
        step = _advance_step(state["step"])
        grad = param.grad if not group["maximize"] else -param.grad
        if weight_decay != 0:
            grad = grad.add(param, alpha=weight_decay)
        clr = lr / (1 + (step - 1) * lr_decay)
        state_sum.addcmul_(grad, grad, value=1)
        std = state_sum.sqrt().add_(eps)
        param.addcdiv_(grad, std, value=-clr)
