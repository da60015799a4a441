//===- Tensor.cpp - Storage, dtypes and views -----------------------------===//

#include "terra/Runtime/Tensor.h"
#include "terra/Runtime/Recording.h"

#include "HostAllocator.h"
#include "Iteration.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <numeric>
#include <sstream>

namespace terra {

//===----------------------------------------------------------------------===//
// DType
//===----------------------------------------------------------------------===//

size_t itemSize(DType dtype) {
  switch (dtype) {
  case DType::Bool:
    return 1;
  case DType::Int32:
  case DType::Float32:
    return 4;
  case DType::Int64:
  case DType::Float64:
    return 8;
  }
  return 0;
}

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::Bool:
    return "bool";
  case DType::Int32:
    return "int32";
  case DType::Int64:
    return "int64";
  case DType::Float32:
    return "float32";
  case DType::Float64:
    return "float64";
  }
  return "?";
}

bool isFloating(DType dtype) {
  return dtype == DType::Float32 || dtype == DType::Float64;
}

DType promoteTypes(DType a, DType b) {
  // The enumerators are declared in promotion order.
  return static_cast<uint8_t>(a) >= static_cast<uint8_t>(b) ? a : b;
}

//===----------------------------------------------------------------------===//
// Storage
//===----------------------------------------------------------------------===//

namespace {

/// A storage and its reference counts in one block of the host allocator
/// (`key` comes from Storage's own functions).
template <typename... Args>
std::shared_ptr<Storage> makeStorage(Storage::Key key, Args &&...args) {
  return std::allocate_shared<Storage>(detail::HostObjectAllocator<Storage>(),
                                       key, std::forward<Args>(args)...);
}

} // namespace

std::shared_ptr<Storage> Storage::allocate(size_t bytes) {
  void *data = detail::allocateHost(bytes);
  if (!data)
    throwError(Error::Kind::Memory, "not enough memory: tried to allocate " +
                                        std::to_string(bytes) + " bytes");
  return makeStorage(Key(), data, bytes,
                     [data, bytes] { detail::releaseHost(data, bytes); });
}

std::shared_ptr<Storage> Storage::borrow(void *data, size_t bytes,
                                         std::function<void()> release) {
  std::shared_ptr<Storage> storage =
      makeStorage(Key(), data, bytes, std::move(release));
  storage->borrowed_ = true;
  return storage;
}

Storage::~Storage() {
  if (release_)
    release_();
}

namespace {
std::atomic<Storage::PendingResolver> pendingResolver{nullptr};
std::atomic<Storage::RunnerDrain> runnerDrain{nullptr};
} // namespace

Storage::Storage(Key, size_t bytes) : data_(nullptr), bytes_(bytes) {
  pending_.store(1, std::memory_order_relaxed);
  lazy_ = true;
}

std::shared_ptr<Storage> Storage::lazy(size_t bytes) {
  return makeStorage(Key(), bytes);
}

void Storage::fulfil(std::shared_ptr<Storage> owner, void *data) {
  if (!lazy_ || data_)
    throwError(
        Error::Kind::Runtime,
        "internal error: only an unfilled lazy storage can be fulfilled");
  data_ = data;
  owner_ = std::move(owner);
  pending_.fetch_sub(1, std::memory_order_release);
}

Storage::PendingResolver Storage::setPendingResolver(PendingResolver resolver) {
  return pendingResolver.exchange(resolver);
}

Storage::RunnerDrain Storage::setRunnerDrain(RunnerDrain drain) {
  return runnerDrain.exchange(drain);
}

void Storage::drainRunner() {
  if (RunnerDrain drain = runnerDrain.load())
    drain();
}

