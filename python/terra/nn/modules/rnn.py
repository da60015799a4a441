import math

import _terra

from ... import _creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module
from ..._device import _require_cpu


def _lstm_cell(x_proj, h, c, w_hh, b_hh):
    gates = x_proj + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
    c = f * c + i * g
    h = o * c.tanh()
    return h, c


def _gru_cell(x_proj, h, w_hh, b_hh):
    x_r, x_z, x_n = x_proj.chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (h - n) * z + n


def _rnn_cell(x_proj, h, w_hh, b_hh, nonlinearity):
    pre = x_proj + F.linear(h, w_hh, b_hh)
    return pre.tanh() if nonlinearity == "tanh" else pre.relu()


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU: parameters named
    weight_ih_l{k}[_reverse], weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False,
                 proj_size=0, device=None, dtype=None):
        _require_cpu(device)
        super().__init__()
        if proj_size != 0:
            raise NotImplementedError("terra: LSTM(proj_size) is not supported")
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] "
                             "representing the probability of an element being "
                             "zeroed")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        gate_size = {"LSTM": 4, "GRU": 3}.get(mode, 1) * hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = (input_size if layer == 0
                                    else hidden_size * num_directions)
                w_ih = Parameter(_creation.empty((gate_size, layer_input_size),
                                                 dtype=dtype))
                w_hh = Parameter(_creation.empty((gate_size, hidden_size),
                                                 dtype=dtype))
                b_ih = Parameter(_creation.empty(gate_size, dtype=dtype))
                b_hh = Parameter(_creation.empty(gate_size, dtype=dtype))
                layer_params = (w_ih, w_hh, b_ih, b_hh) if bias else (w_ih, w_hh)
                suffix = "_reverse" if direction == 1 else ""
                param_names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    param_names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                param_names = [x.format(layer, suffix) for x in param_names]
                for name, param in zip(param_names, layer_params):
                    setattr(self, name, param)
                self._flat_weights_names.extend(param_names)
                self._all_weights.append(param_names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, weight) for weight in weights]
                for weights in self._all_weights]

    def flatten_parameters(self):
        pass

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    def _weights(self, layer, direction):
        suffix = "_reverse" if direction == 1 else ""
        w_ih = getattr(self, "weight_ih_l{}{}".format(layer, suffix))
        w_hh = getattr(self, "weight_hh_l{}{}".format(layer, suffix))
        if self.bias:
            return (w_ih, w_hh, getattr(self, "bias_ih_l{}{}".format(layer, suffix)),
                    getattr(self, "bias_hh_l{}{}".format(layer, suffix)))
        return w_ih, w_hh, None, None

    def _run(self, input, states):
        """input (L, N, H_in); states: per layer*direction tuples of (N, H)
        tensors. Returns the output (L, N, D*H) and the final states."""
        num_directions = 2 if self.bidirectional else 1
        length = input.shape[0]
        layer_input = input
        final = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(num_directions):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, direction)
                x_proj = F.linear(layer_input, w_ih, b_ih)
                state = states[layer * num_directions + direction]
                steps = [None] * length
                order = range(length - 1, -1, -1) if direction else range(length)
                for t in order:
                    x_t = _terra.select(x_proj, 0, t)
                    if self.mode == "LSTM":
                        state = _lstm_cell(x_t, state[0], state[1], w_hh, b_hh)
                        steps[t] = state[0]
                    elif self.mode == "GRU":
                        state = (_gru_cell(x_t, state[0], w_hh, b_hh),)
                        steps[t] = state[0]
                    else:
                        nonlinearity = "tanh" if self.mode == "RNN_TANH" else "relu"
                        state = (_rnn_cell(x_t, state[0], w_hh, b_hh, nonlinearity),)
                        steps[t] = state[0]
                outputs.append(_terra.stack(steps, 0) if length else
                               x_proj[:, :, :self.hidden_size])
                final.append(state)
            layer_output = (outputs[0] if num_directions == 1
                            else _terra.cat(outputs, 2))
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_output = F.dropout(layer_output, self.dropout, True)
            layer_input = layer_output
        return layer_input, final

    def _prepare(self, input):
        is_batched = input.dim() == 3
        if input.dim() not in (2, 3):
            raise ValueError("{}: Expected input to be 2D or 3D, got {}D instead"
                             .format(type(self).__name__, input.dim()))
        if not is_batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        return input, is_batched

    def _zeros(self, input):
        num_directions = 2 if self.bidirectional else 1
        return _creation.zeros((self.num_layers * num_directions, input.shape[1],
                                self.hidden_size), dtype=input.dtype)

    def _finish(self, output, is_batched):
        if not is_batched:
            return output.squeeze(1)
        return output.transpose(0, 1) if self.batch_first else output


