"""Shared helpers of the Python tests: sample data and comparisons with
PyTorch 1.13, the numerical reference."""

import numpy as np
import torch

import terra

_RNG = np.random.default_rng(1234)


def sample(shape, dtype, positive=False):
    """Deterministic test data of a NumPy dtype name."""
    if dtype.startswith("float"):
        data = _RNG.standard_normal(shape)
        if positive:
            data = np.abs(data) + 0.1
        return np.asarray(data.astype(dtype))
    if dtype == "bool":
        return np.asarray(_RNG.random(shape) > 0.5)
    low = 1 if positive else -5
    return np.asarray(_RNG.integers(low, 6, size=shape).astype(dtype))


def assert_same(test, result, expected, rtol=None, atol=None):
    """`result` (a terra tensor) equals `expected` (a torch tensor) in
    shape, dtype and values (NaN where NaN)."""
    test.assertIsInstance(result, terra.Tensor)
    test.assertEqual(tuple(result.shape), tuple(expected.shape), "shape")
    test.assertEqual(result.dtype.name, str(expected.dtype).replace("torch.", ""),
                     "dtype")
    actual = result.numpy()
    wanted = expected.numpy()
    if wanted.dtype.kind == "f":
        tolerance = 1e-6 if wanted.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(
            actual, wanted, rtol=tolerance if rtol is None else rtol,
            atol=tolerance if atol is None else atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(actual, wanted)