void Storage::resolvePending() const {
  if (PendingResolver resolver = pendingResolver.load())
    resolver(*this);
  if (!data_ && bytes_ != 0)
    throwError(Error::Kind::Runtime,
               "a lazy tensor was read before its value was computed (only "
               "the thread that runs the program may read lazy tensors)");
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

int64_t numElements(const Shape &shape) {
  int64_t count = 1;
  for (int64_t size : shape) {
    if (size < 0)
      throwError(Error::Kind::Runtime,
                 "Trying to create tensor with negative dimension " +
                     std::to_string(size) + ": " + formatShape(shape));
    if (size != 0 && count > std::numeric_limits<int64_t>::max() / size)
      throwError(Error::Kind::Value,
                 "shape " + formatShape(shape) +
                     " has more elements than fit in 64 bits");
    count *= size;
  }
  return count;
}

Shape contiguousStrides(const Shape &shape) {
  Shape strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

std::string formatShape(const Shape &shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    out << (i ? ", " : "");
    if (isSymbolicSize(shape[i]))
      out << '?';
    else
      out << shape[i];
  }
  out << ']';
  return out.str();
}

bool bindSymbols(const Shape &pattern, const Shape &sizes,
                 std::vector<int64_t> &symbols) {
  if (pattern.size() != sizes.size())
    return false;
  for (size_t d = 0; d < pattern.size(); ++d) {
    if (!isSymbolicSize(pattern[d])) {
      if (pattern[d] != sizes[d])
        return false;
      continue;
    }
    uint32_t symbol = symbolOf(pattern[d]);
    if (symbol >= symbols.size())
      symbols.resize(symbol + 1, -1);
    if (sizes[d] < 2 || (symbols[symbol] >= 0 && symbols[symbol] != sizes[d]))
      return false;
    symbols[symbol] = sizes[d];
  }
  return true;
}

Shape substituteSymbols(const Shape &shape,
                        const std::vector<int64_t> &symbols) {
  Shape concrete = shape;
  for (int64_t &size : concrete)
    if (isSymbolicSize(size) && symbolOf(size) < symbols.size())
      size = symbols[symbolOf(size)];
  return concrete;
}

int64_t normalizeAxis(const char *op, int64_t axis, int64_t rank) {
  int64_t bound = std::max<int64_t>(rank, 1);
  if (axis < -bound || axis >= bound)
    throwError(Error::Kind::Index,
               std::string(op) +
                   "(): Dimension out of range (expected to be "
                   "in range of [" +
                   std::to_string(-bound) + ", " + std::to_string(bound - 1) +
                   "], but got " + std::to_string(axis) + ")");
  return axis < 0 ? axis + bound : axis;
}

Shape broadcastShapes(const char *op, const Shape &a, const Shape &b) {
  size_t rank = std::max(a.size(), b.size());
  Shape result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1)
      throwError(Error::Kind::Runtime,
                 std::string(op) + ": the size of tensor a (" +
                     std::to_string(x) + ") must match the size of tensor b (" +
                     std::to_string(y) + ") at non-singleton dimension " +
                     std::to_string(i) + " (shapes " + formatShape(a) +
                     " and " + formatShape(b) + ")");
    result[i] = x == 1 ? y : x;
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

Tensor Tensor::empty(const Shape &shape, DType dtype) {
  int64_t count = numElements(shape);
  if (count > std::numeric_limits<int64_t>::max() /
                  static_cast<int64_t>(itemSize(dtype)))
    throwError(Error::Kind::Value,
               "shape " + formatShape(shape) + " is too large to allocate");
  return view(Storage::allocate(count * itemSize(dtype)), dtype, shape,
              contiguousStrides(shape), 0);
}

Tensor Tensor::full(const Shape &shape, DType dtype, double value) {
  Tensor result = empty(shape, dtype);
  int64_t count = result.numel();
  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    std::fill_n(result.data<T>(), count, static_cast<T>(value));
  });
  return result;
}

Tensor Tensor::view(std::shared_ptr<Storage> storage, DType dtype, Shape shape,
                    Shape strides, int64_t offset) {
  Tensor tensor;
  tensor.storage_ = std::move(storage);
  tensor.dtype_ = dtype;
  tensor.shape_ = std::move(shape);
  tensor.strides_ = std::move(strides);
  tensor.offset_ = offset;
  return tensor;
}

int64_t Tensor::size(int64_t axis) const {
  return shape_[normalizeAxis("size", axis, dim())];
}

bool Tensor::coversStorage() const {
  return offset_ == 0 && isContiguous() &&
         size_t(numel()) * itemSize(dtype_) == storage_->bytes();
}

bool Tensor::isContiguous() const {
  int64_t expected = 1;
  for (size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] == 1)
      continue;
    if (strides_[i] != expected)
      return false;
    expected *= shape_[i];
  }
  return true;
}

namespace {

/// Element `flatIndex` (row-major) of a tensor whose first element is at
/// `first`, converted to double.
double elementAt(const void *first, DType dtype, const Shape &shape,
                 const Shape &strides, int64_t flatIndex) {
  int64_t linear = 0;
  for (size_t i = shape.size(); i-- > 0;) {
    linear += (flatIndex % shape[i]) * strides[i];
    flatIndex /= shape[i];
  }
  return dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    return static_cast<double>(static_cast<const T *>(first)[linear]);
  });
}

} // namespace

