"""Tensor indexing: x[...] and x[...] = value with NumPy/PyTorch rules.

Basic indices (ints, slices, None, Ellipsis) give views. A boolean mask
selects the masked elements; integer tensors or lists gather along their
dimension (one advanced index per subscript is supported).
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
    """Applies ints, slices and None; returns the view and any advanced
    index with the dimension it applies to."""
    items = _expand_ellipsis(index, tensor.ndim)
    view, dim, advanced = tensor, 0, None
    for item in items:
        if item is None:
            view = _terra.unsqueeze(view, dim)
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
            if advanced is not None:
                raise NotImplementedError(
                    "terra: only one advanced (tensor or list) index per "
                    "subscript is supported")
            advanced = (dim, item)
            dim += item.ndim if _is_tensor(item) and item.dtype.name == "bool" else 1
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long "
                "or byte Variables are valid indices (got %s)"
                % type(item).__name__)
    return view, advanced


def get_item(tensor, index):
    view, advanced = _basic_view(tensor, index)
    if advanced is None:
        return view
    from ._creation import tensor as make_tensor

    dim, item = advanced
    item = item if _is_tensor(item) else make_tensor(item)
    if item.dtype.name == "bool":
        if dim != 0 or item.ndim != view.ndim:
            view = view.movedim(dim, 0) if dim else view
        return _terra.masked_select(view, item)
    return _terra.index_select(view, dim, item)


def set_item(tensor, index, value):
    view, advanced = _basic_view(tensor, index)
    if advanced is None:
        _terra.copy_(view, value)
        return
    from ._creation import tensor as make_tensor

    dim, item = advanced
    item = item if _is_tensor(item) else make_tensor(item)
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
