//===- Tensor.h - Eager tensors: storage, dtype, shape and views -*- C++
//-*-===//
//
// The runtime's tensor: a strided view into reference-counted storage, as in
// PyTorch. Views (reshape of contiguous data, transpose, slice, expand) share
// the storage; kernels accept any strides. Errors are reported by throwing
// terra::Error, which the Python binding turns into a Python exception.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_RUNTIME_TENSOR_H
#define TERRA_RUNTIME_TENSOR_H

#include "terra/Runtime/Shape.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace terra {

/// A Python-visible error: `kind` picks the Python exception type.
class Error : public std::runtime_error {
public:
  enum class Kind { Runtime, Value, Type, Index, Memory, NotImplemented };
  Error(Kind kind, const std::string &message)
      : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

private:
  Kind kind_;
};

/// Throws Error{Kind::Runtime} built from the arguments, streamed.
[[noreturn]] void throwError(Error::Kind kind, const std::string &message);

//===----------------------------------------------------------------------===//
// DType
//===----------------------------------------------------------------------===//

enum class DType : uint8_t { Bool, Int32, Int64, Float32, Float64 };

/// Bytes per element.
size_t itemSize(DType dtype);
/// PyTorch's name without the "torch." prefix: "float32", "int64", "bool"...
const char *dtypeName(DType dtype);
bool isFloating(DType dtype);
/// PyTorch's type promotion for two tensor operands (bool < int32 < int64 <
/// float32 < float64).
DType promoteTypes(DType a, DType b);

/// Calls `fn(T{})` with the C++ type of `dtype`.
template <typename Fn> decltype(auto) dispatchDType(DType dtype, Fn &&fn) {
  switch (dtype) {
  case DType::Bool:
    return fn(bool{});
  case DType::Int32:
    return fn(int32_t{});
  case DType::Int64:
    return fn(int64_t{});
  case DType::Float32:
    return fn(float{});
  case DType::Float64:
    return fn(double{});
  }
  throwError(Error::Kind::Runtime, "unknown dtype");
}

template <typename T> constexpr DType dtypeOf();
template <> constexpr DType dtypeOf<bool>() { return DType::Bool; }
template <> constexpr DType dtypeOf<int32_t>() { return DType::Int32; }
template <> constexpr DType dtypeOf<int64_t>() { return DType::Int64; }
template <> constexpr DType dtypeOf<float>() { return DType::Float32; }
template <> constexpr DType dtypeOf<double>() { return DType::Float64; }

//===----------------------------------------------------------------------===//
// Storage
//===----------------------------------------------------------------------===//

/// Where a tensor value came from, for the tracer (lib/Trace; unused while
/// not recording): a recorded op's result, a Python constant, or a fed value.
/// Valid while its storage's TraceState::version is `version`: an in-place
/// write through another view makes it stale.
struct TraceTag {
  /// Executed: a result of a TraceGraph node that co-execution validated
  /// (run eagerly or lazily), named by node and visit.
  enum class Kind : uint8_t { None, Record, Constant, Feed, Executed };
  Kind kind = Kind::None;
  uint32_t output = 0;
  /// Record: the global record index. Feed: the feed's serial number.
  /// Executed: the node's visit.
  uint64_t id = 0;
  uint64_t version = 0;
  /// Executed: the node.
  uint32_t node = 0;
};

/// A block of memory owned by tensors. Memory the runtime allocates is
/// 64-byte aligned; memory lent by someone else (a NumPy array) is released
/// through `release`, which keeps the lender alive until then.
class Storage {
public:
  /// Allocates `bytes` (uninitialised). Throws Error{Memory} on failure.
  static std::shared_ptr<Storage> allocate(size_t bytes);
  /// Wraps foreign memory; `release` runs when the last tensor goes.
  static std::shared_ptr<Storage> borrow(void *data, size_t bytes,
                                         std::function<void()> release);

  Storage(const Storage &) = delete;
  Storage &operator=(const Storage &) = delete;
  ~Storage();

  /// For allocate(), borrow() and lazy() only: public for
  /// std::allocate_shared, which puts the storage and its reference counts
  /// in one block of the host allocator (Tensor.cpp).
  struct Key {
  private:
    friend class Storage;
    Key() = default;
  };
  Storage(Key, void *data, size_t bytes, std::function<void()> release)
      : data_(data), bytes_(bytes), release_(std::move(release)) {}
  Storage(Key, size_t bytes);

  void *data() const {
    if (pending_.load(std::memory_order_acquire) != 0)
      resolvePending();
    return data_;
  }
  /// The memory as it is, pending or not (see
  /// Tensor::elementAsDoubleUnsynchronized).
  void *dataUnsynchronized() const { return data_; }
  size_t bytes() const { return bytes_; }

