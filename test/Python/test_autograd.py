"""Autograd against PyTorch: gradients of every differentiable op, graph
semantics (accumulation, retain_graph, no_grad, leaves) and its errors."""

import unittest

import numpy as np
import torch

import terra

from reference import assert_same, sample


def both(function, *arrays):
    """Runs `function` on terra and torch leaves built from `arrays`, calls
    backward with a fixed upstream gradient, returns (terra, torch) leaves."""
    ours = [terra.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_ours, out_theirs = function(terra, *ours), function(torch, *theirs)
    upstream = sample(tuple(out_theirs.shape), "float64").astype(arrays[0].dtype)
    out_ours.backward(terra.tensor(upstream))
    out_theirs.backward(torch.tensor(upstream))
    return ours, theirs


CASES = {
    "add_broadcast": (lambda m, a, b: a + b, [(2, 3), (3,)]),
    "sub_broadcast": (lambda m, a, b: a - b, [(4, 1), (1, 5)]),
    "mul": (lambda m, a, b: a * b, [(2, 3), (2, 3)]),
    "div": (lambda m, a, b: a / (b * b + 1), [(2, 3), (2, 3)]),
    "pow": (lambda m, a, b: (a * a + 0.5) ** b, [(3,), (3,)]),
    "maximum": (lambda m, a, b: m.maximum(a, b), [(2, 4), (4,)]),
    "neg_abs": (lambda m, a: -(a.abs()), [(5,)]),
    "exp_log": (lambda m, a: (a.exp() + 1).log(), [(2, 3)]),
    "sqrt_rsqrt": (lambda m, a: (a * a + 1).sqrt() + (a * a + 1).rsqrt(), [(4,)]),
    "tanh_sigmoid": (lambda m, a: a.tanh() * a.sigmoid(), [(3, 3)]),
    "relu": (lambda m, a: a.relu(), [(6,)]),
    "erf_sin_cos": (lambda m, a: m.erf(a) + a.sin() * a.cos(), [(4,)]),
    "where": (lambda m, a, b: m.where(a > 0, a, b), [(3, 4), (3, 4)]),
    "clamp": (lambda m, a: a.clamp(-0.5, 0.5), [(8,)]),
    "views": (lambda m, a: a.T.reshape(6, 2)[1:5:2].unsqueeze(0).expand(3, 2, 2), [(3, 4)]),
    "permute_select": (lambda m, a: a.permute(2, 0, 1)[1], [(2, 3, 4)]),
    "sum_mean": (lambda m, a: a.sum(1) + a.mean(1), [(3, 4)]),
    "sum_keepdim": (lambda m, a: a.sum((0, 2), keepdim=True), [(2, 3, 4)]),
    "amax": (lambda m, a: a.amax(1), [(3, 5)]),
    "max_dim": (lambda m, a: a.max(0).values, [(3, 5)]),
    "var_std": (lambda m, a: a.var(1) + a.std(0).sum(), [(4, 5)]),
    "softmax": (lambda m, a: a.softmax(1), [(3, 5)]),
    "log_softmax": (lambda m, a: a.log_softmax(-1), [(3, 5)]),
    "cat_stack": (lambda m, a, b: m.cat([a, m.stack([b, b], 0).sum(0)], 1), [(2, 3), (2, 2)]),
    "matmul_2d": (lambda m, a, b: a @ b, [(3, 4), (4, 2)]),
    "matmul_batched_broadcast": (lambda m, a, b: m.matmul(a, b), [(2, 3, 4), (4, 5)]),
    "matmul_vector": (lambda m, a, b: m.matmul(a, b), [(3, 4), (4,)]),
    "index_select": (lambda m, a: m.index_select(a, 0, m.tensor([2, 0, 2])), [(3, 4)]),
    "masked_select": (lambda m, a: m.masked_select(a, a > 0), [(3, 4)]),
}


class GradientTest(unittest.TestCase):
    def test_gradients_match_torch(self):
        for name, (function, shapes) in CASES.items():
            for dtype in ("float32", "float64"):
                with self.subTest(op=name, dtype=dtype):
                    arrays = [sample(shape, dtype) for shape in shapes]
                    ours, theirs = both(function, *arrays)
                    for o, t in zip(ours, theirs):
                        tolerance = 1e-5 if dtype == "float32" else 1e-10
                        assert_same(self, o.grad, t.grad, rtol=tolerance, atol=tolerance)

    def test_gradients_match_finite_differences(self):
        for name, (function, shapes) in CASES.items():
            with self.subTest(op=name):
                arrays = [sample(shape, "float64") for shape in shapes]
                leaves = [terra.tensor(a, requires_grad=True) for a in arrays]
                function(terra, *leaves).sum().backward()
                for index, array in enumerate(arrays):
                    numeric = np.zeros_like(array)
                    for position in np.ndindex(array.shape):
                        for sign in (1, -1):
                            shifted = [a.copy() for a in arrays]
                            shifted[index][position] += sign * 1e-6
                            value = function(terra, *[terra.tensor(a) for a in shifted]).sum().item()
                            numeric[position] += sign * value / 2e-6
                    np.testing.assert_allclose(leaves[index].grad.numpy(), numeric,
                                               rtol=1e-5, atol=1e-6)


class GraphTest(unittest.TestCase):
    def test_gradients_accumulate(self):
        x = terra.ones(3, requires_grad=True)
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0, 5.0])

    def test_backward_twice_needs_retain_graph(self):
        x = terra.ones(3, requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        with self.assertRaisesRegex(RuntimeError, "Trying to backward through the graph a second time"):
            y.backward()

    def test_non_scalar_needs_a_gradient(self):
        x = terra.ones(3, requires_grad=True)
        with self.assertRaisesRegex(RuntimeError, "grad can be implicitly created only for scalar outputs"):
            (x * 2).backward()

    def test_no_grad_records_nothing(self):
        x = terra.ones(3, requires_grad=True)
        with terra.no_grad():
            y = x * 2
        self.assertFalse(y.requires_grad)
        self.assertIsNone(y.grad_fn)

        @terra.no_grad()
        def double(t):
            return t * 2

        self.assertFalse(double(x).requires_grad)
        self.assertTrue((x * 2).requires_grad)

    def test_backward_without_grad_is_an_error(self):
        with self.assertRaisesRegex(RuntimeError, "does not require grad and does not have a grad_fn"):
            terra.ones(2).sum().backward()

    def test_leaves_and_detach(self):
        x = terra.ones(2, requires_grad=True)
        y = x * 2
        self.assertTrue(x.is_leaf)
        self.assertFalse(y.is_leaf)
        self.assertIsNone(y.grad)
        d = y.detach()
        self.assertFalse(d.requires_grad)
        self.assertTrue(d.is_leaf)
        with self.assertRaisesRegex(RuntimeError, "only Tensors of floating point dtype can require gradients"):
            terra.ones(2, dtype=terra.int64).requires_grad_()

    def test_retain_grad(self):
        x = terra.ones(2, requires_grad=True)
        y = x * 3
        y.retain_grad()
        (y * y).sum().backward()
        np.testing.assert_array_equal(y.grad.numpy(), [6.0, 6.0])

    def test_in_place_on_leaf_is_an_error(self):
        x = terra.ones(2, requires_grad=True)
        with self.assertRaisesRegex(RuntimeError, "a leaf Variable that requires grad is being used in an in-place operation"):
            x.add_(1)
        with terra.no_grad():
            x.add_(1)  # What optimisers do.
        np.testing.assert_array_equal(x.numpy(), [2.0, 2.0])

    def test_in_place_on_non_leaf_keeps_history(self):
        for module in (terra, torch):
            x = module.tensor([1.0, 2.0], requires_grad=True)
            y = x * 2
            y.mul_(3)
            y.add_(x)
            (y * y).sum().backward()
            if module is terra:
                ours = x.grad.numpy()
            else:
                theirs = x.grad.numpy()
        np.testing.assert_allclose(ours, theirs)

    def test_in_place_on_a_shared_view_is_refused_not_wrong(self):
        # The base would not see the view's new history: refused rather than
        # silently dropping the gradient.
        out = terra.zeros(2, 3)
        h = terra.ones(3, requires_grad=True)
        with self.assertRaisesRegex(NotImplementedError, "memory other tensors share"):
            out[0] = h
        with terra.no_grad():
            out[0] = h  # Without recording it is an ordinary copy.
        np.testing.assert_array_equal(out.numpy()[0], [1.0, 1.0, 1.0])

    def test_grad_fn_names(self):
        x = terra.ones(2, requires_grad=True)
        self.assertEqual((x + 1).grad_fn.name(), "AddBackward0")
        self.assertIn("grad_fn=<MulBackward0>", repr(x * 2))


if __name__ == "__main__":
    unittest.main()
