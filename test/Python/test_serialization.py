"""terra.save / terra.load: round trips, the documented format, safe
loading, damaged files and checkpoints written by torch.save."""

import collections
import io
import os
import pathlib
import pickle
import shutil
import tempfile
import unittest
import zipfile

import numpy as np
import torch

import terra
from terra.serialization import safe_globals

from reference import sample

DTYPES = ("float32", "float64", "int64", "int32", "bool")


class Custom:
    """A class that is not allowed in weights-only loads."""

    def __init__(self, value):
        self.value = value


class Case(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.folder)

    def path(self, name="checkpoint.pt"):
        return os.path.join(self.folder, name)

    def assert_tensor(self, result, expected):
        self.assertIsInstance(result, terra.Tensor)
        self.assertEqual(result.dtype, expected.dtype)
        self.assertEqual(tuple(result.shape), tuple(expected.shape))
        np.testing.assert_array_equal(result.numpy(), expected.numpy())


class RoundTripTest(Case):
    def test_every_dtype_and_shape(self):
        for dtype in DTYPES:
            for shape in ((), (0,), (5,), (2, 3, 4)):
                with self.subTest(dtype=dtype, shape=shape):
                    t = terra.tensor(sample(shape, dtype))
                    terra.save(t, self.path())
                    self.assert_tensor(terra.load(self.path()), t)

    def test_non_contiguous_tensors(self):
        base = terra.tensor(sample((4, 6), "float32"))
        for view in (base.T, base[:, ::2], base[1:3, 2:], base.expand(2, 4, 6)
                     if False else base.unsqueeze(0).expand(2, 4, 6)):
            with self.subTest(strides=view.stride()):
                terra.save(view, self.path())
                loaded = terra.load(self.path())
                self.assert_tensor(loaded, view)
                self.assertTrue(loaded.is_contiguous())

    def test_nested_state_dict(self):
        weight = terra.tensor(sample((3, 2), "float32"))
        state = {
            "model": collections.OrderedDict(
                [("fc.weight", weight), ("fc.bias", terra.zeros(3)),
                 ("bn.num_batches_tracked", terra.tensor(7))]),
            "optimizer": {"state": {0: {"momentum_buffer": terra.ones(3, 2),
                                        "step": 4}},
                          "param_groups": [{"lr": 0.1, "params": [0],
                                            "betas": (0.9, 0.999),
                                            "nesterov": False,
                                            "eps": float("inf")}]},
            "epoch": 3, "names": ["a", "b"], "none": None, "bytes": b"\x00",
            "dtype": terra.float64, "device": terra.device("cpu"),
            "shape": weight.shape, "tied": weight, "set": {1, 2},
        }
        stream = io.BytesIO()
        terra.save(state, stream)
        stream.seek(0)
        loaded = terra.load(stream)
        self.assertIsInstance(loaded["model"], collections.OrderedDict)
        self.assertEqual(list(loaded["model"]), list(state["model"]))
        for key, value in state["model"].items():
            self.assert_tensor(loaded["model"][key], value)
        self.assertIs(loaded["tied"], loaded["model"]["fc.weight"])
        self.assert_tensor(
            loaded["optimizer"]["state"][0]["momentum_buffer"], terra.ones(3, 2))
        self.assertEqual(loaded["optimizer"]["param_groups"],
                         state["optimizer"]["param_groups"])
        for key in ("epoch", "names", "none", "bytes", "device", "shape",
                    "set"):
            self.assertEqual(loaded[key], state[key])
        self.assertIs(loaded["dtype"], terra.float64)
        self.assertIsInstance(loaded["shape"], terra.Size)

    def test_requires_grad_and_paths(self):
        t = terra.ones(2, requires_grad=True)
        terra.save([t, t.detach()], pathlib.Path(self.path()))
        loaded = terra.load(pathlib.Path(self.path()))
        self.assertTrue(loaded[0].requires_grad)
        self.assertFalse(loaded[1].requires_grad)
        self.assertTrue(loaded[0].is_leaf)

    def test_loaded_tensors_are_independent(self):
        t = terra.zeros(3)
        terra.save(t, self.path())
        loaded = terra.load(self.path())
        loaded[0] = 5
        self.assertEqual(t[0].item(), 0)

    def test_map_location(self):
        t = terra.arange(3)
        terra.save({"t": t}, self.path())
        for location in ("cpu", terra.device("cpu"), {"cpu": "cpu"},
                         lambda storage, location: storage):
            with self.subTest(location=location):
                self.assert_tensor(
                    terra.load(self.path(), map_location=location)["t"], t)
        mapped = terra.load(self.path(), map_location=lambda s, loc: s * 2)
        self.assertEqual(mapped["t"].tolist(), [0, 2, 4])
        with self.assertRaisesRegex(RuntimeError, "cuda"):
            terra.load(self.path(), map_location="cuda:0")


