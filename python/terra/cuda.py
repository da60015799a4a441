"""terra.cuda: CUDA devices (torch.cuda).

Terra loads the NVIDIA driver at run time (lib/Runtime/Cuda), but tensors
cannot live on a GPU yet, so ``is_available()`` is False and
``device_count()`` is 0, as PyTorch reports on a machine without CUDA, and
programs that pick ``"cuda" if torch.cuda.is_available() else "cpu"`` run on
the CPU. Functions that need a device raise RuntimeError saying why (no
driver, or GPU tensors not supported yet); those PyTorch makes no-ops
without CUDA (seeding, empty_cache, memory counters) are no-ops here too.
"""

import _terra

__all__ = ["is_available", "device_count", "current_device", "synchronize",
           "set_device", "get_device_name", "get_device_capability",
           "manual_seed", "manual_seed_all", "seed", "seed_all",
           "empty_cache", "memory_allocated", "max_memory_allocated",
           "memory_reserved", "max_memory_reserved",
           "reset_peak_memory_stats", "is_bf16_supported", "is_initialized",
           "device"]


def _unusable_reason():
    """Why a CUDA device cannot be used: the driver's absence, or, with a
    driver and GPUs, that tensors cannot live on them yet."""
    driver = _terra._cuda_driver()
    if not driver["available"]:
        return driver["reason"]
    names = sorted({_terra._cuda_device_properties(index)["name"]
                    for index in range(driver["devices"])})
    return ("the NVIDIA driver reports %d GPU%s (%s), but tensors on CUDA "
            "devices are not supported yet: this build of terra computes on "
            "the CPU" % (driver["devices"],
                         "" if driver["devices"] == 1 else "s",
                         ", ".join(names)))


def _unavailable(name):
    raise RuntimeError("terra.cuda.%s(): %s (check terra.cuda.is_available() "
                       "first)" % (name, _unusable_reason()))


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def current_device():
    _unavailable("current_device")


def set_device(device):
    _unavailable("set_device")


def synchronize(device=None):
    _unavailable("synchronize")


def get_device_name(device=None):
    _unavailable("get_device_name")


def get_device_capability(device=None):
    _unavailable("get_device_capability")


def get_device_properties(device=None):
    _unavailable("get_device_properties")


def is_bf16_supported(including_emulation=True):
    return False


def manual_seed(seed):
    """No-op without CUDA (as in PyTorch)."""


def manual_seed_all(seed):
    """No-op without CUDA (as in PyTorch)."""


def seed():
    """No-op without CUDA (as in PyTorch)."""


def seed_all():
    """No-op without CUDA (as in PyTorch)."""


def empty_cache():
    """No-op without CUDA (as in PyTorch)."""


def memory_allocated(device=None):
    return 0


def max_memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def max_memory_reserved(device=None):
    return 0


def reset_peak_memory_stats(device=None):
    """No-op without CUDA."""


class device:
    """``with terra.cuda.device(i):`` selects a CUDA device: unavailable."""

    def __init__(self, device):
        self.idx = device

    def __enter__(self):
        _unavailable("device")

    def __exit__(self, *exc):
        return False
