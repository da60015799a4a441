"""DataLoader and the default collate function (torch.utils.data.dataloader).

Batches are built in the main process; ``num_workers``, ``pin_memory``,
``prefetch_factor`` and friends are accepted for compatibility and have no
effect.
"""

import collections.abc
import numbers
import re

import numpy as np

from ... import _creation, _dtype, _functions
from ..._tensor import Tensor
from .dataset import IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert",
           "get_worker_info"]

_STRING_OR_OBJECT = re.compile(r"[SaUO]")

_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, "
                  "numbers, dicts or lists; found {}")


def _numpy_tensor(array):
    """A tensor of a NumPy array's values; dtypes terra lacks are widened
    (small or unsigned integers to int64, float16 to float32)."""
    array = np.asarray(array)
    if array.dtype.kind == "f" and array.dtype.itemsize < 4:
        array = array.astype(np.float32)
    elif array.dtype.kind in "iu" and array.dtype not in (np.int32, np.int64):
        array = array.astype(np.int64)
    return _creation.tensor(array)


def _is_numpy(value):
    kind = type(value)
    return kind.__module__ == "numpy" and kind.__name__ not in ("str_",
                                                                "string_",
                                                                "bytes_")


def default_collate(batch):
    """Merges a list of samples into a batch, as torch's default_collate:
    tensors and NumPy arrays are stacked along a new first dimension,
    Python floats become a float64 tensor, ints an int64 tensor (bools a
    bool tensor), strings stay a list, and dicts, named tuples, tuples and
    lists are collated field by field (tuples give lists, as in torch)."""
    elem = batch[0]
    elem_type = type(elem)
    if isinstance(elem, Tensor):
        return _functions.stack(batch, 0)
    if _is_numpy(elem):
        if isinstance(elem, np.ndarray):
            if _STRING_OR_OBJECT.search(elem.dtype.str) is not None:
                raise TypeError(_COLLATE_ERROR.format(elem.dtype))
            shapes = {np.shape(b) for b in batch}
            if len(shapes) != 1:
                raise RuntimeError(
                    "stack expects each tensor to be equal size, but got "
                    "shapes %s" % sorted(shapes))
            return _numpy_tensor(np.stack(batch))
        if np.shape(elem) == ():
            return _numpy_tensor(np.array(batch))
    elif isinstance(elem, float):
        return _creation.tensor(batch, dtype=_dtype.float64)
    elif isinstance(elem, numbers.Integral):
        return _creation.tensor(batch)
    elif isinstance(elem, (str, bytes)):
        return batch
    elif isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch])
                    for key in elem}
        try:
            return elem_type(collated)
        except TypeError:
            return collated
    elif isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(default_collate(samples)
                           for samples in zip(*batch)))
    elif isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of "
                               "equal size")
        transposed = [default_collate(list(samples))
                      for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return transposed
        try:
            return elem_type(transposed)
        except TypeError:
            return transposed
    raise TypeError(_COLLATE_ERROR.format(elem_type))


def default_convert(data):
    """What a DataLoader without batching applies to each sample: NumPy
    arrays and scalars become tensors, containers are converted element by
    element, everything else is kept."""
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        if isinstance(data, np.ndarray) and \
                _STRING_OR_OBJECT.search(data.dtype.str) is not None:
            return data
        return _numpy_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and \
            not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def get_worker_info():
    """None: data is always loaded in the main process."""
    return None


class DataLoader:
    """Iterates over `dataset` in batches (torch.utils.data.DataLoader).

    ``shuffle=True`` visits a new permutation each epoch drawn from
    `generator` (terra's default generator if None), so ``terra.manual_seed``
    makes the order reproducible.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None,
                 batch_sampler=None, num_workers=0, collate_fn=None,
                 pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor=None,
                 persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use "
                             "num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.persistent_workers = persistent_workers
        self.generator = generator

        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified "
                    "shuffle option, but got shuffle=%s" % (shuffle,))
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified "
                    "sampler option, but got sampler=%s" % (sampler,))
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified "
                    "batch_sampler option, but got batch_sampler=%s"
                    % (batch_sampler,))
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with "
                             "shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive "
                                 "with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching "
                             "and is mutually exclusive with drop_last")

        if sampler is None and not self._iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and \
                not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = (default_collate if self._auto_collation
                          else default_convert)
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (
            self._iterable and self.batch_size is not None)

    @property
    def _index_sampler(self):
        return self.batch_sampler if self.batch_sampler is not None \
            else self.sampler

    def __iter__(self):
        return _DataLoaderIter(self)

    def __len__(self):
        if self._iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    return length // self.batch_size
                return -(-length // self.batch_size)
            return length
        return len(self._index_sampler)


class _DataLoaderIter:
    """One pass over a DataLoader (one epoch)."""

    def __init__(self, loader):
        self._loader = loader
        self._fetch = self._fetch_map
        if loader._iterable:
            self._samples = iter(loader.dataset)
            self._fetch = self._fetch_iterable
        else:
            self._indices = iter(loader._index_sampler)
        self._fast = (not loader._iterable and loader._auto_collation and
                      loader.collate_fn is default_collate and
                      type(loader.dataset).__getitem__ is
                      TensorDataset.__getitem__)

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def __next__(self):
        return self._fetch()

    def _fetch_map(self):
        loader = self._loader
        index = next(self._indices)
        if not loader._auto_collation:
            return loader.collate_fn(loader.dataset[index])
        if self._fast:
            # A TensorDataset batch is one gather per tensor: the same
            # values default_collate would stack from the samples.
            rows = _creation.tensor(list(index), dtype=_dtype.int64)
            return [tensor[rows] for tensor in loader.dataset.tensors]
        dataset = loader.dataset
        if hasattr(dataset, "__getitems__"):
            samples = dataset.__getitems__(index)
        else:
            samples = [dataset[i] for i in index]
        return loader.collate_fn(samples)

    def _fetch_iterable(self):
        loader = self._loader
        if not loader._auto_collation:
            return loader.collate_fn(next(self._samples))
        batch = []
        for sample in self._samples:
            batch.append(sample)
            if len(batch) == loader.batch_size:
                break
        if not batch or (loader.drop_last and len(batch) < loader.batch_size):
            raise StopIteration
        return loader.collate_fn(batch)