class ModuleCheckpointTest(Case):
    def test_module_optimizer_and_parameters(self):
        model = terra.nn.Sequential(terra.nn.Linear(3, 2),
                                    terra.nn.BatchNorm1d(2))
        optimizer = terra.optim.Adam(model.parameters())
        model(terra.randn(4, 3)).sum().backward()
        optimizer.step()
        terra.save({"model": model.state_dict(),
                    "optimizer": optimizer.state_dict()}, self.path())
        loaded = terra.load(self.path())
        model.load_state_dict(loaded["model"])
        optimizer.load_state_dict(loaded["optimizer"])
        for key, value in model.state_dict().items():
            self.assert_tensor(loaded["model"][key], value)
        terra.save(model, self.path("whole.pt"))
        with self.assertRaises(pickle.UnpicklingError):
            terra.load(self.path("whole.pt"))
        whole = terra.load(self.path("whole.pt"), weights_only=False)
        self.assertIsInstance(whole[0].weight, terra.nn.Parameter)
        self.assertTrue(whole[0].weight.requires_grad)
        self.assert_tensor(whole[0].weight.detach(), model[0].weight.detach())


class FormatTest(Case):
    def test_documented_layout(self):
        t = terra.tensor([[1.5, 2.5]])
        terra.save({"w": t}, self.path())
        with zipfile.ZipFile(self.path()) as archive:
            self.assertEqual(archive.namelist(),
                             ["terra/format", "terra/data.pkl",
                              "terra/tensors/0.npy"])
            self.assertEqual(archive.read("terra/format"), b"terra-save 1\n")
            array = np.load(io.BytesIO(archive.read("terra/tensors/0.npy")))
            np.testing.assert_array_equal(array, t.numpy())
            for info in archive.infolist():
                self.assertEqual(info.compress_type, zipfile.ZIP_STORED)
        self.assertTrue(os.path.exists(os.path.join(
            os.path.dirname(__file__), "..", "..", "docs", "serialization.md")))


class SafeLoadTest(Case):
    def test_weights_only_refuses_other_globals(self):
        terra.save({"obj": Custom(3)}, self.path())
        with self.assertRaises(pickle.UnpicklingError) as raised:
            terra.load(self.path())
        message = str(raised.exception)
        self.assertIn(self.path(), message)
        self.assertIn("test_serialization.Custom", message)
        self.assertEqual(terra.load(self.path(), weights_only=False)["obj"].value, 3)

    def test_safe_globals(self):
        terra.save(Custom(4), self.path())
        with safe_globals([Custom]):
            self.assertIn(Custom, terra.serialization.get_safe_globals())
            self.assertEqual(terra.load(self.path()).value, 4)
        with self.assertRaises(pickle.UnpicklingError):
            terra.load(self.path())
        terra.serialization.add_safe_globals([Custom])
        try:
            self.assertEqual(terra.load(self.path()).value, 4)
        finally:
            terra.serialization.clear_safe_globals()
        self.assertEqual(terra.serialization.get_safe_globals(), [])

    def test_malicious_pickle_is_refused(self):
        class Exploit:
            def __reduce__(self):
                return (os.system, ("echo exploited",))

        terra.save(Exploit(), self.path())
        with self.assertRaisesRegex(pickle.UnpicklingError, "system"):
            terra.load(self.path())


