import _terra

from .._autograd import no_grad
from .optimizer import Optimizer, _closure_loss, required


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
        # One call per group (torch 1.13's sgd() over lists); parameter i is
        # traced as iteration i of an unrolled loop, numbered across groups.
        first_index = 0
        with no_grad():
            for group in self.param_groups:
                params = group["params"]
                grads = [p.grad for p in params]
                if group["momentum"] != 0:
                    buffers = [None if g is None else
                               self.state[p].get("momentum_buffer")
                               for p, g in zip(params, grads)]
                else:
                    buffers = [None] * len(params)
                created = [b is None for b in buffers]
                _terra._sgd(first_index, params, grads, buffers,
                            group["weight_decay"], group["momentum"],
                            group["lr"], group["dampening"], group["nesterov"],
                            group["maximize"])
                for p, buf, new in zip(params, buffers, created):
                    if new and buf is not None:
                        self.state[p]["momentum_buffer"] = buf
                first_index += len(params)
        return loss
