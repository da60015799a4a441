//===- Gemm.h - One row-major GEMM entry for every dtype --------*- C++ -*-===//
//
// C = op(A) op(B) + beta C on row-major buffers: OpenBLAS for float and
// double, plain loops for the integer types (PyTorch computes integer
// convolutions too, just slowly).
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_RUNTIME_GEMM_H
#define TERRA_LIB_RUNTIME_GEMM_H

#include "Parallel.h"

#include <cblas.h>

#include <cstdint>
#include <type_traits>

namespace terra {
namespace detail {

/// Makes OpenBLAS run every product on the calling thread, once per
/// process: Terra splits products across its own pool (splitGemm, the
/// convolutions' samples). OpenBLAS's own workers yield in a loop for a
/// while after each product they share; on two cores they took the core
/// that the pool, the runner and the compile thread needed.
inline void useCallingThreadBlas() {
  static const bool done = [] {
    openblas_set_num_threads(1);
    return true;
  }();
  (void)done;
}

template <typename T>
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const T *a,
          int64_t lda, const T *b, int64_t ldb, T beta, T *c, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>) {
    useCallingThreadBlas();
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda, b,
                ldb, beta, c, ldc);
  } else if constexpr (std::is_same_v<T, double>) {
    useCallingThreadBlas();
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0, a, lda, b,
                ldb, beta, c, ldc);
  } else {
    for (int64_t i = 0; i < m; ++i) {
      T *row = c + i * ldc;
      for (int64_t j = 0; j < n; ++j)
        row[j] = beta == T(0) ? T(0) : row[j] * beta;
      for (int64_t p = 0; p < k; ++p) {
        T x = transA ? a[p * lda + i] : a[i * lda + p];
        if (transB) {
          for (int64_t j = 0; j < n; ++j)
            row[j] += x * b[j * ldb + p];
        } else {
          const T *bRow = b + p * ldb;
          for (int64_t j = 0; j < n; ++j)
            row[j] += x * bRow[j];
        }
      }
    }
  }
}

/// gemm() split across the thread pool, by rows of C (by columns when C
/// has fewer rows than columns): the matrix products of the eager kernels
/// and of compiled blocks, so that the process has one pool. Inside a
/// parallel region (a convolution's samples) it runs on the calling thread.
template <typename T>
void splitGemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
               const T *a, int64_t lda, const T *b, int64_t ldb, T beta, T *c,
               int64_t ldc) {
  // parallelFor's grain counts element operations; a multiply-add of a
  // product costs far less than an elementwise op's element.
  constexpr int64_t kMultiplyAddsPerOperation = 8;
  bool byRows = m >= n;
  int64_t cost = (byRows ? n : m) * k / kMultiplyAddsPerOperation;
  if (byRows) {
    parallelFor(m, cost, [&](int64_t from, int64_t to) {
      gemm<T>(transA, transB, to - from, n, k,
              transA ? a + from : a + from * lda, lda, b, ldb, beta,
              c + from * ldc, ldc);
    });
    return;
  }
  parallelFor(n, cost, [&](int64_t from, int64_t to) {
    gemm<T>(transA, transB, m, to - from, k, a, lda,
            transB ? b + from * ldb : b + from, ldb, beta, c + from, ldc);
  });
}

} // namespace detail
} // namespace terra

#endif // TERRA_LIB_RUNTIME_GEMM_H