  /// Co-execution. A pending storage's contents are still being computed:
  /// a lazy tensor's (memory comes with fulfil()) or a variable a queued
  /// compiled block will write. Reading data() on the thread that owns the
  /// co-execution first asks the pending resolver to wait for the value
  /// (other threads, such as the runner, read the memory as it is).
  static std::shared_ptr<Storage> lazy(size_t bytes);
  bool isPending() const {
    return pending_.load(std::memory_order_acquire) != 0;
  }
  /// A lazy storage gets its memory: `data`, kept alive by `owner`.
  void fulfil(std::shared_ptr<Storage> owner, void *data);
  /// A queued block will write this memory / has written it.
  void addPendingWrite() { pending_.fetch_add(1, std::memory_order_relaxed); }
  void releasePendingWrite() {
    pending_.fetch_sub(1, std::memory_order_release);
  }
  /// Memory lent by someone else (it may change under a queued block).
  bool isBorrowed() const { return borrowed_; }

  using PendingResolver = void (*)(const Storage &storage);
  /// Installs the function data() calls on a pending storage; returns the
  /// previous one.
  static PendingResolver setPendingResolver(PendingResolver resolver);

  /// References co-execution's passes hold (their inputs, the values they
  /// write back, the memory they keep pending): the in-place checks count
  /// the tensors the program holds, which those are not. Taken before the
  /// reference is made and given back before it is dropped, so a count
  /// read while a pass lets go errs on the high side.
  void addPassHold() { passHolds_.fetch_add(1, std::memory_order_relaxed); }
  void releasePassHold() { passHolds_.fetch_sub(1, std::memory_order_release); }
  /// References other than co-execution's: the program's tensors.
  long programUseCount(const std::shared_ptr<Storage> &self) const {
    return self.use_count() - long(passHolds_.load(std::memory_order_acquire));
  }
  using RunnerDrain = void (*)();
  /// Installs the function drainRunner() calls; returns the previous one.
  static RunnerDrain setRunnerDrain(RunnerDrain drain);
  /// Co-execution: waits until its runner has finished every queued pass
  /// and the finished passes have let go of their storages (then
  /// programUseCount is exact); nothing without co-execution.
  static void drainRunner();

  /// What the tracer knows of this memory (lib/Trace; unused while not
  /// recording): `version` counts the recorded in-place writes, `variable`
  /// names the variable it holds (0: none).
  struct TraceState {
    uint64_t version = 0;
    uint64_t variable = 0;
    /// The tag the last in-place write gave its target, and that target's
    /// view of this memory: another tensor on the same view holds the
    /// written value too (`g = p.grad; g.mul_(c)` scales `p.grad`), though
    /// its own tag went stale (Tensor::isWrittenView).
    TraceTag written;
    DType writtenDtype = DType::Float32;
    int64_t writtenOffset = 0;
    Shape writtenShape, writtenStrides;
  };
  TraceState &traceState() { return traceState_; }

private:
  void resolvePending() const;

  void *data_;
  size_t bytes_;
  std::function<void()> release_;
  TraceState traceState_;
  /// Lazy: 1 until fulfilled; plus one per queued write.
  std::atomic<uint32_t> pending_{0};
  std::atomic<uint32_t> passHolds_{0};
  std::shared_ptr<Storage> owner_;
  bool borrowed_ = false;
  bool lazy_ = false; // Made by lazy().
};

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

/// Number of elements of `shape`; throws Error{Value} on overflow or a
/// negative size (so that `zeros(2**40, 2**40)` is an error, not an
/// allocation attempt).
int64_t numElements(const Shape &shape);
/// Row-major strides (in elements) of `shape`.
Shape contiguousStrides(const Shape &shape);
/// "[2, 3]" for error messages; a symbolic size prints as "?".
std::string formatShape(const Shape &shape);

/// Symbolic sizes: a dimension of a traced shape that varies from one
/// execution to the next (automatic dynamic shapes) is stored in a Shape, or
/// in an integer attribute, as symbolicSize(id) for a symbol of the
/// TraceGraph. Far below any real value (-1 in a reshape, negative axes).
constexpr int64_t kSymbolicSizeBase = INT64_MIN / 2;
constexpr int64_t kMaxSymbols = int64_t(1) << 20;
inline int64_t symbolicSize(uint32_t symbol) {
  return kSymbolicSizeBase + int64_t(symbol);
}
inline bool isSymbolicSize(int64_t size) {
  return size >= kSymbolicSizeBase && size < kSymbolicSizeBase + kMaxSymbols;
}
inline uint32_t symbolOf(int64_t size) {
  return uint32_t(size - kSymbolicSizeBase);
}
inline bool hasSymbolicSizes(const Shape &shape) {
  for (int64_t size : shape)
    if (isSymbolicSize(size))
      return true;
  return false;
}
/// Whether `sizes` fit `pattern`: its static sizes equal, each symbolic
/// size 2 or more and equal to the symbol's value in `symbols` (indexed by
/// symbol; -1, or past the end, is unset and gets set).
bool bindSymbols(const Shape &pattern, const Shape &sizes,
                 std::vector<int64_t> &symbols);
