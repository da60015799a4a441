"""The PyTorch 2.x surface: devices, cuda/accelerator/backends, compile,
DLPack, formatting, dtype helpers, and the torch alias of terra-run."""

import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch

import _terra
import terra

TERRA_RUN = os.path.join(os.path.dirname(_terra.__file__), "..", "bin",
                         "terra-run")


class DeviceTest(unittest.TestCase):
    def test_device(self):
        self.assertEqual(terra.device("cpu"), "cpu")
        self.assertEqual(str(terra.device("cuda", 1)), "cuda:1")
        self.assertEqual(terra.device("cuda:0").index, 0)
        self.assertEqual(terra.device(0), terra.device("cuda:0"))
        self.assertEqual(repr(terra.device("mps")), "device(type='mps')")
        with self.assertRaises(RuntimeError):
            terra.device("gpu")
        with self.assertRaises(RuntimeError):
            terra.zeros(2, device="cuda")
        self.assertEqual(terra.zeros(2, device=terra.device("cpu")).device,
                         terra.device("cpu"))

    def test_default_device(self):
        self.assertEqual(terra.get_default_device(), terra.device("cpu"))
        with terra.device("cpu"):
            self.assertEqual(terra.get_default_device(), "cpu")
        with self.assertRaises(RuntimeError):
            terra.set_default_device("cuda")

    def test_cuda(self):
        self.assertFalse(terra.cuda.is_available())
        self.assertEqual(terra.cuda.device_count(), 0)
        self.assertEqual(terra.cuda.memory_allocated(), 0)
        terra.cuda.manual_seed_all(0)
        terra.cuda.empty_cache()
        with self.assertRaisesRegex(RuntimeError, "synchronize"):
            terra.cuda.synchronize()
        with self.assertRaises(RuntimeError):
            terra.cuda.current_device()

    def test_accelerator(self):
        self.assertIsNone(terra.accelerator.current_accelerator())
        self.assertFalse(terra.accelerator.is_available())
        self.assertEqual(terra.accelerator.device_count(), 0)
        terra.accelerator.synchronize()

    def test_backends(self):
        terra.backends.cudnn.benchmark = True
        self.assertTrue(terra.backends.cudnn.benchmark)
        terra.backends.cudnn.benchmark = False
        terra.backends.cudnn.deterministic = True
        self.assertFalse(terra.backends.cudnn.is_available())
        self.assertFalse(terra.backends.mps.is_available())
        terra.backends.cuda.matmul.allow_tf32 = True


class GradModeTest(unittest.TestCase):
    def test_inference_mode_and_no_grad(self):
        x = terra.ones(2, requires_grad=True)
        with terra.inference_mode():
            self.assertFalse((x * 2).requires_grad)
        with terra.no_grad():
            self.assertFalse((x * 2).requires_grad)
        self.assertTrue((x * 2).requires_grad)

        @terra.inference_mode()
        def double(v):
            return v * 2

        self.assertFalse(double(x).requires_grad)


class CompileTest(unittest.TestCase):
    def test_compile_returns_the_model(self):
        def model(v):
            return v + 1

        self.assertIs(terra.compile(model), model)
        self.assertIs(terra.compile(model, mode="max-autotune",
                                    fullgraph=True, dynamic=False,
                                    backend="inductor", options={}), model)
        decorated = terra.compile(mode="reduce-overhead")(model)
        self.assertIs(decorated, model)
        self.assertIn("co-execute", terra.compile.__doc__)


class FormatTest(unittest.TestCase):
    def test_format_of_one_element_tensors(self):
        self.assertEqual("{:.2f}".format(terra.tensor([1.23456])), "1.23")
        self.assertEqual("{:.3f}".format(terra.tensor(3.14159)), "3.142")
        self.assertEqual(f"{terra.tensor(7):>3}", "  7")
        self.assertEqual("{}".format(terra.tensor([1.5, 2.0])),
                         repr(terra.tensor([1.5, 2.0])))

    def test_set_printoptions(self):
        try:
            terra.set_printoptions(precision=2, sci_mode=False)
            self.assertEqual(terra.get_printoptions()["precision"], 2)
            terra.set_printoptions(profile="full")
            self.assertEqual(terra.get_printoptions()["threshold"],
                             float("inf"))
        finally:
            terra.set_printoptions(profile="default")


class DLPackTest(unittest.TestCase):
    def test_export_to_numpy_and_torch_shares_memory(self):
        t = terra.arange(6.0).reshape(2, 3)
        self.assertEqual(t.__dlpack_device__(), (1, 0))
        array = np.from_dlpack(t)
        np.testing.assert_array_equal(array, t.numpy())
        other = torch.from_dlpack(t.T)
        np.testing.assert_array_equal(other.numpy(), t.numpy().T)
        t[0, 0] = 42
        self.assertEqual(array[0, 0], 42)
        self.assertEqual(other[0, 0].item(), 42)

    def test_import_from_torch_numpy_and_capsules(self):
        source = torch.arange(4, dtype=torch.int32)
        t = terra.from_dlpack(source)
        self.assertEqual(t.dtype, terra.int32)
        t[1] = 9
        self.assertEqual(source[1].item(), 9)
        np.testing.assert_array_equal(
            terra.from_dlpack(np.ones((2, 2))).numpy(), np.ones((2, 2)))
        from torch.utils.dlpack import to_dlpack

        capsule = to_dlpack(torch.tensor([1.5, 2.5]))
        self.assertEqual(terra.from_dlpack(capsule).tolist(), [1.5, 2.5])
        round_trip = terra.from_dlpack(terra.tensor([1, 2]))
        self.assertEqual(round_trip.tolist(), [1, 2])

    def test_requires_grad_is_refused(self):
        with self.assertRaisesRegex(RuntimeError, "detach"):
            terra.ones(2, requires_grad=True).__dlpack__()


