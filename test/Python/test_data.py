"""terra.utils.data against torch.utils.data on the same data."""

import collections
import unittest

import numpy as np
import torch
import torch.utils.data as tdata

import terra
from terra.utils import data

from reference import assert_same, sample


class CollateCase(unittest.TestCase):
    def assert_batches_equal(self, result, expected):
        """`result` (terra) has the structure, shapes, dtypes and values of
        `expected` (torch)."""
        if isinstance(expected, torch.Tensor):
            assert_same(self, result, expected)
        elif isinstance(expected, dict):
            self.assertIsInstance(result, dict)
            self.assertEqual(list(result), list(expected))
            for key in expected:
                self.assert_batches_equal(result[key], expected[key])
        elif isinstance(expected, (list, tuple)):
            self.assertIs(type(result), type(expected))
            self.assertEqual(len(result), len(expected))
            for r, e in zip(result, expected):
                self.assert_batches_equal(r, e)
        else:
            self.assertEqual(result, expected)


class DataLoaderTest(CollateCase):
    def test_tensor_dataset_batches_match_torch(self):
        x, y = sample((10, 3), "float32"), sample((10,), "int64")
        ours = data.TensorDataset(terra.tensor(x), terra.tensor(y))
        theirs = tdata.TensorDataset(torch.tensor(x), torch.tensor(y))
        for batch_size in (1, 3, 4, 10, 12):
            for drop_last in (False, True):
                with self.subTest(batch_size=batch_size, drop_last=drop_last):
                    a = data.DataLoader(ours, batch_size, drop_last=drop_last)
                    b = tdata.DataLoader(theirs, batch_size,
                                         drop_last=drop_last)
                    self.assertEqual(len(a), len(b))
                    batches = list(a)
                    expected = list(b)
                    self.assertEqual(len(batches), len(expected))
                    for r, e in zip(batches, expected):
                        self.assert_batches_equal(r, e)

    def test_collate_of_structures_matches_torch(self):
        Point = collections.namedtuple("Point", "x y")
        samples = [{
            "image": sample((2, 3), "float32"),
            "mask": sample((2,), "bool"),
            "label": i,
            "weight": 0.5 * i,
            "flag": i % 2 == 0,
            "name": "item%d" % i,
            "pair": (sample((2,), "float64"), i),
            "list": [i, i + 1],
            "point": Point(float(i), np.float32(i)),
            "tensor": torch.full((2,), i),
            "scalar": np.int32(i),
        } for i in range(5)]
        ours = [{k: terra.tensor(v.numpy()) if isinstance(v, torch.Tensor)
                 else v for k, v in s.items()} for s in samples]
        for batch_size in (2, 5):
            result = list(data.DataLoader(ours, batch_size=batch_size))
            expected = list(tdata.DataLoader(samples, batch_size=batch_size))
            for r, e in zip(result, expected):
                self.assertIsInstance(r["point"], Point)
                self.assert_batches_equal(r, e)

    def test_narrow_numpy_dtypes_are_widened(self):
        images = [np.full((2, 2), i, dtype=np.uint8) for i in range(3)]
        batch = data.default_collate(images)
        self.assertEqual(batch.dtype, terra.int64)
        np.testing.assert_array_equal(batch.numpy(), np.stack(images))
        halves = data.default_collate([np.ones(2, np.float16)] * 2)
        self.assertEqual(halves.dtype, terra.float32)

    def test_shuffle_is_a_reproducible_permutation(self):
        dataset = list(range(50))
        terra.manual_seed(0)
        loader = data.DataLoader(dataset, batch_size=8, shuffle=True)
        first = [v for batch in loader for v in batch.tolist()]
        second = [v for batch in loader for v in batch.tolist()]
        self.assertEqual(sorted(first), dataset)
        self.assertEqual(sorted(second), dataset)
        self.assertNotEqual(first, dataset)
        self.assertNotEqual(first, second)  # a new order each epoch
        terra.manual_seed(0)
        self.assertEqual([v for b in loader for v in b.tolist()], first)
        g = terra.Generator().manual_seed(5)
        seeded = data.DataLoader(dataset, batch_size=8, shuffle=True,
                                 generator=g)
        order = [v for b in seeded for v in b.tolist()]
        g.manual_seed(5)
        self.assertEqual([v for b in seeded for v in b.tolist()], order)

    def test_drop_last(self):
        loader = data.DataLoader(list(range(10)), batch_size=4, shuffle=True,
                                 drop_last=True)
        sizes = [len(b) for b in loader]
        self.assertEqual(sizes, [4, 4])
        self.assertEqual(len(loader), 2)
        self.assertEqual(
            [len(b) for b in data.DataLoader(list(range(10)), batch_size=4)],
            [4, 4, 2])

    def test_without_batching_and_custom_collate(self):
        arrays = [np.arange(3) + i for i in range(4)]
        items = list(data.DataLoader(arrays, batch_size=None))
        self.assertEqual(len(items), 4)
        self.assertIsInstance(items[0], terra.Tensor)
        self.assertEqual(items[1].tolist(), [1, 2, 3])
        loader = data.DataLoader(list(range(5)), batch_size=2,
                                 collate_fn=lambda batch: sum(batch))
        self.assertEqual(list(loader), [1, 5, 4])

    def test_iterable_dataset(self):
        class Stream(data.IterableDataset):
            def __iter__(self):
                return iter(range(7))

        self.assertEqual([b.tolist() for b in data.DataLoader(Stream(), 3)],
                         [[0, 1, 2], [3, 4, 5], [6]])
        self.assertEqual([b.tolist() for b in
                          data.DataLoader(Stream(), 3, drop_last=True)],
                         [[0, 1, 2], [3, 4, 5]])
        with self.assertRaises(ValueError):
            data.DataLoader(Stream(), shuffle=True)
        chained = list(data.DataLoader(Stream() + Stream(), batch_size=None))
        self.assertEqual(len(chained), 14)

    def test_samplers_match_torch(self):
        sequential = data.SequentialSampler(range(5))
        self.assertEqual(list(sequential), list(tdata.SequentialSampler(range(5))))
        for drop_last in (False, True):
            ours = data.BatchSampler(sequential, 2, drop_last)
            theirs = tdata.BatchSampler(tdata.SequentialSampler(range(5)), 2,
                                        drop_last)
            self.assertEqual(list(ours), list(theirs))
            self.assertEqual(len(ours), len(theirs))
        loader = data.DataLoader(list(range(6)), batch_sampler=data.BatchSampler(
            sequential, 2, False))
        self.assertEqual([b.tolist() for b in loader], [[0, 1], [2, 3], [4]])
        random = list(data.RandomSampler(range(20)))
        self.assertEqual(sorted(random), list(range(20)))
        replaced = list(data.RandomSampler(range(3), replacement=True,
                                           num_samples=50))
        self.assertEqual(len(replaced), 50)
        self.assertTrue(set(replaced) <= {0, 1, 2})
        weighted = list(data.WeightedRandomSampler([0.0, 1.0, 0.0], 10))
        self.assertEqual(weighted, [1] * 10)
        subset = list(data.SubsetRandomSampler([10, 20, 30]))
        self.assertEqual(sorted(subset), [10, 20, 30])

    def test_argument_errors(self):
        with self.assertRaises(ValueError):
            data.DataLoader([1, 2], shuffle=True,
                            sampler=data.SequentialSampler([1, 2]))
        with self.assertRaises(ValueError):
            data.DataLoader([1, 2], batch_size=2, batch_sampler=[[0, 1]])
        with self.assertRaises(ValueError):
            data.DataLoader([1, 2], batch_size=None, drop_last=True)
        with self.assertRaises(ValueError):
            data.BatchSampler([0], 0, False)
        with self.assertRaises(TypeError):
            data.default_collate([object(), object()])
        with self.assertRaises(RuntimeError):
            data.default_collate([[1, 2], [1]])


