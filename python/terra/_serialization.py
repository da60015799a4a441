"""terra.save / terra.load and the pickling support of tensors.

A terra checkpoint is a zip archive (entries stored, not compressed):

    terra/format            b"terra-save 1\\n"
    terra/data.pkl          the object, pickled (protocol 4), with every
                            tensor replaced by a persistent id
                            ("tensor", index, kind, requires_grad)
    terra/tensors/<index>.npy   the tensor's values as a NumPy .npy file

docs/serialization.md describes the format in full. Loading is safe by
default (``weights_only=True``): the pickle may only name a short list of
builtin, collections and terra globals, plus those allowed with
``terra.serialization.add_safe_globals`` or ``safe_globals``. Files written
by ``torch.save`` (the zip format of PyTorch >= 1.6) are read without
PyTorch, their tensors converted to terra tensors; the legacy (pre-1.6)
format needs PyTorch importable.
"""

import builtins
import collections
import contextlib
import io
import os
import pickle
import sys
import zipfile

import numpy as np

import _terra

from . import _dtype

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals",
           "get_safe_globals", "safe_globals", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 4
FORMAT = b"terra-save 1\n"
_PREFIX = "terra/"


def _rebuild_tensor(array, requires_grad=False):
    """Unpickles a tensor pickled with pickle (Tensor.__reduce_ex__)."""
    from ._creation import from_numpy

    tensor = from_numpy(array)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


# -- the allow-list of the weights-only unpickler ---------------------------

_safe_globals = []


def add_safe_globals(safe_globals):
    """Allows these functions and classes in files loaded with
    ``weights_only=True``. Each entry is the object or (object, "module.name")
    for an object pickled under another name."""
    _safe_globals.extend(safe_globals)


def clear_safe_globals():
    del _safe_globals[:]


def get_safe_globals():
    return list(_safe_globals)


class safe_globals(contextlib.ContextDecorator):
    """A context manager that allows `safe_globals` for its duration:
    ``with terra.serialization.safe_globals([MyClass]): terra.load(f)``."""

    def __init__(self, safe_globals):
        self.safe_globals = list(safe_globals)

    def __enter__(self):
        self._previous = get_safe_globals()
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        _safe_globals[:] = self._previous
        return False


def _user_safe_globals():
    allowed = {}
    for entry in _safe_globals:
        if isinstance(entry, tuple):
            obj, name = entry
        else:
            obj = entry
            name = "%s.%s" % (obj.__module__, obj.__qualname__)
        allowed[name] = obj
    return allowed


def _dtype_by_name(name):
    value = getattr(_dtype, name, None)
    if not isinstance(value, _dtype.dtype):
        raise pickle.UnpicklingError("%r is not a terra dtype" % (name,))
    return value


def _builtin_globals():
    from ._device import device
    from ._tensor import Size

    allowed = {
        "collections.OrderedDict": collections.OrderedDict,
        "terra._dtype._by_name": _dtype_by_name,
        "terra._device.device": device,
        "terra._tensor.Size": Size,
    }
    for name in ("set", "frozenset", "list", "dict", "tuple", "int", "float",
                 "complex", "bool", "str", "bytes", "bytearray", "slice",
                 "range"):
        allowed["builtins." + name] = getattr(builtins, name)
    return allowed


class _LoadError(RuntimeError):
    """An error terra.load reports as it is (not as a damaged file)."""


class WeightsOnlyError(pickle.UnpicklingError, _LoadError):
    """A weights-only load met a global that is not allowed."""


def _refuse_global(filename, module, name):
    raise WeightsOnlyError(
        "terra.load(%s): weights-only load failed: the file names the "
        "global %s.%s, which is not allowed. If you trust the file, allow it "
        "with terra.serialization.add_safe_globals([%s]) (or the "
        "safe_globals context manager), or load with weights_only=False, "
        "which runs arbitrary code from the file." %
        (filename, module, name, name))


# -- save ---------------------------------------------------------------------

class _Pickler(pickle.Pickler):
    """Replaces each tensor by a persistent id and collects its values."""

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.arrays = []
        self._ids = {}
        self._keep = []

    def persistent_id(self, obj):
        if not isinstance(obj, _terra.Tensor):
            return None
        index = self._ids.get(id(obj))
        if index is None:
            index = len(self.arrays)
            self._ids[id(obj)] = index
            self._keep.append(obj)
            source = obj.detach() if obj.requires_grad else obj
            array = source.numpy()
            if not array.flags.c_contiguous:
                array = array.copy(order="C")
            self.arrays.append(array)
        kind = "tensor"
        cls = type(obj)
        if cls.__name__ == "Parameter" and cls.__module__.startswith("terra."):
            kind = "parameter"
        return ("tensor", index, kind, bool(obj.requires_grad))


