"""terra.nn against torch.nn 1.13: every module and functional with the same
weights (copied through NumPy) on the same inputs; forward outputs and the
gradients of inputs and parameters must agree."""

import copy
import math
import unittest
import warnings

import numpy as np
import torch

import terra
import terra.nn as nn
import terra.nn.functional as F

from reference import sample

RTOL = 1e-5
ATOL = 1e-5


def _flatten(value):
    if isinstance(value, (tuple, list)):
        result = []
        for item in value:
            result.extend(_flatten(item))
        return result
    return [] if value is None else [value]


def to_terra(array_or_tensor):
    if isinstance(array_or_tensor, torch.Tensor):
        array_or_tensor = array_or_tensor.detach().numpy()
    return terra.tensor(np.array(array_or_tensor))


def copy_weights(ours, theirs):
    """Loads torch module `theirs`'s state into terra module `ours`."""
    ours.load_state_dict({k: to_terra(v) for k, v in theirs.state_dict().items()})


def check_close(test, ours, theirs, what, rtol=RTOL, atol=ATOL):
    test.assertEqual(tuple(ours.shape), tuple(theirs.shape), what + " shape")
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                               rtol=rtol, atol=atol, err_msg=what)


def run_both(test, ours, theirs, inputs, call=None, grad_inputs=True,
             rtol=RTOL, atol=ATOL, copy=True):
    """Runs terra module `ours` and torch module `theirs` (weights copied
    from theirs) on `inputs` (NumPy arrays; float ones get gradients),
    back-propagates the same upstream gradients and compares outputs,
    input gradients and parameter gradients."""
    if copy:
        copy_weights(ours, theirs)
    test.assertEqual([n for n, _ in ours.named_parameters()],
                     [n for n, _ in theirs.named_parameters()])
    call = call or (lambda module, *xs: module(*xs))
    ours_in, theirs_in = [], []
    for array in inputs:
        if not isinstance(array, np.ndarray):
            ours_in.append(array)
            theirs_in.append(array)
            continue
        floating = array.dtype.kind == "f" and grad_inputs
        ours_in.append(terra.tensor(array, requires_grad=floating))
        theirs_in.append(torch.tensor(array, requires_grad=floating))
    out_ours = _flatten(call(ours, *ours_in))
    out_theirs = _flatten(call(theirs, *theirs_in))
    test.assertEqual(len(out_ours), len(out_theirs))
    loss_ours, loss_theirs = 0, 0
    for i, (o, t) in enumerate(zip(out_ours, out_theirs)):
        check_close(test, o, t, "output %d" % i, rtol, atol)
        if t.requires_grad:
            upstream = sample(tuple(t.shape), "float32")
            loss_ours = loss_ours + (o * terra.tensor(upstream)).sum()
            loss_theirs = loss_theirs + (t * torch.tensor(upstream)).sum()
    if isinstance(loss_theirs, torch.Tensor):
        loss_ours.backward()
        loss_theirs.backward()
        for i, (o, t) in enumerate(zip(ours_in, theirs_in)):
            if isinstance(t, torch.Tensor) and t.requires_grad:
                check_close(test, o.grad, t.grad, "grad of input %d" % i, rtol, atol)
        theirs_params = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            t = theirs_params[name]
            if t.grad is None:
                test.assertIsNone(p.grad, name)
            else:
                check_close(test, p.grad, t.grad, "grad of " + name, rtol, atol)
    return out_ours, out_theirs


def pair(name, *args, **kwargs):
    return getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


def run_functional_norm(call, data, upstream, params, affine):
    """Calls `call(lib, functional, x, weight, bias)` on terra and on torch
    with `affine` "both", "weight" or "none" of `params` (weight, bias),
    back-propagates `upstream`; returns per library the outputs `call`
    returned and the gradients of x and of the given parameters."""
    results = []
    for lib, functional in ((terra, F), (torch, torch.nn.functional)):
        x = lib.tensor(data, requires_grad=True)
        w, b = (lib.tensor(p, requires_grad=True) for p in params)
        weight = w if affine != "none" else None
        bias = b if affine == "both" else None
        outputs = call(lib, functional, x, weight, bias)
        outputs[0].backward(lib.tensor(upstream))
        results.append(outputs + [t.grad for t in (x, weight, bias) if t is not None])
    return results


