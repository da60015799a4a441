//===- Shape.cpp - Eager cat, stack, pad, gathers and masks ---------------===//
//
// The copying shape ops. cat and pad write their inputs into views of the
// result (Tensor::copyFrom does the strided, converting copy); the gathers
// move whole contiguous slices with memcpy.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Ops.h"
#include "terra/Runtime/Recording.h"

#include "KernelUtils.h"
#include "Parallel.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace terra {
namespace ops {
namespace {

/// Sizes before, at and after `axis` of `shape`.
struct Split {
  int64_t outer = 1, size = 1, inner = 1;
};

Split splitAt(const Shape &shape, int64_t axis) {
  Split s;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
    (d < axis ? s.outer : d == axis ? s.size : s.inner) *= shape[d];
  return s;
}

/// Indices as int64, with negative ones wrapped (numpy.take); an index
/// outside [-size, size) is an Error{Index}.
std::vector<int64_t> checkedIndices(const char *op, const Tensor &indices,
                                    int64_t size, int64_t axis) {
  if (indices.dtype() != DType::Int64 && indices.dtype() != DType::Int32)
    throwError(Error::Kind::Runtime,
               std::string(op) + "(): Expected dtype int32 or int64 for index");
  std::vector<int64_t> result(indices.numel());
  Tensor flat = indices.to(DType::Int64).contiguous();
  const int64_t *p = flat.data<int64_t>();
  for (size_t i = 0; i < result.size(); ++i) {
    int64_t index = p[i];
    if (index < -size || index >= size)
      throwError(Error::Kind::Index,
                 std::string(op) + "(): index out of range in self: index " +
                     std::to_string(index) +
                     " is out of bounds for dimension " + std::to_string(axis) +
                     " with size " + std::to_string(size));
    result[i] = index < 0 ? index + size : index;
  }
  return result;
}

/// The result shape of numpy.take(input, indices, axis).
Shape takeShape(const Shape &shape, int64_t axis, const Shape &indexShape) {
  Shape result(shape.begin(), shape.begin() + axis);
  result.insert(result.end(), indexShape.begin(), indexShape.end());
  result.insert(result.end(), shape.begin() + axis + 1, shape.end());
  return result;
}

} // namespace

static Tensor catKernel(const std::vector<Tensor> &tensors, int64_t axis) {
  if (tensors.empty())
    throwError(Error::Kind::Runtime,
               "torch.cat(): expected a non-empty list of Tensors");
  // PyTorch skips 1-D empty tensors (legacy), so find a reference shape.
  const Tensor *reference = nullptr;
  DType dtype = tensors.front().dtype();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor &t = tensors[i];
    detail::requireDefined("cat", t);
    if (t.dim() == 0)
      throwError(Error::Kind::Runtime, "zero-dimensional tensor (at position " +
                                           std::to_string(i) +
                                           ") cannot be concatenated");
    dtype = promoteTypes(dtype, t.dtype());
    if (!reference && !(t.dim() == 1 && t.numel() == 0))
      reference = &t;
  }
  if (!reference)
    return Tensor::empty({0}, dtype);
  const int64_t rank = reference->dim();
  axis = normalizeAxis("cat", axis, rank);
  Shape shape = reference->shape();
  shape[axis] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor &t = tensors[i];
    if (t.dim() == 1 && t.numel() == 0)
      continue;
    if (t.dim() != rank)
      throwError(Error::Kind::Runtime,
                 "Tensors must have same number of dimensions: got " +
                     std::to_string(rank) + " and " + std::to_string(t.dim()));
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t.shape()[d] != shape[d])
        throwError(Error::Kind::Runtime,
                   "Sizes of tensors must match except in dimension " +
                       std::to_string(axis) + ". Expected size " +
                       std::to_string(shape[d]) + " but got size " +
                       std::to_string(t.shape()[d]) + " for tensor number " +
                       std::to_string(i) + " in the list.");
    shape[axis] += t.shape()[axis];
  }
  Tensor result = Tensor::empty(shape, dtype);
  int64_t start = 0;
  for (const Tensor &t : tensors) {
    if (t.dim() == 1 && t.numel() == 0)
      continue;
    int64_t size = t.shape()[axis];
    if (size > 0)
      result.slice(axis, start, start + size, 1).copyFrom(t);
    start += size;
  }
  return result;
}

