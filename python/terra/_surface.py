"""PyTorch 2.x top-level functions: terra.compile, from_dlpack,
set_printoptions, get/set_default_dtype, typename, is_floating_point,
finfo and iinfo."""

import functools

import numpy as np

from . import _dtype, _options
from ._tensor import Tensor

__all__ = ["compile", "from_dlpack", "set_printoptions", "get_printoptions",
           "get_default_dtype", "set_default_dtype", "typename",
           "is_floating_point", "finfo", "iinfo"]


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor",
            mode=None, options=None, disable=False):
    """Accepts torch.compile's arguments and returns `model` unchanged.

    Terra needs no separate compilation step: it co-executes every program
    it runs, tracing the deep-learning ops of the running Python code and
    compiling hot stretches in the background, so a compiled and an
    uncompiled model are the same thing. ``terra.compile(model)`` and
    ``@terra.compile`` / ``@terra.compile(mode=...)`` are accepted so that
    PyTorch 2.x scripts run unchanged; `backend`, `mode` and `options` have
    no effect.
    """
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic,
                                 backend=backend, mode=mode, options=options,
                                 disable=disable)
    if not callable(model):
        raise TypeError("compile(): expected a callable model or function, "
                        "got %s" % type(model).__name__)
    return model


# -- DLPack ----------------------------------------------------------------

_DLPACK_CPU = 1


class _Capsule:
    """Wraps a bare DLPack capsule so that NumPy can import it."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, stream=None, **_):
        return self._capsule

    def __dlpack_device__(self):
        return (_DLPACK_CPU, 0)


def from_dlpack(ext_tensor):
    """A tensor sharing the memory of `ext_tensor`: any object with
    ``__dlpack__`` (a NumPy array, a PyTorch or JAX CPU tensor, ...) or a
    DLPack capsule (torch.utils.dlpack.to_dlpack). CPU memory only."""
    from ._creation import from_numpy

    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    if not hasattr(ext_tensor, "__dlpack__"):
        if type(ext_tensor).__name__ != "PyCapsule":
            raise TypeError("from_dlpack(): expected an object with "
                            "__dlpack__ or a DLPack capsule, got %s"
                            % type(ext_tensor).__name__)
        ext_tensor = _Capsule(ext_tensor)
    device_type, _ = ext_tensor.__dlpack_device__()
    if device_type != _DLPACK_CPU:
        raise RuntimeError("from_dlpack(): only CPU memory can be imported in "
                           "this build of terra (DLPack device type %d)"
                           % device_type)
    return from_numpy(np.from_dlpack(ext_tensor))


# -- printing ----------------------------------------------------------------

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=float("inf"), edgeitems=3,
                 linewidth=80),
}

_print_options = dict(_PROFILES["default"], sci_mode=None)


def set_printoptions(precision=None, threshold=None, edgeitems=None,
                     linewidth=None, profile=None, sci_mode=None):
    """Records the print options (torch.set_printoptions). Minimal: the
    options are kept and returned by get_printoptions(), while tensors
    print in PyTorch's default layout."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError("profile must be one of %s" % sorted(_PROFILES))
        _print_options.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            _print_options[name] = value
    _print_options["sci_mode"] = sci_mode


def get_printoptions():
    return dict(_print_options)


# -- dtypes ------------------------------------------------------------------

def get_default_dtype():
    """The floating point type of new tensors: terra.float32."""
    return _dtype.get_default_dtype()


def set_default_dtype(d):
    """Only terra.float32 is supported as the default floating point dtype
    in this build: other values raise rather than being half honoured."""
    d = _dtype._resolve(d)
    if d is None or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the "
                        "default type")
    if d is not _dtype.float32:
        raise NotImplementedError(
            "terra.set_default_dtype(%r): this build creates floating point "
            "tensors as float32 by default; pass dtype=%r to the creation "
            "functions instead" % (d, d))


def typename(obj):
    """The type of `obj` as a string: 'terra.FloatTensor' for tensors,
    'module.QualifiedName' otherwise (torch.typename)."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        name = obj.__qualname__
    elif hasattr(obj, "__name__"):
        name = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        name = obj.__class__.__qualname__
    return name if module in ("", "builtins") else "%s.%s" % (module, name)


def is_floating_point(input):
    if not isinstance(input, Tensor):
        raise TypeError("is_floating_point(): argument 'input' must be "
                        "Tensor, not %s" % type(input).__name__)
    return input.dtype.is_floating_point


class finfo:
    """Machine limits of a floating point dtype (torch.finfo)."""

    def __init__(self, type=None):
        dtype = _dtype._resolve(type) or get_default_dtype()
        if not dtype.is_floating_point:
            raise TypeError("finfo(): %r is not a floating point dtype"
                            % dtype)
        info = np.finfo(dtype._numpy)
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype = dtype.name

    def __repr__(self):
        return ("finfo(resolution=%g, min=%g, max=%g, eps=%g, "
                "smallest_normal=%g, tiny=%g, dtype=%s)"
                % (self.resolution, self.min, self.max, self.eps,
                   self.smallest_normal, self.tiny, self.dtype))


class iinfo:
    """Machine limits of an integer dtype (torch.iinfo)."""

    def __init__(self, type):
        dtype = _dtype._resolve(type)
        if dtype is None or dtype.is_floating_point or dtype is _dtype.bool:
            raise TypeError("iinfo(): %r is not an integer dtype" % (dtype,))
        info = np.iinfo(dtype._numpy)
        self.bits = info.bits
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = dtype.name

    def __repr__(self):
        return "iinfo(min=%d, max=%d, dtype=%s)" % (self.min, self.max,
                                                    self.dtype)


def _missing_attribute(name):
    """terra's module __getattr__: an unknown name raises AttributeError
    that, under ``terra-run --torch``, names the torch attribute and points
    at docs/torch-compat.md."""
    if _options.torch_alias and not name.startswith("__"):
        raise AttributeError(
            "module 'torch' has no attribute '%s': torch.%s is not supported "
            "by terra (terra-run --torch); see docs/torch-compat.md for the "
            "supported API" % (name, name))
    raise AttributeError("module 'terra' has no attribute '%s'" % name)