class RNN(RNNBase):
    def __init__(self, *args, **kwargs):
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        mode = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}.get(nonlinearity)
        if mode is None:
            raise ValueError("Unknown nonlinearity '{}'".format(nonlinearity))
        self.nonlinearity = nonlinearity
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        input, is_batched = self._prepare(input)
        if hx is None:
            hx = self._zeros(input)
        elif not is_batched:
            hx = hx.unsqueeze(1)
        output, final = self._run(input, [(h,) for h in hx.unbind(0)])
        h_n = _terra.stack([s[0] for s in final], 0)
        return self._finish(output, is_batched), (h_n if is_batched else h_n.squeeze(1))


class LSTM(RNNBase):
    """Multi-layer LSTM with PyTorch's gate order (i, f, g, o)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx=None):
        input, is_batched = self._prepare(input)
        if hx is None:
            h0 = c0 = self._zeros(input)
        else:
            h0, c0 = hx
            if not is_batched:
                h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
        output, final = self._run(input, list(zip(h0.unbind(0), c0.unbind(0))))
        h_n = _terra.stack([s[0] for s in final], 0)
        c_n = _terra.stack([s[1] for s in final], 0)
        if not is_batched:
            h_n, c_n = h_n.squeeze(1), c_n.squeeze(1)
        return self._finish(output, is_batched), (h_n, c_n)


class GRU(RNNBase):
    """Multi-layer GRU with PyTorch's gate order (r, z, n)."""

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        input, is_batched = self._prepare(input)
        if hx is None:
            hx = self._zeros(input)
        elif not is_batched:
            hx = hx.unsqueeze(1)
        output, final = self._run(input, [(h,) for h in hx.unbind(0)])
        h_n = _terra.stack([s[0] for s in final], 0)
        return self._finish(output, is_batched), (h_n if is_batched else h_n.squeeze(1))


class RNNCellBase(Module):
    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None,
                 dtype=None):
        _require_cpu(device)
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(_creation.empty(
            (num_chunks * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(_creation.empty(
            (num_chunks * hidden_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(_creation.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(_creation.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batch(self, input, hx, count):
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = _creation.zeros((input.shape[0], self.hidden_size),
                                    dtype=input.dtype)
            hx = (zeros,) * count
        else:
            hx = hx if isinstance(hx, tuple) else (hx,)
            if not is_batched:
                hx = tuple(h.unsqueeze(0) for h in hx)
        return input, hx, is_batched


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh",
                 device=None, dtype=None):
        _require_cpu(device)
        super().__init__(input_size, hidden_size, bias, 1, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, (h,), is_batched = self._batch(input, hx, 1)
        h = _rnn_cell(F.linear(input, self.weight_ih, self.bias_ih), h,
                      self.weight_hh, self.bias_hh, self.nonlinearity)
        return h if is_batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        _require_cpu(device)
        super().__init__(input_size, hidden_size, bias, 4, dtype=dtype)

    def forward(self, input, hx=None):
        input, (h, c), is_batched = self._batch(input, hx, 2)
        h, c = _lstm_cell(F.linear(input, self.weight_ih, self.bias_ih), h, c,
                          self.weight_hh, self.bias_hh)
        if not is_batched:
            return h.squeeze(0), c.squeeze(0)
        return h, c


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        _require_cpu(device)
        super().__init__(input_size, hidden_size, bias, 3, dtype=dtype)

    def forward(self, input, hx=None):
        input, (h,), is_batched = self._batch(input, hx, 1)
        h = _gru_cell(F.linear(input, self.weight_ih, self.bias_ih), h,
                      self.weight_hh, self.bias_hh)
        return h if is_batched else h.squeeze(0)