class ModuleTest(unittest.TestCase):
    """nn.Module machinery: registration, iteration, state dicts, modes."""

    def make(self):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)
                self.bn = nn.BatchNorm1d(3)
                self.register_buffer("scale", terra.ones(3))
                self.register_buffer("scratch", terra.zeros(2), persistent=False)
                self.head = nn.Sequential(nn.ReLU(), nn.Linear(3, 2, bias=False))

            def forward(self, x):
                return self.head(self.bn(self.fc(x)) * self.scale)

        return Net()

    def test_registration_and_iteration(self):
        net = self.make()
        self.assertEqual([n for n, _ in net.named_parameters()],
                         ["fc.weight", "fc.bias", "bn.weight", "bn.bias",
                          "head.1.weight"])
        self.assertEqual([n for n, _ in net.named_buffers()],
                         ["scale", "scratch", "bn.running_mean", "bn.running_var",
                          "bn.num_batches_tracked"])
        self.assertEqual([n for n, _ in net.named_children()], ["fc", "bn", "head"])
        self.assertEqual([n for n, _ in net.named_modules()],
                         ["", "fc", "bn", "head", "head.0", "head.1"])
        self.assertEqual(len(list(net.parameters())), 5)
        self.assertEqual(len(list(net.modules())), 6)
        self.assertIsInstance(net.fc.weight, nn.Parameter)
        self.assertTrue(net.fc.weight.requires_grad)
        self.assertEqual(list(net.state_dict().keys()),
                         ["scale", "fc.weight", "fc.bias", "bn.weight", "bn.bias",
                          "bn.running_mean", "bn.running_var",
                          "bn.num_batches_tracked", "head.1.weight"])
        self.assertIs(net.get_submodule("head.1"), net.head[1])
        self.assertIs(net.get_parameter("fc.bias"), net.fc.bias)

    def test_setattr_rules(self):
        net = self.make()
        net.extra = nn.Parameter(terra.zeros(2))
        self.assertIn("extra", dict(net.named_parameters()))
        net.fc.bias = None
        self.assertNotIn("fc.bias", dict(net.named_parameters()))
        with self.assertRaises(TypeError):
            net.fc.weight = terra.zeros(3, 4)
        net.scale = terra.full((3,), 2.0)
        self.assertEqual(net.state_dict()["scale"].tolist(), [2.0, 2.0, 2.0])
        del net.extra
        self.assertNotIn("extra", dict(net.named_parameters()))
        with self.assertRaises(AttributeError):
            net.missing

    def test_state_dict_round_trip_and_errors(self):
        source, target = self.make(), self.make()
        result = target.load_state_dict(source.state_dict())
        self.assertEqual(result.missing_keys, [])
        self.assertEqual(result.unexpected_keys, [])
        self.assertEqual(target.fc.weight.tolist(), source.fc.weight.tolist())
        state = source.state_dict()
        self.assertFalse(state["fc.weight"].requires_grad)
        del state["fc.bias"]
        state["foo"] = terra.zeros(1)
        with self.assertRaises(RuntimeError) as caught:
            target.load_state_dict(state)
        message = str(caught.exception)
        self.assertIn("Error(s) in loading state_dict for Net:", message)
        self.assertIn('Missing key(s) in state_dict: "fc.bias".', message)
        self.assertIn('Unexpected key(s) in state_dict: "foo".', message)
        result = target.load_state_dict(state, strict=False)
        self.assertEqual(result.missing_keys, ["fc.bias"])
        self.assertEqual(result.unexpected_keys, ["foo"])
        state = source.state_dict()
        state["fc.weight"] = terra.zeros(2, 2)
        with self.assertRaises(RuntimeError) as caught:
            target.load_state_dict(state)
        self.assertIn("size mismatch for fc.weight: copying a param with shape "
                      "terra.Size([2, 2]) from checkpoint, the shape in current "
                      "model is terra.Size([3, 4]).", str(caught.exception))

    def test_matches_torch_state_dict_keys(self):
        ours = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(),
                             nn.LSTM(3, 4))
        theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3),
                                     torch.nn.BatchNorm2d(2), torch.nn.Flatten(),
                                     torch.nn.LSTM(3, 4))
        self.assertEqual(list(ours.state_dict()), list(theirs.state_dict()))
        copy_weights(ours, theirs)

    def test_train_eval_zero_grad_apply(self):
        net = self.make()
        self.assertTrue(net.training and net.head[0].training)
        net.eval()
        self.assertFalse(net.training or net.bn.training or net.head[1].training)
        net.train()
        self.assertTrue(net.bn.training)
        net(terra.ones(5, 4)).sum().backward()
        self.assertIsNotNone(net.fc.weight.grad)
        net.zero_grad(set_to_none=False)
        self.assertEqual(net.fc.weight.grad.abs().sum().item(), 0.0)
        net.zero_grad()
        self.assertIsNone(net.fc.weight.grad)
        seen = []
        net.apply(lambda m: seen.append(type(m).__name__))
        self.assertEqual(seen, ["Linear", "BatchNorm1d", "ReLU", "Linear",
                                "Sequential", "Net"])

    def test_to_dtype(self):
        net = self.make().to(terra.float64)
        self.assertIs(net.fc.weight.dtype, terra.float64)
        self.assertIsInstance(net.fc.weight, nn.Parameter)
        self.assertIs(net.bn.num_batches_tracked.dtype, terra.int64)
        self.assertIs(net.scale.dtype, terra.float64)
        self.assertIs(net(terra.ones(2, 4, dtype=terra.float64)).dtype,
                      terra.float64)
        self.assertIs(net.float().fc.weight.dtype, terra.float32)
        self.assertIs(net.to("cpu"), net)

    def test_hooks(self):
        net = nn.Linear(2, 2)
        calls = []
        handle = net.register_forward_hook(
            lambda m, inputs, output: calls.append(tuple(output.shape)))
        pre = net.register_forward_pre_hook(lambda m, inputs: (inputs[0] * 0,))
        out = net(terra.ones(3, 2))
        self.assertEqual(calls, [(3, 2)])
        np.testing.assert_allclose(out.detach().numpy()[0], net.bias.detach().numpy())
        handle.remove()
        pre.remove()
        net(terra.ones(1, 2))
        self.assertEqual(calls, [(3, 2)])

    def test_repr(self):
        ours = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False),
                             nn.BatchNorm2d(8), nn.ReLU(inplace=True),
                             nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                             nn.Linear(8, 10), nn.GELU(), nn.LayerNorm(10),
                             nn.Softmax(dim=1), nn.LeakyReLU(0.2),
                             nn.Embedding(10, 3, padding_idx=0), nn.LSTM(3, 4, 2),
                             nn.AdaptiveAvgPool2d((1, 1)), nn.Identity())
        theirs = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False),
            torch.nn.BatchNorm2d(8), torch.nn.ReLU(inplace=True),
            torch.nn.MaxPool2d(2), torch.nn.Dropout(0.25), torch.nn.Flatten(),
            torch.nn.Linear(8, 10), torch.nn.GELU(), torch.nn.LayerNorm(10),
            torch.nn.Softmax(dim=1), torch.nn.LeakyReLU(0.2),
            torch.nn.Embedding(10, 3, padding_idx=0), torch.nn.LSTM(3, 4, 2),
            torch.nn.AdaptiveAvgPool2d((1, 1)), torch.nn.Identity())
        self.assertEqual(repr(ours), repr(theirs))
        p = nn.Parameter(terra.zeros(2))
        self.assertTrue(repr(p).startswith("Parameter containing:\ntensor("))

    def test_parameter(self):
        p = nn.Parameter(terra.ones(2, 2))
        self.assertTrue(p.requires_grad and p.is_leaf)
        self.assertIsInstance(p, terra.Tensor)
        self.assertFalse(nn.Parameter(terra.ones(1), requires_grad=False).requires_grad)
        q = copy.deepcopy(p)
        self.assertIsInstance(q, nn.Parameter)
        self.assertTrue(q.is_leaf and q.requires_grad)
        self.assertIsNot(q, p)

    def test_containers(self):
        layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        layers.append(nn.ReLU())
        self.assertEqual(len(layers), 4)
        self.assertEqual(len(list(layers.parameters())), 6)
        self.assertIsInstance(layers[-1], nn.ReLU)
        self.assertEqual(len(layers[1:]), 3)
        table = nn.ModuleDict({"a": nn.Linear(2, 3), "b": nn.Tanh()})
        self.assertEqual(list(table.keys()), ["a", "b"])
        self.assertEqual([n for n, _ in table.named_parameters()], ["a.weight", "a.bias"])
        seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
        self.assertEqual(len(seq[:2]), 2)
        self.assertEqual(tuple(seq(terra.ones(4, 2)).shape), (4, 1))
        params = nn.ParameterList([nn.Parameter(terra.ones(2)) for _ in range(2)])
        self.assertEqual(len(list(params.parameters())), 2)

    def test_default_initialisation_ranges(self):
        layer = nn.Linear(100, 50)
        bound = 1 / math.sqrt(100)
        self.assertLessEqual(layer.weight.abs().amax().item(), bound)
        self.assertLessEqual(layer.bias.abs().amax().item(), bound)
        conv = nn.Conv2d(4, 8, 3)
        self.assertLessEqual(conv.weight.abs().amax().item(), 1 / math.sqrt(36))
        self.assertGreater(conv.weight.std().item(), 0.5 / math.sqrt(3 * 36))
        terra.manual_seed(0)
        a = nn.Linear(3, 3).weight.tolist()
        terra.manual_seed(0)
        self.assertEqual(nn.Linear(3, 3).weight.tolist(), a)