static Tensor stackKernel(const std::vector<Tensor> &tensors, int64_t axis) {
  if (tensors.empty())
    throwError(Error::Kind::Runtime, "stack expects a non-empty TensorList");
  for (size_t i = 0; i < tensors.size(); ++i) {
    detail::requireDefined("stack", tensors[i]);
    if (tensors[i].shape() != tensors[0].shape())
      throwError(Error::Kind::Runtime,
                 "stack expects each tensor to be equal size, but got " +
                     formatShape(tensors[0].shape()) + " at entry 0 and " +
                     formatShape(tensors[i].shape()) + " at entry " +
                     std::to_string(i));
  }
  axis = normalizeAxis("stack", axis, tensors[0].dim() + 1);
  std::vector<Tensor> expanded;
  expanded.reserve(tensors.size());
  for (const Tensor &t : tensors)
    expanded.push_back(t.unsqueeze(axis));
  return cat(expanded, axis);
}

static Tensor padKernel(const Tensor &input, const std::vector<int64_t> &low,
                        const std::vector<int64_t> &high, double value) {
  detail::requireDefined("pad", input);
  const int64_t rank = input.dim();
  if (static_cast<int64_t>(low.size()) != rank ||
      static_cast<int64_t>(high.size()) != rank)
    throwError(Error::Kind::Runtime,
               "pad: expected " + std::to_string(rank) +
                   " low and high paddings for a tensor of shape " +
                   formatShape(input.shape()) + ", got " +
                   std::to_string(low.size()) + " and " +
                   std::to_string(high.size()));
  Shape shape = input.shape();
  Tensor source = input; // Negative padding crops the input.
  for (int64_t d = 0; d < rank; ++d) {
    shape[d] = input.shape()[d] + low[d] + high[d];
    if (shape[d] < 0)
      throwError(Error::Kind::Runtime,
                 "The input size " + std::to_string(input.shape()[d]) +
                     ", plus negative padding " + std::to_string(low[d]) +
                     " and " + std::to_string(high[d]) +
                     " resulted in a negative output size, which is invalid. "
                     "Check dimension " +
                     std::to_string(d) + " of your input.");
    int64_t begin = std::max<int64_t>(0, -low[d]);
    int64_t end = input.shape()[d] - std::max<int64_t>(0, -high[d]);
    source = source.slice(d, begin, std::max(begin, end), 1);
  }
  Tensor result = Tensor::full(shape, input.dtype(), value);
  if (source.numel() == 0)
    return result;
  Tensor interior = result;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t begin = std::max<int64_t>(0, low[d]);
    interior = interior.slice(d, begin, begin + source.shape()[d], 1);
  }
  interior.copyFrom(source);
  return result;
}

static Tensor indexSelectKernel(const Tensor &input, int64_t axis,
                                const Tensor &indices) {
  detail::requireDefined("index_select", input);
  detail::requireDefined("index_select", indices);
  axis = normalizeAxis("index_select", axis, input.dim());
  Tensor source = input.dim() == 0 ? input.reshape({1}) : input.contiguous();
  Split split = splitAt(source.shape(), axis);
  std::vector<int64_t> index =
      checkedIndices("index_select", indices, split.size, axis);
  Shape shape = input.dim() == 0
                    ? indices.shape()
                    : takeShape(source.shape(), axis, indices.shape());
  Tensor result = Tensor::empty(shape, input.dtype());
  const int64_t count = static_cast<int64_t>(index.size());
  const size_t rowBytes = split.inner * itemSize(input.dtype());
  const char *in = static_cast<const char *>(source.data());
  char *out = static_cast<char *>(result.data());
  if (rowBytes == 0)
    return result;
  detail::parallelFor(
      split.outer * count, split.inner, [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task) {
          int64_t o = task / count, j = task % count;
          std::memcpy(out + task * rowBytes,
                      in + (o * split.size + index[j]) * rowBytes, rowBytes);
        }
      });
  return result;
}

static Tensor indexAddKernel(const Shape &shape, int64_t axis,
                             const Tensor &indices, const Tensor &source) {
  detail::requireDefined("index_add", indices);
  detail::requireDefined("index_add", source);
  const int64_t rank = static_cast<int64_t>(shape.size());
  axis = normalizeAxis("index_add", axis, rank);
  Shape target = rank == 0 ? Shape{1} : shape;
  Split split = splitAt(target, axis);
  std::vector<int64_t> index =
      checkedIndices("index_add", indices, split.size, axis);
  Shape expected =
      rank == 0 ? indices.shape() : takeShape(target, axis, indices.shape());
  if (source.shape() != expected)
    throwError(Error::Kind::Runtime,
               "index_add(): source of shape " + formatShape(source.shape()) +
                   " does not match the shape " + formatShape(expected) +
                   " that index_select along dim " + std::to_string(axis) +
                   " with indices of shape " + formatShape(indices.shape()) +
                   " gives");
  Tensor result = Tensor::full(shape, source.dtype(), 0);
  Tensor src = source.contiguous();
  const int64_t count = static_cast<int64_t>(index.size());
  if (split.inner == 0 || count == 0)
    return result;
  // Threads own disjoint column blocks of the output, and each walks the
  // indices in order, so duplicates accumulate deterministically.
  constexpr int64_t kBlock = 1024;
  const int64_t blocks = (split.inner + kBlock - 1) / kBlock;
  dispatchDType(source.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T *in = src.data<T>();
    T *out = result.data<T>();
    detail::parallelFor(
        split.outer * blocks, count * kBlock, [&](int64_t begin, int64_t end) {
          for (int64_t task = begin; task < end; ++task) {
            int64_t o = task / blocks, column = (task % blocks) * kBlock;
            int64_t width = std::min(kBlock, split.inner - column);
            for (int64_t j = 0; j < count; ++j) {
              const T *row = in + (o * count + j) * split.inner + column;
              T *dst = out + (o * split.size + index[j]) * split.inner + column;
              for (int64_t c = 0; c < width; ++c) {
                if constexpr (std::is_same_v<T, bool>)
                  dst[c] = dst[c] || row[c];
                else
                  dst[c] += row[c];
              }
            }
          }
        });
  });
  return result;
}

