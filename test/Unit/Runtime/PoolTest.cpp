//===- PoolTest.cpp - max and average pooling and their gradients ---------===//
//
// Against a naive pooling over the padded window and golden values computed
// with PyTorch 1.13 (ceil_mode, padding, count_include_pad).
//
//===----------------------------------------------------------------------===//

#include "TensorTestUtils.h"

#include <limits>

using namespace terra;
using namespace terra::testing;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

ops::Pool2dParams pool(int64_t kernel, int64_t stride, int64_t pad = 0,
                       bool ceil = false, bool includePad = true,
                       int64_t dilation = 1) {
  ops::Pool2dParams p;
  p.kernelH = p.kernelW = kernel;
  p.strideH = p.strideW = stride;
  p.padH = p.padW = pad;
  p.dilationH = p.dilationW = dilation;
  p.ceilMode = ceil;
  p.countIncludePad = includePad;
  return p;
}

int64_t outSize(int64_t size, int64_t k, int64_t s, int64_t pad, int64_t d,
                bool ceil) {
  double span = double(size + 2 * pad - d * (k - 1) - 1) / s;
  int64_t out = int64_t(ceil ? std::ceil(span) : std::floor(span)) + 1;
  if (ceil && (out - 1) * s >= size + pad)
    --out;
  return out;
}

struct Pooled {
  Shape shape;
  std::vector<double> max, argmax, avg, maxGrad, avgGrad;
};

/// Pools every plane of `x` by definition; gradients for dy = 1, 2, 3, ...
Pooled naivePool(const Tensor &x, const ops::Pool2dParams &p) {
  const int64_t r = x.dim(), H = x.shape()[r - 2], W = x.shape()[r - 1];
  const int64_t planes = x.numel() / (H * W);
  int64_t OHm =
              outSize(H, p.kernelH, p.strideH, p.padH, p.dilationH, p.ceilMode),
          OWm =
              outSize(W, p.kernelW, p.strideW, p.padW, p.dilationW, p.ceilMode);
  int64_t OHa = outSize(H, p.kernelH, p.strideH, p.padH, 1, p.ceilMode),
          OWa = outSize(W, p.kernelW, p.strideW, p.padW, 1, p.ceilMode);
  Pooled r0;
  r0.shape = x.shape();
  r0.shape[r - 2] = OHm;
  r0.shape[r - 1] = OWm;
  r0.maxGrad.assign(x.numel(), 0);
  r0.avgGrad.assign(x.numel(), 0);
  std::vector<double> xv = values(x);
  double dy = 0;
  for (int64_t n = 0; n < planes; ++n)
    for (int64_t oh = 0; oh < OHm; ++oh)
      for (int64_t ow = 0; ow < OWm; ++ow) {
        double best = -kInf;
        int64_t where = -1;
        for (int64_t i = 0; i < p.kernelH; ++i)
          for (int64_t j = 0; j < p.kernelW; ++j) {
            int64_t ih = oh * p.strideH - p.padH + i * p.dilationH;
            int64_t iw = ow * p.strideW - p.padW + j * p.dilationW;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W)
              continue;
            double v = xv[n * H * W + ih * W + iw];
            if (where < 0 || v > best || std::isnan(v)) {
              best = v;
              where = ih * W + iw;
            }
          }
        r0.max.push_back(best);
        r0.argmax.push_back(where);
        r0.maxGrad[n * H * W + where] += ++dy;
      }
  dy = 0;
  for (int64_t n = 0; n < planes; ++n)
    for (int64_t oh = 0; oh < OHa; ++oh)
      for (int64_t ow = 0; ow < OWa; ++ow) {
        double sum = 0;
        int64_t inside = 0, padded = 0;
        for (int64_t i = 0; i < p.kernelH; ++i)
          for (int64_t j = 0; j < p.kernelW; ++j) {
            int64_t ih = oh * p.strideH - p.padH + i;
            int64_t iw = ow * p.strideW - p.padW + j;
            if (ih >= H + p.padH || iw >= W + p.padW)
              continue; // Beyond the padded input (ceil_mode windows).
            ++padded;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W)
              continue;
            ++inside;
            sum += xv[n * H * W + ih * W + iw];
          }
        int64_t divisor = p.countIncludePad ? padded : inside;
        r0.avg.push_back(sum / divisor);
        ++dy;
        for (int64_t i = 0; i < p.kernelH; ++i)
          for (int64_t j = 0; j < p.kernelW; ++j) {
            int64_t ih = oh * p.strideH - p.padH + i;
            int64_t iw = ow * p.strideW - p.padW + j;
            if (ih >= 0 && ih < H && iw >= 0 && iw < W)
              r0.avgGrad[n * H * W + ih * W + iw] += dy / divisor;
          }
      }
  return r0;
}

