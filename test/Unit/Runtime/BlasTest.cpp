//===- BlasTest.cpp - The BLAS entry points on strided memrefs ------------===//
//
// Compiled code hands the runtime memrefs with arbitrary offsets and strides
// (views, transposes, slices). Each case compares against a naive triple loop
// on the same strided views.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Blas.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace {

/// A strided view into its own storage, described as compiled code would
/// pass it.
template <typename T, int N> struct View {
  std::vector<T> storage;
  StridedMemRefType<T, N> desc;

  View(std::array<int64_t, N> sizes, std::array<int64_t, N> strides,
       int64_t offset = 0) {
    int64_t extent = offset + 1;
    for (int i = 0; i < N; ++i)
      extent += (sizes[i] - 1) * strides[i];
    storage.assign(std::max<int64_t>(extent, 1), T(0));
    desc.basePtr = desc.data = storage.data();
    desc.offset = offset;
    for (int i = 0; i < N; ++i) {
      desc.sizes[i] = sizes[i];
      desc.strides[i] = strides[i];
    }
  }

  // The descriptor points into `storage`; a copy would point into ours.
  View(const View &) = delete;
  View &operator=(const View &) = delete;

  T &at(std::array<int64_t, N> index) {
    int64_t linear = desc.offset;
    for (int i = 0; i < N; ++i)
      linear += index[i] * desc.strides[i];
    return storage[linear];
  }

  /// Fills the view's elements with small distinct values; storage outside
  /// the view keeps a sentinel so stray writes show up.
  void fill(T seed) {
    std::fill(storage.begin(), storage.end(), T(-777));
    int64_t count = 1;
    for (int i = 0; i < N; ++i)
      count *= desc.sizes[i];
    for (int64_t linear = 0; linear < count; ++linear) {
      std::array<int64_t, N> index;
      int64_t rest = linear;
      for (int i = N - 1; i >= 0; --i) {
        index[i] = rest % desc.sizes[i];
        rest /= desc.sizes[i];
      }
      at(index) = seed + T(0.25) * T(linear % 13) - T(linear % 5);
    }
  }
};

using Matrix = View<float, 2>;

/// C += op(A) * op(B) with plain loops.
template <typename T>
std::vector<T> referenceGemm(View<T, 2> &a, View<T, 2> &b, View<T, 2> &c,
                             bool transposeA, bool transposeB) {
  int64_t m = c.desc.sizes[0], n = c.desc.sizes[1];
  int64_t k = transposeA ? a.desc.sizes[0] : a.desc.sizes[1];
  std::vector<T> result(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = c.at({i, j});
      for (int64_t p = 0; p < k; ++p)
        sum += double(transposeA ? a.at({p, i}) : a.at({i, p})) *
               double(transposeB ? b.at({j, p}) : b.at({p, j}));
      result[i * n + j] = T(sum);
    }
  return result;
}

template <typename T>
void expectMatrixNear(View<T, 2> &c, const std::vector<T> &expected) {
  int64_t n = c.desc.sizes[1];
  for (int64_t i = 0; i < c.desc.sizes[0]; ++i)
    for (int64_t j = 0; j < n; ++j)
      EXPECT_NEAR(c.at({i, j}), expected[i * n + j],
                  1e-4 * (1 + std::fabs(expected[i * n + j])))
          << "at (" << i << ", " << j << ")";
}

/// Runs sgemm on the given views and checks it against the reference.
void checkSgemm(Matrix &&a, Matrix &&b, Matrix &&c, bool transposeA,
                bool transposeB) {
  a.fill(1.0f);
  b.fill(-2.0f);
  c.fill(0.5f);
  std::vector<float> expected = referenceGemm(a, b, c, transposeA, transposeB);
  _mlir_ciface_terra_rt_sgemm(transposeA, transposeB, &a.desc, &b.desc,
                              &c.desc);
  expectMatrixNear(c, expected);
}

TEST(Sgemm, ContiguousAccumulates) {
  checkSgemm(Matrix({5, 7}, {7, 1}), Matrix({7, 3}, {3, 1}),
             Matrix({5, 3}, {3, 1}), false, false);
}