static Tensor maskedSelectKernel(const Tensor &input, const Tensor &mask) {
  detail::requireDefined("masked_select", input);
  detail::requireDefined("masked_select", mask);
  if (mask.dtype() != DType::Bool)
    throwError(Error::Kind::Runtime,
               "masked_select: expected BoolTensor or ByteTensor for mask");
  Shape shape = broadcastShapes("masked_select", input.shape(), mask.shape());
  Tensor values =
      (input.shape() == shape ? input : input.expand(shape)).contiguous();
  Tensor flags =
      (mask.shape() == shape ? mask : mask.expand(shape)).contiguous();
  const int64_t n = numElements(shape);
  const bool *m = flags.data<bool>();
  int64_t selected = 0;
  for (int64_t i = 0; i < n; ++i)
    selected += m[i];
  Tensor result = Tensor::empty({selected}, input.dtype());
  dispatchDType(input.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T *in = values.data<T>();
    T *out = result.data<T>();
    for (int64_t i = 0; i < n; ++i)
      if (m[i])
        *out++ = in[i];
  });
  return result;
}

//===----------------------------------------------------------------------===//
// The ops as programs call them: the kernel, announced to the tracer
//===----------------------------------------------------------------------===//

namespace {

/// Runs `kernel` as `name(tensors...)` with an axis, announced.
template <typename Kernel>
Tensor recordList(recording::Scope &scope, const char *name, Kernel &&kernel,
                  const std::vector<Tensor> &tensors, int64_t axis) {
  if (!scope.outermost())
    return kernel();
  std::vector<const Tensor *> operands;
  for (const Tensor &tensor : tensors)
    operands.push_back(&tensor);
  return scope.op(name, operands, std::forward<Kernel>(kernel),
                  [axis] { return recording::Attributes{{"axis", axis}}; });
}

} // namespace

Tensor cat(const std::vector<Tensor> &tensors, int64_t axis) {
  recording::Scope scope;
  return recordList(
      scope, "cat", [&] { return catKernel(tensors, axis); }, tensors, axis);
}

Tensor stack(const std::vector<Tensor> &tensors, int64_t axis) {
  recording::Scope scope;
  return recordList(
      scope, "stack", [&] { return stackKernel(tensors, axis); }, tensors,
      axis);
}

Tensor pad(const Tensor &input, const std::vector<int64_t> &low,
           const std::vector<int64_t> &high, double value) {
  recording::Scope scope;
  return scope.op(
      "pad", {&input}, [&] { return padKernel(input, low, high, value); },
      [&] {
        return recording::Attributes{
            {"low", low}, {"high", high}, {"value", value}};
      });
}

Tensor indexSelect(const Tensor &input, int64_t axis, const Tensor &indices) {
  recording::Scope scope;
  return scope.op(
      "index_select", {&input, &indices},
      [&] { return indexSelectKernel(input, axis, indices); },
      [&] { return recording::Attributes{{"axis", axis}}; });
}

Tensor indexAdd(const Shape &shape, int64_t axis, const Tensor &indices,
                const Tensor &source) {
  recording::Scope scope;
  return scope.op(
      "index_add", {&indices, &source},
      [&] { return indexAddKernel(shape, axis, indices, source); },
      [&] { return recording::Attributes{{"shape", shape}, {"axis", axis}}; });
}

Tensor maskedSelect(const Tensor &input, const Tensor &mask) {
  recording::Scope scope;
  return scope.op("masked_select", {&input, &mask},
                  [&] { return maskedSelectKernel(input, mask); });
}

} // namespace ops
} // namespace terra