class LayerTest(unittest.TestCase):
    """Each layer against torch with identical weights."""

    def test_linear(self):
        run_both(self, *pair("Linear", 5, 3), [sample((4, 5), "float32")])
        run_both(self, *pair("Linear", 5, 3, bias=False), [sample((2, 4, 5), "float32")])
        run_both(self, *pair("Bilinear", 3, 4, 2),
                 [sample((5, 3), "float32"), sample((5, 4), "float32")])

    def test_conv2d(self):
        x = sample((2, 4, 9, 8), "float32")
        run_both(self, *pair("Conv2d", 4, 6, 3), [x], rtol=1e-4)
        run_both(self, *pair("Conv2d", 4, 6, (3, 2), stride=2, padding=(1, 2),
                             dilation=(2, 1)), [x], rtol=1e-4)
        run_both(self, *pair("Conv2d", 4, 6, 3, groups=2, bias=False), [x], rtol=1e-4)
        run_both(self, *pair("Conv2d", 4, 4, 4, padding="same"), [x], rtol=1e-4)
        run_both(self, *pair("Conv2d", 4, 2, 3, padding=1, padding_mode="reflect"),
                 [x], rtol=1e-4)
        run_both(self, *pair("Conv2d", 4, 2, 3, padding=1, padding_mode="circular"),
                 [x], rtol=1e-4)
        run_both(self, *pair("Conv2d", 4, 2, 3), [x[0]], rtol=1e-4)

    def test_conv_transpose2d(self):
        x = sample((2, 4, 5, 6), "float32")
        run_both(self, *pair("ConvTranspose2d", 4, 3, 3), [x], rtol=1e-4)
        run_both(self, *pair("ConvTranspose2d", 4, 3, 3, stride=2, padding=1,
                             output_padding=1), [x], rtol=1e-4)
        run_both(self, *pair("ConvTranspose2d", 4, 6, (2, 3), stride=(2, 1),
                             padding=(0, 2), groups=2, dilation=(1, 2)), [x],
                 rtol=1e-4)
        ours, theirs = pair("ConvTranspose2d", 4, 3, 3, stride=2, padding=1)
        run_both(self, ours, theirs, [x],
                 call=lambda m, v: m(v, output_size=[10, 12]), rtol=1e-4)

    def test_pooling(self):
        x = sample((2, 3, 9, 8), "float32")
        run_both(self, *pair("MaxPool2d", 2), [x])
        run_both(self, *pair("MaxPool2d", 3, stride=2, padding=1, ceil_mode=True), [x])
        run_both(self, *pair("AvgPool2d", 2), [x])
        run_both(self, *pair("AvgPool2d", 3, stride=2, padding=1,
                             count_include_pad=False), [x])
        run_both(self, *pair("AdaptiveAvgPool2d", 1), [x])
        run_both(self, *pair("AdaptiveAvgPool2d", (3, 4)), [x])
        run_both(self, *pair("AdaptiveAvgPool2d", (4, 3)), [x])
        run_both(self, *pair("AdaptiveMaxPool2d", (4, 3)), [x])
        # Windows of unequal, overlapping sizes; more windows than rows.
        run_both(self, *pair("AdaptiveMaxPool2d", 3), [sample((2, 3, 7, 5), "float32")])
        run_both(self, *pair("AdaptiveMaxPool2d", (12, 5)), [x])

    def test_batchnorm(self):
        for name, shape in (("BatchNorm1d", (6, 4)), ("BatchNorm1d", (5, 4, 3)),
                            ("BatchNorm2d", (3, 4, 5, 2))):
            ours, theirs = pair(name, 4)
            for _ in range(3):
                run_both(self, ours, theirs, [sample(shape, "float32")], copy=False)
                ours.zero_grad()
                theirs.zero_grad()
            for buffer in ("running_mean", "running_var"):
                check_close(self, getattr(ours, buffer), getattr(theirs, buffer), buffer)
            self.assertEqual(ours.num_batches_tracked.item(), 3)
            ours.eval()
            theirs.eval()
            run_both(self, ours, theirs, [sample(shape, "float32")], copy=False)
        ours, theirs = pair("BatchNorm2d", 4, momentum=None, affine=False)
        for _ in range(2):
            run_both(self, ours, theirs, [sample((3, 4, 2, 2), "float32")])
        check_close(self, ours.running_var, theirs.running_var, "running_var")
        ours, theirs = pair("BatchNorm1d", 4, track_running_stats=False)
        ours.eval()
        theirs.eval()
        run_both(self, ours, theirs, [sample((6, 4), "float32")])

    def test_functional_batch_norm_in_training(self):
        # One fused op with its own backward node (NativeBatchNormBackward0)
        # when weight and bias are both given or both omitted, float64 too;
        # the weight-only form composes ops. Gradients of input, weight and
        # bias, and the running statistics, as torch's.
        for dtype, affine in (("float32", "both"), ("float32", "none"),
                              ("float64", "both"), ("float32", "weight")):
            data = sample((3, 4, 5, 2), dtype) * 3 + 1
            upstream = sample((3, 4, 5, 2), dtype)
            params = [sample((4,), dtype), sample((4,), dtype)]

            def call(lib, functional, x, weight, bias):
                running = [lib.zeros(4, dtype=x.dtype), lib.ones(4, dtype=x.dtype)]
                return [functional.batch_norm(x, *running, weight, bias, training=True,
                                              momentum=0.2, eps=1e-3), *running]

            results = run_functional_norm(call, data, upstream, params, affine)
            tolerance = 1e-5 if dtype == "float32" else 1e-12
            for what, ours, theirs in zip(("output", "running_mean", "running_var",
                                           "input grad", "weight grad", "bias grad"),
                                          *results):
                check_close(self, ours, theirs, "%s %s %s" % (dtype, affine, what),
                            rtol=tolerance, atol=tolerance)
        x = terra.ones(2, 3, requires_grad=True)
        self.assertEqual(F.batch_norm(x, None, None, training=True).grad_fn.name(),
                         "NativeBatchNormBackward0")

    def test_functional_batch_norm_errors(self):
        with self.assertRaisesRegex(RuntimeError, "\"batch_norm\" not implemented for 'Long'"):
            F.batch_norm(terra.ones(4, 3, dtype=terra.int64), None, None, training=True)
        with self.assertRaisesRegex(RuntimeError, "weight should contain 3 elements not 4"):
            F.batch_norm(terra.ones(4, 3), None, None, terra.ones(4), terra.ones(4),
                         training=True)
        with self.assertRaisesRegex(RuntimeError, "bias should contain 3 elements not 2"):
            F.batch_norm(terra.ones(4, 3), None, None, terra.ones(3), terra.ones(2),
                         training=True)
        with self.assertRaisesRegex(ValueError, "Expected more than 1 value per channel"):
            F.batch_norm(terra.ones(1, 3), None, None, training=True)

    def test_functional_layer_norm(self):
        # One fused op (NativeLayerNormBackward0) with weight and bias or
        # neither, over one or two dimensions, float64 too; the weight-only
        # form composes ops.
        for dtype, normalized, affine in (("float32", (6,), "both"),
                                          ("float32", (4, 6), "none"),
                                          ("float64", (6,), "both"),
                                          ("float32", (4, 6), "weight")):
            data = sample((3, 4, 6), dtype) * 3 + 1
            upstream = sample((3, 4, 6), dtype)
            params = [sample(normalized, dtype), sample(normalized, dtype)]

            def call(lib, functional, x, weight, bias):
                return [functional.layer_norm(x, normalized, weight, bias, eps=1e-3)]

            results = run_functional_norm(call, data, upstream, params, affine)
            tolerance = 1e-5 if dtype == "float32" else 1e-12
            for what, ours, theirs in zip(("output", "input grad", "weight grad",
                                           "bias grad"), *results):
                check_close(self, ours, theirs, "%s %s %s" % (normalized, affine, what),
                            rtol=tolerance, atol=tolerance)
        x = terra.ones(2, 3, requires_grad=True)
        self.assertEqual(F.layer_norm(x, (3,)).grad_fn.name(), "NativeLayerNormBackward0")

    def test_functional_layer_norm_errors(self):
        with self.assertRaisesRegex(RuntimeError, "Given normalized_shape=\\[6\\], expected "
                                    "input with shape \\[\\*, 6\\], but got input of "
                                    "size\\[3, 4, 5\\]"):
            F.layer_norm(terra.ones(3, 4, 5), (6,))
        with self.assertRaisesRegex(RuntimeError, "Expected weight to be of same shape as "
                                    "normalized_shape, but got weight of shape \\[5\\] "
                                    "and normalized_shape = \\[6\\]"):
            F.layer_norm(terra.ones(3, 6), (6,), terra.ones(5), terra.ones(6))
        with self.assertRaisesRegex(RuntimeError, "\"LayerNormKernelImpl\" not implemented "
                                    "for 'Long'"):
            F.layer_norm(terra.ones(3, 6, dtype=terra.int64), (6,))

    def test_relu_gradient_is_thresholds(self):
        # PyTorch's threshold_backward: 0 where the result is <= 0 (whatever
        # the incoming gradient, inf and NaN too), the gradient elsewhere,
        # also where the result is NaN.
        data = np.array([np.nan, -1.0, 0.0, 2.0, -3.0, 4.0], dtype=np.float32)
        upstream = np.array([1.0, np.nan, np.inf, 3.0, -np.inf, np.nan], dtype=np.float32)
        grads = []
        for lib in (terra, torch):
            x = lib.tensor(data, requires_grad=True)
            x.relu().backward(lib.tensor(upstream))
            grads.append(x.grad.numpy())
        np.testing.assert_array_equal(grads[0], grads[1])

    def test_layer_and_group_norm(self):
        ours, theirs = pair("LayerNorm", 6)
        with torch.no_grad():
            theirs.weight.normal_()
            theirs.bias.normal_()
        run_both(self, ours, theirs, [sample((3, 4, 6), "float32")])
        run_both(self, *pair("LayerNorm", (4, 6), eps=1e-3,
                             elementwise_affine=False), [sample((3, 4, 6), "float32")])
        run_both(self, *pair("GroupNorm", 2, 4), [sample((3, 4, 5), "float32")])

    def test_dropout(self):
        ours = nn.Dropout(0.3)
        x = terra.ones(200, 50, requires_grad=True)
        y = ours(x)
        kept = (y != 0).float().mean().item()
        self.assertAlmostEqual(kept, 0.7, delta=0.03)
        np.testing.assert_allclose(np.unique(y.detach().numpy()),
                                   [0.0, 1 / 0.7], rtol=1e-6)
        y.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy())
        ours.eval()
        self.assertIs(ours(x), x)
        terra.manual_seed(3)
        a = F.dropout(terra.ones(10)).tolist()
        terra.manual_seed(3)
        self.assertEqual(F.dropout(terra.ones(10)).tolist(), a)
        self.assertEqual(F.dropout(terra.ones(4), 1.0).tolist(), [0.0] * 4)

    def test_embedding(self):
        ours, theirs = pair("Embedding", 10, 4, padding_idx=2)
        idx = np.array([[1, 2, 3], [2, 9, 0]])
        run_both(self, ours, theirs, [idx])
        self.assertEqual(ours.weight.grad[2].abs().sum().item(), 0.0)
        run_both(self, *pair("Embedding", 10, 4), [np.array([4, 4, 7])])
        weights = terra.tensor(sample((3, 2), "float32"))
        frozen = nn.Embedding.from_pretrained(weights)
        self.assertFalse(frozen.weight.requires_grad)

    def test_activations(self):
        x = sample((4, 7), "float32")
        for name, args in (("ReLU", ()), ("GELU", ()), ("GELU", ("tanh",)),
                           ("Tanh", ()), ("Sigmoid", ()), ("Softmax", (1,)),
                           ("LogSoftmax", (1,)), ("Softmin", (0,)),
                           ("LeakyReLU", (0.2,)), ("ELU", ()), ("SELU", ()),
                           ("SiLU", ()), ("Mish", ()), ("Softplus", ()),
                           ("Softplus", (2, 1)), ("Hardtanh", ()), ("ReLU6", ()),
                           ("Hardsigmoid", ()), ("Hardswish", ()),
                           ("LogSigmoid", ()), ("Softsign", ()), ("Identity", ())):
            with self.subTest(name=name, args=args):
                run_both(self, *pair(name, *args), [x * 3])
        run_both(self, *pair("Flatten"), [sample((2, 3, 4), "float32")])
        run_both(self, *pair("Flatten", 0, 1), [sample((2, 3, 4), "float32")])
        run_both(self, *pair("Unflatten", 1, (2, 2)), [sample((3, 4), "float32")])

    def test_upsample(self):
        x = sample((2, 3, 4, 5), "float32")
        run_both(self, *pair("Upsample", scale_factor=2), [x])
        run_both(self, *pair("Upsample", scale_factor=(2, 3), mode="nearest"), [x])
        run_both(self, *pair("Upsample", size=(7, 3)), [x])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_both(self, *pair("Upsample", scale_factor=2, mode="bilinear"), [x])
            run_both(self, *pair("Upsample", size=(7, 9), mode="bilinear",
                                 align_corners=True), [x])

    def test_sequential_mlp(self):
        ours = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
        theirs = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(),
                                     torch.nn.Linear(8, 3))
        run_both(self, ours, theirs, [sample((5, 6), "float32")])


