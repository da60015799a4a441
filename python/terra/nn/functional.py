"""terra.nn.functional: the functional forms of the nn layers, as
torch.nn.functional, composed from terra's native ops."""

import builtins
import math
import numbers
import warnings

import numpy as np

import _terra

from .. import _dtype
from .._ops import UNARY

__all__ = [
    "linear", "bilinear", "conv2d", "conv_transpose2d", "max_pool2d",
    "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "relu", "relu_",
    "relu6", "gelu", "silu", "mish", "elu", "selu", "celu", "leaky_relu",
    "hardtanh", "hardsigmoid", "hardswish", "softplus", "softsign",
    "logsigmoid", "sigmoid", "tanh", "softmax", "log_softmax", "softmin",
    "dropout", "batch_norm", "layer_norm", "group_norm", "embedding",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss",
    "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "kl_div", "pad", "one_hot", "interpolate", "upsample", "normalize",
    "cosine_similarity", "scaled_dot_product_attention",
    "multi_head_attention_forward",
]


# -- helpers ----------------------------------------------------------------

def _pair(value):
    if isinstance(value, numbers.Integral):
        return (int(value), int(value))
    value = tuple(value)
    return value if len(value) == 2 else (value[0], value[0])


def _const(values):
    """A constant int64 tensor from a NumPy array or a list."""
    return _terra.tensor(np.ascontiguousarray(values, dtype=np.int64), None)


def _key_counter(numel):
    """(key, counter) for `numel` fresh Philox draws from terra's default
    generator (terra._random); a module-local stream until that exists."""
    try:
        from .. import _random
        return _random.next_key_counter(numel)
    except (ImportError, AttributeError):
        global _fallback_counter
        counter = _fallback_counter
        _fallback_counter += builtins.max(int(numel), 1)
        return _FALLBACK_KEY, counter


_FALLBACK_KEY = 0x5EED
_fallback_counter = 0


def _rand_uniform(shape, dtype, low, high):
    numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
    key, counter = _key_counter(numel)
    return _terra.random_uniform(tuple(shape), dtype._code, key, counter,
                                 float(low), float(high))


def _rand_normal(shape, dtype, mean, std):
    numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
    key, counter = _key_counter(numel)
    return _terra.random_normal(tuple(shape), dtype._code, key, counter,
                                float(mean), float(std))


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError("{} is not a valid value for reduction".format(reduction))


def _legacy_reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


# -- linear and convolution ---------------------------------------------------