TEST(Sgemm, TransposeFlags) {
  checkSgemm(Matrix({7, 5}, {5, 1}), Matrix({3, 7}, {7, 1}),
             Matrix({5, 3}, {3, 1}), true, true);
}

TEST(Sgemm, ColumnMajorViewsAreReadInPlace) {
  // A transposed view (strides {1, rows}) and a padded leading dimension.
  checkSgemm(Matrix({4, 6}, {1, 4}), Matrix({6, 2}, {8, 1}),
             Matrix({4, 2}, {2, 1}), false, false);
}

TEST(Sgemm, NonUnitInnerStridesAreCopied) {
  // Every other column of A (a strided slice) and an offset B.
  checkSgemm(Matrix({3, 4}, {8, 2}), Matrix({4, 5}, {5, 1}, /*offset=*/3),
             Matrix({3, 5}, {5, 1}), false, false);
}

TEST(Sgemm, StridedResultIsWrittenBack) {
  // A column-major result at an offset: BLAS writes a row-major copy.
  checkSgemm(Matrix({3, 4}, {4, 1}), Matrix({4, 2}, {2, 1}),
             Matrix({3, 2}, {1, 3}, /*offset=*/1), false, false);
}

TEST(Sgemm, StridedResultLeavesGapsUntouched) {
  Matrix a({2, 3}, {3, 1}), b({3, 2}, {2, 1}), c({2, 2}, {4, 2});
  a.fill(1.0f);
  b.fill(1.0f);
  c.fill(0.0f);
  _mlir_ciface_terra_rt_sgemm(0, 0, &a.desc, &b.desc, &c.desc);
  for (int64_t linear : {1, 3, 5})
    EXPECT_EQ(c.storage[linear], -777.0f) << "gap " << linear;
}

TEST(Sgemm, EmptyReductionLeavesResult) {
  Matrix a({3, 0}, {1, 1}), b({0, 2}, {2, 1}), c({3, 2}, {2, 1});
  c.fill(4.0f);
  std::vector<float> before = c.storage;
  _mlir_ciface_terra_rt_sgemm(0, 0, &a.desc, &b.desc, &c.desc);
  EXPECT_EQ(c.storage, before);
}

TEST(Dgemm, TransposedLhs) {
  View<double, 2> a({6, 3}, {3, 1}), b({6, 4}, {4, 1}), c({3, 4}, {4, 1});
  a.fill(0.125);
  b.fill(3.0);
  c.fill(-1.0);
  std::vector<double> expected = referenceGemm(a, b, c, true, false);
  _mlir_ciface_terra_rt_dgemm(1, 0, &a.desc, &b.desc, &c.desc);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 4; ++j)
      EXPECT_DOUBLE_EQ(c.at({i, j}), expected[i * 4 + j]);
}

TEST(BatchedSgemm, BroadcastBatchOfRhs) {
  // The rhs has batch stride 0: one matrix shared by every batch entry.
  View<float, 3> a({3, 2, 5}, {10, 5, 1}), b({3, 5, 4}, {0, 4, 1}),
      c({3, 2, 4}, {8, 4, 1});
  a.fill(1.0f);
  b.fill(2.0f);
  c.fill(0.0f);
  std::vector<std::vector<float>> expected;
  for (int64_t batch = 0; batch < 3; ++batch) {
    std::vector<float> entry(2 * 4);
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 4; ++j) {
        double sum = c.at({batch, i, j});
        for (int64_t p = 0; p < 5; ++p)
          sum += a.at({batch, i, p}) * b.at({batch, p, j});
        entry[i * 4 + j] = float(sum);
      }
    expected.push_back(entry);
  }
  _mlir_ciface_terra_rt_batched_sgemm(0, 0, &a.desc, &b.desc, &c.desc);
  for (int64_t batch = 0; batch < 3; ++batch)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 4; ++j)
        EXPECT_NEAR(c.at({batch, i, j}), expected[batch][i * 4 + j], 1e-4);
}

} // namespace