def _writable(f):
    if isinstance(f, (str, os.PathLike)):
        return open(f, "wb")
    return contextlib.nullcontext(f)


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Saves `obj` (tensors, state dicts, nested containers of them, and any
    picklable object) to the path or binary file `f` in terra's checkpoint
    format (docs/serialization.md)."""
    data = io.BytesIO()
    pickler = _Pickler(data, max(int(pickle_protocol), 2))
    pickler.dump(obj)
    with _writable(f) as file, \
            zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(_PREFIX + "format", FORMAT)
        archive.writestr(_PREFIX + "data.pkl", data.getvalue())
        for index, array in enumerate(pickler.arrays):
            name = "%stensors/%d.npy" % (_PREFIX, index)
            with archive.open(name, "w",
                              force_zip64=array.nbytes > (1 << 30)) as entry:
                np.lib.format.write_array(entry, array, allow_pickle=False)


# -- load ---------------------------------------------------------------------

def _file_name(f):
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else "<%s>" % type(f).__name__


def _target_is_cpu(map_location):
    """Checks that `map_location` sends tensors to the CPU; returns a
    callable to apply to each tensor, or None."""
    from ._device import device

    if map_location is None or callable(map_location):
        return map_location
    if isinstance(map_location, dict):
        target = map_location.get("cpu", "cpu")
    else:
        target = map_location
    if device(target).type != "cpu":
        raise _LoadError(
            "Attempting to deserialize object on a %s device but it is not "
            "available in this build of terra (only cpu). Use terra.load with "
            "map_location='cpu' to map your storages to the CPU."
            % device(target).type)
    return None


def _finish_tensor(tensor, requires_grad, kind, map_location):
    if kind == "parameter":
        try:
            from .nn import Parameter
        except ImportError:
            Parameter = None
        if Parameter is not None:
            tensor = Parameter(tensor, requires_grad)
            requires_grad = False
    if requires_grad:
        tensor.requires_grad_(True)
    if map_location is not None:
        mapped = map_location(tensor, "cpu")
        if mapped is not None:
            tensor = mapped
    return tensor


def _native(array):
    """`array` in terra's dtypes and the native byte order."""
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    if array.dtype.kind == "f" and array.dtype.itemsize < 4:
        array = array.astype(np.float32)
    elif array.dtype.kind in "iu" and array.dtype not in (np.int32, np.int64):
        array = array.astype(np.int64)
    return array


class _TerraUnpickler(pickle.Unpickler):
    def __init__(self, data, archive, filename, weights_only, map_location):
        super().__init__(data)
        self.archive = archive
        self.filename = filename
        self.weights_only = weights_only
        self.map_location = map_location
        self.tensors = {}
        if weights_only:
            self.allowed = _builtin_globals()
            self.allowed.update(_user_safe_globals())

    def find_class(self, module, name):
        if not self.weights_only:
            return super().find_class(module, name)
        try:
            return self.allowed["%s.%s" % (module, name)]
        except KeyError:
            _refuse_global(self.filename, module, name)

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 4 and pid[0] == "tensor"):
            raise pickle.UnpicklingError("unknown persistent id %r" % (pid,))
        _, index, kind, requires_grad = pid
        if index not in self.tensors:
            from ._creation import from_numpy

            name = "%stensors/%d.npy" % (_PREFIX, int(index))
            with self.archive.open(name) as entry:
                array = np.lib.format.read_array(entry, allow_pickle=False)
            self.tensors[index] = _finish_tensor(
                from_numpy(_native(array)), requires_grad, kind,
                self.map_location)
        return self.tensors[index]


def load(f, map_location=None, pickle_module=None, *, weights_only=None,
         mmap=None, **pickle_load_args):
    """Loads an object saved with terra.save (or torch.save) from the path
    or binary file `f`.

    `weights_only` (default True, as in PyTorch 2.6) restricts the pickle to
    tensors, containers, numbers, strings, terra dtypes/devices and the
    globals allowed with ``terra.serialization.add_safe_globals``;
    ``weights_only=False`` unpickles anything (only for trusted files).
    `map_location` may be None, "cpu", a device, a dict or a callable
    ``(tensor, "cpu") -> tensor``; a non-CPU target raises. A damaged,
    truncated or foreign file raises RuntimeError naming the file.
    """
    weights_only = True if weights_only is None else bool(weights_only)
    map_location = _target_is_cpu(map_location)
    filename = _file_name(f)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as file:
            return _load_file(file, filename, map_location, weights_only)
    return _load_file(f, filename, map_location, weights_only)


