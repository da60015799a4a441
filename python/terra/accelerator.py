"""terra.accelerator: the accelerator Terra runs on (torch.accelerator,
PyTorch 2.6+).

This build runs on the CPU only, so there is no current accelerator:
``current_accelerator()`` is None and ``is_available()`` False, as PyTorch
reports on a machine without one. Scripts that pick
``terra.accelerator.current_accelerator() or "cpu"`` therefore run on the
CPU.
"""

__all__ = ["current_accelerator", "is_available", "device_count",
           "current_device_index", "set_device_index", "synchronize"]


def current_accelerator(check_available=False):
    """The accelerator's device type, or None (no accelerator here)."""
    return None


def is_available():
    return False


def device_count():
    return 0


def current_device_index():
    raise RuntimeError("terra.accelerator.current_device_index(): no "
                       "accelerator is available (this build runs on the CPU)")


def set_device_index(device):
    raise RuntimeError("terra.accelerator.set_device_index(): no accelerator "
                       "is available (this build runs on the CPU)")


current_device_idx = current_device_index
set_device_idx = set_device_index


def synchronize(device=None):
    """Waits for the accelerator: nothing to wait for without one."""
