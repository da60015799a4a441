"""terra.cuda and "cuda" devices with no NVIDIA driver and with the fake
driver of the C++ tests (test/Unit/Runtime/FakeCudaDriver.cpp): every place
that takes a device (creation and *_like functions, new_*, Tensor.to/cuda,
Module.to/cuda, layers' device=) names the same reason instead of silently
staying on the CPU, and is_available() stays False while tensors cannot
live on a GPU. Each case runs in a fresh interpreter,
since the driver loads once per process (TERRA_CUDA_DRIVER)."""

import os
import subprocess
import sys
import textwrap
import unittest

import _terra

BUILD_DIR = os.path.dirname(os.path.dirname(os.path.abspath(_terra.__file__)))
FAKE_DRIVER = os.path.join(BUILD_DIR, "test", "Unit", "libFakeCudaDriver.so")

# Each way a program asks for a CUDA device, and the error it gets.
PROGRAM = textwrap.dedent("""
    import terra
    print("is_available", terra.cuda.is_available(), terra.cuda.device_count())
    attempts = {
        "creation": lambda: terra.zeros(2, device="cuda"),
        "random": lambda: terra.randn(2, device="cuda:0"),
        "to": lambda: terra.ones(2).to("cuda"),
        "tensor.cuda": lambda: terra.ones(2).cuda(0),
        "new_zeros": lambda: terra.ones(2).new_zeros(3, device="cuda"),
        "new_tensor": lambda: terra.ones(2).new_tensor([1.0], device="cuda"),
        "zeros_like": lambda: terra.zeros_like(terra.ones(2), device="cuda"),
        "full_like": lambda: terra.full_like(terra.ones(2), 3, device="cuda"),
        "module.to": lambda: terra.nn.Linear(2, 2).to("cuda"),
        "module.cuda": lambda: terra.nn.Linear(2, 2).cuda(),
        "linear": lambda: terra.nn.Linear(2, 2, device="cuda"),
        "conv": lambda: terra.nn.Conv2d(1, 1, 3, device="cuda"),
        "lstm": lambda: terra.nn.LSTM(2, 2, device="cuda"),
        "generator": lambda: terra.Generator("cuda"),
        "default": lambda: terra.set_default_device("cuda"),
        "synchronize": lambda: terra.cuda.synchronize(),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
            print(name, "no error")
        except RuntimeError as error:
            print(name, "|", error)
""")


def run(driver):
    env = dict(os.environ, TERRA_CUDA_DRIVER=driver)
    result = subprocess.run([sys.executable, "-c", PROGRAM], env=env,
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    return dict(line.split(" ", 1) for line in result.stdout.splitlines())


class CudaDriverTest(unittest.TestCase):
    def check(self, lines, reason):
        self.assertEqual(lines["is_available"], "False 0")
        for name in ("creation", "random", "to", "tensor.cuda", "new_zeros",
                     "new_tensor", "zeros_like", "full_like", "module.to",
                     "module.cuda", "linear", "conv", "lstm", "generator",
                     "default"):
            self.assertIn("device 'cuda", lines[name])
            self.assertIn(reason, lines[name], name)
        self.assertIn("terra.cuda.synchronize(): " + reason,
                      lines["synchronize"])

    def test_without_a_driver(self):
        self.check(run("libterra-no-such-driver.so.1"),
                   "found no NVIDIA driver (libterra-no-such-driver.so.1: "
                   "cannot open shared object file")

    @unittest.skipUnless(os.path.exists(FAKE_DRIVER), "no fake driver built")
    def test_with_a_driver_but_no_gpu_tensors_yet(self):
        self.check(run(FAKE_DRIVER),
                   "the NVIDIA driver reports 1 GPU (Terra Fake GPU), but "
                   "tensors on CUDA devices are not supported yet")


if __name__ == "__main__":
    unittest.main()