def _load_file(file, filename, map_location, weights_only):
    try:
        if not zipfile.is_zipfile(file):
            file.seek(0)
            return _load_legacy_torch(file, filename, map_location,
                                      weights_only)
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if _PREFIX + "format" in names:
                return _load_terra(archive, filename, map_location,
                                   weights_only)
            from ._torch_format import load_torch_zip, torch_zip_prefix

            prefix = torch_zip_prefix(names)
            if prefix is None:
                raise ValueError("it is a zip archive without the entries "
                                 "of a terra or PyTorch checkpoint")
            try:
                return load_torch_zip(archive, prefix, filename, map_location,
                                      weights_only, _TorchFinish)
            except WeightsOnlyError:
                torch = None if weights_only else _real_torch()
                if torch is None:
                    raise
        # A full (weights_only=False) PyTorch pickle naming globals that
        # only PyTorch can rebuild, e.g. a whole torch.nn.Module.
        file.seek(0)
        obj = torch.load(file, map_location="cpu", weights_only=False)
        return _from_torch(obj, torch, map_location)
    except _LoadError:
        raise
    except Exception as error:
        raise RuntimeError(
            "terra.load(%s): not a valid terra or PyTorch checkpoint (the "
            "file is damaged, truncated or of another kind): %s: %s"
            % (filename, type(error).__name__, error)) from error


def _load_terra(archive, filename, map_location, weights_only):
    version = archive.read(_PREFIX + "format")
    if version != FORMAT:
        raise _LoadError(
            "terra.load(%s): unsupported checkpoint format %r (this terra "
            "reads %r)" % (filename, version.strip(), FORMAT.strip()))
    data = io.BytesIO(archive.read(_PREFIX + "data.pkl"))
    unpickler = _TerraUnpickler(data, archive, filename, weights_only,
                                map_location)
    return unpickler.load()


class _TorchFinish:
    """Hooks of the PyTorch reader into terra (kept here so that the reader
    has no terra imports of its own)."""

    native = staticmethod(_native)
    finish_tensor = staticmethod(_finish_tensor)
    builtin_globals = staticmethod(_builtin_globals)
    user_safe_globals = staticmethod(_user_safe_globals)
    refuse_global = staticmethod(_refuse_global)


def _real_torch():
    """PyTorch itself if it is importable (not terra under the alias)."""
    from . import _options

    module = sys.modules.get("torch")
    if module is not None:
        return module if hasattr(module, "_C") else None
    if _options.torch_alias:
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch if hasattr(torch, "_C") else None


def _load_legacy_torch(file, filename, map_location, weights_only):
    """The pre-1.6 PyTorch format (a sequence of pickles), through PyTorch."""
    head = file.read(2)
    file.seek(0)
    if head == b"PK":
        raise ValueError("the zip archive is truncated or damaged (its "
                         "central directory is missing)")
    if len(head) < 2 or head[0] != 0x80:
        raise ValueError("it is neither a zip archive nor a pickle")
    torch = _real_torch()
    if torch is None:
        raise _LoadError(
            "terra.load(%s): this is a legacy (pre-1.6) PyTorch checkpoint, "
            "which terra reads only when PyTorch is importable; re-save it "
            "with a recent torch.save or terra.save" % filename)
    obj = torch.load(file, map_location="cpu", weights_only=weights_only)
    return _from_torch(obj, torch, map_location)


def _from_torch(obj, torch, map_location):
    """`obj` with PyTorch tensors (recursively in containers) converted."""
    from ._creation import from_numpy

    if isinstance(obj, torch.Tensor):
        obj_values = obj.detach().cpu()
        if obj_values.dtype in (torch.float16, torch.bfloat16):
            obj_values = obj_values.float()
        array = _native(obj_values.numpy().copy())
        kind = "parameter" if isinstance(obj, torch.nn.Parameter) else "tensor"
        return _finish_tensor(from_numpy(array), obj.requires_grad, kind,
                              map_location)
    if isinstance(obj, dict):
        result = type(obj)() if isinstance(obj, collections.OrderedDict) else {}
        for key, value in obj.items():
            result[key] = _from_torch(value, torch, map_location)
        if hasattr(obj, "_metadata"):
            result._metadata = obj._metadata
        return result
    if isinstance(obj, (list, tuple)):
        values = [_from_torch(v, torch, map_location) for v in obj]
        return values if isinstance(obj, list) else tuple(values)
    return obj