class RecurrentTest(unittest.TestCase):
    def test_lstm(self):
        x = sample((5, 3, 4), "float32")
        run_both(self, *pair("LSTM", 4, 6), [x], rtol=1e-4)
        run_both(self, *pair("LSTM", 4, 6, num_layers=2, batch_first=True), [x],
                 rtol=1e-4)
        run_both(self, *pair("LSTM", 4, 3, bidirectional=True, bias=False), [x],
                 rtol=1e-4)
        h0 = sample((1, 3, 6), "float32")
        c0 = sample((1, 3, 6), "float32")
        run_both(self, *pair("LSTM", 4, 6), [x, h0, c0],
                 call=lambda m, x, h, c: m(x, (h, c)), rtol=1e-4)
        run_both(self, *pair("LSTM", 4, 6), [x[:, 0]], rtol=1e-4)

    def test_gru_and_rnn(self):
        x = sample((4, 2, 3), "float32")
        run_both(self, *pair("GRU", 3, 5), [x], rtol=1e-4)
        run_both(self, *pair("GRU", 3, 5, num_layers=3, batch_first=True,
                             bidirectional=True), [x], rtol=1e-4)
        run_both(self, *pair("GRU", 3, 5), [x, sample((1, 2, 5), "float32")],
                 rtol=1e-4)
        run_both(self, *pair("RNN", 3, 5, 2), [x], rtol=1e-4)
        run_both(self, *pair("RNN", 3, 5, nonlinearity="relu"), [x], rtol=1e-4)

    def test_cells(self):
        x = sample((3, 4), "float32")
        h = sample((3, 5), "float32")
        c = sample((3, 5), "float32")
        run_both(self, *pair("LSTMCell", 4, 5), [x])
        run_both(self, *pair("LSTMCell", 4, 5), [x, h, c],
                 call=lambda m, x, h, c: m(x, (h, c)))
        run_both(self, *pair("GRUCell", 4, 5), [x, h])
        run_both(self, *pair("GRUCell", 4, 5, bias=False), [x[0]])
        run_both(self, *pair("RNNCell", 4, 5), [x, h])


