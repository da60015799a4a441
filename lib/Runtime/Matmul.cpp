//===- Matmul.cpp - Eager torch.matmul on OpenBLAS ------------------------===//
//
// Every operand is seen as a (broadcast) batch of matrices: a 1-D lhs is a
// 1 x k row, a 1-D rhs a k x 1 column. Float matrices go to OpenBLAS with
// their own strides where BLAS can read them (row-major, or column-major as
// a transposed operand) and are copied only otherwise. A batched lhs times
// a plain matrix is folded into one tall product (Linear on [B, T, F]).
// Integer products use plain loops, as PyTorch does.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Ops.h"
#include "terra/Runtime/Recording.h"

#include "Gemm.h"
#include "KernelUtils.h"
#include "Parallel.h"

#include <cblas.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace terra {
namespace ops {
namespace {

/// A strided matrix view.
template <typename T> struct Matrix {
  const T *data;
  int64_t rows, cols, rowStride, colStride;
};

/// A matrix operand as BLAS reads it.
template <typename T> struct BlasOperand {
  const T *data;
  bool transposed;
  int64_t leadingDim;
  std::vector<T> copy; // Only when the strides fit neither layout.
};

template <typename T> BlasOperand<T> toBlas(const Matrix<T> &m) {
  // Strides of size-1 dimensions are free: pick the ones BLAS accepts.
  int64_t rowStride = m.rows == 1 ? std::max<int64_t>(m.cols, 1) : m.rowStride;
  int64_t colStride = m.cols == 1 ? 1 : m.colStride;
  if (colStride == 1 && rowStride >= std::max<int64_t>(m.cols, 1))
    return {m.data, false, rowStride, {}};
  rowStride = m.rows == 1 ? 1 : m.rowStride;
  colStride = m.cols == 1 ? std::max<int64_t>(m.rows, 1) : m.colStride;
  if (rowStride == 1 && colStride >= std::max<int64_t>(m.rows, 1))
    return {m.data, true, colStride, {}};
  BlasOperand<T> operand{nullptr, false, std::max<int64_t>(m.cols, 1), {}};
  operand.copy.resize(m.rows * m.cols);
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.cols; ++c)
      operand.copy[r * m.cols + c] = m.data[r * m.rowStride + c * m.colStride];
  operand.data = operand.copy.data();
  return operand;
}

/// C (contiguous) = op(A) op(B), split across the thread pool.
template <typename T>
void gemm(const BlasOperand<T> &a, const BlasOperand<T> &b, T *c, int64_t m,
          int64_t n, int64_t k) {
  detail::splitGemm<T>(a.transposed, b.transposed, m, n, k, a.data,
                       a.leadingDim, b.data, b.leadingDim, T(0), c, n);
}

/// y = A x for the `rows x cols` matrix A; BLAS wants the dimensions of
/// the matrix as stored, which a transposed operand has swapped.
void gemv(const BlasOperand<float> &a, const float *x, int64_t incX, float *y,
          int64_t rows, int64_t cols) {
  if (a.transposed)
    std::swap(rows, cols);
  detail::useCallingThreadBlas();
  cblas_sgemv(CblasRowMajor, a.transposed ? CblasTrans : CblasNoTrans, rows,
              cols, 1.0f, a.data, a.leadingDim, x, incX, 0.0f, y, 1);
}

void gemv(const BlasOperand<double> &a, const double *x, int64_t incX,
          double *y, int64_t rows, int64_t cols) {
  if (a.transposed)
    std::swap(rows, cols);
  detail::useCallingThreadBlas();
  cblas_dgemv(CblasRowMajor, a.transposed ? CblasTrans : CblasNoTrans, rows,
              cols, 1.0, a.data, a.leadingDim, x, incX, 0.0, y, 1);
}

/// C (m x n, contiguous) = A (m x k) * B (k x n).
template <typename T>
void product(const Matrix<T> &a, const Matrix<T> &b, T *c) {
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  if (m == 0 || n == 0)
    return;
  if (k == 0) {
    std::fill_n(c, m * n, T(0));
    return;
  }
  if constexpr (std::is_floating_point_v<T>) {
    // Vector cases go to gemv (a stride-0 vector is not valid BLAS input).
    if (n == 1 && b.rowStride > 0) {
      // The layout of the (m x k) matrix as the gemv's matrix.
      gemv(toBlas(a), b.data, b.rowStride, c, m, k);
      return;
    }
    if (m == 1 && a.colStride > 0) {
      // c^T = B^T a^T: the gemv of B read transposed.
      BlasOperand<T> bt =
          toBlas(Matrix<T>{b.data, b.cols, b.rows, b.colStride, b.rowStride});
      gemv(bt, a.data, a.colStride, c, n, k);
      return;
    }
    gemm(toBlas(a), toBlas(b), c, m, n, k);
  } else {
    std::fill_n(c, m * n, T(0));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p) {
        T x = a.data[i * a.rowStride + p * a.colStride];
        const T *row = b.data + p * b.rowStride;
        T *out = c + i * n;
        if (b.colStride == 1) {
          for (int64_t j = 0; j < n; ++j)
            out[j] += x * row[j];
        } else {
          for (int64_t j = 0; j < n; ++j)
            out[j] += x * row[j * b.colStride];
        }
      }
  }
}

