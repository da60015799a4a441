//===- RandomTest.cpp - Philox-4x32-10 and the random kernels -------------===//
//
// Known-answer vectors of Random123 and golden draws from the reference
// implementation test/Execution/Inputs/philox.py (key 0x0123456789ABCDEF,
// counter 2^64 - 2, so the counter wraps at element 2).
//
//===----------------------------------------------------------------------===//

#include "Philox.h"
#include "TensorTestUtils.h"

using namespace terra;
using namespace terra::testing;

namespace {

constexpr uint64_t kKey = 0x0123456789ABCDEFull;
constexpr uint64_t kCounter = 0xFFFFFFFFFFFFFFFEull;

/// Exact equality in the tensor's own type (the goldens are printed with
/// enough digits to round-trip).
void expectExact(const Tensor &t, const Shape &shape,
                 const std::vector<double> &expected) {
  ASSERT_EQ(t.shape(), shape);
  ASSERT_EQ(t.numel(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    if (t.dtype() == DType::Float32)
      EXPECT_EQ(t.data<float>()[i], static_cast<float>(expected[i])) << i;
    else
      EXPECT_EQ(t.data<double>()[i], expected[i]) << i;
  }
}

TEST(Random, PhiloxKnownAnswers) {
  using Words = std::array<uint32_t, 4>;
  EXPECT_EQ(detail::philox4x32({0, 0, 0, 0}, 0, 0),
            (Words{0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8}));
  EXPECT_EQ(detail::philox4x32({~0u, ~0u, ~0u, ~0u}, ~0u, ~0u),
            (Words{0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD}));
  EXPECT_EQ(detail::philox4x32({0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344},
                               0xA4093822, 0x299F31D0),
            (Words{0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1}));
  // Counter + index wraps modulo 2^64 (philox.py's words()).
  EXPECT_EQ(detail::philoxAt(kKey, kCounter, 0),
            (Words{0x765EA312, 0x2F79930E, 0xBE043560, 0xC6A57537}));
  EXPECT_EQ(detail::philoxAt(kKey, kCounter, 2),
            (Words{0xB850222E, 0xC58CB04B, 0x14A7A020, 0x7A84FFF9}));
}

TEST(Random, UniformMatchesReferenceBitForBit) {
  Tensor u = ops::randomUniform({2, 3}, DType::Float32, kKey, kCounter, 0, 1);
  expectExact(u, {2, 3},
              {0.462381542, 0.430445671, 0.71997273, 0.678864717, 0.967989504,
               0.672614574});
  Tensor d = ops::randomUniform({6}, DType::Float64, kKey, kCounter, -2.0, 3.0);
  expectExact(d, {6},
              {0.31190770864486694, 0.15222835540771484, 1.5998636484146118,
               1.3943235874176025, 2.839947521686554, 1.3630728721618652});
  expectExact(ops::randomUniform({4}, DType::Float32, 0, 0, 0, 1), {4},
              {0.399046421, 0.972241163, 0.0194494128, 0.787367761});
  // A larger draw is the same stream, shifted by the counter, whichever
  // thread computes each element.
  Tensor big = ops::randomUniform({100000}, DType::Float32, 7, 5, -1, 1);
  Tensor tail = ops::randomUniform({10}, DType::Float32, 7, 5 + 99990, -1, 1);
  for (int64_t i = 0; i < 10; ++i)
    EXPECT_EQ(big.elementAsDouble(99990 + i), tail.elementAsDouble(i));
  double lo = 1, hi = -1, sum = 0;
  for (int64_t i = 0; i < big.numel(); ++i) {
    double v = big.elementAsDouble(i);
    lo = std::min(lo, v), hi = std::max(hi, v), sum += v;
  }
  EXPECT_GE(lo, -1);
  EXPECT_LT(hi, 1);
  EXPECT_NEAR(sum / big.numel(), 0, 0.01);
  expectTensor(ops::randomUniform({0, 3}, DType::Float32, 1, 2, 0, 1), {0, 3},
               DType::Float32, {});
}

TEST(Random, NormalMatchesReference) {
  // philox.py computes in float64 and rounds; the float32 kernel computes
  // in float32 like the compiled code, so allow a few float32 ulps.
  expectTensor(ops::randomNormal({6}, DType::Float32, kKey, kCounter, 0, 1),
               {6}, DType::Float32,
               {0.490067571, 0.294995099, 0.110069036, -0.381039917,
                -0.254699647, -0.890580833},
               1e-6);
  expectTensor(
      ops::randomNormal({2, 3}, DType::Float64, kKey, kCounter, 1.5, 2.0),
      {2, 3}, DType::Float64,
      {2.4801351403056673, 2.0899902216724806, 1.7201380713309316,
       0.73792018569703755, 0.99060069022251129, -0.28116163974041708},
      1e-14);
  Tensor big = ops::randomNormal({100000}, DType::Float32, 3, 0, 2, 3);
  double sum = 0, squares = 0;
  for (int64_t i = 0; i < big.numel(); ++i) {
    double v = big.elementAsDouble(i);
    EXPECT_TRUE(std::isfinite(v));
    sum += v, squares += v * v;
  }
  double mean = sum / big.numel();
  EXPECT_NEAR(mean, 2, 0.05);
  EXPECT_NEAR(std::sqrt(squares / big.numel() - mean * mean), 3, 0.05);
}

TEST(Random, BernoulliMatchesReference) {
  Tensor p = makeTensor({2, 3}, {0.1, 0.5, 0.9, 0.0, 1.0, 0.7});
  expectTensor(ops::randomBernoulli(p, kKey, kCounter), {2, 3}, DType::Float32,
               {0, 1, 1, 0, 1, 1}, 0);
  // Positions follow the logical (row-major) order of a strided input.
  Tensor pt =
      makeTensor({3, 2}, {0.1, 0.0, 0.5, 1.0, 0.9, 0.7}).transpose(0, 1);
  expectTensor(ops::randomBernoulli(pt, kKey, kCounter), {2, 3}, DType::Float32,
               {0, 1, 1, 0, 1, 1}, 0);
  Tensor half = Tensor::full({100000}, DType::Float64, 0.25);
  Tensor draws = ops::randomBernoulli(half, 11, 0);
  EXPECT_EQ(draws.dtype(), DType::Float64);
  double ones = 0;
  for (int64_t i = 0; i < draws.numel(); ++i)
    ones += draws.elementAsDouble(i);
  EXPECT_NEAR(ones / draws.numel(), 0.25, 0.01);
}

TEST(Random, Errors) {
  EXPECT_TERRA_ERROR(ops::randomUniform({2}, DType::Int64, 0, 0, 0, 1), Runtime,
                     "random_uniform: random numbers need a floating point "
                     "dtype, got int64");
  EXPECT_TERRA_ERROR(ops::randomNormal({2}, DType::Bool, 0, 0, 0, 1), Runtime,
                     "random_normal: random numbers need a floating point");
  EXPECT_TERRA_ERROR(
      ops::randomBernoulli(makeTensor({2}, {0, 1}, DType::Int32), 0, 0),
      Runtime, "random_bernoulli: random numbers need a floating point");
  EXPECT_TERRA_ERROR(ops::randomUniform({-1}, DType::Float32, 0, 0, 0, 1),
                     Runtime, "negative dimension");
}

} // namespace
