//===- ConvTest.cpp - conv2d and its gradients ----------------------------===//
//
// The im2col kernels against a direct seven-loop convolution (forward and
// both gradients at once) over strides, padding, dilation, groups, 1x1
// kernels and layouts, plus one golden case computed with PyTorch 1.13.
//
//===----------------------------------------------------------------------===//

#include "TensorTestUtils.h"

using namespace terra;
using namespace terra::testing;

namespace {

struct Reference {
  Shape outShape;
  std::vector<double> y, dx, dw;
};

/// Direct convolution; dx and dw are the gradients for `dy` (laid out as y).
Reference naiveConv(const Tensor &x, const Tensor &w, const Tensor &b,
                    const ops::Conv2dParams &p,
                    const std::vector<double> &dyValues) {
  int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2],
          W = x.shape()[3];
  int64_t F = w.shape()[0], Cg = w.shape()[1], KH = w.shape()[2],
          KW = w.shape()[3];
  int64_t Fg = F / p.groups;
  int64_t OH = (H + 2 * p.padH - p.dilationH * (KH - 1) - 1) / p.strideH + 1;
  int64_t OW = (W + 2 * p.padW - p.dilationW * (KW - 1) - 1) / p.strideW + 1;
  Reference r;
  r.outShape = {N, F, OH, OW};
  r.y.assign(N * F * OH * OW, 0);
  r.dx.assign(x.numel(), 0);
  r.dw.assign(w.numel(), 0);
  std::vector<double> xv = values(x), wv = values(w);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t f = 0; f < F; ++f)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          int64_t yi = ((n * F + f) * OH + oh) * OW + ow;
          double acc = b.defined() ? b.elementAsDouble(f) : 0;
          double dy = dyValues.empty() ? 0 : dyValues[yi];
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < KH; ++i)
              for (int64_t j = 0; j < KW; ++j) {
                int64_t ih = oh * p.strideH - p.padH + i * p.dilationH;
                int64_t iw = ow * p.strideW - p.padW + j * p.dilationW;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                  continue;
                int64_t ci = (f / Fg) * Cg + c;
                int64_t xi = ((n * C + ci) * H + ih) * W + iw;
                int64_t wi = ((f * Cg + c) * KH + i) * KW + j;
                acc += xv[xi] * wv[wi];
                r.dx[xi] += dy * wv[wi];
                r.dw[wi] += dy * xv[xi];
              }
          r.y[yi] = acc;
        }
  return r;
}

void check(const Tensor &x, const Tensor &w, const Tensor &b,
           const ops::Conv2dParams &p, double tolerance = 1e-4) {
  SCOPED_TRACE("x " + formatShape(x.shape()) + " w " + formatShape(w.shape()) +
               " groups " + std::to_string(p.groups) + " stride " +
               std::to_string(p.strideH));
  Tensor y = ops::conv2d(x, w, b, p);
  std::vector<double> dyValues = sampleValues(y.numel(), 99);
  Reference r = naiveConv(x, w, b, p, dyValues);
  expectTensor(y, r.outShape, x.dtype(), r.y, tolerance);
  Tensor dy = makeTensor(y.shape(), dyValues, x.dtype());
  if (!isFloating(x.dtype()))
    return;
  expectTensor(ops::conv2dGradInput(dy, w, x.shape(), p), x.shape(), x.dtype(),
               r.dx, tolerance);
  expectTensor(ops::conv2dGradWeight(x, dy, w.shape(), p), w.shape(), x.dtype(),
               r.dw, tolerance);
}

ops::Conv2dParams params(int64_t stride, int64_t pad, int64_t dilation = 1,
                         int64_t groups = 1) {
  ops::Conv2dParams p;
  p.strideH = p.strideW = stride;
  p.padH = p.padW = pad;
  p.dilationH = p.dilationW = dilation;
  p.groups = groups;
  return p;
}