def linear(input, weight, bias=None):
    """y = x W^T + b."""
    return _terra.linear(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1^T W_k x2 + b_k."""
    out_features, in1, in2 = weight.shape
    flat = weight.permute(1, 0, 2).reshape(in1, out_features * in2)
    left = _terra.matmul(input1, flat)
    left = left.reshape(tuple(left.shape[:-1]) + (out_features, in2))
    output = (left * input2.unsqueeze(-2)).sum(-1)
    if bias is not None:
        output = output + bias
    return output


def _unbatched(input, rank, name):
    if input.ndim == rank - 1:
        return input.unsqueeze(0), True
    if input.ndim != rank:
        raise RuntimeError("{}: Expected {}D (unbatched) or {}D (batched) input, "
                           "but got input of size: {}".format(
                               name, rank - 1, rank, list(input.shape)))
    return input, False


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) of (N, C, H, W) input."""
    input, squeeze = _unbatched(input, 4, "conv2d")
    stride, dilation = _pair(stride), _pair(dilation)
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise ValueError("padding='same' is not supported for strided "
                                 "convolutions")
            low, high = [], []
            for d, k in zip(dilation, weight.shape[2:]):
                total = d * (k - 1)
                low.append(total // 2)
                high.append(total - total // 2)
            if low != high:
                input = _terra.pad(input, (0, 0, low[0], low[1]),
                                   (0, 0, high[0], high[1]), 0.0)
                low = [0, 0]
            padding = tuple(low)
        else:
            raise ValueError("Invalid padding string {!r}".format(padding))
    output = _terra.conv2d(input, weight, bias, stride, _pair(padding),
                           dilation, groups)
    return output.squeeze(0) if squeeze else output


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0,
                     output_padding=0, groups=1, dilation=1):
    """The gradient of conv2d with respect to its input, taken at `input`."""
    input, squeeze = _unbatched(input, 4, "conv_transpose2d")
    output = _terra.conv_transpose2d(input, weight, _pair(stride),
                                     _pair(padding), _pair(output_padding),
                                     _pair(dilation), groups)
    if bias is not None:
        output = output + bias.reshape(1, -1, 1, 1)
    return output.squeeze(0) if squeeze else output


# -- pooling ----------------------------------------------------------------

def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode=False, return_indices=False):
    if return_indices:
        raise NotImplementedError("terra: max_pool2d(return_indices=True) is "
                                  "not supported")
    input, squeeze = _unbatched(input, 4, "max_pool2d")
    kernel = _pair(kernel_size)
    stride = kernel if stride is None or stride == [] else _pair(stride)
    output = _terra.max_pool2d(input, kernel, stride, _pair(padding),
                               _pair(dilation), bool(ceil_mode), True)
    return output.squeeze(0) if squeeze else output


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    input, squeeze = _unbatched(input, 4, "avg_pool2d")
    kernel = _pair(kernel_size)
    stride = kernel if stride is None or stride == [] else _pair(stride)
    output = _terra.avg_pool2d(input, kernel, stride, _pair(padding), (1, 1),
                               bool(ceil_mode), bool(count_include_pad))
    if divisor_override is not None:
        if padding != 0 and _pair(padding) != (0, 0) or ceil_mode:
            raise NotImplementedError(
                "terra: avg_pool2d(divisor_override) with padding or ceil_mode")
        output = output * (kernel[0] * kernel[1] / divisor_override)
    return output.squeeze(0) if squeeze else output


def _adaptive_bounds(size, out):
    """Adaptive pooling's windows along a dimension of `size`, as PyTorch
    cuts them: window i is [floor(i * size / out), ceil((i + 1) * size / out)).
    Returns (starts, ends) as NumPy arrays."""
    starts = np.arange(out) * size // out
    ends = -(-np.arange(1, out + 1) * size // out)
    return starts, ends


def _adaptive_windows(size, out):
    """The windows of _adaptive_bounds, each padded to the widest by
    repeating its last index: (flat indices, width)."""
    starts, ends = _adaptive_bounds(size, out)
    widest = int((ends - starts).max())
    indices = np.minimum(starts[:, None] + np.arange(widest), ends[:, None] - 1)
    return indices.reshape(-1), widest


def _adaptive_pool2d(input, output_size, reduce, name):
    input, squeeze = _unbatched(input, 4, name)
    height, width = input.shape[-2:]
    out_h, out_w = _pair(output_size)
    out_h = height if out_h is None else out_h
    out_w = width if out_w is None else out_w
    if height % out_h == 0 and width % out_w == 0:
        kernel = (height // out_h, width // out_w)
        pool = _terra.avg_pool2d if reduce == "mean" else _terra.max_pool2d
        output = pool(input, kernel, kernel, (0, 0), (1, 1), False, True)
    elif reduce == "max":
        # Max is separable, and repeating an element of a window does not
        # change its max: gather every window padded to the widest with its
        # last row (column), then reduce; six ops whatever the output size.
        output = input
        for dim, out in ((2, out_h), (3, out_w)):
            indices, widest = _adaptive_windows(input.shape[dim], out)
            output = _terra.index_select(output, dim, _const(indices))
            shape = list(output.shape)
            shape[dim:dim + 1] = [out, widest]
            output = output.reshape(shape).amax(dim + 1)
    else:
        rows = []
        row_bounds = zip(*_adaptive_bounds(height, out_h))
        col_bounds = list(zip(*_adaptive_bounds(width, out_w)))
        for h0, h1 in row_bounds:
            cols = [input[:, :, int(h0):int(h1), int(w0):int(w1)].mean((2, 3))
                    for w0, w1 in col_bounds]
            rows.append(_terra.stack(cols, -1))
        output = _terra.stack(rows, -2)
    return output.squeeze(0) if squeeze else output


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_pool2d(input, output_size, "mean", "adaptive_avg_pool2d")


def adaptive_max_pool2d(input, output_size, return_indices=False):
    if return_indices:
        raise NotImplementedError(
            "terra: adaptive_max_pool2d(return_indices=True) is not supported")
    return _adaptive_pool2d(input, output_size, "max", "adaptive_max_pool2d")


# -- activations --------------------------------------------------------------

def relu(input, inplace=False):
    output = _terra.unary(UNARY["relu"], input)
    return input.copy_(output) if inplace else output


def relu_(input):
    return relu(input, inplace=True)


def _maybe_inplace(input, output, inplace):
    return input.copy_(output) if inplace else output


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return _maybe_inplace(input, _terra.clamp(input, min_val, max_val), inplace)


def gelu(input, approximate="none"):
    if approximate == "none":
        return _terra.unary(UNARY["gelu"], input)
    if approximate == "tanh":
        return _terra.unary(UNARY["gelu_tanh"], input)
    raise RuntimeError("approximate argument must be either none or tanh.")


def sigmoid(input):
    return _terra.unary(UNARY["sigmoid"], input)


def tanh(input):
    return _terra.unary(UNARY["tanh"], input)


def silu(input, inplace=False):
    return _maybe_inplace(input, input * sigmoid(input), inplace)


def softplus(input, beta=1, threshold=20):
    scaled = input * beta
    soft = (scaled.exp() + 1).log() / beta
    return _terra.where(scaled > threshold, input, soft)


def mish(input, inplace=False):
    return _maybe_inplace(input, input * tanh(softplus(input)), inplace)


def softsign(input):
    return input / (input.abs() + 1)


def logsigmoid(input):
    # -softplus(-x), stably: min(x, 0) - log1p(exp(-|x|))
    return _terra.clamp(input, None, 0.0) - ((-input.abs()).exp() + 1).log()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    output = _terra.where(input > 0, input, input * negative_slope)
    return _maybe_inplace(input, output, inplace)


def elu(input, alpha=1.0, inplace=False):
    output = _terra.where(input > 0, input, (input.exp() - 1) * alpha)
    return _maybe_inplace(input, output, inplace)


def celu(input, alpha=1.0, inplace=False):
    output = _terra.where(input > 0, input, ((input / alpha).exp() - 1) * alpha)
    return _maybe_inplace(input, output, inplace)


def selu(input, inplace=False):
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    output = _terra.where(input > 0, input, (input.exp() - 1) * alpha) * scale
    return _maybe_inplace(input, output, inplace)


def hardsigmoid(input, inplace=False):
    return _maybe_inplace(input, _terra.clamp(input / 6 + 0.5, 0.0, 1.0), inplace)


def hardswish(input, inplace=False):
    return _maybe_inplace(input, input * _terra.clamp(input + 3, 0.0, 6.0) / 6,
                          inplace)


def _get_softmax_dim(name, ndim):
    warnings.warn("Implicit dimension choice for {} has been deprecated. "
                  "Change the call to include dim=X as an argument.".format(name),
                  stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmax", input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    return _terra.softmax(input, dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("softmin", input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    return _terra.softmax(-input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    return _terra.log_softmax(input, dim)


# -- dropout ------------------------------------------------------------------

def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes elements with probability p and scales the rest by 1/(1-p)."""
    if p < 0.0 or p > 1.0:
        raise ValueError("dropout probability has to be between 0 and 1, "
                         "but got {}".format(p))
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return _maybe_inplace(input, input * 0.0, inplace)
    keep = _terra.full(tuple(input.shape), 1.0 - p, input.dtype._code)
    key, counter = _key_counter(input.numel())
    mask = _terra.random_bernoulli(keep, key, counter)
    output = input * mask * (1.0 / (1.0 - p))
    return _maybe_inplace(input, output, inplace)


# -- normalization ------------------------------------------------------------

def batch_norm(input, running_mean, running_var, weight=None, bias=None,
               training=False, momentum=0.1, eps=1e-5):
    """Normalizes over every dimension but the channels (dim 1); in
    training, updates the running statistics in place."""
    dims = (0,) + tuple(range(2, input.ndim))
    shape = [1] * input.ndim
    shape[1] = input.shape[1]
    if training:
        count = input.numel() // input.shape[1]
        if count <= 1:
            raise ValueError("Expected more than 1 value per channel when "
                             "training, got input size {}".format(list(input.shape)))
        if (weight is None) == (bias is None):
            output, mean, var = _terra.batch_norm(input, weight, bias, eps)
        else:
            mean = input.mean(dims)
            var = _terra.var(input, dims, 0, False)
            output = None
        if running_mean is not None:
            with _NoGrad():
                running_mean.mul_(1 - momentum).add_(mean.detach() * momentum)
        if running_var is not None:
            with _NoGrad():
                running_var.mul_(1 - momentum).add_(
                    var.detach() * (momentum * count / (count - 1)))
        if output is not None:
            return output
    else:
        mean, var = running_mean, running_var
    # As PyTorch's CPU kernel: one per-channel scale and shift, two passes
    # over the input instead of four.
    scale = (var + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    shift = mean * scale
    shift = -shift if bias is None else bias - shift
    return input * scale.reshape(shape) + shift.reshape(shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(normalized_shape):]) != normalized_shape \
            or len(normalized_shape) > input.ndim:
        raise RuntimeError(
            "Given normalized_shape={}, expected input with shape [*, {}], but "
            "got input of size{}".format(list(normalized_shape),
                                        ", ".join(map(str, normalized_shape)),
                                        list(input.shape)))
    if (weight is None) == (bias is None):
        return _terra.layer_norm(input, len(normalized_shape), weight, bias, eps)
    dims = tuple(range(-len(normalized_shape), 0))
    mean = input.mean(dims, keepdim=True)
    var = _terra.var(input, dims, 0, True)
    output = (input - mean) * (var + eps).rsqrt()
    if weight is not None:
        output = output * weight
    if bias is not None:
        output = output + bias
    return output


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    batch, channels = input.shape[:2]
    grouped = input.reshape(batch, num_groups, -1)
    mean = grouped.mean(-1, keepdim=True)
    var = _terra.var(grouped, (-1,), 0, True)
    output = ((grouped - mean) * (var + eps).rsqrt()).reshape(input.shape)
    shape = [1] * input.ndim
    shape[1] = channels
    if weight is not None:
        output = output * weight.reshape(shape)
    if bias is not None:
        output = output + bias.reshape(shape)
    return output


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    if p != 2 and p != 2.0:
        norm = (input.abs() ** p).sum(dim, keepdim=True) ** (1.0 / p)
    else:
        norm = (input * input).sum(dim, keepdim=True).sqrt()
    return input / _terra.clamp(norm, eps, None)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    dot = (x1 * x2).sum(dim)
    n1 = (x1 * x1).sum(dim)
    n2 = (x2 * x2).sum(dim)
    return dot / _terra.clamp(n1 * n2, eps * eps, None).sqrt()


class _NoGrad:
    def __enter__(self):
        self.previous = _terra.is_grad_enabled()
        _terra.set_grad_enabled(False)

    def __exit__(self, *exc):
        _terra.set_grad_enabled(self.previous)


# -- embedding ------------------------------------------------------------------

def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of `weight` picked by the integer `input`; the row at
    padding_idx receives no gradient."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("terra: embedding(max_norm, "
                                  "scale_grad_by_freq, sparse) is not supported")
    flat = input.reshape(-1)
    rows = _terra.index_select(weight, 0, flat)
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += weight.shape[0]
        keep = (flat != padding_idx).unsqueeze(-1)
        rows = _terra.where(keep, rows, rows.detach())
    return rows.reshape(tuple(input.shape) + (weight.shape[1],))


def one_hot(tensor, num_classes=-1):
    if tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor.")
    if num_classes == -1:
        num_classes = int(tensor.amax().item()) + 1 if tensor.numel() else 0
    classes = _const(np.arange(num_classes))
    return (tensor.unsqueeze(-1) == classes).to(_dtype.int64)


# -- losses -----------------------------------------------------------------

def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100,
             reduce=None, reduction="mean"):
    """Negative log likelihood of the class `target` in log-probabilities
    `input` of shape (N, C, ...) or (C,)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTION_CODES:
        raise ValueError("{} is not a valid value for reduction".format(reduction))
    if input.ndim == 1:
        out_shape = ()
        input, target = input.unsqueeze(0), target.reshape(1)
    elif input.ndim > 2:
        # (N, C, d1, ...) -> (N * d1 * ..., C)
        out_shape = tuple(target.shape)
        classes = input.shape[1]
        input = input.permute(0, *range(2, input.ndim), 1).reshape(-1, classes)
        target = target.reshape(-1)
    else:
        out_shape = None
    loss = _terra.nll_loss(input, target, weight, ignore_index,
                           _REDUCTION_CODES[reduction])
    if reduction == "none" and out_shape is not None:
        return loss.reshape(out_shape)
    return loss


# _terra.nll_loss's reduction codes.
_REDUCTION_CODES = {"none": 0, "mean": 1, "sum": 2}


def cross_entropy(input, target, weight=None, size_average=None,
                  ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """log_softmax over the class dimension (1, or 0 for unbatched input)
    then nll_loss; targets are class indices or class probabilities."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    logp = _terra.log_softmax(input, class_dim)
    wshape = [1] * input.ndim
    wshape[class_dim] = classes
    if target.dtype.is_floating_point:
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        product = logp * target
        if weight is not None:
            product = product * weight.reshape(wshape)
        if reduction == "mean":
            return -product.sum() / (input.numel() / classes)
        if reduction == "sum":
            return -product.sum()
        if reduction == "none":
            return -product.sum(class_dim)
        raise ValueError("{} is not a valid value for reduction".format(reduction))
    loss = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing <= 0:
        return loss
    ignore = target == ignore_index
    if weight is not None:
        smooth = -(logp * weight.reshape(wshape)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    smooth = _terra.where(ignore, 0.0, smooth)
    if reduction == "mean":
        if weight is not None:
            safe = _terra.where(ignore, 0, target)
            picked = _terra.index_select(weight, 0, safe.reshape(-1))
            denominator = (picked * (ignore.logical_not().reshape(-1)
                                     .to(picked.dtype))).sum()
            smooth = smooth.sum() / denominator
        else:
            smooth = smooth.sum() / ignore.logical_not().sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / classes)


def _check_same_size(input, target, name):
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(
            "Using a target size ({}) that is different to the input size ({}). "
            "This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.".format(target.shape,
                                                           input.shape),
            stacklevel=3)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    _check_same_size(input, target, "mse_loss")
    difference = input - target
    return _reduce(difference * difference,
                   _legacy_reduction(size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    _check_same_size(input, target, "l1_loss")
    return _reduce((input - target).abs(),
                   _legacy_reduction(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None,
                   reduction="mean", beta=1.0):
    _check_same_size(input, target, "smooth_l1_loss")
    difference = (input - target).abs()
    if beta == 0.0:
        loss = difference
    else:
        loss = _terra.where(difference < beta,
                            difference * difference * (0.5 / beta),
                            difference - 0.5 * beta)
    return _reduce(loss, _legacy_reduction(size_average, reduce, reduction))


def huber_loss(input, target, reduction="mean", delta=1.0):
    difference = (input - target).abs()
    loss = _terra.where(difference < delta, difference * difference * 0.5,
                        (difference - 0.5 * delta) * delta)
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None,
                         reduce=None, reduction="mean"):
    """-(t log x + (1 - t) log(1 - x)), logs clamped at -100 as PyTorch."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            "Using a target size ({}) that is different to the input size ({}) "
            "is deprecated. Please ensure they have the same size."
            .format(target.shape, input.shape))
    log_x = _terra.clamp(input.log(), -100.0, None)
    log_1mx = _terra.clamp((1 - input).log(), -100.0, None)
    loss = -(target * log_x + (1 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None,
                                     size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Sigmoid and binary cross entropy in one numerically stable
    expression: (1 - t) x + l (log(1 + exp(-|x|)) + max(-x, 0)), with
    l = 1 + (pos_weight - 1) t."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError("Target size ({}) must be the same as input size ({})"
                         .format(target.shape, input.shape))
    max_val = _terra.clamp(-input, 0.0, None)
    softplus_term = ((-max_val).exp() + (-input - max_val).exp()).log() + max_val
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * softplus_term
    else:
        loss = (1 - target) * input + softplus_term
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean",
           log_target=False):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target > 0
        safe = _terra.where(positive, target, 1.0)
        loss = _terra.where(positive, target * (safe.log() - input), 0.0)
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)


# -- shape ------------------------------------------------------------------

def _edge_indices(size, low, high, mode):
    positions = np.arange(-low, size + high)
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    if mode == "reflect":
        if low >= size or high >= size:
            raise RuntimeError("Padding size should be less than the "
                               "corresponding input dimension")
        period = 2 * (size - 1)
        positions = np.abs(positions) % builtins.max(period, 1)
        return np.where(positions >= size, period - positions, positions)
    if mode == "circular":
        return positions % size
    raise NotImplementedError("terra: pad mode {!r} is not supported".format(mode))


def pad(input, pad, mode="constant", value=None):
    """Pads the last len(pad) // 2 dimensions: pad = (left, right, top,
    bottom, ...), last dimension first; negative amounts crop."""
    if len(pad) % 2:
        raise ValueError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise ValueError("Padding length too large")
    low = [0] * input.ndim
    high = [0] * input.ndim
    for i in range(len(pad) // 2):
        low[input.ndim - 1 - i] = int(pad[2 * i])
        high[input.ndim - 1 - i] = int(pad[2 * i + 1])
    if any(amount < 0 for amount in low + high):
        # Crop first (a view), then pad by the positive amounts.
        for dim in range(input.ndim):
            start = -min(low[dim], 0)
            stop = input.shape[dim] + min(high[dim], 0)
            if start or stop != input.shape[dim]:
                input = input.narrow(dim, start, stop - start)
        low = [max(amount, 0) for amount in low]
        high = [max(amount, 0) for amount in high]
    if mode == "constant":
        if not any(low) and not any(high):
            return input.clone()
        return _terra.pad(input, low, high, 0.0 if value is None else value)
    output = input
    for dim in range(input.ndim):
        if low[dim] or high[dim]:
            indices = _edge_indices(input.shape[dim], low[dim], high[dim], mode)
            output = _terra.index_select(output, dim, _const(indices))
    return output


def _nearest_indices(in_size, out_size, scale):
    scale = in_size / out_size if scale is None else 1.0 / scale
    positions = np.floor(np.arange(out_size, dtype=np.float64) * np.float32(scale))
    return np.minimum(positions.astype(np.int64), in_size - 1)


def interpolate(input, size=None, scale_factor=None, mode="nearest",
                align_corners=None, recompute_scale_factor=None, antialias=False):
    """Resizes the spatial dimensions (nearest neighbour; bilinear for 4-D
    input)."""
    spatial = input.ndim - 2
    if spatial < 1:
        raise ValueError("Input Error: Only 3D, 4D and 5D input Tensors "
                         "supported (got {}D)".format(input.ndim))
    in_sizes = input.shape[2:]
    scales = [None] * spatial
    if size is not None:
        if scale_factor is not None:
            raise ValueError("only one of size or scale_factor should be defined")
        out_sizes = ([int(size)] * spatial if isinstance(size, numbers.Integral)
                     else [int(s) for s in size])
    elif scale_factor is not None:
        factors = ([float(scale_factor)] * spatial
                   if isinstance(scale_factor, numbers.Number)
                   else [float(s) for s in scale_factor])
        out_sizes = [int(math.floor(s * f)) for s, f in zip(in_sizes, factors)]
        if not recompute_scale_factor:
            scales = factors
    else:
        raise ValueError("either size or scale_factor should be defined")
    if mode == "nearest":
        output = input
        for i in range(spatial):
            indices = _nearest_indices(in_sizes[i], out_sizes[i], scales[i])
            output = _terra.index_select(output, 2 + i, _const(indices))
        return output
    if mode in ("bilinear", "linear"):
        output = input
        for i in range(spatial):
            output = _linear_resize(output, 2 + i, in_sizes[i], out_sizes[i],
                                    scales[i], bool(align_corners))
        return output
    raise NotImplementedError("terra: interpolate mode {!r} is not supported"
                              .format(mode))


def _linear_resize(input, dim, in_size, out_size, scale, align_corners):
    out = np.arange(out_size, dtype=np.float64)
    if align_corners:
        ratio = (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
        source = out * ratio
    else:
        ratio = in_size / out_size if scale is None else 1.0 / scale
        source = np.maximum((out + 0.5) * ratio - 0.5, 0.0)
    low = np.minimum(np.floor(source).astype(np.int64), in_size - 1)
    high = np.minimum(low + 1, in_size - 1)
    fraction = (source - low).astype(input.dtype._numpy)
    shape = [1] * input.ndim
    shape[dim] = out_size
    lam = _terra.tensor(fraction.reshape(shape), input.dtype._code)
    a = _terra.index_select(input, dim, _const(low))
    b = _terra.index_select(input, dim, _const(high))
    return a * (1 - lam) + b * lam


def upsample(input, size=None, scale_factor=None, mode="nearest",
             align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


# -- attention --------------------------------------------------------------

def scaled_dot_product_attention(query, key, value, attn_mask=None,
                                 dropout_p=0.0, is_causal=False, scale=None):
    """softmax(Q K^T / sqrt(E) + mask) V, as PyTorch 2's."""
    length, source = query.shape[-2], key.shape[-2]
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = _terra.matmul(query, key.transpose(-2, -1)) * factor
    if is_causal:
        causal = _const(np.tril(np.ones((length, source), dtype=bool)))
        scores = _terra.where(causal.to(_dtype.bool), scores, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype is _dtype.bool:
            scores = _terra.where(attn_mask, scores, float("-inf"))
        else:
            scores = scores + attn_mask
    weights = _terra.softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return _terra.matmul(weights, value)


def multi_head_attention_forward(
        query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
        in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
        out_proj_weight, out_proj_bias, training=True, key_padding_mask=None,
        need_weights=True, attn_mask=None, use_separate_proj_weight=False,
        q_proj_weight=None, k_proj_weight=None, v_proj_weight=None,
        static_k=None, static_v=None, average_attn_weights=True):
    """Multi-head attention on (L, N, E) query and (S, N, E) key/value,
    or unbatched (L, E) / (S, E), as torch.nn.functional's."""
    if static_k is not None or static_v is not None:
        raise NotImplementedError("terra: static_k/static_v are not supported")
    batched = query.ndim == 3
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError("was expecting embedding dimension of {}, but got {}"
                             .format(embed_dim_to_check, embed_dim))
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError("embed_dim {} not divisible by num_heads {}"
                             .format(embed_dim, num_heads))
    if not use_separate_proj_weight:
        w_q, w_k, w_v = in_proj_weight.chunk(3)
    else:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    if in_proj_bias is None:
        b_q = b_k = b_v = None
    else:
        b_q, b_k, b_v = in_proj_bias.chunk(3)
    q = linear(query, w_q, b_q)
    k = linear(key, w_k, b_k)
    v = linear(value, w_v, b_v)

    if attn_mask is not None:
        if attn_mask.dtype is not _dtype.bool and not attn_mask.is_floating_point():
            raise AssertionError("Only float and bool types are supported for "
                                 "attn_mask, not {}".format(attn_mask.dtype))
        if attn_mask.ndim == 2:
            attn_mask = attn_mask.unsqueeze(0)
    if bias_k is not None and bias_v is not None:
        k = _terra.cat([k, bias_k.reshape(1, 1, embed_dim).expand(1, bsz, embed_dim)], 0)
        v = _terra.cat([v, bias_v.reshape(1, 1, embed_dim).expand(1, bsz, embed_dim)], 0)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))

    # (L, N, E) -> (N * H, L, D)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if add_zero_attn:
        zeros = _terra.full((bsz * num_heads, 1, head_dim), 0.0, q.dtype._code)
        k = _terra.cat([k, zeros], 1)
        v = _terra.cat([v, zeros], 1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]

    # Masks as an additive float mask of shape (N * H or 1, L, S).
    if attn_mask is not None and attn_mask.dtype is _dtype.bool:
        attn_mask = _terra.where(attn_mask, float("-inf"), 0.0).to(q.dtype)
    if key_padding_mask is not None:
        if key_padding_mask.dtype is _dtype.bool:
            padding = _terra.where(key_padding_mask, float("-inf"), 0.0).to(q.dtype)
        else:
            padding = key_padding_mask
        padding = padding.reshape(bsz, 1, 1, src_len).expand(
            bsz, num_heads, 1, src_len).reshape(bsz * num_heads, 1, src_len)
        attn_mask = padding if attn_mask is None else attn_mask + padding

    q = q * (1.0 / math.sqrt(head_dim))
    scores = _terra.matmul(q, k.transpose(-2, -1))
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = _terra.softmax(scores, -1)
    if dropout_p > 0.0 and training:
        weights = dropout(weights, dropout_p, True)
    output = _terra.matmul(weights, v)  # (N * H, L, D)
    output = output.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    output = linear(output, out_proj_weight, out_proj_bias)
    output = output.reshape(tgt_len, bsz, embed_dim)
    if need_weights:
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            return output.squeeze(1), weights.squeeze(0)
        return output, weights
    if not batched:
        output = output.squeeze(1)
    return output, None