class DatasetTest(unittest.TestCase):
    def test_tensor_dataset(self):
        x, y = terra.arange(6).reshape(3, 2), terra.tensor([7, 8, 9])
        dataset = data.TensorDataset(x, y)
        self.assertEqual(len(dataset), 3)
        item = dataset[1]
        self.assertIsInstance(item, tuple)
        self.assertEqual(item[0].tolist(), [2, 3])
        self.assertEqual(item[1].item(), 8)
        with self.assertRaises(ValueError):
            data.TensorDataset(x, terra.zeros(4))

    def test_subset_concat_and_random_split(self):
        dataset = list(range(10))
        subset = data.Subset(dataset, [3, 1, 4])
        self.assertEqual([subset[i] for i in range(len(subset))], [3, 1, 4])
        concat = data.ConcatDataset([subset, [100, 101]])
        self.assertEqual([concat[i] for i in range(len(concat))],
                         [3, 1, 4, 100, 101])
        self.assertEqual(concat[-1], 101)
        terra.manual_seed(1)
        parts = data.random_split(dataset, [3, 7])
        self.assertEqual([len(p) for p in parts], [3, 7])
        self.assertEqual(sorted(parts[0].indices + parts[1].indices), dataset)
        parts = data.random_split(dataset, [0.5, 0.3, 0.2],
                                  generator=terra.Generator().manual_seed(2))
        self.assertEqual([len(p) for p in parts], [5, 3, 2])
        again = data.random_split(dataset, [0.5, 0.3, 0.2],
                                  generator=terra.Generator().manual_seed(2))
        self.assertEqual(parts[0].indices, again[0].indices)
        with self.assertRaises(ValueError):
            data.random_split(dataset, [3, 3])

    def test_module_layout_matches_torch(self):
        from terra.utils.data import DataLoader, Dataset
        from terra.utils.data.dataloader import default_collate
        from terra.utils.data.dataset import TensorDataset
        from terra.utils.data.sampler import RandomSampler

        self.assertIs(terra.utils.data.DataLoader, DataLoader)
        self.assertTrue(issubclass(TensorDataset, Dataset))
        self.assertIsNone(data.get_worker_info())
        self.assertTrue(callable(default_collate) and RandomSampler)


if __name__ == "__main__":
    unittest.main()
