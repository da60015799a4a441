"""Tensor creation, conversion, views and indexing against NumPy/PyTorch."""

import unittest

import numpy as np
import torch

import terra

from reference import assert_same, sample


class CreationTest(unittest.TestCase):
    def test_tensor_infers_dtypes_like_torch(self):
        for data in ([1, 2], [1.0, 2], [True, False], [[1, 2], [3, 4]], 3, 2.5,
                     True, [], [[True, 1]], np.float64(1.5)):
            with self.subTest(data=data):
                assert_same(self, terra.tensor(data), torch.tensor(data))

    def test_tensor_from_numpy_keeps_dtype_and_copies(self):
        for dtype in ("float32", "float64", "int64", "int32", "bool"):
            with self.subTest(dtype=dtype):
                array = sample((2, 3), dtype)
                t = terra.tensor(array)
                assert_same(self, t, torch.tensor(array))
                array.flat[0] = array.flat[1]
                self.assertNotEqual(t[0, 0].item(), array[0, 0]) if array.flat[0] != array.flat[1] else None

    def test_from_numpy_shares_memory(self):
        array = np.zeros((2, 3), dtype=np.float32)
        t = terra.from_numpy(array)
        array[1, 2] = 7.0
        self.assertEqual(t[1, 2].item(), 7.0)
        t[0, 0] = 3.0
        self.assertEqual(array[0, 0], 3.0)

    def test_from_numpy_of_a_strided_array(self):
        array = np.arange(24, dtype=np.float64).reshape(4, 6)[::2, 1::2]
        assert_same(self, terra.from_numpy(array), torch.from_numpy(array))

    def test_from_numpy_rejects_unsupported_dtypes(self):
        with self.assertRaisesRegex(TypeError, "can't convert np.ndarray of type"):
            terra.from_numpy(np.zeros(2, dtype=np.complex64))

    def test_numpy_shares_memory(self):
        t = terra.zeros(2, 2)
        view = t.numpy()
        view[0, 1] = 5.0
        self.assertEqual(t[0, 1].item(), 5.0)

    def test_creation_functions(self):
        assert_same(self, terra.zeros(2, 3), torch.zeros(2, 3))
        assert_same(self, terra.ones((2,), dtype=terra.int64), torch.ones((2,), dtype=torch.int64))
        assert_same(self, terra.full((2, 2), 7), torch.full((2, 2), 7))
        assert_same(self, terra.full((2,), 1.5), torch.full((2,), 1.5))
        assert_same(self, terra.arange(5), torch.arange(5))
        assert_same(self, terra.arange(1, 2, 0.25), torch.arange(1, 2, 0.25))
        assert_same(self, terra.linspace(0, 1, 5), torch.linspace(0, 1, 5))
        assert_same(self, terra.eye(3, 2), torch.eye(3, 2))
        x = terra.ones(2, 3, dtype=terra.float64)
        assert_same(self, terra.zeros_like(x), torch.zeros(2, 3, dtype=torch.float64))

    def test_huge_shapes_are_errors_not_allocations(self):
        with self.assertRaisesRegex(ValueError, "more elements than fit in 64 bits"):
            terra.zeros(2**40, 2**40)
        with self.assertRaisesRegex(RuntimeError, "negative dimension"):
            terra.zeros(-1, 2)


