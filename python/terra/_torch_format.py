"""Reads the zip checkpoints of ``torch.save`` (PyTorch >= 1.6) without
PyTorch: ``<prefix>/data.pkl`` is a pickle whose tensors are calls of
``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)`` on
persistent ids ``("storage", storage_type, key, location, numel)``, and
``<prefix>/data/<key>`` holds each storage's raw bytes.

The unpickler maps those torch globals to the functions below, so it never
imports torch; anything else the file names must be an allowed global
(see terra.serialization.add_safe_globals).
"""

import collections
import io
import pickle

import numpy as np

from . import _dtype

# torch.<Name>Storage: the element type of the storage's bytes. bfloat16 has
# no NumPy type: its bytes are read as uint16 and widened to float32.
_STORAGE_TYPES = {
    "FloatStorage": "float32", "DoubleStorage": "float64",
    "HalfStorage": "float16", "BFloat16Storage": "bfloat16",
    "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16",
    "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
    "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128",
}

_TORCH_DTYPES = {
    "float32": "float32", "float": "float32", "float64": "float64",
    "double": "float64", "int64": "int64", "long": "int64",
    "int32": "int32", "int": "int32", "bool": "bool",
}


class _StorageType:
    def __init__(self, name):
        self.name = name
        self.element = _STORAGE_TYPES[name]


class _TensorType:
    """Stands for torch.Tensor / torch.nn.Parameter in _rebuild_from_type_v2."""

    def __init__(self, kind):
        self.kind = kind


def torch_zip_prefix(names):
    """The folder of data.pkl in a torch zip checkpoint, or None."""
    for name in names:
        if name.endswith("/data.pkl") and name.count("/") == 1:
            return name[:-len("data.pkl")]
    return None


def load_torch_zip(archive, prefix, filename, map_location, weights_only,
                   hooks):
    names = set(archive.namelist())
    byteorder = "little"
    if prefix + "byteorder" in names:
        byteorder = archive.read(prefix + "byteorder").decode().strip()
    data = io.BytesIO(archive.read(prefix + "data.pkl"))
    unpickler = _TorchUnpickler(data, archive, prefix, byteorder, filename,
                                map_location, hooks)
    return unpickler.load()


class _TorchUnpickler(pickle.Unpickler):
    def __init__(self, data, archive, prefix, byteorder, filename,
                 map_location, hooks):
        super().__init__(data)
        self.archive = archive
        self.prefix = prefix
        self.order = "<" if byteorder == "little" else ">"
        self.filename = filename
        self.map_location = map_location
        self.hooks = hooks
        self.storages = {}
        self.allowed = hooks.builtin_globals()
        self.allowed.update(hooks.user_safe_globals())
        self.allowed.update({
            "torch._utils._rebuild_tensor": self._rebuild_tensor,
            "torch._utils._rebuild_tensor_v2": self._rebuild_tensor,
            "torch._utils._rebuild_parameter": self._rebuild_parameter,
            "torch._utils._rebuild_parameter_with_state":
                self._rebuild_parameter,
            "torch._tensor._rebuild_from_type_v2": self._rebuild_from_type,
            "torch.Tensor": _TensorType("tensor"),
            "torch._tensor.Tensor": _TensorType("tensor"),
            "torch.nn.parameter.Parameter": _TensorType("parameter"),
            "torch.Size": tuple,
            "torch.device": _device,
        })

    def find_class(self, module, name):
        key = "%s.%s" % (module, name)
        if key in self.allowed:
            return self.allowed[key]
        if module == "torch" and name in _STORAGE_TYPES:
            return _StorageType(name)
        if module == "torch" and name in _TORCH_DTYPES:
            return getattr(_dtype, _TORCH_DTYPES[name])
        self.hooks.refuse_global(self.filename, module, name)

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError("unknown persistent id %r" % (pid,))
        storage_type, key = pid[1], str(pid[2])
        if key not in self.storages:
            if not isinstance(storage_type, _StorageType):
                raise pickle.UnpicklingError(
                    "unsupported storage type %r" % (storage_type,))
            raw = self.archive.read(self.prefix + "data/" + key)
            element = storage_type.element
            if element.startswith("complex"):
                raise ValueError("complex tensors are not supported by terra")
            if element == "bfloat16":
                bits = np.frombuffer(raw, dtype=self.order + "u2")
                array = (bits.astype(np.uint32) << 16).view(np.float32)
            else:
                array = np.frombuffer(raw, dtype=np.dtype(element).newbyteorder(
                    self.order if element != "bool" else "="))
            self.storages[key] = array
        return self.storages[key]

    def _rebuild_tensor(self, storage, storage_offset, size, stride,
                        requires_grad=False, backward_hooks=None,
                        metadata=None):
        from ._creation import from_numpy

        size, stride = tuple(size), tuple(stride)
        if 0 in size:
            array = np.empty(size, dtype=storage.dtype)
        else:
            extent = storage_offset + 1 + sum(
                (n - 1) * s for n, s in zip(size, stride))
            if storage_offset < 0 or extent > storage.size or \
                    any(s < 0 for s in stride):
                raise ValueError("a tensor of size %s and stride %s at offset "
                                 "%d lies outside its storage of %d elements"
                                 % (size, stride, storage_offset, storage.size))
            array = np.lib.stride_tricks.as_strided(
                storage[storage_offset:], size,
                tuple(s * storage.itemsize for s in stride), writeable=False)
        tensor = from_numpy(self.hooks.native(np.array(array)))
        return self.hooks.finish_tensor(tensor, bool(requires_grad), "tensor",
                                        self.map_location)

    def _rebuild_parameter(self, data, requires_grad, backward_hooks,
                           state=None):
        return self.hooks.finish_tensor(data, bool(requires_grad), "parameter",
                                        None)

    def _rebuild_from_type(self, func, new_type, args, state):
        result = func(*args)
        if isinstance(new_type, _TensorType) and new_type.kind == "parameter":
            result = self.hooks.finish_tensor(result, result.requires_grad,
                                              "parameter", None)
        return result


def _device(*args):
    from ._device import device

    return device(*args)
