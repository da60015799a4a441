//===- TensorTestUtils.h - Building and checking eager tensors --*- C++ -*-===//

#ifndef TERRA_TEST_UNIT_RUNTIME_TENSORTESTUTILS_H
#define TERRA_TEST_UNIT_RUNTIME_TENSORTESTUTILS_H

#include "terra/Runtime/Ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace terra {
namespace testing {

/// A contiguous tensor of `shape` holding `values` (row-major).
inline Tensor makeTensor(const Shape &shape, const std::vector<double> &values,
                         DType dtype = DType::Float32) {
  Tensor t = Tensor::empty(shape, dtype);
  EXPECT_EQ(static_cast<int64_t>(values.size()), t.numel());
  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    for (size_t i = 0; i < values.size(); ++i)
      t.data<T>()[i] = static_cast<T>(values[i]);
  });
  return t;
}

/// Deterministic pseudo-random values in [-4, 4) with few ties (integer
/// dtypes get small integers).
inline std::vector<double> sampleValues(int64_t count, uint32_t seed = 1) {
  std::vector<double> values(count);
  uint32_t state = seed * 2654435761u + 12345u;
  for (auto &v : values) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<double>(state >> 8) / (1 << 24) * 8.0 - 4.0;
  }
  return values;
}

inline Tensor sampleTensor(const Shape &shape, DType dtype = DType::Float32,
                           uint32_t seed = 1) {
  std::vector<double> values = sampleValues(numElements(shape), seed);
  if (!isFloating(dtype))
    for (auto &v : values)
      v = dtype == DType::Bool ? (v > 0) : std::floor(v * 2);
  return makeTensor(shape, values, dtype);
}

/// All elements of `t` as doubles, row-major.
inline std::vector<double> values(const Tensor &t) {
  std::vector<double> out(t.numel());
  for (int64_t i = 0; i < t.numel(); ++i)
    out[i] = t.elementAsDouble(i);
  return out;
}

/// Row-major multi-index of flat `index` in `shape`.
inline std::vector<int64_t> unravel(int64_t index, const Shape &shape) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = index % shape[d];
    index /= shape[d];
  }
  return idx;
}

inline int64_t ravel(const std::vector<int64_t> &idx, const Shape &shape) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    flat = flat * shape[d] + idx[d];
  return flat;
}

/// Expects `actual` to have `shape`, `dtype` and `expected` values within a
/// relative/absolute tolerance (NaN matches NaN).
inline void expectTensor(const Tensor &actual, const Shape &shape, DType dtype,
                         const std::vector<double> &expected,
                         double tolerance = 1e-5) {
  ASSERT_TRUE(actual.defined());
  EXPECT_EQ(actual.shape(), shape);
  EXPECT_EQ(actual.dtype(), dtype) << dtypeName(actual.dtype());
  ASSERT_EQ(actual.numel(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    double a = actual.elementAsDouble(i), e = expected[i];
    if (std::isnan(e)) {
      EXPECT_TRUE(std::isnan(a)) << "at " << i << ": " << a;
    } else if (std::isinf(e)) {
      EXPECT_EQ(a, e) << "at " << i;
    } else {
      EXPECT_NEAR(a, e, tolerance * std::max(1.0, std::fabs(e)))
          << "at flat index " << i;
    }
  }
}

} // namespace testing
} // namespace terra

/// Expects `statement` to throw terra::Error of `kind` whose message
/// contains `substring`.
#define EXPECT_TERRA_ERROR(statement, errorKind, substring)                    \
  do {                                                                         \
    try {                                                                      \
      statement;                                                               \
      ADD_FAILURE() << "expected an error containing: " << (substring);        \
    } catch (const ::terra::Error &error) {                                    \
      EXPECT_EQ(error.kind(), ::terra::Error::Kind::errorKind);                \
      EXPECT_NE(std::string(error.what()).find(substring), std::string::npos)  \
          << "message: " << error.what();                                      \
    }                                                                          \
  } while (0)

#endif // TERRA_TEST_UNIT_RUNTIME_TENSORTESTUTILS_H