class ConversionTest(unittest.TestCase):
    def test_item_tolist_and_scalars(self):
        self.assertEqual(terra.tensor([[1, 2], [3, 4]]).tolist(), [[1, 2], [3, 4]])
        self.assertEqual(terra.tensor(2**62).item(), 2**62)
        self.assertIs(terra.tensor(True).item(), True)
        self.assertEqual(float(terra.tensor([2.5])), 2.5)
        self.assertEqual(int(terra.tensor(7)), 7)
        self.assertEqual([1, 2, 3][terra.tensor(1)], 2)
        self.assertEqual("{:.2f}".format(terra.tensor(3.14159)), "3.14")

    def test_item_of_many_elements_is_an_error(self):
        with self.assertRaisesRegex(RuntimeError, "a Tensor with 2 elements cannot be converted to Scalar"):
            terra.ones(2).item()
        with self.assertRaisesRegex(RuntimeError, "Boolean value of Tensor with more than one value is ambiguous"):
            bool(terra.ones(2))

    def test_dtype_conversions(self):
        t = terra.tensor([1.7, -1.7, 0.0])
        r = torch.tensor([1.7, -1.7, 0.0])
        assert_same(self, t.long(), r.long())
        assert_same(self, t.int(), r.int())
        assert_same(self, t.bool(), r.bool())
        assert_same(self, t.double(), r.double())
        assert_same(self, t.to(terra.int64), r.to(torch.int64))

    def test_repr_matches_torch(self):
        for data, dtype in (([[2.0, 4.0], [8.0, 10.0]], None), ([1.5, -2.25, 100.0], None),
                            ([1e-6, 1.0], None), ([1, -20, 300], None), ([True, False], None),
                            (3.25, None), ([1, 2], "int32"), ([0.5], "float64")):
            with self.subTest(data=data, dtype=dtype):
                t = terra.tensor(data, dtype=getattr(terra, dtype) if dtype else None)
                r = torch.tensor(data, dtype=getattr(torch, dtype) if dtype else None)
                self.assertEqual(repr(t), repr(r).replace("torch.", "terra."))


class ViewTest(unittest.TestCase):
    def test_views_share_storage(self):
        t = terra.zeros(2, 3)
        for view in (t.T, t.reshape(3, 2), t.view(6), t[1], t[:, ::2], t.unsqueeze(0),
                     t.expand(4, 2, 3), t.permute(1, 0), t.flatten()):
            with self.subTest(shape=view.shape):
                self.assertEqual(view.data_ptr() - view.storage_offset() * 4,
                                 t.data_ptr())

    def test_view_ops_match_torch(self):
        data = sample((2, 3, 4), "float32")
        t, r = terra.tensor(data), torch.from_numpy(data)
        assert_same(self, t.permute(2, 0, 1), r.permute(2, 0, 1))
        assert_same(self, t.transpose(0, 2), r.transpose(0, 2))
        assert_same(self, t.reshape(-1, 4), r.reshape(-1, 4))
        assert_same(self, t.T.reshape(4, 6), r.permute(2, 1, 0).reshape(4, 6))
        assert_same(self, t.flatten(1), r.flatten(1))
        assert_same(self, t[:, None, 1:].squeeze(1), r[:, None, 1:].squeeze(1))
        assert_same(self, t.unsqueeze(-1), r.unsqueeze(-1))
        assert_same(self, t[0].expand(5, 3, 4), r[0].expand(5, 3, 4))
        for a, b in zip(t.chunk(2, dim=2), r.chunk(2, dim=2)):
            assert_same(self, a, b)
        for a, b in zip(t.split([1, 3], dim=2), r.split([1, 3], dim=2)):
            assert_same(self, a, b)
        for a, b in zip(t.unbind(1), r.unbind(1)):
            assert_same(self, a, b)

    def test_view_of_non_contiguous_is_an_error(self):
        with self.assertRaisesRegex(RuntimeError, "view size is not compatible"):
            terra.zeros(2, 3).T.view(6)

    def test_views_of_strided_tensors_follow_torch(self):
        # nanoGPT's q, k, v = x.split(n, dim=2); k.view(B, T, heads, n // heads)
        # and views of permuted / narrowed tensors: same success, strides
        # and values as PyTorch, sharing memory.
        data = sample((2, 3, 4), "float32")
        t, r = terra.tensor(data), torch.tensor(data)
        cases = [(lambda x: x.split(2, dim=2)[1], (2, 3, 2, 1)),
                 (lambda x: x.split(2, dim=2)[1], (6, 2)),
                 (lambda x: x.permute(2, 0, 1), (4, 6)),
                 (lambda x: x.permute(2, 0, 1), (2, 2, 3, 2)),
                 (lambda x: x.permute(1, 2, 0), (12, 2)),
                 (lambda x: x[:, 1:], (2, 8)),
                 (lambda x: x[:, 1:], (4, 2, 2)),
                 (lambda x: x[:, :, ::2], (2, 3, 2, 1)),
                 (lambda x: x[:, :, ::2], (12,))]
        for make, shape in cases:
            with self.subTest(shape=shape):
                try:
                    expected = make(r).view(shape)
                except RuntimeError:
                    with self.assertRaisesRegex(RuntimeError, "view size is not compatible"):
                        make(t).view(shape)
                    continue
                view = make(t).view(shape)
                assert_same(self, view, expected)
                self.assertEqual(view.stride(), expected.stride())

    def test_bad_reshape_names_the_size(self):
        with self.assertRaisesRegex(RuntimeError, r"shape '\[4, 2\]' is invalid for input of size 6"):
            terra.zeros(2, 3).reshape(4, 2)

    def test_bad_dims(self):
        with self.assertRaisesRegex(IndexError, "Dimension out of range"):
            terra.zeros(2, 3).transpose(0, 2)
        with self.assertRaisesRegex(RuntimeError, "must match the existing size"):
            terra.zeros(2, 3).expand(2, 4)