std::vector<double> counting(int64_t n) {
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = double(i + 1);
  return v;
}

void check(const Tensor &x, const ops::Pool2dParams &p) {
  SCOPED_TRACE("x " + formatShape(x.shape()) + " k" +
               std::to_string(p.kernelH) + " s" + std::to_string(p.strideH) +
               " p" + std::to_string(p.padH) + " d" +
               std::to_string(p.dilationH) + (p.ceilMode ? " ceil" : "") +
               (p.countIncludePad ? "" : " exclude-pad"));
  Pooled r = naivePool(x, p);
  auto [v, i] = ops::maxPool2d(x, p);
  expectTensor(v, r.shape, x.dtype(), r.max);
  expectTensor(i, r.shape, DType::Int64, r.argmax, 0);
  Tensor dy = makeTensor(v.shape(), counting(v.numel()), x.dtype());
  expectTensor(ops::maxPool2dGrad(dy, i, x.shape()), x.shape(), x.dtype(),
               r.maxGrad);
  if (p.dilationH != 1 || p.dilationW != 1)
    return;
  Tensor a = ops::avgPool2d(x, p);
  expectTensor(a, r.shape, x.dtype(), r.avg);
  Tensor da = makeTensor(a.shape(), counting(a.numel()), x.dtype());
  expectTensor(ops::avgPool2dGrad(da, x.shape(), p), x.shape(), x.dtype(),
               r.avgGrad);
}

TEST(Pool, MatchesNaivePooling) {
  Tensor x = sampleTensor({2, 3, 7, 6});
  for (bool ceil : {false, true})
    for (bool includePad : {true, false}) {
      check(x, pool(2, 2, 0, ceil, includePad));
      check(x, pool(3, 2, 1, ceil, includePad));
      check(x, pool(3, 1, 1, ceil, includePad));
      check(x, pool(2, 3, 1, ceil, includePad));
      check(x, pool(5, 2, 2, ceil, includePad));
    }
  check(x, pool(2, 1, 0, false, true, 2));
  check(x, pool(3, 2, 1, true, true, 2));
  ops::Pool2dParams odd = pool(3, 2, 1);
  odd.kernelW = 2;
  odd.strideW = 1;
  odd.padW = 0;
  check(x, odd);
  // Unbatched, transposed, float64, 1x1 planes.
  check(sampleTensor({3, 5, 5}), pool(2, 2));
  check(sampleTensor({2, 3, 6, 7}).transpose(2, 3), pool(3, 2, 1, true));
  check(sampleTensor({2, 2, 5, 4}, DType::Float64), pool(2, 1, 1));
  check(sampleTensor({2, 2, 1, 1}), pool(1, 1));
  // Enough planes to split across threads.
  check(sampleTensor({8, 16, 16, 16}), pool(3, 2, 1));
}

