//===- ReductionTest.cpp - sum, mean, extrema, var, softmax ---------------===//
//
// Each reduction is compared with a naive grouping of the elements by their
// output position, over contiguous, transposed, sliced and expanded inputs.
//
//===----------------------------------------------------------------------===//

#include "TensorTestUtils.h"

#include <algorithm>
#include <functional>
#include <limits>

using namespace terra;
using namespace terra::testing;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

struct Expected {
  Shape shape;
  std::vector<double> values;
};

/// Groups the elements of `in` by output position and reduces each group
/// with `fn`.
Expected naiveReduce(const Tensor &in, std::vector<int64_t> axes, bool keepdim,
                     const std::function<double(std::vector<double>)> &fn) {
  int64_t rank = in.dim();
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes)
    reduced[a < 0 ? a + rank : a] = true;
  Shape outShape, keptShape;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced[d])
      keptShape.push_back(in.shape()[d]);
    if (!reduced[d] || keepdim)
      outShape.push_back(reduced[d] ? 1 : in.shape()[d]);
  }
  std::vector<std::vector<double>> groups(numElements(keptShape));
  for (int64_t i = 0; i < in.numel(); ++i) {
    std::vector<int64_t> idx = unravel(i, in.shape()), kept;
    for (int64_t d = 0; d < rank; ++d)
      if (!reduced[d])
        kept.push_back(idx[d]);
    groups[ravel(kept, keptShape)].push_back(in.elementAsDouble(i));
  }
  Expected e{outShape, {}};
  for (auto &g : groups)
    e.values.push_back(fn(g));
  return e;
}

double sumOf(std::vector<double> v) {
  double s = 0;
  for (double x : v)
    s += x;
  return s;
}
double meanOf(std::vector<double> v) { return sumOf(v) / v.size(); }
double maxOf(std::vector<double> v) {
  double m = -kInf;
  for (double x : v)
    m = std::isnan(x) || x > m ? x : m;
  for (double x : v)
    if (std::isnan(x))
      return kNaN;
  return m;
}
double minOf(std::vector<double> v) {
  for (double &x : v)
    x = -x;
  return -maxOf(v);
}
std::function<double(std::vector<double>)> varOf(int64_t correction) {
  return [correction](std::vector<double> v) {
    double m = meanOf(v), s = 0;
    for (double x : v)
      s += (x - m) * (x - m);
    return s / std::max<double>(0, double(v.size()) - correction);
  };
}

/// Inputs of one logical shape [3, 4, 5] in several layouts.
std::vector<Tensor> layouts(DType dtype) {
  Tensor base = sampleTensor({3, 4, 5}, dtype);
  Tensor big = sampleTensor({5, 8, 6}, dtype, 7);
  return {
      base,
      sampleTensor({5, 4, 3}, dtype, 3).permute({2, 1, 0}),      // Transposed.
      big.slice(0, 1, 4, 1).slice(1, 0, 8, 2).slice(2, 1, 6, 1), // Sliced.
      sampleTensor({1, 4, 1}, dtype, 5).expand({3, 4, 5}),       // Expanded.
  };
}

const std::vector<std::vector<int64_t>> kAxisSets = {
    {}, {0}, {1}, {2}, {-1}, {0, 2}, {-3, -2}, {1, 2}, {0, 1, 2}};

TEST(Reduction, SumMatchesNaiveForEveryLayoutAxisAndDtype) {
  for (DType dtype : {DType::Float32, DType::Float64, DType::Int32,
                      DType::Int64, DType::Bool}) {
    DType outType = isFloating(dtype) ? dtype : DType::Int64;
    for (const Tensor &in : layouts(dtype))
      for (const auto &axes : kAxisSets)
        for (bool keepdim : {false, true}) {
          Expected e = naiveReduce(in, axes, keepdim, sumOf);
          expectTensor(ops::sum(in, axes, keepdim), e.shape, outType, e.values);
        }
  }
}

