import _terra

from .._autograd import no_grad
from .optimizer import Optimizer, _closure_loss, _parameters, required


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (torch 1.13's
    update: buf = momentum * buf + (1 - dampening) * g; p -= lr * buf)."""

    def __init__(self, params, lr=required, momentum=0, dampening=0,
                 weight_decay=0, nesterov=False, *, maximize=False, foreach=None,
                 differentiable=False):
        if lr is not required and lr < 0.0:
            raise ValueError("Invalid learning rate: {}".format(lr))
        if momentum < 0.0:
            raise ValueError("Invalid momentum value: {}".format(momentum))
        if weight_decay < 0.0:
            raise ValueError("Invalid weight_decay value: {}".format(weight_decay))
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach,
                        differentiable=differentiable)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero "
                             "dampening")
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)

    def step(self, closure=None):
        loss = _closure_loss(closure)
        with no_grad():
            for index, group, param in _parameters(self.param_groups):
                if param.grad is not None:
                    _terra._call_unrolled(index, self._update, param, group)
        return loss

    def _update(self, param, group):
        momentum = group["momentum"]
        d_p = param.grad if not group["maximize"] else -param.grad
        if group["weight_decay"] != 0:
            d_p = d_p.add(param, alpha=group["weight_decay"])
        if momentum != 0:
            state = self.state[param]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = d_p.clone().detach()
                state["momentum_buffer"] = buf
            else:
                buf.mul_(momentum).add_(d_p, alpha=1 - group["dampening"])
            if group["nesterov"]:
                d_p = d_p.add(buf, alpha=momentum)
            else:
                d_p = buf
        param.add_(d_p, alpha=-group["lr"])
