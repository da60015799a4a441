"""Pickling support for tensors (terra.save / terra.load build on it)."""


def _rebuild_tensor(array):
    from ._creation import from_numpy

    return from_numpy(array)