TEST(Reduction, MeanAmaxAminVarMatchNaive) {
  for (DType dtype : {DType::Float32, DType::Float64})
    for (const Tensor &in : layouts(dtype))
      for (const auto &axes : kAxisSets)
        for (bool keepdim : {false, true}) {
          Expected e = naiveReduce(in, axes, keepdim, meanOf);
          expectTensor(ops::mean(in, axes, keepdim), e.shape, dtype, e.values);
          e = naiveReduce(in, axes, keepdim, maxOf);
          expectTensor(ops::amax(in, axes, keepdim), e.shape, dtype, e.values);
          e = naiveReduce(in, axes, keepdim, minOf);
          expectTensor(ops::amin(in, axes, keepdim), e.shape, dtype, e.values);
          for (int64_t correction : {0, 1}) {
            e = naiveReduce(in, axes, keepdim, varOf(correction));
            expectTensor(ops::var(in, axes, correction, keepdim), e.shape,
                         dtype, e.values, 1e-4);
          }
        }
  for (DType dtype : {DType::Int32, DType::Int64, DType::Bool})
    for (const Tensor &in : layouts(dtype))
      for (const auto &axes : kAxisSets) {
        Expected e = naiveReduce(in, axes, false, maxOf);
        expectTensor(ops::amax(in, axes, false), e.shape, dtype, e.values);
        e = naiveReduce(in, axes, false, minOf);
        expectTensor(ops::amin(in, axes, false), e.shape, dtype, e.values);
      }
}

TEST(Reduction, ColumnLayoutsReduceOuterAxes) {
  // The contiguous axis is kept: the column-wise loops.
  for (Shape shape : {Shape{64, 40}, Shape{3, 50, 20}, Shape{2, 7, 3, 300}}) {
    Tensor in = sampleTensor(shape, DType::Float32, 11);
    for (std::vector<int64_t> axes :
         {std::vector<int64_t>{0}, std::vector<int64_t>{-2}}) {
      Expected e = naiveReduce(in, axes, false, sumOf);
      expectTensor(ops::sum(in, axes, false), e.shape, DType::Float32, e.values,
                   1e-5);
      e = naiveReduce(in, axes, true, maxOf);
      expectTensor(ops::amax(in, axes, true), e.shape, DType::Float32,
                   e.values);
      e = naiveReduce(in, axes, false, varOf(1));
      expectTensor(ops::var(in, axes, 1, false), e.shape, DType::Float32,
                   e.values, 1e-4);
    }
  }
}

TEST(Reduction, ZeroDimAndSizeOneAndEmpty) {
  Tensor scalar = makeTensor({}, {3.5});
  expectTensor(ops::sum(scalar, {}, false), {}, DType::Float32, {3.5});
  expectTensor(ops::sum(scalar, {0}, true), {}, DType::Float32, {3.5});
  expectTensor(ops::amax(scalar, {-1}, false), {}, DType::Float32, {3.5});
  expectTensor(ops::argmax(scalar, 0, true), {}, DType::Int64, {0});
  expectTensor(ops::var(scalar, {}, 1, false), {}, DType::Float32, {kNaN});

  Tensor ones = sampleTensor({1, 3, 1});
  Expected e = naiveReduce(ones, {0, 2}, false, sumOf);
  expectTensor(ops::sum(ones, {0, 2}, false), {3}, DType::Float32, e.values);

  Tensor empty = Tensor::empty({0, 3}, DType::Float32);
  expectTensor(ops::sum(empty, {0}, false), {3}, DType::Float32, {0, 0, 0});
  expectTensor(ops::sum(empty, {}, false), {}, DType::Float32, {0});
  expectTensor(ops::sum(empty, {1}, true), {0, 1}, DType::Float32, {});
  expectTensor(ops::mean(empty, {0}, false), {3}, DType::Float32,
               {kNaN, kNaN, kNaN});
  expectTensor(ops::var(empty, {0}, 1, false), {3}, DType::Float32,
               {kNaN, kNaN, kNaN});
  expectTensor(ops::amax(empty, {1}, false), {0}, DType::Float32, {});
  expectTensor(ops::sum(Tensor::empty({0}, DType::Bool), {}, false), {},
               DType::Int64, {0});
}