class DamagedFileTest(Case):
    def setUp(self):
        super().setUp()
        terra.save({"w": terra.arange(100.0), "b": terra.ones(3)},
                   self.path("good.pt"))
        with open(self.path("good.pt"), "rb") as f:
            self.good = f.read()

    def assert_reported(self, content):
        with open(self.path("bad.pt"), "wb") as f:
            f.write(content)
        with self.assertRaises(RuntimeError) as raised:
            terra.load(self.path("bad.pt"))
        self.assertIn(self.path("bad.pt"), str(raised.exception))

    def test_truncated(self):
        for length in (0, 1, 10, 100, len(self.good) // 2, len(self.good) - 1):
            with self.subTest(length=length):
                self.assert_reported(self.good[:length])

    def test_corrupted(self):
        for start in range(40, len(self.good) - 40, 97):
            damaged = bytearray(self.good)
            damaged[start:start + 8] = b"\xff" * 8
            if bytes(damaged) == self.good:
                continue
            with self.subTest(start=start):
                with open(self.path("bad.pt"), "wb") as f:
                    f.write(damaged)
                try:
                    loaded = terra.load(self.path("bad.pt"))
                except RuntimeError as error:
                    self.assertIn(self.path("bad.pt"), str(error))
                else:  # Only zip metadata that is not read was hit.
                    self.assertEqual(loaded["w"].tolist(),
                                     terra.arange(100.0).tolist())

    def test_foreign_files(self):
        self.assert_reported(b"hello, world\n")
        self.assert_reported(np.arange(10).tobytes())
        stream = io.BytesIO()
        with zipfile.ZipFile(stream, "w") as archive:
            archive.writestr("readme.txt", "not a checkpoint")
        self.assert_reported(stream.getvalue())
        stream = io.BytesIO()
        np.save(stream, np.arange(3))
        self.assert_reported(stream.getvalue())

    def test_file_objects_are_named(self):
        with self.assertRaisesRegex(RuntimeError, "BytesIO"):
            terra.load(io.BytesIO(b"garbage"))

    def test_missing_file(self):
        with self.assertRaises(FileNotFoundError):
            terra.load(self.path("missing.pt"))


class TorchCheckpointTest(Case):
    def torch_state(self):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(4, 3),
                                    torch.nn.BatchNorm1d(3))
        state = model.state_dict()
        state["transposed"] = torch.randn(3, 5).t()
        state["sliced"] = torch.arange(20.0)[::3]
        state["int32"] = torch.tensor([1, -2], dtype=torch.int32)
        state["bool"] = torch.tensor([True, False])
        state["double"] = torch.randn(2, dtype=torch.float64)
        state["empty"] = torch.zeros(0, 3)
        return state

    def check(self, loaded, state):
        self.assertIsInstance(loaded, collections.OrderedDict)
        self.assertEqual(list(loaded), list(state))
        for key, value in state.items():
            with self.subTest(key=key):
                self.assertEqual(loaded[key].dtype.name,
                                 str(value.dtype).replace("torch.", ""))
                self.assertEqual(tuple(loaded[key].shape), tuple(value.shape))
                np.testing.assert_array_equal(loaded[key].numpy(),
                                              value.numpy())

    def test_torch_saved_state_dict(self):
        state = self.torch_state()
        torch.save(state, self.path())
        self.check(terra.load(self.path()), state)

    def test_torch_legacy_format(self):
        state = self.torch_state()
        torch.save(state, self.path(), _use_new_zipfile_serialization=False)
        self.check(terra.load(self.path()), state)

    def test_narrow_torch_dtypes_are_widened(self):
        torch.save({"half": torch.tensor([1.5, -2.0], dtype=torch.float16),
                    "bf16": torch.tensor([0.5, 3.0], dtype=torch.bfloat16),
                    "u8": torch.tensor([0, 255], dtype=torch.uint8),
                    "param": torch.nn.Parameter(torch.ones(2))}, self.path())
        loaded = terra.load(self.path())
        self.assertEqual(loaded["half"].dtype, terra.float32)
        self.assertEqual(loaded["half"].tolist(), [1.5, -2.0])
        self.assertEqual(loaded["bf16"].tolist(), [0.5, 3.0])
        self.assertEqual(loaded["u8"].dtype, terra.int64)
        self.assertEqual(loaded["u8"].tolist(), [0, 255])
        self.assertTrue(loaded["param"].requires_grad)

    def test_torch_module_needs_weights_only_false(self):
        torch.save(torch.nn.Linear(2, 2), self.path())
        with self.assertRaisesRegex(pickle.UnpicklingError, "Linear"):
            terra.load(self.path())


if __name__ == "__main__":
    unittest.main()