class DtypeHelpersTest(unittest.TestCase):
    def test_default_dtype(self):
        self.assertIs(terra.get_default_dtype(), terra.float32)
        terra.set_default_dtype(terra.float32)
        with self.assertRaises(NotImplementedError):
            terra.set_default_dtype(terra.float64)
        with self.assertRaises(TypeError):
            terra.set_default_dtype(terra.int64)

    def test_type_names_and_predicates(self):
        t = terra.zeros(2, 3)
        self.assertEqual(t.type(), "terra.FloatTensor")
        self.assertEqual(terra.typename(t), "terra.FloatTensor")
        self.assertEqual(terra.typename(terra.ones(1, dtype=terra.int64)),
                         "terra.LongTensor")
        self.assertEqual(terra.typename(3), "int")
        self.assertEqual(t.type(terra.float64).dtype, terra.float64)
        self.assertTrue(terra.is_floating_point(t))
        self.assertFalse(terra.is_floating_point(terra.tensor([1])))
        self.assertEqual(terra.numel(t), 6)
        self.assertTrue(terra.is_tensor(t))

    def test_finfo_iinfo_match_torch(self):
        for name in ("float32", "float64"):
            ours, theirs = (terra.finfo(getattr(terra, name)),
                            torch.finfo(getattr(torch, name)))
            for field in ("bits", "eps", "max", "min", "tiny", "resolution"):
                self.assertEqual(getattr(ours, field), getattr(theirs, field))
        for name in ("int32", "int64"):
            ours, theirs = (terra.iinfo(getattr(terra, name)),
                            torch.iinfo(getattr(torch, name)))
            for field in ("bits", "max", "min"):
                self.assertEqual(getattr(ours, field), getattr(theirs, field))
        self.assertEqual(terra.finfo().bits, 32)
        with self.assertRaises(TypeError):
            terra.iinfo(terra.float32)

    def test_manual_seed_and_safe_globals_exist(self):
        self.assertIs(terra.manual_seed(0), terra.default_generator)
        self.assertTrue(callable(terra.serialization.safe_globals))
        self.assertTrue(callable(terra.serialization.add_safe_globals))


@unittest.skipUnless(os.path.exists(TERRA_RUN), "terra-run is not built")
class TorchAliasTest(unittest.TestCase):
    SCRIPT = r"""
import sys
import torch
import torch.utils.data
import torch.backends.cudnn as cudnn
import torch.cuda, torch.accelerator, torch.serialization
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.dataloader import default_collate
from torch.serialization import safe_globals, add_safe_globals

assert torch.utils.data.DataLoader is DataLoader
cudnn.benchmark = True
assert torch.backends.cudnn.benchmark and not torch.backends.mps.is_available()
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
assert device.type == "cpu" and torch.accelerator.current_accelerator() is None
torch.manual_seed(0)
x = torch.randn(10, 3, device=device)
y = torch.randint(0, 2, (10,))
batches = [xb.shape[0] for xb, yb in
           DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True)]
assert batches == [4, 4, 2], batches
torch.save({"x": x}, sys.argv[1] + "/alias.pt")
assert torch.load(sys.argv[1] + "/alias.pt", map_location=device)["x"].equal(x)
state = torch.load(sys.argv[1] + "/torch.pt")
assert state["weight"].shape == (2, 3), state
model = torch.compile(lambda v: v * 2)
with torch.inference_mode():
    print("{:.1f}".format(model(torch.ones(1))))
"""

    def test_torch_names_resolve_to_terra(self):
        with tempfile.TemporaryDirectory() as folder:
            torch.save(torch.nn.Linear(3, 2).state_dict(),
                       os.path.join(folder, "torch.pt"))
            env = dict(os.environ)
            env.pop("PYTHONPATH", None)
            result = subprocess.run(
                [TERRA_RUN, "--torch", "-c", self.SCRIPT, folder],
                capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "2.0")

    def test_unsupported_torch_module_is_named(self):
        result = subprocess.run(
            [TERRA_RUN, "--torch", "-c", "import torch.distributions"],
            capture_output=True, text=True, timeout=60)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("torch.distributions", result.stderr)
        result = subprocess.run(
            [TERRA_RUN, "--torch", "-c", "import torch; torch.lgamma"],
            capture_output=True, text=True, timeout=60)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("torch.lgamma is not supported", result.stderr)
        self.assertIn("docs/torch-compat.md", result.stderr)


if __name__ == "__main__":
    unittest.main()
