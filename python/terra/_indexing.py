"""Tensor indexing: x[...] and x[...] = value with NumPy/PyTorch rules.

Basic indices (ints, slices, None, Ellipsis) give views. A boolean mask
selects the masked elements (a mask over some dimensions selects along
them); integer tensors or lists gather along their dimension, and several
adjacent ones (x[rows, cols]) combine as in PyTorch.
"""

import numbers

import _terra


def _is_tensor(value):
    return isinstance(value, _terra.Tensor)


def _expand_ellipsis(index, rank):
    """Replaces Ellipsis by enough full slices; counts dims each item uses."""
    index = index if isinstance(index, tuple) else (index,)
    used = sum(0 if item is None or item is Ellipsis else
               (item.ndim if _is_tensor(item) and item.dtype.name == "bool" else 1)
               for item in index)
    if sum(item is Ellipsis for item in index) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if used > rank:
        raise IndexError(
            "too many indices for tensor of dimension %d" % rank)
    result = []
    for item in index:
        if item is Ellipsis:
            result.extend([slice(None)] * (rank - used))
        else:
            result.append(item)
    return result


def _basic_view(tensor, index):
    """Applies ints, slices and None; returns the view and the advanced
    indices (tensors, lists) with the dimension of the view each applies
    to."""
    items = _expand_ellipsis(index, tensor.ndim)
    view, dim, advanced = tensor, 0, []
    whole = None  # the first dimension a bare `:` took whole
    for item in items:
        if item is None:
            view = _terra.unsqueeze(view, dim)
            dim += 1
        elif item == slice(None):
            # The whole dimension: no op, so that a traced program does not
            # record its size (a sequence length that changes).
            whole = dim if whole is None else whole
            dim += 1
        elif isinstance(item, slice):
            start, stop, step = item.start, item.stop, item.step
            if step is not None and step <= 0:
                raise ValueError("step must be greater than zero")
            size = view.shape[dim]
            view = _terra.slice(
                view, dim,
                0 if start is None else int(start),
                size if stop is None else int(stop),
                1 if step is None else int(step))
            dim += 1
        elif isinstance(item, numbers.Integral) or (
                _is_tensor(item) and item.ndim == 0 and
                item.dtype.name in ("int64", "int32")):
            view = _terra.select(view, dim, int(item))
        elif _is_tensor(item) or isinstance(item, (list, tuple)):
            advanced.append((dim, item))
            dim += item.ndim if _is_tensor(item) and item.dtype.name == "bool" else 1
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long "
                "or byte Variables are valid indices (got %s)"
                % type(item).__name__)
    if view is tensor and whole is not None:
        # x[:]: still a new view of x, as in PyTorch.
        view = _terra.slice(tensor, whole, 0, tensor.shape[whole], 1)
    return view, advanced


def _as_tensor(item):
    from ._creation import tensor as make_tensor
    return item if _is_tensor(item) else make_tensor(item)


def _combined_index(view, advanced):
    """Several adjacent integer indices (x[rows, cols]): one index into the
    view with those dimensions flattened, row-major, as PyTorch combines
    them. Returns (view, dim, index)."""
    first = advanced[0][0]
    if [dim for dim, _ in advanced] != list(range(first, first + len(advanced))):
        raise NotImplementedError(
            "terra: several advanced (tensor or list) indices are supported "
            "only next to each other (x[rows, cols]), not separated by a "
            "slice")
    linear = None
    for dim, item in advanced:
        item = _as_tensor(item)
        if item.dtype.name == "bool":
            raise NotImplementedError(
                "terra: a boolean mask together with other advanced indices "
                "is not supported")
        size = view.shape[dim]
        item = _terra.where(item < 0, item + size, item)
        linear = item if linear is None else linear * size + item
    flat = view.flatten(first, first + len(advanced) - 1)
    return flat, first, linear


def _mask_index(view, dim, mask):
    """A boolean mask over dimensions dim .. dim + mask.ndim - 1 of view:
    those dimensions flattened, and the positions where the mask holds."""
    import numpy as np

    shape = tuple(view.shape[dim:dim + mask.ndim])
    if tuple(mask.shape) != shape:
        raise IndexError(
            "The shape of the mask %s at index %d does not match the shape "
            "of the indexed tensor %s at index %d"
            % (list(mask.shape), 0, list(view.shape), dim))
    positions = _as_tensor(np.flatnonzero(mask.numpy()))
    flat = view.flatten(dim, dim + mask.ndim - 1) if mask.ndim > 1 else view
    return flat, positions


def get_item(tensor, index):
    view, advanced = _basic_view(tensor, index)
    if not advanced:
        return view
    if len(advanced) > 1:
        flat, dim, linear = _combined_index(view, advanced)
        return _terra.index_select(flat, dim, linear)
    dim, item = advanced[0]
    item = _as_tensor(item)
    if item.dtype.name == "bool":
        if dim == 0 and item.ndim == view.ndim:
            return _terra.masked_select(view, item)
        flat, positions = _mask_index(view, dim, item)
        return _terra.index_select(flat, dim, positions)
    return _terra.index_select(view, dim, item)


def set_item(tensor, index, value):
    view, advanced = _basic_view(tensor, index)
    if not advanced:
        _terra.copy_(view, value)
        return
    if len(advanced) > 1:
        raise NotImplementedError(
            "terra: assignment with several advanced (tensor or list) "
            "indices is not supported")
    dim, item = advanced[0]
    item = _as_tensor(item)
    if item.dtype.name == "bool":
        # x[mask] = value: where(mask, value, x), written back.
        _terra.copy_(view, _terra.where(item, value, view))
        return
    for position, row in enumerate(item.tolist()):
        target = _terra.select(view, dim, row)
        source = value
        if _is_tensor(value) and value.ndim > 0 and value.shape[dim if value.ndim > dim else 0] == len(item):
            source = _terra.select(value, dim if value.ndim > dim else 0, position)
        _terra.copy_(target, source)