template <typename T> T dot(const Tensor &lhs, const Tensor &rhs) {
  const int64_t n = lhs.numel();
  const T *x = lhs.data<T>(), *y = rhs.data<T>();
  int64_t incX = lhs.strides()[0], incY = rhs.strides()[0];
  if constexpr (std::is_same_v<T, float>) {
    if (incX > 0 && incY > 0)
      return cblas_sdot(n, x, incX, y, incY);
  } else if constexpr (std::is_same_v<T, double>) {
    if (incX > 0 && incY > 0)
      return cblas_ddot(n, x, incX, y, incY);
  }
  T sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += x[i * incX] * y[i * incY];
  return sum;
}

std::string dims(int64_t rows, int64_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

[[noreturn]] void throwMatrixMismatch(int64_t m1, int64_t k1, int64_t k2,
                                      int64_t n2) {
  throwError(Error::Kind::Runtime,
             "mat1 and mat2 shapes cannot be multiplied (" + dims(m1, k1) +
                 " and " + dims(k2, n2) + ")");
}

[[noreturn]] void throwVectorMismatch(int64_t rows, int64_t cols,
                                      int64_t size) {
  throwError(Error::Kind::Runtime,
             "size mismatch, got " + std::to_string(rows) + ", " +
                 dims(rows, cols) + "," + std::to_string(size));
}

int64_t product(const Shape &shape, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i)
    p *= shape[i];
  return p;
}

/// PyTorch's errors for a contraction mismatch, which name the shapes of
/// the 2-D products that torch.matmul folds its operands into.
void checkInnerSizes(const Tensor &lhs, const Tensor &rhs) {
  const Shape &a = lhs.shape(), &b = rhs.shape();
  const size_t ra = a.size(), rb = b.size();
  int64_t kl = a.back(), kr = rb == 1 ? b[0] : b[rb - 2];
  if (kl == kr)
    return;
  if (rb == 1) // [.., m, k] @ [k]: an mv of the folded lhs.
    throwVectorMismatch(product(a, 0, ra - 1), kl, kr);
  if (ra == 1 && rb == 2)
    throwMatrixMismatch(1, kl, kr, b[1]);
  if (rb == 2) // [.., m, k] @ [k, n]: one mm of the folded lhs.
    throwMatrixMismatch(product(a, 0, ra - 1), kl, kr, b[1]);
  if (ra == 1) // [k] @ [.., k, n]: an mv of the folded, transposed rhs.
    throwVectorMismatch(product(b, 0, rb - 2) * b.back(), kr, kl);
  if (ra == 2) // [m, k] @ [.., k, n]: the transposed product.
    throwMatrixMismatch(product(b, 0, rb - 2) * b.back(), kr, kl, a[0]);
  Shape batchA(a.begin(), a.end() - 2), batchB(b.begin(), b.end() - 2);
  int64_t batch = numElements(broadcastShapes("matmul", batchA, batchB));
  throwError(Error::Kind::Runtime,
             "Expected size for first two dimensions of batch2 tensor to be: "
             "[" +
                 std::to_string(batch) + ", " + std::to_string(kl) +
                 "] but got: [" + std::to_string(batch) + ", " +
                 std::to_string(kr) + "].");
}

/// Whether dims [0, count) of `t` collapse into one dimension, and with
/// which stride (that of the innermost one of size > 1).
bool foldable(const Tensor &t, size_t count, int64_t &stride) {
  int64_t outerStride = -1;
  stride = 1;
  for (size_t d = count; d-- > 0;) {
    int64_t size = t.shape()[d];
    if (size == 1)
      continue;
    if (outerStride < 0)
      stride = t.strides()[d];
    else if (t.strides()[d] != outerStride)
      return false;
    outerStride = t.strides()[d] * size;
  }
  return true;
}

} // namespace

