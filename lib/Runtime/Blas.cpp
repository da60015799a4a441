//===- Blas.cpp - Matrix products called from compiled code ---------------===//
//
// The entry points of terra/Runtime/Blas.h on top of OpenBLAS's CBLAS.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Blas.h"

#include "Gemm.h"

#include <cblas.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace {

/// A matrix operand as BLAS wants it: a pointer, whether it is read
/// transposed, and the leading dimension.
template <typename T> struct BlasMatrix {
  const T *data;
  bool transposed;
  int64_t leadingDim;
  std::vector<T> copy; // Holds a contiguous copy when strides allow no view.
};

/// Describes the `rows x cols` matrix at `data` with the given strides, which
/// the caller wants read transposed or not.
template <typename T>
BlasMatrix<T> toBlasMatrix(const T *data, int64_t rows, int64_t cols,
                           int64_t rowStride, int64_t colStride,
                           bool transposed) {
  if (colStride == 1 && rowStride >= std::max<int64_t>(cols, 1))
    return {data, transposed, rowStride, {}};
  if (rowStride == 1 && colStride >= std::max<int64_t>(rows, 1))
    return {data, !transposed, colStride, {}};
  BlasMatrix<T> matrix{nullptr, transposed, std::max<int64_t>(cols, 1), {}};
  matrix.copy.resize(rows * cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      matrix.copy[r * cols + c] = data[r * rowStride + c * colStride];
  matrix.data = matrix.copy.data();
  return matrix;
}

/// C += op(A) op(B), as linalg accumulates.
template <typename T>
void gemm(const BlasMatrix<T> &a, const BlasMatrix<T> &b, T *c, int64_t ldc,
          int64_t m, int64_t n, int64_t k) {
  terra::detail::splitGemm<T>(a.transposed, b.transposed, m, n, k, a.data,
                              a.leadingDim, b.data, b.leadingDim, T(1), c, ldc);
}

/// C[batch] += op(A[batch]) * op(B[batch]) for one batch entry; `aOffset`
/// etc. locate the matrices inside the memrefs.
template <typename T, int N>
void gemmAt(int32_t transposeA, int32_t transposeB, StridedMemRefType<T, N> *a,
            StridedMemRefType<T, N> *b, StridedMemRefType<T, N> *c,
            int64_t aOffset, int64_t bOffset, int64_t cOffset) {
  constexpr int R = N - 2, C = N - 1;
  int64_t m = c->sizes[R], n = c->sizes[C];
  int64_t k = transposeA ? a->sizes[R] : a->sizes[C];
  if (m == 0 || n == 0)
    return;
  BlasMatrix<T> matA =
      toBlasMatrix<T>(a->data + a->offset + aOffset, a->sizes[R], a->sizes[C],
                      a->strides[R], a->strides[C], transposeA);
  BlasMatrix<T> matB =
      toBlasMatrix<T>(b->data + b->offset + bOffset, b->sizes[R], b->sizes[C],
                      b->strides[R], b->strides[C], transposeB);
  T *dataC = c->data + c->offset + cOffset;
  if (c->strides[C] == 1 && c->strides[R] >= std::max<int64_t>(n, 1)) {
    gemm(matA, matB, dataC, c->strides[R], m, n, k);
    return;
  }
  std::vector<T> result(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      result[i * n + j] = dataC[i * c->strides[R] + j * c->strides[C]];
  gemm(matA, matB, result.data(), n, m, n, k);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      dataC[i * c->strides[R] + j * c->strides[C]] = result[i * n + j];
}

template <typename T>
void batchedGemm(int32_t transposeA, int32_t transposeB,
                 StridedMemRefType<T, 3> *a, StridedMemRefType<T, 3> *b,
                 StridedMemRefType<T, 3> *c) {
  for (int64_t i = 0; i < c->sizes[0]; ++i)
    gemmAt<T, 3>(transposeA, transposeB, a, b, c, i * a->strides[0],
                 i * b->strides[0], i * c->strides[0]);
}

} // namespace

extern "C" {

MLIR_CRUNNERUTILS_EXPORT void _mlir_ciface_terra_rt_sgemm(
    int32_t transposeA, int32_t transposeB, StridedMemRefType<float, 2> *a,
    StridedMemRefType<float, 2> *b, StridedMemRefType<float, 2> *c) {
  gemmAt<float, 2>(transposeA, transposeB, a, b, c, 0, 0, 0);
}

MLIR_CRUNNERUTILS_EXPORT void _mlir_ciface_terra_rt_dgemm(
    int32_t transposeA, int32_t transposeB, StridedMemRefType<double, 2> *a,
    StridedMemRefType<double, 2> *b, StridedMemRefType<double, 2> *c) {
  gemmAt<double, 2>(transposeA, transposeB, a, b, c, 0, 0, 0);
}

MLIR_CRUNNERUTILS_EXPORT void _mlir_ciface_terra_rt_batched_sgemm(
    int32_t transposeA, int32_t transposeB, StridedMemRefType<float, 3> *a,
    StridedMemRefType<float, 3> *b, StridedMemRefType<float, 3> *c) {
  batchedGemm<float>(transposeA, transposeB, a, b, c);
}

MLIR_CRUNNERUTILS_EXPORT void _mlir_ciface_terra_rt_batched_dgemm(
    int32_t transposeA, int32_t transposeB, StridedMemRefType<double, 3> *a,
    StridedMemRefType<double, 3> *b, StridedMemRefType<double, 3> *c) {
  batchedGemm<double>(transposeA, transposeB, a, b, c);
}

} // extern "C"