class AttentionTest(unittest.TestCase):
    def test_multihead_attention(self):
        q = sample((5, 2, 8), "float32")
        k = sample((6, 2, 8), "float32")
        v = sample((6, 2, 8), "float32")
        run_both(self, *pair("MultiheadAttention", 8, 2), [q, k, v], rtol=1e-4)
        ours, theirs = pair("MultiheadAttention", 8, 4, batch_first=True)
        run_both(self, ours, theirs, [q, q, q],
                 call=lambda m, a, b, c: m(a, b, c, average_attn_weights=False),
                 rtol=1e-4)
        mask = np.triu(np.ones((5, 6), bool), 1)
        padding = np.zeros((2, 6), bool)
        padding[1, 4:] = True
        run_both(self, *pair("MultiheadAttention", 8, 2), [q, k, v, mask, padding],
                 call=lambda m, a, b, c, am, pm: m(a, b, c, attn_mask=am,
                                                   key_padding_mask=pm),
                 rtol=1e-4)
        float_mask = sample((5, 6), "float32")
        run_both(self, *pair("MultiheadAttention", 8, 2, kdim=3, vdim=5),
                 [q, k[..., :3], v[..., :5], float_mask],
                 call=lambda m, a, b, c, am: m(a, b, c, attn_mask=am,
                                               need_weights=False),
                 grad_inputs=False, rtol=1e-4)
        run_both(self, *pair("MultiheadAttention", 8, 2, add_bias_kv=True,
                             add_zero_attn=True), [q, k, v], rtol=1e-4)
        run_both(self, *pair("MultiheadAttention", 8, 2), [q[:, 0], k[:, 0], v[:, 0]],
                 rtol=1e-4)

    def test_transformer_encoder(self):
        x = sample((2, 5, 8), "float32")
        ours, theirs = pair("TransformerEncoderLayer", 8, 2, dim_feedforward=16,
                            dropout=0.0, batch_first=True)
        run_both(self, ours, theirs, [x], rtol=1e-4, atol=1e-4)
        ours, theirs = pair("TransformerEncoderLayer", 8, 2, 16, 0.0, "gelu",
                            norm_first=True)
        run_both(self, ours, theirs, [x], rtol=1e-4, atol=1e-4)
        layer_ours, layer_theirs = pair("TransformerEncoderLayer", 8, 2, 16, 0.0)
        ours = nn.TransformerEncoder(layer_ours, 2, norm=nn.LayerNorm(8))
        theirs = torch.nn.TransformerEncoder(layer_theirs, 2,
                                             norm=torch.nn.LayerNorm(8),
                                             enable_nested_tensor=False)
        self.assertIsNot(ours.layers[0].linear1.weight, ours.layers[1].linear1.weight)
        padding = np.zeros((5, 2), bool)
        padding[1, 3:] = True
        theirs.eval()
        ours.eval()
        run_both(self, ours, theirs, [x, padding],
                 call=lambda m, a, p: m(a, src_key_padding_mask=p),
                 rtol=1e-4, atol=1e-4)

    def test_scaled_dot_product_attention(self):
        q = sample((2, 3, 4, 8), "float32")
        k = sample((2, 3, 6, 8), "float32")
        v = sample((2, 3, 6, 5), "float32")
        mask = sample((4, 6), "float32")

        def reference(q, k, v, mask=None, causal=False):
            scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
            if causal:
                scores = scores.masked_fill(
                    ~torch.ones(4, 6, dtype=torch.bool).tril(), float("-inf"))
            if mask is not None:
                scores = scores + mask
            return scores.softmax(-1) @ v

        for kwargs in ({}, {"is_causal": True}):
            ours = [terra.tensor(a, requires_grad=True) for a in (q, k, v)]
            theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
            out = F.scaled_dot_product_attention(*ours, **kwargs)
            expected = reference(*theirs, causal=bool(kwargs))
            check_close(self, out, expected, "sdpa")
            out.sum().backward()
            expected.sum().backward()
            for a, b in zip(ours, theirs):
                check_close(self, a.grad, b.grad, "sdpa grad")
        out = F.scaled_dot_product_attention(terra.tensor(q), terra.tensor(k),
                                             terra.tensor(v), terra.tensor(mask))
        check_close(self, out, reference(torch.tensor(q), torch.tensor(k),
                                         torch.tensor(v), torch.tensor(mask)), "mask")


