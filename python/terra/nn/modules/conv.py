import math

from ... import _creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module
from ..._device import _require_cpu


class _ConvNd(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, padding,
                 dilation, transposed, output_padding, groups, bias,
                 padding_mode, dtype=None):
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        valid_padding_strings = {"same", "valid"}
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(
                    "Invalid padding string {!r}, should be one of {}".format(
                        padding, valid_padding_strings))
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided "
                                 "convolutions")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError("padding_mode must be one of 'zeros', 'reflect', "
                             "'replicate' or 'circular', but got padding_mode="
                             "'{}'".format(padding_mode))
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        if transposed:
            shape = (in_channels, out_channels // groups) + tuple(kernel_size)
        else:
            shape = (out_channels, in_channels // groups) + tuple(kernel_size)
        self.weight = Parameter(_creation.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(_creation.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = ("{in_channels}, {out_channels}, kernel_size={kernel_size}"
             ", stride={stride}")
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) input."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1,
                 padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        _require_cpu(device)
        kernel_size = F._pair(kernel_size)
        stride = F._pair(stride)
        padding = padding if isinstance(padding, str) else F._pair(padding)
        dilation = F._pair(dilation)
        super().__init__(in_channels, out_channels, kernel_size, stride, padding,
                         dilation, False, (0, 0), groups, bias, padding_mode,
                         dtype)

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":
            if isinstance(self.padding, str):
                raise NotImplementedError(
                    "terra: string padding with padding_mode != 'zeros'")
            ph, pw = self.padding
            input = F.pad(input, (pw, pw, ph, ph), mode=self.padding_mode)
            return F.conv2d(input, weight, bias, self.stride, 0, self.dilation,
                            self.groups)
        return F.conv2d(input, weight, bias, self.stride, self.padding,
                        self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class ConvTranspose2d(_ConvNd):
    """The transpose (gradient) of Conv2d."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1,
                 padding=0, output_padding=0, groups=1, bias=True, dilation=1,
                 padding_mode="zeros", device=None, dtype=None):
        _require_cpu(device)
        if padding_mode != "zeros":
            raise ValueError('Only "zeros" padding mode is supported for {}'
                             .format(self.__class__.__name__))
        super().__init__(in_channels, out_channels, F._pair(kernel_size),
                         F._pair(stride), F._pair(padding), F._pair(dilation),
                         True, F._pair(output_padding), groups, bias,
                         padding_mode, dtype)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        output_size = list(output_size)[-2:]
        result = []
        for d in range(2):
            minimum = ((input.shape[-2 + d] - 1) * self.stride[d] -
                       2 * self.padding[d] +
                       self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            extra = output_size[d] - minimum
            if not 0 <= extra < max(self.stride[d], self.dilation[d]):
                raise ValueError("requested an output size of {}, but valid "
                                 "sizes are bigger".format(output_size))
            result.append(extra)
        return tuple(result)

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride,
                                  self.padding, output_padding, self.groups,
                                  self.dilation)