double Tensor::elementAsDoubleUnsynchronized(int64_t flatIndex) const {
  const char *first =
      static_cast<const char *>(storage_->dataUnsynchronized()) +
      offset_ * static_cast<int64_t>(itemSize(dtype_));
  return elementAt(first, dtype_, shape_, strides_, flatIndex);
}

double Tensor::elementAsDouble(int64_t flatIndex) const {
  return elementAt(data(), dtype_, shape_, strides_, flatIndex);
}

Tensor Tensor::asStrided(Shape shape, Shape strides, int64_t offset) const {
  recording::Scope scope;
  Tensor result =
      view(storage_, dtype_, std::move(shape), std::move(strides), offset);
  // The same view again (detach, a fresh view for autograd) is the same
  // value to the tracer.
  if (scope.outermost() && result.shape_ == shape_ &&
      result.strides_ == strides_ && result.offset_ == offset_) {
    result.traceTag_ = traceTag_;
    return result;
  }
  return scope.op(
      "as_strided", {this}, [&] { return std::move(result); },
      [&] {
        return recording::Attributes{{"shape", result.shape()},
                                     {"strides", result.strides()},
                                     {"offset", result.offset()}};
      });
}

Shape Tensor::resolveShape(const Shape &requested) const {
  Shape shape = requested;
  int64_t known = 1, inferred = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (inferred >= 0)
        throwError(Error::Kind::Runtime, "only one dimension can be inferred");
      inferred = static_cast<int64_t>(i);
    } else {
      known *= shape[i];
    }
  }
  int64_t count = numel();
  if (inferred >= 0) {
    if (known == 0 || count % known != 0)
      throwError(Error::Kind::Runtime, "shape '" + formatShape(requested) +
                                           "' is invalid for input of size " +
                                           std::to_string(count));
    shape[inferred] = count / known;
  }
  if (numElements(shape) != count)
    throwError(Error::Kind::Runtime, "shape '" + formatShape(requested) +
                                         "' is invalid for input of size " +
                                         std::to_string(count));
  return shape;
}

std::optional<Shape> Tensor::viewStrides(const Shape &shape) const {
  if (shape_.empty() || numel() == 0)
    return contiguousStrides(shape);
  // Walk the old dimensions from the innermost, in chunks that are one
  // contiguous run in memory; the new dimensions must tile each chunk.
  Shape strides(shape.size(), 1);
  int64_t next = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunkStride = strides_.back(), chunkCount = 1, viewCount = 1;
  for (int64_t d = dim() - 1; d >= 0; --d) {
    chunkCount *= shape_[d];
    bool chunkEnds = d == 0 || (shape_[d - 1] != 1 &&
                                strides_[d - 1] != chunkCount * chunkStride);
    if (!chunkEnds)
      continue;
    while (next >= 0 && (viewCount < chunkCount || shape[next] == 1)) {
      strides[next] = viewCount * chunkStride;
      viewCount *= shape[next];
      --next;
    }
    if (viewCount != chunkCount)
      return std::nullopt;
    if (d > 0) {
      chunkStride = strides_[d - 1];
      chunkCount = viewCount = 1;
    }
  }
  if (next != -1)
    return std::nullopt;
  return strides;
}

Tensor Tensor::reshape(const Shape &requested) const {
  recording::Scope scope;
  Shape shape = resolveShape(requested);
  auto attributes = [&] { return recording::Attributes{{"shape", shape}}; };
  if (std::optional<Shape> strides = viewStrides(shape))
    return scope.op(
        "reshape", {this}, [&] { return asStrided(shape, *strides, offset_); },
        attributes);
  return scope.op(
      "reshape", {this}, [&] { return contiguous().reshape(shape); },
      attributes);
}