class LossTest(unittest.TestCase):
    def loss_both(self, name, inputs, targets, **kwargs):
        ours, theirs = pair(name, **kwargs)
        run_both(self, ours, theirs, [inputs, targets])

    def test_cross_entropy(self):
        logits = sample((6, 5), "float32")
        target = np.array([0, 4, 2, 2, 1, 3])
        weight = terra.tensor(np.linspace(0.5, 2, 5).astype("f4"))
        tweight = torch.tensor(weight.numpy())
        for kwargs in ({}, {"reduction": "sum"}, {"reduction": "none"},
                       {"label_smoothing": 0.1}, {"ignore_index": 2},
                       {"ignore_index": 2, "label_smoothing": 0.2},
                       {"ignore_index": 2, "label_smoothing": 0.2,
                        "reduction": "none"},
                       {"label_smoothing": 0.3, "reduction": "sum"}):
            with self.subTest(**kwargs):
                self.loss_both("CrossEntropyLoss", logits, target, **kwargs)
                ours = nn.CrossEntropyLoss(weight=weight, **kwargs)
                theirs = torch.nn.CrossEntropyLoss(weight=tweight, **kwargs)
                run_both(self, ours, theirs, [logits, target])
        # Spatial (N, C, H, W) targets, unbatched and probability targets.
        self.loss_both("CrossEntropyLoss", sample((2, 4, 3, 3), "float32"),
                       np.random.default_rng(0).integers(0, 4, (2, 3, 3)))
        self.loss_both("CrossEntropyLoss", sample((2, 4, 3), "float32"),
                       np.random.default_rng(1).integers(0, 4, (2, 3)),
                       reduction="none")
        self.loss_both("CrossEntropyLoss", sample((5,), "float32"), np.array(3))
        probabilities = np.random.default_rng(2).dirichlet(np.ones(5), 6).astype("f4")
        run_both(self, *pair("CrossEntropyLoss", label_smoothing=0.1),
                 [logits, probabilities], grad_inputs=True)
        run_both(self, nn.CrossEntropyLoss(weight=weight, reduction="none"),
                 torch.nn.CrossEntropyLoss(weight=tweight, reduction="none"),
                 [logits, probabilities])

    def test_nll_loss(self):
        logp = sample((6, 5), "float32")
        target = np.array([0, 4, -100, 2, 1, 3])
        self.loss_both("NLLLoss", logp, target)
        self.loss_both("NLLLoss", logp, target, reduction="sum")
        self.loss_both("NLLLoss", logp, target, reduction="none")
        self.loss_both("NLLLoss", logp, np.array([0, 4, 1, 2, 1, 3]), ignore_index=1)
        weight = np.linspace(0.5, 2, 5).astype("f4")
        run_both(self, nn.NLLLoss(weight=terra.tensor(weight)),
                 torch.nn.NLLLoss(weight=torch.tensor(weight)), [logp, target])

    def test_regression_losses(self):
        x = sample((4, 5), "float32")
        y = sample((4, 5), "float32")
        for reduction in ("mean", "sum", "none"):
            self.loss_both("MSELoss", x, y, reduction=reduction)
            self.loss_both("L1Loss", x, y, reduction=reduction)
            self.loss_both("SmoothL1Loss", x, y, reduction=reduction)
            self.loss_both("HuberLoss", x * 2, y, reduction=reduction, delta=0.5)
        self.loss_both("SmoothL1Loss", x * 2, y, beta=0.5)
        self.loss_both("SmoothL1Loss", x, y, beta=0.0)

    def test_binary_losses(self):
        rng = np.random.default_rng(5)
        p = rng.uniform(0.02, 0.98, (4, 3)).astype("f4")
        t = (rng.random((4, 3)) > 0.5).astype("f4")
        soft = rng.random((4, 3)).astype("f4")
        logits = sample((4, 3), "float32") * 10
        for reduction in ("mean", "sum", "none"):
            self.loss_both("BCELoss", p, t, reduction=reduction)
            self.loss_both("BCEWithLogitsLoss", logits, soft, reduction=reduction)
        weight = rng.random(3).astype("f4") + 0.5
        run_both(self, nn.BCELoss(weight=terra.tensor(weight)),
                 torch.nn.BCELoss(weight=torch.tensor(weight)), [p, soft])
        run_both(self, nn.BCEWithLogitsLoss(pos_weight=terra.tensor(weight)),
                 torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(weight)),
                 [logits, soft])
        # Stable at large logits.
        big = terra.tensor([100.0, -100.0], requires_grad=True)
        loss = F.binary_cross_entropy_with_logits(big, terra.tensor([0.0, 1.0]))
        self.assertAlmostEqual(loss.item(), 100.0, places=4)
        # log clamped at -100 as torch.
        self.assertAlmostEqual(F.binary_cross_entropy(
            terra.tensor([0.0]), terra.tensor([1.0])).item(), 100.0)

    def test_kl_div(self):
        logp = np.log(np.random.default_rng(3).dirichlet(np.ones(4), 3)).astype("f4")
        q = np.random.default_rng(4).dirichlet(np.ones(4), 3).astype("f4")
        self.loss_both("KLDivLoss", logp, q, reduction="batchmean")
        self.loss_both("KLDivLoss", logp, np.log(q), reduction="sum", log_target=True)


