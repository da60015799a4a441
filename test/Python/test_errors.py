"""Bad input raises a Python exception naming the op and the shapes or
values at fault, never a crash; NaN inputs give PyTorch's results."""

import unittest

import numpy as np
import torch

import terra

from reference import assert_same


class BadInputTest(unittest.TestCase):
    CASES = [
        (lambda: terra.ones(2, 3) @ terra.ones(4, 5), RuntimeError,
         r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
        (lambda: terra.ones(2, 3) + terra.ones(4), RuntimeError,
         r"add: the size of tensor a \(3\) must match the size of tensor b \(4\).*\[2, 3\] and \[4\]"),
        (lambda: terra.ones(2, 3).sum(5), IndexError,
         r"sum\(\): Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"),
        (lambda: terra.ones(2, 3).softmax(2), IndexError, r"softmax\(\): Dimension out of range"),
        (lambda: terra.ones(3)[terra.tensor([5])], IndexError,
         r"index_select\(\).*index 5 is out of bounds for dimension 0 with size 3"),
        (lambda: terra.ones(3)[3], IndexError, r"index 3 is out of bounds for dimension 0 with size 3"),
        (lambda: terra.cat([terra.ones(2, 3), terra.ones(2, 4)]), RuntimeError,
         r"Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4"),
        (lambda: terra.ones(2, dtype=terra.int64).softmax(0), RuntimeError, r"not implemented for 'Long'"),
        (lambda: terra.ones(2, dtype=terra.int64).mean(), RuntimeError,
         r"mean\(\): could not infer output dtype"),
        (lambda: terra.ones(2, 3).reshape(7), RuntimeError, r"shape '\[7\]' is invalid for input of size 6"),
        (lambda: terra.ones(3) + "a", TypeError, r"unsupported operand type"),
        (lambda: terra.tensor([[1, 2], [3]]), ValueError, r"expected sequence of length 2 at dim 1 \(got 1\)"),
        (lambda: terra.ones(2, 3).permute(0, 0), RuntimeError, r"permute\(\): duplicate dims are not allowed"),
        (lambda: terra.ones(2, 3).expand(3, 3), RuntimeError,
         r"expanded size of the tensor \(3\) must match the existing size \(2\)"),
        (lambda: terra.zeros(2**40, 2**40), ValueError, r"\[1099511627776, 1099511627776\]"),
        (lambda: terra.nn.functional.conv_transpose2d(terra.ones(1, 3, 4, 4), terra.ones(4, 2, 3, 3)),
         RuntimeError, r"Given transposed=1, weight of size \[4, 2, 3, 3\], expected "
         r"input\[1, 3, 4, 4\] to have 4 channels, but got 3 channels instead"),
        (lambda: terra.nn.functional.conv_transpose2d(terra.ones(1, 4, 4, 4), terra.ones(4, 2, 3, 3),
                                                      stride=2, output_padding=2),
         RuntimeError, r"output padding must be smaller than either stride or dilation, but got "
         r"output_padding_height: 2 output_padding_width: 2 stride_height: 2"),
        # nll_loss (and cross_entropy's class-index path), PyTorch's wording.
        (lambda: terra.nn.functional.nll_loss(terra.ones(3, 4), terra.ones(3)), RuntimeError,
         r"expected scalar type Long but found Float"),
        (lambda: terra.nn.functional.nll_loss(terra.ones(3, 4), terra.zeros(3, dtype=terra.int32)),
         RuntimeError, r"expected scalar type Long but found Int"),
        (lambda: terra.nn.functional.nll_loss(terra.ones(3, 4), terra.zeros(2, dtype=terra.int64)),
         ValueError, r"Expected input batch_size \(3\) to match target batch_size \(2\)\."),
        (lambda: terra.nn.functional.nll_loss(terra.ones(3, 4), terra.zeros(3, dtype=terra.int64),
                                              weight=terra.ones(3)),
         RuntimeError, r"weight tensor should be defined either for all 4 classes or no classes "
         r"but got weight tensor of shape: \[3\]"),
        (lambda: terra.nn.functional.nll_loss(terra.ones(3, 4, dtype=terra.int64),
                                              terra.zeros(3, dtype=terra.int64)),
         RuntimeError, r"\"nll_loss_out_frame\" not implemented for 'Long'"),
        (lambda: terra.nn.functional.cross_entropy(terra.ones(3, 4), terra.zeros(2, dtype=terra.int64)),
         ValueError, r"Expected input batch_size \(3\) to match target batch_size \(2\)\."),
        # Ops bound in C (terra.relu, Tensor.relu, terra.maximum): PyTorch's wording.
        (lambda: terra.relu(1), TypeError,
         r"relu\(\): argument 'input' \(position 1\) must be Tensor, not int"),
        (lambda: terra.maximum(terra.ones(2), "a"), TypeError,
         r"maximum\(\): argument 'other' \(position 2\) must be Tensor, not str"),
        (lambda: terra.relu(terra.ones(2), terra.ones(2)), TypeError,
         r"relu\(\) takes 1 positional argument but 2 were given"),
        (lambda: terra.maximum(terra.ones(2)), TypeError,
         r'maximum\(\) missing 1 required positional arguments: "other"'),
        (lambda: terra.ones(2).exp(2), TypeError, r"exp\(\) takes 1 positional argument but 2 were given"),
        (lambda: terra.relu(inp=terra.ones(2)), TypeError, r"relu\(\) got an unexpected keyword argument 'inp'"),
    ]

    def test_bound_ops_take_pytorch_keywords(self):
        x = terra.tensor([[-1.0, 2.0], [3.0, -4.0]])
        self.assertEqual(terra.relu(input=x).tolist(), [[0.0, 2.0], [3.0, 0.0]])
        self.assertEqual(terra.maximum(x, other=x * 0).tolist(), [[0.0, 2.0], [3.0, 0.0]])
        self.assertEqual(x.maximum(other=x * 0).tolist(), [[0.0, 2.0], [3.0, 0.0]])
        self.assertEqual((terra.relu.__name__, terra.Tensor.exp.__name__), ("relu", "exp"))

    def test_each_bad_input_names_the_problem(self):
        for index, (function, kind, pattern) in enumerate(self.CASES):
            with self.subTest(case=index, pattern=pattern):
                with self.assertRaisesRegex(kind, pattern):
                    function()

    def test_tensors_too_big_for_memory_raise_memory_error(self):
        # Shapes that pass the size checks but not the allocator: a Python
        # MemoryError, and terra keeps working afterwards.
        for shape in [(2 ** 36,), (2 ** 20, 2 ** 20)]:
            with self.subTest(shape=shape):
                with self.assertRaisesRegex(MemoryError, "not enough memory: tried to allocate"):
                    terra.zeros(*shape)
        x = terra.ones(3, requires_grad=True)
        (x * 2).sum().backward()
        self.assertEqual(x.grad.tolist(), [2.0, 2.0, 2.0])

    def test_backward_twice_is_an_error(self):
        x = terra.ones(2, requires_grad=True)
        y = (x * x).sum()
        y.backward()
        with self.assertRaisesRegex(RuntimeError, "backward through the graph a second time"):
            y.backward()

    def test_nan_inputs_match_torch(self):
        data = np.array([[np.nan, 1.0, -2.0], [3.0, np.inf, -np.inf]], dtype=np.float32)
        t, r = terra.tensor(data), torch.tensor(data)
        for name in ("exp", "relu", "tanh", "sigmoid", "abs"):
            with self.subTest(op=name):
                assert_same(self, getattr(t, name)(), getattr(r, name)())
        assert_same(self, t.sum(1), r.sum(1))
        assert_same(self, t.amax(1), r.amax(1))
        assert_same(self, t.softmax(1), r.softmax(1))
        assert_same(self, terra.maximum(t, terra.zeros(3)), torch.maximum(r, torch.zeros(3)))

    def test_nan_gradients_match_torch(self):
        data = np.array([np.nan, 0.0, 4.0], dtype=np.float32)
        grads = []
        for module in (terra, torch):
            x = module.tensor(data, requires_grad=True)
            (x.sqrt() * 2).sum().backward()
            grads.append(x.grad.numpy())
        np.testing.assert_array_equal(grads[0], grads[1])


if __name__ == "__main__":
    unittest.main()