TEST(Conv, MatchesDirectConvolution) {
  Tensor x = sampleTensor({2, 3, 7, 6}, DType::Float32, 1);
  Tensor w = sampleTensor({4, 3, 3, 3}, DType::Float32, 2);
  Tensor b = sampleTensor({4}, DType::Float32, 3);
  check(x, w, b, params(1, 1));
  check(x, w, Tensor(), params(2, 0));
  check(x, w, b, params(3, 2, 2));
  ops::Conv2dParams odd = params(2, 1);
  odd.strideW = 1;
  odd.padW = 0;
  odd.dilationH = 2;
  check(x, sampleTensor({5, 3, 3, 2}, DType::Float32, 4), Tensor(), odd);
  // Groups, depthwise and 1x1 (the im2col-free path).
  check(sampleTensor({2, 4, 5, 5}),
        sampleTensor({6, 2, 3, 3}, DType::Float32, 5), sampleTensor({6}),
        params(1, 1, 1, 2));
  check(sampleTensor({1, 4, 5, 5}),
        sampleTensor({4, 1, 3, 3}, DType::Float32, 6), Tensor(),
        params(2, 1, 1, 4));
  check(sampleTensor({2, 5, 4, 3}),
        sampleTensor({3, 5, 1, 1}, DType::Float32, 7), sampleTensor({3}),
        params(1, 0));
  check(sampleTensor({2, 4, 4, 3}),
        sampleTensor({6, 2, 1, 1}, DType::Float32, 8), Tensor(),
        params(1, 0, 1, 2));
  check(sampleTensor({1, 2, 5, 5}),
        sampleTensor({3, 2, 1, 1}, DType::Float32, 9), Tensor(), params(2, 1));
  // Kernel as large as the padded input; size-1 planes.
  check(sampleTensor({1, 1, 2, 2}), sampleTensor({1, 1, 4, 4}), Tensor(),
        params(1, 1));
  check(sampleTensor({3, 2, 1, 1}), sampleTensor({2, 2, 1, 1}), Tensor(),
        params(1, 0));
  // Kernel as large as the unpadded input: one matrix product per batch.
  check(sampleTensor({5, 3, 4, 3}),
        sampleTensor({2, 3, 4, 3}, DType::Float32, 10), sampleTensor({2}),
        params(2, 0));
  check(sampleTensor({4, 6, 2, 2}, DType::Float64),
        sampleTensor({7, 6, 2, 2}, DType::Float64, 11), Tensor(), params(1, 0),
        1e-10);
  check(sampleTensor({3, 2, 3, 3}, DType::Int64),
        sampleTensor({2, 2, 3, 3}, DType::Int64, 12),
        sampleTensor({2}, DType::Int64), params(1, 0), 0);
}

TEST(Conv, LayoutsDtypesAndBatches) {
  // Transposed spatial dims and a sliced batch.
  Tensor x = sampleTensor({2, 3, 6, 7}).transpose(2, 3);
  Tensor w = sampleTensor({4, 3, 3, 3}, DType::Float32, 2).transpose(2, 3);
  check(x, w, Tensor(), params(1, 1));
  check(sampleTensor({4, 3, 5, 5}).slice(0, 1, 4, 2), w, Tensor(),
        params(1, 0));
  check(sampleTensor({2, 3, 6, 5}, DType::Float64),
        sampleTensor({4, 3, 3, 3}, DType::Float64, 2),
        sampleTensor({4}, DType::Float64), params(2, 1), 1e-10);
  check(sampleTensor({2, 3, 6, 5}, DType::Int64),
        sampleTensor({4, 3, 3, 3}, DType::Int64, 2),
        sampleTensor({4}, DType::Int64), params(2, 1), 0);
  // Enough work to split the batch across threads.
  check(sampleTensor({8, 8, 12, 12}),
        sampleTensor({8, 8, 3, 3}, DType::Float32, 2), sampleTensor({8}),
        params(1, 1), 1e-3);
  // Unbatched input.
  Tensor u = sampleTensor({3, 5, 5});
  Tensor y = ops::conv2d(u, w, Tensor(), params(1, 0));
  Reference r = naiveConv(u.unsqueeze(0), w, Tensor(), params(1, 0), {});
  expectTensor(y, {4, 3, 3}, DType::Float32, r.y);
  expectTensor(
      ops::conv2dGradInput(y, w, {3, 5, 5}, params(1, 0)), {3, 5, 5},
      DType::Float32,
      naiveConv(u.unsqueeze(0), w, Tensor(), params(1, 0), values(y)).dx);
  // An empty batch.
  expectTensor(ops::conv2d(Tensor::empty({0, 3, 5, 5}, DType::Float32), w,
                           Tensor(), params(1, 0)),
               {0, 4, 3, 3}, DType::Float32, {});
  expectTensor(
      ops::conv2dGradWeight(Tensor::empty({0, 3, 5, 5}, DType::Float32),
                            Tensor::empty({0, 4, 3, 3}, DType::Float32),
                            {4, 3, 3, 3}, params(1, 0)),
      {4, 3, 3, 3}, DType::Float32, std::vector<double>(108, 0));
}