class FunctionalTest(unittest.TestCase):
    def both(self, ours, theirs, *arrays, rtol=RTOL, atol=ATOL, grad=True):
        a = [terra.tensor(x, requires_grad=grad and x.dtype.kind == "f")
             for x in arrays]
        b = [torch.tensor(x, requires_grad=grad and x.dtype.kind == "f")
             for x in arrays]
        out_a, out_b = ours(*a), theirs(*b)
        check_close(self, out_a, out_b, "output", rtol, atol)
        if grad and out_b.requires_grad:
            upstream = sample(tuple(out_b.shape), "float32")
            (out_a * terra.tensor(upstream)).sum().backward()
            (out_b * torch.tensor(upstream)).sum().backward()
            for x, y in zip(a, b):
                if y.requires_grad:
                    check_close(self, x.grad, y.grad, "grad", rtol, atol)

    def test_functional_forms(self):
        x = sample((2, 3, 6, 5), "float32")
        w = sample((4, 3, 3, 3), "float32")
        b = sample((4,), "float32")
        TF = torch.nn.functional
        self.both(lambda x, w, b: F.conv2d(x, w, b, padding=1),
                  lambda x, w, b: TF.conv2d(x, w, b, padding=1), x, w, b, rtol=1e-4)
        self.both(lambda x, w: F.conv_transpose2d(x, w, stride=2),
                  lambda x, w: TF.conv_transpose2d(x, w, stride=2), x,
                  sample((3, 2, 2, 2), "float32"), rtol=1e-4)
        self.both(lambda x: F.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2), x)
        self.both(lambda x: F.avg_pool2d(x, 3, 1, 1),
                  lambda x: TF.avg_pool2d(x, 3, 1, 1), x)
        self.both(lambda x: F.avg_pool2d(x, 2, divisor_override=3),
                  lambda x: TF.avg_pool2d(x, 2, divisor_override=3), x)
        self.both(lambda x: F.adaptive_avg_pool2d(x, (2, 1)),
                  lambda x: TF.adaptive_avg_pool2d(x, (2, 1)), x)
        m = sample((4, 6), "float32")
        self.both(lambda m, w, b: F.linear(m, w, b), lambda m, w, b: TF.linear(m, w, b),
                  m, sample((3, 6), "float32"), sample((3,), "float32"))
        self.both(lambda m: F.relu(m), lambda m: TF.relu(m), m)
        self.both(lambda m: F.gelu(m, approximate="tanh"),
                  lambda m: TF.gelu(m, approximate="tanh"), m)
        self.both(lambda m: F.leaky_relu(m, 0.1), lambda m: TF.leaky_relu(m, 0.1), m)
        self.both(lambda m: F.softmax(m, -1), lambda m: TF.softmax(m, -1), m)
        self.both(lambda m: F.log_softmax(m, 0), lambda m: TF.log_softmax(m, 0), m)
        self.both(lambda m: F.normalize(m), lambda m: TF.normalize(m), m)
        self.both(lambda m, n: F.cosine_similarity(m, n),
                  lambda m, n: TF.cosine_similarity(m, n), m,
                  sample((4, 6), "float32"))
        self.both(lambda m: F.layer_norm(m, (6,)), lambda m: TF.layer_norm(m, (6,)), m)
        rm, rv = np.zeros(6, "f4"), np.ones(6, "f4")
        self.both(lambda m: F.batch_norm(m, None, None, training=True),
                  lambda m: TF.batch_norm(m, None, None, training=True), m)
        self.both(lambda m: F.batch_norm(m, terra.tensor(rm), terra.tensor(rv)),
                  lambda m: TF.batch_norm(m, torch.tensor(rm), torch.tensor(rv)), m)
        self.both(lambda m: F.dropout(m, 0.5, training=False),
                  lambda m: TF.dropout(m, 0.5, training=False), m)
        self.both(lambda m: F.pad(m, (1, 2)), lambda m: TF.pad(m, (1, 2)), m)
        self.both(lambda m: F.pad(m, (1, 2, 0, 1), value=3.0),
                  lambda m: TF.pad(m, (1, 2, 0, 1), value=3.0), m)
        self.both(lambda m: F.pad(m, (-1, 2)), lambda m: TF.pad(m, (-1, 2)), m)
        for mode in ("reflect", "replicate", "circular"):
            self.both(lambda x: F.pad(x, (2, 1, 1, 2), mode=mode),
                      lambda x: TF.pad(x, (2, 1, 1, 2), mode=mode), x)
        self.both(lambda x: F.interpolate(x, scale_factor=2),
                  lambda x: TF.interpolate(x, scale_factor=2), x)
        self.both(lambda x: F.interpolate(x, size=(4, 7), mode="nearest"),
                  lambda x: TF.interpolate(x, size=(4, 7), mode="nearest"), x)
        self.both(lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear"),
                  lambda x: TF.interpolate(x, scale_factor=1.5, mode="bilinear"), x)
        idx = np.array([[0, 3], [2, 2]])
        table = sample((5, 3), "float32")
        self.both(lambda i, t: F.embedding(i, t), lambda i, t: TF.embedding(i, t),
                  idx, table)
        self.assertEqual(F.one_hot(terra.tensor([0, 2, 1])).tolist(),
                         TF.one_hot(torch.tensor([0, 2, 1])).tolist())
        self.assertEqual(F.one_hot(terra.tensor([[1], [0]]), 4).tolist(),
                         TF.one_hot(torch.tensor([[1], [0]]), 4).tolist())
        self.assertIs(F.one_hot(terra.tensor([1])).dtype, terra.int64)
        target = np.array([1, 0, 3, 5])
        self.both(lambda m, t: F.cross_entropy(m, t, label_smoothing=0.05),
                  lambda m, t: TF.cross_entropy(m, t, label_smoothing=0.05), m, target)
        self.both(lambda m, t: F.nll_loss(m, t), lambda m, t: TF.nll_loss(m, t),
                  m, target)
        self.both(lambda m, n: F.mse_loss(m, n), lambda m, n: TF.mse_loss(m, n),
                  m, sample((4, 6), "float32"))
        self.both(lambda m, n: F.smooth_l1_loss(m, n),
                  lambda m, n: TF.smooth_l1_loss(m, n), m, sample((4, 6), "float32"))
        self.both(lambda m, n: F.binary_cross_entropy_with_logits(m, n),
                  lambda m, n: TF.binary_cross_entropy_with_logits(m, n), m,
                  np.random.default_rng(0).random((4, 6)).astype("f4"))
        self.both(lambda m, n: F.binary_cross_entropy(m.sigmoid(), n),
                  lambda m, n: TF.binary_cross_entropy(m.sigmoid(), n), m,
                  np.random.default_rng(0).random((4, 6)).astype("f4"))
        self.both(lambda m: F.relu(m.clone(), inplace=True),
                  lambda m: TF.relu(m.clone(), inplace=True), m)

    def test_softmax_implicit_dim_warns(self):
        with self.assertWarns(UserWarning):
            out = F.softmax(terra.ones(2, 3))
        self.assertEqual(tuple(out.sum(1).tolist()), (1.0, 1.0))