class ArgReductionTest(unittest.TestCase):
    def test_argmax_and_argmin_over_every_axis(self):
        # A leading axis must not reorder the others in the result.
        data = sample((3, 4, 5), "float32")
        t, r = terra.tensor(data), torch.from_numpy(data)
        for axis in range(-3, 3):
            for keepdim in (False, True):
                with self.subTest(axis=axis, keepdim=keepdim):
                    assert_same(self, t.argmax(axis, keepdim), r.argmax(axis, keepdim))
                    assert_same(self, t.argmin(axis, keepdim), r.argmin(axis, keepdim))


class IndexingTest(unittest.TestCase):
    def test_basic_indexing_matches_torch(self):
        data = sample((4, 5, 6), "float32")
        t, r = terra.tensor(data), torch.from_numpy(data)
        for index in (1, -1, (1, 2), (slice(None), 2), (Ellipsis, 3), (None, 1),
                      (slice(1, None, 2), slice(None, -1), 0), (Ellipsis, None),
                      slice(10, 20), (0, 0, 0)):
            with self.subTest(index=index):
                assert_same(self, t[index], r[index])

    def test_whole_dimension_slices(self):
        # A bare `:` records no op; x[:] is still a new view that aliases x.
        data = sample((3, 4), "float32")
        t, r = terra.tensor(data), torch.from_numpy(data.copy())
        for index in (slice(None), (slice(None), slice(None)),
                      (slice(None), None, slice(None)), (Ellipsis, slice(None))):
            with self.subTest(index=index):
                assert_same(self, t[index], r[index])
        view = t[:]
        self.assertIsNot(view, t)
        view[0, 0] = 42.0
        self.assertEqual(t[0, 0].item(), 42.0)

    def test_index_assignment(self):
        data = sample((3, 4), "float32")
        t, r = terra.tensor(data), torch.from_numpy(data.copy())
        t[0] = 1.0
        r[0] = 1.0
        t[:, 1] = terra.tensor([7.0, 8.0, 9.0])
        r[:, 1] = torch.tensor([7.0, 8.0, 9.0])
        t[1:, 2:] = terra.zeros(2, 2)
        r[1:, 2:] = torch.zeros(2, 2)
        assert_same(self, t, r)

    def test_out_of_range_index(self):
        with self.assertRaisesRegex(IndexError, "index 3 is out of bounds for dimension 0 with size 3"):
            terra.zeros(3)[3]
        with self.assertRaisesRegex(IndexError, "too many indices for tensor of dimension 1"):
            terra.zeros(3)[0, 0]

    def test_views_of_a_0d_tensor_are_errors(self):
        # Found by terra-fuzz: these read past the shape (a crash).
        t = terra.tensor(1.0)
        with self.assertRaisesRegex(RuntimeError, r"narrow\(\) cannot be applied to a 0-dim tensor"):
            t.narrow(0, 0, 1)
        with self.assertRaisesRegex(IndexError, r"slice\(\) cannot be applied to a 0-dim tensor"):
            terra._terra.slice(t, 0, 0, 1, 1)
        with self.assertRaisesRegex(IndexError, r"select\(\) cannot be applied to a 0-dim tensor"):
            t.select(0, 0)
        with self.assertRaisesRegex(IndexError, "too many indices for tensor of dimension 0"):
            t[0:1]
        self.assertEqual(t.transpose(0, 0).item(), 1.0)
        self.assertEqual(t.squeeze(0).item(), 1.0)