TEST(Reduction, NaNPropagatesInExtrema) {
  Tensor in = makeTensor({2, 3}, {1, kNaN, 3, -1, -2, -3});
  expectTensor(ops::amax(in, {1}, false), {2}, DType::Float32, {kNaN, -1});
  expectTensor(ops::amin(in, {1}, false), {2}, DType::Float32, {kNaN, -3});
  expectTensor(ops::amax(in, {}, false), {}, DType::Float32, {kNaN});
  expectTensor(ops::amax(in, {0}, false), {3}, DType::Float32, {1, kNaN, 3});
  // A large lone output takes the split-slice path.
  std::vector<double> big(200000, 1.0);
  big[150001] = kNaN;
  expectTensor(ops::amax(makeTensor({200000}, big), {}, false), {},
               DType::Float32, {kNaN});
  expectTensor(ops::amin(makeTensor({200000}, big), {}, false), {},
               DType::Float32, {kNaN});
  expectTensor(ops::amax(makeTensor({2}, {-kInf, -kInf}), {}, false), {},
               DType::Float32, {-kInf});
}

TEST(Reduction, ArgmaxArgmin) {
  Tensor in = makeTensor({2, 4}, {1, 5, 5, 2, 7, 0, 7, 0});
  expectTensor(ops::argmax(in, 1, false), {2}, DType::Int64, {1, 0});
  expectTensor(ops::argmin(in, -1, true), {2, 1}, DType::Int64, {0, 1});
  expectTensor(ops::argmax(in, 0, false), {4}, DType::Int64, {1, 0, 1, 0});
  expectTensor(ops::argmax(in, std::nullopt, false), {}, DType::Int64, {4});
  expectTensor(ops::argmax(in, std::nullopt, true), {1, 1}, DType::Int64, {4});
  expectTensor(ops::argmin(in.transpose(0, 1), std::nullopt, false), {},
               DType::Int64, {3}); // Flat index in the transposed order.
  expectTensor(ops::argmax(in.transpose(0, 1), 1, false), {4}, DType::Int64,
               {1, 0, 1, 0});
  Tensor nan = makeTensor({4}, {1, kNaN, 3, kNaN});
  expectTensor(ops::argmax(nan, 0, false), {}, DType::Int64, {1});
  expectTensor(ops::argmin(nan, 0, false), {}, DType::Int64, {1});
  for (DType dtype : {DType::Int32, DType::Int64, DType::Float64}) {
    Tensor t = makeTensor({3}, {2, -1, 2}, dtype);
    expectTensor(ops::argmax(t, 0, false), {}, DType::Int64, {0});
    expectTensor(ops::argmin(t, 0, false), {}, DType::Int64, {1});
  }
  expectTensor(ops::argmax(Tensor::empty({0, 3}, DType::Float32), 1, false),
               {0}, DType::Int64, {});
}

TEST(Reduction, LargeSumsAreAccurate) {
  // 16M float32 values whose float32 running sum would drift badly.
  const int64_t n = int64_t(1) << 24;
  Tensor in = Tensor::empty({n}, DType::Float32);
  float *p = in.data<float>();
  double reference = 0;
  for (int64_t i = 0; i < n; ++i) {
    p[i] = 0.1f + static_cast<float>(i % 1000) * 1e-3f;
    reference += static_cast<double>(p[i]);
  }
  double s = ops::sum(in, {}, false).elementAsDouble(0);
  EXPECT_NEAR(s, reference, 1e-6 * reference);
  double m = ops::mean(in, {0}, false).elementAsDouble(0);
  EXPECT_NEAR(m, reference / n, 1e-6 * reference / n);
  double v =
      ops::var(in.slice(0, 0, n / 4, 1), {}, 1, false).elementAsDouble(0);
  EXPECT_NEAR(v, 0.0833333, 1e-3);
}

