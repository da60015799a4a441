"""terra.device: only the CPU in this build (the GPU backend comes later)."""


class device:
    """A device, as torch.device: terra.device("cpu"), device("cuda", 0)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError("device() expects a string, got %r" % (type,))
        if ":" in type:
            type, _, number = type.partition(":")
            index = int(number)
        if type not in ("cpu", "cuda", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, meta device type at start of device "
                "string: %s" % type
            )
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


cpu = device("cpu")
