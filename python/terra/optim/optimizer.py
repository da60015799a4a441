"""optim.Optimizer: the base class of the optimizers, as torch.optim's."""

import warnings
from collections import defaultdict
from collections.abc import Iterable
from copy import deepcopy
from itertools import chain

from .._autograd import no_grad
from .._tensor import Tensor
from .. import _creation


class _RequiredParameter:
    """Singleton class representing a required parameter for an Optimizer."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class for all optimizers: param_groups (lists of dicts with
    'params' and the hyper-parameters) and per-parameter state."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be "
                            "an iterable of Tensors or dicts, but got " +
                            type(params).__module__ + "." + type(params).__name__)
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.defaults.setdefault("differentiable", False)

    def __repr__(self):
        format_string = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            format_string += "\n"
            format_string += "Parameter Group {0}\n".format(i)
            for key in sorted(group.keys()):
                if key != "params":
                    format_string += "    {0}: {1}\n".format(key, group[key])
        format_string += ")"
        return format_string

    def state_dict(self):
        """{'state': per-parameter state keyed by parameter index,
        'param_groups': the groups with parameter indices}."""
        param_mappings = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            param_mappings.update({id(p): i for i, p in
                                   enumerate(group["params"], start_index)
                                   if id(p) not in param_mappings})
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_mappings[id(k)] if isinstance(k, Tensor) else k): v
                        for k, v in self.state.items()}
        return {"state": packed_state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        state_dict = deepcopy(state_dict)
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of "
                             "parameter groups")
        param_lens = (len(g["params"]) for g in groups)
        saved_lens = (len(g["params"]) for g in saved_groups)
        if any(p_len != s_len for p_len, s_len in zip(param_lens, saved_lens)):
            raise ValueError("loaded state dict contains a parameter group "
                             "that doesn't match the size of optimizer's group")
        id_map = {old_id: p for old_id, p in
                  zip(chain.from_iterable((g["params"] for g in saved_groups)),
                      chain.from_iterable((g["params"] for g in groups)))}

        def cast(param, value, key=None):
            if isinstance(value, Tensor):
                if key != "step" and param.is_floating_point():
                    value = value.to(param.dtype)
                return value
            if isinstance(value, dict):
                return {k: cast(param, v, key=k) for k, v in value.items()}
            if isinstance(value, Iterable) and not isinstance(value, str):
                return type(value)(cast(param, v) for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = cast(param, v)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})

    def zero_grad(self, set_to_none=True):
        """Resets the gradients of the optimized tensors (to None by
        default, as PyTorch 2)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.zero_()

    def step(self, closure=None):
        raise NotImplementedError

    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError("param group must be a dict")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in "
                            "ordered collections, but the ordering of tensors "
                            "in sets will change between runs. Please use a "
                            "list instead.")
        else:
            param_group["params"] = list(params)
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one "
                                "of the params is " + type(param).__name__)
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of "
                                 "required optimization parameter " + name)
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn("optimizer contains a parameter group with duplicate "
                          "parameters; in future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more "
                          "information", stacklevel=3)
        param_set = set()
        for group in self.param_groups:
            param_set.update(id(p) for p in group["params"])
        if not param_set.isdisjoint({id(p) for p in param_group["params"]}):
            raise ValueError("some parameters appear in more than one parameter "
                             "group")
        self.param_groups.append(param_group)


def _parameters(param_groups):
    """(index, group, parameter) for every parameter, numbered across the
    groups. An optimizer updates parameter `index` through
    ``_terra._call_unrolled(index, ...)``: under co-execution each
    parameter's update is then traced as code of its own, and a step over
    all parameters is one straight-line block (not a loop whose ops meet
    every parameter's shape in turn)."""
    index = 0
    for group in param_groups:
        for param in group["params"]:
            yield index, group, param
            index += 1


def _step_tensor():
    """The per-parameter step count, a float32 scalar tensor as torch 1.13
    (its count mirrored in Python, see _advance_step)."""
    step_t = _creation.tensor(0.0)
    step_t._terra_step_count = 0.0
    return step_t


def _advance_step(step_t):
    """Adds one to a step count tensor and returns the new count as a
    Python float (torch 1.13's ``step_t += 1; step = step_t.item()``)
    without reading the tensor back: the count is mirrored on the tensor
    object, so an optimizer step is not a sync point under co-execution.
    A step tensor from elsewhere (load_state_dict) is read once."""
    step = getattr(step_t, "_terra_step_count", None)
    if step is None:
        step = step_t.item()
    step_t += 1
    step_t._terra_step_count = step + 1
    return step + 1


def _closure_loss(closure):
    if closure is None:
        return None
    from .._autograd import enable_grad

    with enable_grad():
        return closure()