TEST(Conv, MatchesPyTorchGolden) {
  // x, w, b and dy as in the generating script (PyTorch 1.13, float64):
  //   x = ((arange(32) % 7 - 3) / 2).reshape(1, 2, 4, 4)
  //   w = ((arange(54) % 5 - 2) / 4).reshape(3, 2, 3, 3)
  //   y = conv2d(x, w, [0.5, -1, 0.25], stride=2, padding=1)
  //   y.backward((arange(12) / 10).reshape(y.shape))   # float32 tenths
  std::vector<double> xv(32), wv(54), dyv(12);
  for (int i = 0; i < 32; ++i)
    xv[i] = (i % 7 - 3) / 2.0;
  for (int i = 0; i < 54; ++i)
    wv[i] = (i % 5 - 2) / 4.0;
  for (int i = 0; i < 12; ++i)
    dyv[i] = static_cast<float>(i / 10.0);
  Tensor x = makeTensor({1, 2, 4, 4}, xv, DType::Float64);
  Tensor w = makeTensor({3, 2, 3, 3}, wv, DType::Float64);
  Tensor b = makeTensor({3}, {0.5, -1, 0.25}, DType::Float64);
  expectTensor(ops::conv2d(x, w, b, params(2, 1)), {1, 3, 2, 2}, DType::Float64,
               {0, 1, 0.75, 0.125, -0.125, -1.375, -2.875, 1.25, 1.25, -0.375,
                1.25, -0.5},
               1e-12);
  Tensor dy = makeTensor({1, 3, 2, 2}, dyv, DType::Float64);
  expectTensor(ops::conv2dGradInput(dy, w, {1, 2, 4, 4}, params(2, 1)),
               {1, 2, 4, 4}, DType::Float64,
               {-0.400000006,    0.249999987,   -0.3999999873,  -0.1499999948,
                0.2500000112,    0.2249999773,  0.2499999851,   0.2750000004,
                -0.3999999985,   0.2500000224,  -0.400000006,   -0.2500000149,
                -0.05000001192,  0.6749999858,  -0.07499998808, 0.4500000179,
                0.3000000045,    -0.4250000119, 0.3499999885,   -0.3999999873,
                7.450580597e-09, -0.2999999896, -0.02500001527, 0.2499999851,
                0.3999999948,    -0.4749999866, 0.4500000179,   -0.400000006,
                0.2500000112,    -0.3000000268, 0.2749999911,   -0.07499998808},
               1e-8);
  Tensor dw = ops::conv2dGradWeight(x, dy, {3, 2, 3, 3}, params(2, 1));
  std::vector<double> expected = {
      0.3000000119,  0.5500000194,  -0.2500000149,    -0.2500000075,
      -0.2500000037, 0.05000000447, 0.5500000194,     -0.1000000127,
      -0.1500000097, -0.4500000179, -7.450580597e-09, -0.4500000104,
      0.150000006,   0.3500000127,  0.6500000209,     -0.4500000142,
      -0.5500000119, -0.2500000037, 0.6999999881,     1.349999994,
      -0.4499999583, -0.849999994,  -1.450000033,     -0.3500000238,
      1.549999982,   0.5000000447,  -0.1499999464,    -1.049999982,
      0.2000000477,  -1.25000003,   0.349999994,      0.7499999851,
      1.849999994,   -1.449999988,  -1.150000021,     -1.450000033,
      1.100000024,   2.150000036,   -0.6500000358,    -1.449999988,
      -2.650000006,  -0.75,         2.550000012,      1.099999934,
      -0.1499999762, -1.650000036,  0.3999999762,     -2.050000012,
      0.5500000119,  1.150000006,   3.050000012,      -2.449999988,
      -1.74999997,   -2.650000006};
  expectTensor(dw, {3, 2, 3, 3}, DType::Float64, expected, 1e-8);
}