Tensor Tensor::permute(const std::vector<int64_t> &dims) const {
  recording::Scope scope;
  if (static_cast<int64_t>(dims.size()) != dim())
    throwError(Error::Kind::Runtime,
               "permute(sparse_coo): number of dimensions in the tensor input "
               "does not match the length of the desired ordering of "
               "dimensions i.e. input.dim() = " +
                   std::to_string(dim()) + " is not equal to len(dims) = " +
                   std::to_string(dims.size()));
  Shape shape(dims.size()), strides(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t axis = normalizeAxis("permute", dims[i], dim());
    if (seen[axis])
      throwError(Error::Kind::Runtime, "permute(): duplicate dims are not "
                                       "allowed.");
    seen[axis] = true;
    shape[i] = shape_[axis];
    strides[i] = strides_[axis];
  }
  return scope.op(
      "permute", {this}, [&] { return asStrided(shape, strides, offset_); },
      [&] { return recording::Attributes{{"dims", dims}}; });
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  recording::Scope scope;
  auto attributes = [&] {
    return recording::Attributes{{"dim0", dim0}, {"dim1", dim1}};
  };
  if (dim() == 0)
    return scope.op(
        "transpose", {this}, [&] { return Tensor(*this); }, attributes);
  // The view made here (not through permute): no heap-allocated list of
  // dims per call.
  int64_t first = normalizeAxis("transpose", dim0, dim());
  int64_t second = normalizeAxis("transpose", dim1, dim());
  Shape shape = shape_, strides = strides_;
  std::swap(shape[first], shape[second]);
  std::swap(strides[first], strides[second]);
  return scope.op(
      "transpose", {this},
      [&] { return asStrided(std::move(shape), std::move(strides), offset_); },
      attributes);
}

Tensor Tensor::slice(int64_t axis, int64_t start, int64_t stop,
                     int64_t step) const {
  recording::Scope scope;
  if (dim() == 0)
    throwError(Error::Kind::Index,
               "slice() cannot be applied to a 0-dim tensor.");
  axis = normalizeAxis("slice", axis, dim());
  if (step <= 0)
    throwError(Error::Kind::Value, "slice step must be positive");
  int64_t size = shape_[axis];
  auto clampIndex = [size](int64_t index) {
    if (index < 0)
      index += size;
    return std::clamp<int64_t>(index, 0, size);
  };
  start = clampIndex(start);
  stop = std::max(clampIndex(stop), start);
  Shape shape = shape_, strides = strides_;
  shape[axis] = (stop - start + step - 1) / step;
  strides[axis] = strides_[axis] * step;
  return scope.op(
      "slice", {this},
      [&] {
        return asStrided(shape, strides, offset_ + start * strides_[axis]);
      },
      [&] {
        return recording::Attributes{
            {"axis", axis}, {"start", start}, {"stop", stop}, {"step", step}};
      });
}

Tensor Tensor::select(int64_t axis, int64_t index) const {
  recording::Scope scope;
  if (dim() == 0)
    throwError(Error::Kind::Index,
               "select() cannot be applied to a 0-dim tensor.");
  axis = normalizeAxis("select", axis, dim());
  int64_t size = shape_[axis];
  if (index < -size || index >= size)
    throwError(Error::Kind::Index, "index " + std::to_string(index) +
                                       " is out of bounds for dimension " +
                                       std::to_string(axis) + " with size " +
                                       std::to_string(size));
  if (index < 0)
    index += size;
  Shape shape = shape_, strides = strides_;
  shape.erase(shape.begin() + axis);
  strides.erase(strides.begin() + axis);
  return scope.op(
      "select", {this},
      [&] {
        return asStrided(shape, strides, offset_ + index * strides_[axis]);
      },
      [&] { return recording::Attributes{{"axis", axis}, {"index", index}}; });
}

Tensor Tensor::expand(const Shape &target) const {
  recording::Scope scope;
  if (target.size() < shape_.size())
    throwError(Error::Kind::Runtime,
               "expand: the number of sizes provided (" +
                   std::to_string(target.size()) +
                   ") must be greater or equal to the number of dimensions in "
                   "the tensor (" +
                   std::to_string(shape_.size()) + ")");
  size_t lead = target.size() - shape_.size();
  Shape shape(target.size()), strides(target.size(), 0);
  for (size_t i = 0; i < target.size(); ++i) {
    if (i < lead) {
      shape[i] = target[i];
      continue;
    }
    int64_t size = shape_[i - lead];
    int64_t wanted = target[i] == -1 ? size : target[i];
    if (size != wanted && size != 1)
      throwError(Error::Kind::Runtime,
                 "The expanded size of the tensor (" + std::to_string(wanted) +
                     ") must match the existing size (" + std::to_string(size) +
                     ") at non-singleton dimension " + std::to_string(i) +
                     ".  Target sizes: " + formatShape(target) +
                     ".  Tensor sizes: " + formatShape(shape_));
    shape[i] = wanted;
    strides[i] = size == wanted ? strides_[i - lead] : 0;
  }
  return scope.op(
      "expand", {this}, [&] { return asStrided(shape, strides, offset_); },
      [&] { return recording::Attributes{{"shape", target}}; });
}