TEST(Pool, TiesNaNAndInfinity) {
  // The first maximum wins; NaN beats everything; all -inf keeps the first.
  Tensor x = makeTensor({1, 1, 2, 4}, {5, 5, 1, kNaN, 5, 0, -kInf, -kInf});
  auto [v, i] = ops::maxPool2d(x, pool(2, 2));
  expectTensor(v, {1, 1, 1, 2}, DType::Float32, {5, kNaN});
  expectTensor(i, {1, 1, 1, 2}, DType::Int64, {0, 3});
  auto [v2, i2] =
      ops::maxPool2d(makeTensor({1, 1, 1, 2}, {-kInf, -kInf}), pool(2, 2, 1));
  expectTensor(v2, {1, 1, 1, 2}, DType::Float32, {-kInf, -kInf});
  expectTensor(i2, {1, 1, 1, 2}, DType::Int64, {0, 1});
}

TEST(Pool, MatchesPyTorchGolden) {
  // x = ((arange(25) * 7 % 11) - 5).reshape(1, 1, 5, 5); kernel 3, stride 2,
  // padding 1, ceil_mode; avg gradients for dy = 1..9.
  std::vector<double> xv(25);
  for (int i = 0; i < 25; ++i)
    xv[i] = (i * 7 % 11) - 5;
  Tensor x = makeTensor({1, 1, 5, 5}, xv);
  auto [v, i] = ops::maxPool2d(x, pool(3, 2, 1, true));
  expectTensor(v, {1, 1, 3, 3}, DType::Float32, {4, 5, 5, 4, 4, 5, 3, 4, 2});
  expectTensor(i, {1, 1, 3, 3}, DType::Int64, {6, 3, 3, 6, 6, 14, 20, 17, 23},
               0);
  expectTensor(ops::maxPool2dGrad(Tensor::full({1, 1, 3, 3}, DType::Float32, 1),
                                  i, {1, 1, 5, 5}),
               {1, 1, 5, 5}, DType::Float32,
               {0, 0, 0, 2, 0, 0, 3, 0, 0, 0, 0, 0, 0,
                0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0});
  Tensor dy = makeTensor({1, 1, 3, 3}, counting(9));
  expectTensor(ops::avgPool2d(x, pool(3, 2, 1, true, true)), {1, 1, 3, 3},
               DType::Float32,
               {-0.2222222239, 0.555555582, 0.555555582, -0.777777791,
                -0.4444444478, -0.2222222239, 0, -0.3333333433, -0.4444444478});
  expectTensor(ops::avgPool2dGrad(dy, {1, 1, 5, 5}, pool(3, 2, 1, true, true)),
               {1, 1, 5, 5}, DType::Float32,
               {0.1111111119,
                0.3333333433,
                0.2222222239,
                0.555555582,
                0.3333333433,
                0.555555582,
                1.333333373,
                0.777777791,
                1.77777791,
                1,
                0.4444444478,
                1,
                0.555555582,
                1.222222328,
                0.6666666865,
                1.222222209,
                2.666666746,
                1.444444418,
                3.111111164,
                1.666666746,
                0.777777791,
                1.666666746,
                0.8888888955,
                1.888888836,
                1});
  expectTensor(ops::avgPool2d(x, pool(3, 2, 1, true, false)), {1, 1, 3, 3},
               DType::Float32,
               {-0.5, 0.8333333135, 1.25, -1.166666627, -0.4444444478,
                -0.3333333433, 0, -0.5, -1});
  expectTensor(ops::avgPool2dGrad(dy, {1, 1, 5, 5}, pool(3, 2, 1, true, false)),
               {1, 1, 5, 5}, DType::Float32,
               {0.25,         0.5833333731, 0.3333333433, 1.083333373, 0.75,
                0.9166666865, 1.805555582,  0.8888889551, 2.638888836, 1.75,
                0.6666666865, 1.222222328,  0.555555582,  1.555555582, 1,
                2.416666746,  4.30555582,   1.888888955,  5.138888836, 3.25,
                1.75,         3.083333492,  1.333333373,  3.583333492, 2.25});
}