class InitTest(unittest.TestCase):
    def test_fans_and_bounds(self):
        w = terra.empty(64, 32, 3, 3)
        nn.init.kaiming_uniform_(w, a=math.sqrt(5))
        bound = math.sqrt(6 / ((1 + 5) * 32 * 9))
        self.assertLessEqual(w.abs().amax().item(), bound)
        self.assertGreater(w.abs().amax().item(), 0.9 * bound)
        nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
        self.assertAlmostEqual(w.std().item(), math.sqrt(2 / (64 * 9)), delta=0.003)
        nn.init.xavier_uniform_(w, gain=2.0)
        bound = 2.0 * math.sqrt(6 / (32 * 9 + 64 * 9))
        self.assertLessEqual(w.abs().amax().item(), bound)
        nn.init.xavier_normal_(w)
        self.assertAlmostEqual(w.std().item(), math.sqrt(2 / (96 * 9)), delta=0.003)
        nn.init.normal_(w, 3.0, 0.5)
        self.assertAlmostEqual(w.mean().item(), 3.0, delta=0.02)
        nn.init.uniform_(w, -2, -1)
        self.assertTrue(-2 <= w.amin().item() and w.amax().item() <= -1)
        nn.init.trunc_normal_(w, std=1.0, a=-0.5, b=0.5)
        self.assertLessEqual(w.abs().amax().item(), 0.5)
        nn.init.zeros_(w)
        self.assertEqual(w.abs().sum().item(), 0)
        nn.init.ones_(w)
        self.assertEqual(w.sum().item(), w.numel())
        nn.init.constant_(w, 0.25)
        self.assertEqual(w.amin().item(), 0.25)
        e = terra.empty(3, 4)
        nn.init.eye_(e)
        self.assertEqual(e.tolist(), np.eye(3, 4).tolist())
        self.assertEqual(nn.init.calculate_gain("leaky_relu", 0.2),
                         torch.nn.init.calculate_gain("leaky_relu", 0.2))
        for shape in ((5, 3), (4, 2, 3), (6, 2, 3, 3)):
            self.assertEqual(
                nn.init._calculate_fan_in_and_fan_out(terra.empty(*shape)),
                torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape)))

    def test_no_grad_on_parameters(self):
        p = nn.Parameter(terra.zeros(3))
        nn.init.uniform_(p)
        self.assertTrue(p.is_leaf)
        self.assertIsNone(p.grad_fn)


class ClipGradTest(unittest.TestCase):
    def test_clip_grad_norm(self):
        grads = [sample((3, 4), "float32") * 5, sample((5,), "float32")]
        for norm_type in (2.0, 1.0, float("inf"), 3.0):
            for max_norm in (0.5, 1000.0):
                ours = [terra.zeros(*g.shape, requires_grad=True) for g in grads]
                theirs = [torch.zeros(*g.shape, requires_grad=True) for g in grads]
                for p, q, g in zip(ours, theirs, grads):
                    p.grad = terra.tensor(g)
                    q.grad = torch.tensor(g)
                total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
                expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
                self.assertAlmostEqual(total.item(), expected.item(), places=4)
                for p, q in zip(ours, theirs):
                    check_close(self, p.grad, q.grad, "clipped grad")
        p = terra.zeros(3, requires_grad=True)
        p.grad = terra.tensor([-3.0, 0.5, 2.0])
        nn.utils.clip_grad_value_(p, 1.0)
        self.assertEqual(p.grad.tolist(), [-1.0, 0.5, 1.0])
        vec = nn.utils.parameters_to_vector([terra.ones(2, 2), terra.zeros(3)])
        self.assertEqual(vec.tolist(), [1, 1, 1, 1, 0, 0, 0])


if __name__ == "__main__":
    unittest.main()
