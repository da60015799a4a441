"""terra.device: only the CPU in this build (the GPU backend comes later).

``terra.device`` takes the names ``torch.device`` takes, so that scripts
that build devices (``torch.device("cuda" if ... else "cpu")``) run; tensors
can only be created on the CPU.
"""

_TYPES = ("cpu", "cuda", "meta", "mps", "xpu")


class device:
    """A device, as torch.device: terra.device("cpu"), device("cuda", 0),
    device("cuda:1"), device(0) (CUDA device 0). As a context manager
    (``with terra.device("cpu"):``) it sets the default device."""

    __slots__ = ("type", "index", "_previous")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError("device() expects a string, got %r" % (type,))
        if ":" in type:
            if index is not None:
                raise RuntimeError("type (string) must not include an index "
                                   "because index was passed explicitly: %s"
                                   % type)
            type, _, number = type.partition(":")
            if not number.isdigit():
                raise RuntimeError("Invalid device string: '%s:%s'"
                                   % (type, number))
            index = int(number)
        if type not in _TYPES:
            raise RuntimeError(
                "Expected one of %s device type at start of device string: %s"
                % (", ".join(_TYPES), type))
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self.type = type
        self.index = index

    def __eq__(self, other):
        other = device(other) if isinstance(other, str) else other
        return (
            isinstance(other, device)
            and self.type == other.type
            and self.index == other.index
        )

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        if self.index is None:
            return "device(type='%s')" % self.type
        return "device(type='%s', index=%d)" % (self.type, self.index)

    def __str__(self):
        return self.type if self.index is None else "%s:%d" % (self.type, self.index)

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        self._previous = get_default_device()
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        set_default_device(self._previous)
        return False


cpu = device("cpu")

_default_device = cpu


def _require_cpu(target):
    """Raises RuntimeError unless `target` (None or anything terra.device
    takes) is the CPU, saying why the device cannot be used."""
    if target is None:
        return
    target = device(target)
    if target.type == "cpu":
        return
    if target.type == "cuda":
        from . import cuda

        reason = cuda._unusable_reason()
    else:
        reason = "terra runs on the CPU and, with an NVIDIA driver, CUDA"
    raise RuntimeError(
        "terra: device '%s' is not available: %s" % (target, reason))


def get_default_device():
    """The device new tensors are created on (always the CPU here)."""
    return _default_device


def set_default_device(new_device):
    """Sets the default device; only the CPU is available in this build."""
    global _default_device
    new_device = cpu if new_device is None else device(new_device)
    _require_cpu(new_device)
    _default_device = new_device