Tensor Tensor::unsqueeze(int64_t axis) const {
  recording::Scope scope;
  axis = normalizeAxis("unsqueeze", axis, dim() + 1);
  Shape shape = shape_, strides = strides_;
  int64_t stride = axis < dim() ? strides_[axis] * shape_[axis] : 1;
  shape.insert(shape.begin() + axis, 1);
  strides.insert(strides.begin() + axis, stride);
  return scope.op(
      "unsqueeze", {this}, [&] { return asStrided(shape, strides, offset_); },
      [&] { return recording::Attributes{{"axis", axis}}; });
}

Tensor Tensor::squeeze(int64_t axis) const {
  recording::Scope scope;
  auto attributes = [&] { return recording::Attributes{{"axis", axis}}; };
  if (dim() == 0)
    return scope.op(
        "squeeze", {this}, [&] { return Tensor(*this); }, attributes);
  axis = normalizeAxis("squeeze", axis, dim());
  if (shape_[axis] != 1)
    return scope.op(
        "squeeze", {this}, [&] { return Tensor(*this); }, attributes);
  Shape shape = shape_, strides = strides_;
  shape.erase(shape.begin() + axis);
  strides.erase(strides.begin() + axis);
  return scope.op(
      "squeeze", {this}, [&] { return asStrided(shape, strides, offset_); },
      attributes);
}

void Tensor::noteWrittenTag() const {
  if (!defined())
    return;
  Storage::TraceState &state = storage_->traceState();
  state.written = traceTag_;
  state.writtenDtype = dtype_;
  state.writtenOffset = offset_;
  state.writtenShape = shape_;
  state.writtenStrides = strides_;
}

bool Tensor::isWrittenView() const {
  const Storage::TraceState &state = storage_->traceState();
  return state.writtenDtype == dtype_ && state.writtenOffset == offset_ &&
         state.writtenShape == shape_ && state.writtenStrides == strides_;
}

Tensor Tensor::contiguous() const {
  recording::Scope scope;
  return scope.op("contiguous", {this},
                  [&] { return isContiguous() ? Tensor(*this) : clone(); });
}

Tensor Tensor::clone() const {
  recording::Scope scope;
  return scope.op("clone", {this}, [&] {
    Tensor result = empty(shape_, dtype_);
    result.copyFrom(*this);
    return result;
  });
}

Tensor Tensor::to(DType dtype) const {
  recording::Scope scope;
  auto attributes = [&] {
    return recording::Attributes{{"dtype", static_cast<int64_t>(dtype)}};
  };
  if (dtype == dtype_)
    return scope.op("to", {this}, [&] { return Tensor(*this); }, attributes);
  return scope.op(
      "to", {this},
      [&] {
        Tensor result = empty(shape_, dtype);
        result.copyFrom(*this);
        return result;
      },
      attributes);
}

void Tensor::copyFrom(const Tensor &source) {
  Tensor input = source.shape() == shape_ ? source : source.expand(shape_);
  if (input.dtype() == dtype_ && isContiguous() && input.isContiguous()) {
    // A plain copy: memcpy in one chunk per thread.
    char *out = static_cast<char *>(data());
    const char *in = static_cast<const char *>(input.data());
    int64_t bytes = numel() * static_cast<int64_t>(itemSize(dtype_));
    if (out == in)
      return;
    if (out < in + bytes && in < out + bytes) {
      std::memmove(out, in, bytes); // Overlapping views: one ordered move.
      return;
    }
    detail::parallelFor(bytes, 1, [&](int64_t begin, int64_t end) {
      std::memcpy(out + begin, in + begin, end - begin);
    });
    return;
  }
  dispatchDType(dtype_, [&](auto outZero) {
    using Out = decltype(outZero);
    dispatchDType(input.dtype(), [&](auto inZero) {
      using In = decltype(inZero);
      detail::forEachElement(
          shape_, {strides_, input.strides()},
          {static_cast<char *>(data()), static_cast<char *>(input.data())},
          {sizeof(Out), sizeof(In)},
          [](char **pointers, int64_t count, const int64_t *byteStrides) {
            char *out = pointers[0];
            const char *in = pointers[1];
            for (int64_t i = 0; i < count; ++i)
              *reinterpret_cast<Out *>(out + i * byteStrides[0]) =
                  static_cast<Out>(
                      *reinterpret_cast<const In *>(in + i * byteStrides[1]));
          });
    });
  });
}

} // namespace terra