TEST(Pool, IntegerAverageAndEmptyBatch) {
  Tensor x = makeTensor({1, 1, 2, 2}, {1, 2, 3, 5}, DType::Int64);
  expectTensor(ops::avgPool2d(x, pool(2, 2)), {1, 1, 1, 1}, DType::Int64, {2});
  auto [v, i] =
      ops::maxPool2d(Tensor::empty({0, 2, 4, 4}, DType::Float32), pool(2, 2));
  expectTensor(v, {0, 2, 2, 2}, DType::Float32, {});
  expectTensor(
      ops::avgPool2d(Tensor::empty({0, 2, 4, 4}, DType::Float32), pool(2, 2)),
      {0, 2, 2, 2}, DType::Float32, {});
}

TEST(Pool, Errors) {
  Tensor x = sampleTensor({1, 1, 5, 5});
  EXPECT_TERRA_ERROR(ops::maxPool2d(x, pool(2, 2, 2)), Runtime,
                     "pad should be at most half of kernel size, but got "
                     "pad=2 and kernel_size=2");
  EXPECT_TERRA_ERROR(ops::avgPool2d(x, pool(2, 2, 2)), Runtime,
                     "pad should be at most half of kernel size");
  EXPECT_TERRA_ERROR(ops::maxPool2d(sampleTensor({1, 1, 1, 1}), pool(2, 2)),
                     Runtime,
                     "Given input size: (1x1x1). Calculated output size: "
                     "(1x0x0). Output size is too small");
  EXPECT_TERRA_ERROR(ops::avgPool2d(sampleTensor({1, 1, 1, 1}), pool(2, 2)),
                     Runtime, "Output size is too small");
  EXPECT_TERRA_ERROR(ops::maxPool2d(x, pool(2, 0)), Runtime,
                     "stride should not be zero");
  EXPECT_TERRA_ERROR(ops::maxPool2d(x, pool(0, 1)), Runtime,
                     "kernel size should be greater than zero, but got kH: 0 "
                     "kW: 0");
  EXPECT_TERRA_ERROR(ops::maxPool2d(x, pool(2, 1, 0, false, true, 0)), Runtime,
                     "dilation should be greater than zero, but got "
                     "dilationH: 0 dilationW: 0");
  EXPECT_TERRA_ERROR(ops::maxPool2d(sampleTensor({5, 5}), pool(2, 2)), Runtime,
                     "non-empty 3D or 4D (batch mode) tensor expected for "
                     "input");
  EXPECT_TERRA_ERROR(
      ops::maxPool2d(Tensor::empty({1, 0, 5, 5}, DType::Float32), pool(2, 2)),
      Runtime,
      "Expected 3D or 4D (batch mode) tensor with optional 0 "
      "dim batch size for input, but got:[1, 0, 5, 5]");
  EXPECT_TERRA_ERROR(
      ops::maxPool2d(sampleTensor({1, 1, 5, 5}, DType::Int64), pool(2, 2)),
      Runtime, "\"max_pool2d\" not implemented for 'Long'");
  EXPECT_TERRA_ERROR(
      ops::avgPool2d(sampleTensor({1, 1, 5, 5}, DType::Bool), pool(2, 2)),
      Runtime, "\"avg_pool2d\" not implemented for 'Bool'");
  EXPECT_TERRA_ERROR(
      ops::avgPool2dGrad(sampleTensor({1, 1, 3, 3}), {1, 1, 5, 5}, pool(2, 2)),
      Runtime,
      "avg_pool2d_backward: expected grad_output of shape "
      "[1, 1, 2, 2], but got [1, 1, 3, 3]");
  auto [v, i] = ops::maxPool2d(x, pool(2, 2));
  EXPECT_TERRA_ERROR(ops::maxPool2dGrad(v, i.to(DType::Int32), {1, 1, 5, 5}),
                     Runtime, "expected int64 indices");
  EXPECT_TERRA_ERROR(ops::maxPool2dGrad(v, i, {1, 2, 5, 5}), Runtime,
                     "does not pool an input of shape [1, 2, 5, 5]");
  EXPECT_TERRA_ERROR(
      ops::maxPool2dGrad(v, Tensor::full({1, 1, 2, 2}, DType::Int64, 25),
                         {1, 1, 5, 5}),
      Index, "index out of range");
}

} // namespace