if __name__ == "__main__":
    unittest.main()


class SelectionTest(unittest.TestCase):
    """topk, sort, argsort, tril/triu, any/all and the indexing forms the
    detection programs use, against PyTorch (values, indices, gradients)."""

    def setUp(self):
        data = sample((3, 5), "float32")
        self.t = terra.tensor(data).requires_grad_()
        self.r = torch.tensor(data).requires_grad_()

    def test_topk_sort_argsort(self):
        t, r = self.t, self.r
        for name, args in (("topk", (2, 1)), ("topk", (2, 0, False)),
                           ("sort", (1, True)), ("sort", (0,))):
            with self.subTest(name=name, args=args):
                got, expected = getattr(t, name)(*args), getattr(r, name)(*args)
                assert_same(self, got.values, expected.values.detach())
                assert_same(self, got.indices, expected.indices)
        assert_same(self, t.argsort(0), r.argsort(0))
        terra.topk(t, 2).values.sum().backward()
        torch.topk(r, 2).values.sum().backward()
        assert_same(self, t.grad, r.grad)

    def test_tril_triu_any_all(self):
        t, r = self.t.detach(), self.r.detach()
        for diagonal in (-1, 0, 2):
            assert_same(self, t.tril(diagonal), r.tril(diagonal))
            assert_same(self, terra.triu(t, diagonal), torch.triu(r, diagonal))
        for dim in (None, 0, 1):
            args = () if dim is None else (dim,)
            assert_same(self, (t > 0).any(*args), (r > 0).any(*args))
            assert_same(self, (t > -1).all(*args), (r > -1).all(*args))

    def test_two_index_tensors_and_leading_masks(self):
        data = sample((3, 2, 4), "float32")
        t = terra.tensor(data).requires_grad_()
        r = torch.tensor(data).requires_grad_()
        rows, cols = [0, 2, -1], [1, 0, 1]
        mask = np.array([[True, False], [False, False], [True, True]])
        got = t[terra.tensor(rows), terra.tensor(cols)] * 2 + t[terra.tensor(mask)]
        expected = r[torch.tensor(rows), torch.tensor(cols)] * 2 + r[torch.tensor(mask)]
        assert_same(self, got, expected.detach())
        got.sum().backward()
        expected.sum().backward()
        assert_same(self, t.grad, r.grad)
        assert_same(self, t.detach()[:, terra.tensor([True, False])],
                    r.detach()[:, torch.tensor([True, False])])

    def test_nonzero_and_where_with_a_condition_alone(self):
        data = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]], dtype=np.float32)
        t, r = terra.tensor(data), torch.tensor(data)
        assert_same(self, terra.nonzero(t), torch.nonzero(r))
        assert_same(self, terra.nonzero(terra.zeros(2, 2)), torch.nonzero(torch.zeros(2, 2)))
        for got, expected in zip(terra.where(t > 0), torch.where(r > 0)):
            assert_same(self, got, expected)
        for got, expected in zip(t.nonzero(as_tuple=True), r.nonzero(as_tuple=True)):
            assert_same(self, got, expected)