static Tensor matmulKernel(const Tensor &lhs, const Tensor &rhs) {
  detail::requireDefined("matmul", lhs);
  detail::requireDefined("matmul", rhs);
  if (lhs.dim() == 0 || rhs.dim() == 0)
    throwError(
        Error::Kind::Runtime,
        "both arguments to matmul need to be at least 1D, but they are " +
            std::to_string(lhs.dim()) + "D and " + std::to_string(rhs.dim()) +
            "D");
  const DType dtype = lhs.dtype();
  if (lhs.dim() == 1 && rhs.dim() == 1) {
    if (dtype != rhs.dtype())
      throwError(Error::Kind::Runtime,
                 std::string("dot : expected both vectors to have same dtype, "
                             "but found ") +
                     detail::scalarTypeName(dtype) + " and " +
                     detail::scalarTypeName(rhs.dtype()));
    if (dtype == DType::Bool)
      detail::throwNotImplementedFor("dot", dtype);
    if (lhs.numel() != rhs.numel())
      throwError(Error::Kind::Runtime,
                 "inconsistent tensor size, expected tensor [" +
                     std::to_string(lhs.numel()) + "] and src [" +
                     std::to_string(rhs.numel()) +
                     "] to have the same number of elements, but got " +
                     std::to_string(lhs.numel()) + " and " +
                     std::to_string(rhs.numel()) + " elements respectively");
    Tensor result = Tensor::empty({}, dtype);
    dispatchDType(dtype, [&](auto zero) {
      using T = decltype(zero);
      if constexpr (!std::is_same_v<T, bool>)
        *result.data<T>() = dot<T>(lhs, rhs);
    });
    return result;
  }
  if (dtype != rhs.dtype())
    throwError(Error::Kind::Runtime, std::string("expected scalar type ") +
                                         detail::scalarTypeName(dtype) +
                                         " but found " +
                                         detail::scalarTypeName(rhs.dtype()));
  if (dtype == DType::Bool)
    detail::throwNotImplementedFor("addmm_impl_cpu_", dtype);
  checkInnerSizes(lhs, rhs);

  // Matrices: a 1-D lhs is a row, a 1-D rhs a column.
  Tensor a = lhs.dim() == 1 ? lhs.unsqueeze(0) : lhs;
  Tensor b = rhs.dim() == 1 ? rhs.unsqueeze(1) : rhs;
  const int64_t m = a.shape()[a.dim() - 2], k = a.shape().back(),
                n = b.shape().back();
  Shape batchA(a.shape().begin(), a.shape().end() - 2);
  Shape batchB(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcastShapes("matmul", batchA, batchB);
  Shape resultShape = batch;
  if (lhs.dim() > 1)
    resultShape.push_back(m);
  if (rhs.dim() > 1)
    resultShape.push_back(n);
  Tensor result = Tensor::empty(resultShape, dtype);
  const int64_t batchCount = numElements(batch);
  if (result.numel() == 0)
    return result;

  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      const T *dataA = a.data<T>(), *dataB = b.data<T>();
      T *out = result.data<T>();
      const int64_t rowA = a.strides()[a.dim() - 2], colA = a.strides().back();
      const int64_t rowB = b.strides()[b.dim() - 2], colB = b.strides().back();
      // [.., m, k] @ [k, n] with foldable lhs batch: one tall product.
      int64_t rowStride;
      if (batchB.empty() && foldable(a, a.dim() - 1, rowStride)) {
        int64_t rows = batchCount * m;
        product(Matrix<T>{dataA, rows, k, rowStride, colA},
                Matrix<T>{dataB, k, n, rowB, colB}, out);
        return;
      }
      Shape stridesA(batch.size(), 0), stridesB(batch.size(), 0);
      for (size_t i = 0; i < batchA.size(); ++i)
        if (batchA[i] != 1)
          stridesA[batch.size() - batchA.size() + i] = a.strides()[i];
      for (size_t i = 0; i < batchB.size(); ++i)
        if (batchB[i] != 1)
          stridesB[batch.size() - batchB.size() + i] = b.strides()[i];
      auto one = [&](int64_t index) {
        int64_t offsetA = 0, offsetB = 0, rest = index;
        for (size_t d = batch.size(); d-- > 0;) {
          int64_t i = rest % batch[d];
          rest /= batch[d];
          offsetA += i * stridesA[d];
          offsetB += i * stridesB[d];
        }
        product(Matrix<T>{dataA + offsetA, m, k, rowA, colA},
                Matrix<T>{dataB + offsetB, k, n, rowB, colB},
                out + index * m * n);
      };
      // Small matrices: one per thread (BLAS would not split them); large
      // ones: BLAS's own threads.
      if (m * n * k < (int64_t(1) << 18)) {
        detail::parallelFor(batchCount, m * n * k,
                            [&](int64_t begin, int64_t end) {
                              for (int64_t i = begin; i < end; ++i)
                                one(i);
                            });
      } else {
        for (int64_t i = 0; i < batchCount; ++i)
          one(i);
      }
    }
  });
  return result;
}

//===----------------------------------------------------------------------===//
// The ops as programs call them: the kernel, announced to the tracer
//===----------------------------------------------------------------------===//

Tensor matmul(const Tensor &lhs, const Tensor &rhs) {
  recording::Scope scope;
  return scope.op("matmul", {&lhs, &rhs},
                  [&] { return matmulKernel(lhs, rhs); });
}

} // namespace ops
} // namespace terra