TEST(Conv, Errors) {
  Tensor x = sampleTensor({1, 3, 5, 5}), w = sampleTensor({8, 3, 3, 3});
  EXPECT_TERRA_ERROR(
      ops::conv2d(sampleTensor({2, 3}), w, Tensor(), params(1, 0)), Runtime,
      "Expected 3D (unbatched) or 4D (batched) input to conv2d, "
      "but got input of size: [2, 3]");
  EXPECT_TERRA_ERROR(
      ops::conv2d(x, sampleTensor({8, 3, 3}), Tensor(), params(1, 0)), Runtime,
      "expected a 4-dimensional weight");
  EXPECT_TERRA_ERROR(
      ops::conv2d(x, sampleTensor({8, 4, 3, 3}), Tensor(), params(1, 0)),
      Runtime,
      "Given groups=1, weight of size [8, 4, 3, 3], expected input[1, 3, 5, "
      "5] to have 4 channels, but got 3 channels instead");
  EXPECT_TERRA_ERROR(
      ops::conv2d(sampleTensor({1, 3, 2, 2}), w, Tensor(), params(1, 0)),
      Runtime,
      "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x "
      "3). Kernel size can't be greater than actual input size");
  EXPECT_TERRA_ERROR(ops::conv2d(sampleTensor({1, 4, 5, 5}),
                                 sampleTensor({3, 2, 3, 3}), Tensor(),
                                 params(1, 0, 1, 2)),
                     Runtime,
                     "Given groups=2, expected weight to be divisible by 2 at "
                     "dimension 0, but got weight of size [3, 2, 3, 3] "
                     "instead");
  EXPECT_TERRA_ERROR(
      ops::conv2d(x, sampleTensor({0, 3, 3, 3}), Tensor(), params(1, 0)),
      Runtime, "expected weight to be at least 1 at dimension 0");
  EXPECT_TERRA_ERROR(ops::conv2d(x, w, sampleTensor({4}), params(1, 0)),
                     Runtime,
                     "Given weight of size [8, 3, 3, 3], expected bias to be "
                     "1-dimensional with 8 elements, but got bias of size [4] "
                     "instead");
  EXPECT_TERRA_ERROR(ops::conv2d(x, w, Tensor(), params(0, 0)), Runtime,
                     "non-positive stride is not supported");
  EXPECT_TERRA_ERROR(ops::conv2d(x, w, Tensor(), params(1, -1)), Runtime,
                     "negative padding is not supported");
  EXPECT_TERRA_ERROR(ops::conv2d(x, w, Tensor(), params(1, 0, 0)), Runtime,
                     "dilation should be greater than zero, but got [0, 0]");
  EXPECT_TERRA_ERROR(ops::conv2d(x, w, Tensor(), params(1, 0, 1, 0)), Runtime,
                     "non-positive groups is not supported");
  EXPECT_TERRA_ERROR(ops::conv2d(x, sampleTensor({8, 3, 3, 3}, DType::Float64),
                                 Tensor(), params(1, 0)),
                     Runtime, "expected scalar type Float but found Double");
  EXPECT_TERRA_ERROR(
      ops::conv2d(x, w, sampleTensor({8}, DType::Float64), params(1, 0)),
      Runtime,
      "Input type (float32) and bias type (float64) should be the "
      "same");
  EXPECT_TERRA_ERROR(ops::conv2d(sampleTensor({1, 3, 5, 5}, DType::Bool),
                                 sampleTensor({8, 3, 3, 3}, DType::Bool),
                                 Tensor(), params(1, 0)),
                     Runtime, "\"slow_conv2d_cpu\" not implemented for 'Bool'");
  EXPECT_TERRA_ERROR(ops::conv2dGradInput(sampleTensor({1, 8, 2, 3}), w,
                                          {1, 3, 5, 5}, params(1, 0)),
                     Runtime,
                     "conv2d_backward: expected grad_output of shape [1, 8, "
                     "3, 3]");
  EXPECT_TERRA_ERROR(ops::conv2dGradWeight(x, sampleTensor({1, 8, 3, 2}),
                                           {8, 3, 3, 3}, params(1, 0)),
                     Runtime, "expected grad_output of shape [1, 8, 3, 3]");
}

} // namespace