TEST(Reduction, SoftmaxMatchesNaive) {
  for (DType dtype : {DType::Float32, DType::Float64})
    for (const Tensor &in : layouts(dtype))
      for (int64_t axis : {0, 1, 2, -1}) {
        Tensor s = ops::softmax(in, axis), l = ops::logSoftmax(in, axis);
        int64_t a = axis < 0 ? axis + 3 : axis;
        std::vector<double> es(in.numel()), el(in.numel());
        for (int64_t i = 0; i < in.numel(); ++i) {
          std::vector<int64_t> idx = unravel(i, in.shape());
          double m = -kInf, z = 0;
          for (int64_t k = 0; k < in.shape()[a]; ++k) {
            idx[a] = k;
            m = std::max(m, in.elementAsDouble(ravel(idx, in.shape())));
          }
          for (int64_t k = 0; k < in.shape()[a]; ++k) {
            idx[a] = k;
            z += std::exp(in.elementAsDouble(ravel(idx, in.shape())) - m);
          }
          double x = in.elementAsDouble(i);
          es[i] = std::exp(x - m) / z;
          el[i] = x - m - std::log(z);
        }
        expectTensor(s, in.shape(), dtype, es);
        expectTensor(l, in.shape(), dtype, el);
      }
  // Large logits do not overflow; NaN spreads over its row only.
  Tensor big = makeTensor({2, 3}, {1000, 1001, 1002, 1, kNaN, 2});
  Tensor s = ops::softmax(big, 1);
  EXPECT_NEAR(s.elementAsDouble(2), 0.66524096, 1e-6);
  EXPECT_TRUE(std::isnan(s.elementAsDouble(3)));
  EXPECT_NEAR(ops::logSoftmax(big, 1).elementAsDouble(0), -2.40760596, 1e-5);
  expectTensor(ops::softmax(makeTensor({}, {2}), 0), {}, DType::Float32, {1});
  expectTensor(ops::logSoftmax(Tensor::empty({0, 3}, DType::Float32), 0),
               {0, 3}, DType::Float32, {});
}

TEST(Reduction, Errors) {
  Tensor f = sampleTensor({2, 3});
  EXPECT_TERRA_ERROR(ops::sum(f, {0, -2}, false), Runtime,
                     "dim 0 appears multiple times in the list of dims");
  EXPECT_TERRA_ERROR(ops::sum(f, {2}, false), Index,
                     "Dimension out of range (expected to be in range of "
                     "[-2, 1], but got 2)");
  EXPECT_TERRA_ERROR(ops::mean(sampleTensor({3}, DType::Int64), {}, false),
                     Runtime,
                     "mean(): could not infer output dtype. Input dtype must "
                     "be either a floating point or complex dtype. Got: Long");
  EXPECT_TERRA_ERROR(ops::mean(sampleTensor({3}, DType::Bool), {}, false),
                     Runtime, "Got: Bool");
  Tensor empty = Tensor::empty({0, 3}, DType::Float32);
  EXPECT_TERRA_ERROR(ops::amax(empty, {}, false), Runtime,
                     "amax(): Expected reduction dim to be specified for "
                     "input.numel() == 0. Specify the reduction dim with the "
                     "'dim' argument.");
  EXPECT_TERRA_ERROR(ops::amin(empty, {0}, false), Index,
                     "amin(): Expected reduction dim 0 to have non-zero size.");
  EXPECT_TERRA_ERROR(ops::argmax(empty, std::nullopt, false), Index,
                     "argmax(): Expected reduction dim to be specified for "
                     "input.numel() == 0.");
  EXPECT_TERRA_ERROR(ops::argmin(empty, 0, false), Index,
                     "argmin(): Expected reduction dim 0 to have non-zero "
                     "size.");
  EXPECT_TERRA_ERROR(ops::argmax(sampleTensor({3}, DType::Bool), 0, false),
                     Runtime, "\"argmax_cpu\" not implemented for 'Bool'");
  EXPECT_TERRA_ERROR(ops::argmax(f, 3, false), Index, "Dimension out of range");
  EXPECT_TERRA_ERROR(ops::var(sampleTensor({3}, DType::Int32), {}, 1, false),
                     Runtime,
                     "std and var only support floating point and complex "
                     "dtypes");
  EXPECT_TERRA_ERROR(ops::softmax(sampleTensor({3}, DType::Int64), 0), Runtime,
                     "\"softmax_lastdim_kernel_impl\" not implemented for "
                     "'Long'");
  EXPECT_TERRA_ERROR(ops::logSoftmax(sampleTensor({3, 2}, DType::Int32), 0),
                     Runtime,
                     "\"log_softmax_kernel_impl\" not implemented for 'Int'");
  EXPECT_TERRA_ERROR(ops::softmax(f, -3), Index, "Dimension out of range");
  EXPECT_TERRA_ERROR(ops::sum(Tensor(), {}, false), Runtime, "undefined");
}

} // namespace