/// `shape` with each symbolic size replaced by its value in `symbols`
/// (indexed by symbol).
Shape substituteSymbols(const Shape &shape,
                        const std::vector<int64_t> &symbols);

namespace autograd {
struct AutogradMeta;
} // namespace autograd

class Tensor {
public:
  /// An undefined tensor (no storage); most operations reject it.
  Tensor() = default;

  /// A new contiguous tensor, uninitialised.
  static Tensor empty(const Shape &shape, DType dtype);
  /// A new contiguous tensor filled with `value`.
  static Tensor full(const Shape &shape, DType dtype, double value);
  /// A view of existing storage.
  static Tensor view(std::shared_ptr<Storage> storage, DType dtype, Shape shape,
                     Shape strides, int64_t offset);

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape &shape() const { return shape_; }
  const Shape &strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t axis) const;
  int64_t numel() const { return numElements(shape_); }
  bool isContiguous() const;
  /// Whether this tensor covers all of its storage, contiguously: no other
  /// view of the storage reads memory this one does not.
  bool coversStorage() const;
  const std::shared_ptr<Storage> &storage() const { return storage_; }

  /// Address of the first element.
  void *data() const {
    return static_cast<char *>(storage_->data()) +
           offset_ * static_cast<int64_t>(itemSize(dtype_));
  }
  template <typename T> T *data() const { return static_cast<T *>(data()); }

  /// The element at a flat row-major index, converted to double (for item(),
  /// printing and tests).
  double elementAsDouble(int64_t flatIndex) const;
  /// The same without waiting for pending writes (Storage::isPending): for
  /// the tracer's constants, which nothing writes, while a queued block
  /// reads them. Requires memory (not an unfilled lazy tensor).
  double elementAsDoubleUnsynchronized(int64_t flatIndex) const;

  // Views sharing storage.
  Tensor asStrided(Shape shape, Shape strides, int64_t offset) const;
  /// Reshape as a view when the strides allow, else a contiguous copy.
  Tensor reshape(const Shape &shape) const;
  /// `requested` with a -1 inferred from numel(); PyTorch's errors.
  Shape resolveShape(const Shape &requested) const;
  /// The strides of a view of this tensor as `shape` (a resolved shape of
  /// the same element count), if the elements allow one: each run of
  /// dimensions that is contiguous in memory is split or merged on its own.
  std::optional<Shape> viewStrides(const Shape &shape) const;
  Tensor permute(const std::vector<int64_t> &dims) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  /// Python's x[start:stop:step] along `axis` (step > 0, bounds clamped).
  Tensor slice(int64_t axis, int64_t start, int64_t stop, int64_t step) const;
  /// x[index] along `axis`: drops the axis.
  Tensor select(int64_t axis, int64_t index) const;
  /// NumPy broadcast to `shape` as a view (stride 0 on new/size-1 dims).
  Tensor expand(const Shape &shape) const;
  Tensor unsqueeze(int64_t axis) const;
  Tensor squeeze(int64_t axis) const;

  /// This tensor if contiguous, else a contiguous copy.
  Tensor contiguous() const;
  /// A contiguous copy.
  Tensor clone() const;
  /// A contiguous copy converted to `dtype` (`this` if already `dtype`).
  Tensor to(DType dtype) const;
  /// Writes `source` (broadcast to this shape, converted) into this view.
  void copyFrom(const Tensor &source);

  /// Autograd state; null for tensors that never took part in autograd.
  const std::shared_ptr<autograd::AutogradMeta> &autograd() const {
    return autograd_;
  }
  std::shared_ptr<autograd::AutogradMeta> &autograd() { return autograd_; }

  /// The tracer's tag; mutable because recording an op that reads a tensor
  /// may tag it.
  TraceTag &traceTag() const { return traceTag_; }
  /// After an in-place write gave this tensor its tag: remembers it and
  /// this view on the storage, for the other tensors on the same view
  /// (TraceState::written).
  void noteWrittenTag() const;
  /// Whether this tensor is the view (dtype, offset, shape, strides) of its
  /// storage that the last noteWrittenTag() was made through.
  bool isWrittenView() const;

private:
  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Shape strides_;
  int64_t offset_ = 0;
  DType dtype_ = DType::Float32;
  std::shared_ptr<autograd::AutogradMeta> autograd_;
  mutable TraceTag traceTag_;
};

/// Normalises a possibly negative axis against `rank`; throws Error{Index}
/// naming `op` when it is out of range (PyTorch's wording).
int64_t normalizeAxis(const char *op, int64_t axis, int64_t rank);

/// The NumPy broadcast of two shapes; throws Error{Value} naming `op`.
Shape broadcastShapes(const char *op, const Shape &a, const Shape &b);

} // namespace terra

#endif // TERRA_RUNTIME_TENSOR_H
