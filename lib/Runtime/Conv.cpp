//===- Conv.cpp - Eager conv2d and its gradients (im2col + GEMM) ----------===//
//
// Each sample and group is one GEMM against its im2col matrix
// [C/g * KH * KW, OH * OW] (measured faster than direct loops here). A 1x1,
// stride-1, unpadded convolution skips im2col: the input plane already is
// that matrix. Samples are split across threads, each with its own column
// buffer; a batch too small to split splits each GEMM instead (splitGemm).
// The weight gradient sums per-thread partials in a fixed order so
// the result does not depend on scheduling.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Ops.h"
#include "terra/Runtime/Recording.h"

#include "Gemm.h"
#include "KernelUtils.h"
#include "Parallel.h"

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

namespace terra {
namespace ops {
namespace {

struct Geometry {
  int64_t n, c, h, w;                        // Input.
  int64_t f, kh, kw;                         // Weight: F x C/groups x KH x KW.
  int64_t groups, cg, fg;                    // Channels per group.
  int64_t oh, ow;                            // Output plane.
  int64_t k() const { return cg * kh * kw; } // GEMM depth.
  int64_t p() const { return oh * ow; }      // Output pixels.
  bool direct; // 1x1, stride 1, no padding: no im2col.
  // The kernel covers the whole unpadded input (one output pixel, one
  // group): the batch is one matrix product with the flattened samples.
  bool dense;
};

std::string joined(int64_t a, int64_t b, const char *sep) {
  return std::to_string(a) + sep + std::to_string(b);
}

/// Validates shapes and parameters as torch.nn.functional.conv2d does.
Geometry checkConv(const Shape &input, const Shape &weight,
                   const Conv2dParams &p) {
  if (p.strideH <= 0 || p.strideW <= 0)
    throwError(Error::Kind::Runtime, "non-positive stride is not supported");
  if (p.padH < 0 || p.padW < 0)
    throwError(Error::Kind::Runtime, "negative padding is not supported");
  if (p.dilationH <= 0 || p.dilationW <= 0)
    throwError(Error::Kind::Runtime,
               "dilation should be greater than zero, but got [" +
                   joined(p.dilationH, p.dilationW, ", ") + "]");
  if (p.groups <= 0)
    throwError(Error::Kind::Runtime, "non-positive groups is not supported");
  if (input.size() != 4)
    throwError(Error::Kind::Runtime,
               "Expected 3D (unbatched) or 4D (batched) input to conv2d, but "
               "got input of size: " +
                   formatShape(input));
  if (weight.size() != 4)
    throwError(Error::Kind::Runtime,
               "conv2d: expected a 4-dimensional weight, but got weight of "
               "size " +
                   formatShape(weight));
  std::string groups = "Given groups=" + std::to_string(p.groups);
  if (weight[0] == 0)
    throwError(Error::Kind::Runtime,
               groups +
                   ", expected weight to be at least 1 at dimension 0, "
                   "but got weight of size " +
                   formatShape(weight) + " instead");
  if (weight[0] % p.groups != 0)
    throwError(Error::Kind::Runtime,
               groups + ", expected weight to be divisible by " +
                   std::to_string(p.groups) +
                   " at dimension 0, but got weight of size " +
                   formatShape(weight) + " instead");
  if (input[1] != weight[1] * p.groups)
    throwError(Error::Kind::Runtime,
               groups + ", weight of size " + formatShape(weight) +
                   ", expected input" + formatShape(input) + " to have " +
                   std::to_string(weight[1] * p.groups) +
                   " channels, but got " + std::to_string(input[1]) +
                   " channels instead");
  Geometry g;
  g.n = input[0], g.c = input[1], g.h = input[2], g.w = input[3];
  g.f = weight[0], g.kh = weight[2], g.kw = weight[3];
  g.groups = p.groups, g.cg = weight[1], g.fg = g.f / p.groups;
  int64_t paddedH = g.h + 2 * p.padH, paddedW = g.w + 2 * p.padW;
  int64_t extentH = p.dilationH * (g.kh - 1) + 1,
          extentW = p.dilationW * (g.kw - 1) + 1;
  if (paddedH < extentH || paddedW < extentW)
    throwError(Error::Kind::Runtime,
               "Calculated padded input size per channel: (" +
                   joined(paddedH, paddedW, " x ") + "). Kernel size: (" +
                   joined(extentH, extentW, " x ") +
                   "). Kernel size can't be greater than actual input size");
  g.oh = (paddedH - extentH) / p.strideH + 1;
  g.ow = (paddedW - extentW) / p.strideW + 1;
  g.direct = g.kh == 1 && g.kw == 1 && p.strideH == 1 && p.strideW == 1 &&
             p.padH == 0 && p.padW == 0;
  g.dense = g.kh == g.h && g.kw == g.w && p.padH == 0 && p.padW == 0 &&
            p.dilationH == 1 && p.dilationW == 1 && g.groups == 1;
  return g;
}

void checkDtypes(const Tensor &input, const Tensor &weight) {
  if (input.dtype() != weight.dtype())
    throwError(Error::Kind::Runtime,
               std::string("expected scalar type ") +
                   detail::scalarTypeName(input.dtype()) + " but found " +
                   detail::scalarTypeName(weight.dtype()));
  if (input.dtype() == DType::Bool)
    detail::throwNotImplementedFor("slow_conv2d_cpu", DType::Bool);
}

/// Range [lo, hi) of output columns whose input column
/// `o * stride + shift` lies in [0, size).
inline void validRange(int64_t shift, int64_t stride, int64_t size,
                       int64_t outSize, int64_t &lo, int64_t &hi) {
  lo = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
  hi = size - 1 - shift < 0 ? 0 : (size - 1 - shift) / stride + 1;
  lo = std::min(lo, outSize);
  hi = std::max(lo, std::min(hi, outSize));
}

/// Walks every (channel, kh, kw, oh) segment of the im2col matrix of one
/// group: `body(segment, base, lo, hi)` gets the segment (OW entries), the
/// input index of output column 0 (`base + ow * strideW` for column ow) and
/// the range [lo, hi) of columns that fall inside the input.
template <typename T, typename Body>
void forEachColumnRow(const Geometry &g, const Conv2dParams &p, T *col,
                      Body body) {
  const int64_t planeSize = g.h * g.w, pixels = g.p();
  for (int64_t c = 0; c < g.cg; ++c)
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        T *row = col + ((c * g.kh + i) * g.kw + j) * pixels;
        int64_t shiftW = j * p.dilationW - p.padW, lo, hi;
        validRange(shiftW, p.strideW, g.w, g.ow, lo, hi);
        for (int64_t oh = 0; oh < g.oh; ++oh) {
          int64_t ih = oh * p.strideH - p.padH + i * p.dilationH;
          bool inside = ih >= 0 && ih < g.h;
          body(row + oh * g.ow, c * planeSize + ih * g.w + shiftW,
               inside ? lo : 0, inside ? hi : 0);
        }
      }
}

/// The im2col matrix of one sample's group `x` ([C/g, H, W]).
template <typename T>
void im2col(const Geometry &g, const Conv2dParams &p, const T *x, T *col) {
  const int64_t sw = p.strideW;
  forEachColumnRow(g, p, col,
                   [&](T *dst, int64_t base, int64_t lo, int64_t hi) {
                     std::fill(dst, dst + lo, T(0));
                     if (sw == 1)
                       for (int64_t ow = lo; ow < hi; ++ow)
                         dst[ow] = x[base + ow];
                     else
                       for (int64_t ow = lo; ow < hi; ++ow)
                         dst[ow] = x[base + ow * sw];
                     std::fill(dst + hi, dst + g.ow, T(0));
                   });
}

/// Scatters an im2col matrix back onto the (zeroed) input gradient.
template <typename T>
void col2im(const Geometry &g, const Conv2dParams &p, const T *col, T *dx) {
  const int64_t sw = p.strideW;
  forEachColumnRow(g, p, const_cast<T *>(col),
                   [&](T *src, int64_t base, int64_t lo, int64_t hi) {
                     for (int64_t ow = lo; ow < hi; ++ow)
                       dx[base + ow * sw] += src[ow];
                   });
}

/// Runs `body(sample, col)` for every sample, split across threads with a
/// column buffer each.
template <typename T, typename Body>
void forEachSample(const Geometry &g, Body body) {
  const int64_t cost = std::max<int64_t>(g.groups * g.fg * g.k() * g.p(), 1);
  detail::parallelFor(g.n, cost, [&](int64_t begin, int64_t end) {
    std::vector<T> col(g.direct ? 0 : g.k() * g.p());
    for (int64_t s = begin; s < end; ++s)
      body(s, col.data());
  });
}

/// Adds the batch dimension to an unbatched (3-D) shape.
Shape batched(const Shape &shape) {
  if (shape.size() != 3)
    return shape;
  Shape result = shape;
  result.insert(result.begin(), 1);
  return result;
}

} // namespace

static Tensor conv2dKernel(const Tensor &input, const Tensor &weight,
                           const Tensor &bias, const Conv2dParams &params) {
  detail::requireDefined("conv2d", input);
  detail::requireDefined("conv2d", weight);
  const bool unbatched = input.dim() == 3;
  Geometry g = checkConv(batched(input.shape()), weight.shape(), params);
  checkDtypes(input, weight);
  if (bias.defined()) {
    if (bias.dim() != 1 || bias.shape()[0] != g.f)
      throwError(Error::Kind::Runtime,
                 "Given weight of size " + formatShape(weight.shape()) +
                     ", expected bias to be 1-dimensional with " +
                     std::to_string(g.f) + " elements, but got bias of size " +
                     formatShape(bias.shape()) + " instead");
    if (bias.dtype() != input.dtype())
      throwError(Error::Kind::Runtime,
                 std::string("Input type (") + dtypeName(input.dtype()) +
                     ") and bias type (" + dtypeName(bias.dtype()) +
                     ") should be the same");
  }
  Shape outShape = {g.n, g.f, g.oh, g.ow};
  Tensor result = Tensor::empty(outShape, input.dtype());
  Tensor x = input.contiguous(), w = weight.contiguous();
  Tensor b = bias.defined() ? bias.contiguous() : Tensor();
  const int64_t K = g.k(), P = g.p();
  dispatchDType(input.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      const T *in = x.data<T>(), *wt = w.data<T>();
      const T *bs = b.defined() ? b.data<T>() : nullptr;
      T *out = result.data<T>();
      if (g.dense) {
        // y [N, F] = bias + x [N, K] W [F, K]^T.
        for (int64_t s = 0; s < g.n; ++s)
          for (int64_t f = 0; f < g.f; ++f)
            out[s * g.f + f] = bs ? bs[f] : T(0);
        if (K > 0)
          detail::splitGemm<T>(false, true, g.n, g.f, K, in, K, wt, K, T(1),
                               out, g.f);
        return;
      }
      forEachSample<T>(g, [&](int64_t s, T *col) {
        for (int64_t gi = 0; gi < g.groups; ++gi) {
          const T *xs = in + (s * g.c + gi * g.cg) * g.h * g.w;
          T *y = out + (s * g.f + gi * g.fg) * P;
          // The bias seeds the output and the GEMM adds to it.
          for (int64_t f = 0; f < g.fg; ++f)
            std::fill_n(y + f * P, P, bs ? bs[gi * g.fg + f] : T(0));
          if (K == 0 || P == 0)
            continue;
          if (!g.direct)
            im2col(g, params, xs, col);
          detail::splitGemm<T>(false, false, g.fg, P, K, wt + gi * g.fg * K, K,
                               g.direct ? xs : col, P, T(1), y, P);
        }
      });
    }
  });
  return unbatched ? result.squeeze(0) : result;
}

static Tensor conv2dGradInputKernel(const Tensor &gradOutput,
                                    const Tensor &weight,
                                    const Shape &inputShape,
                                    const Conv2dParams &params) {
  detail::requireDefined("conv2d_backward", gradOutput);
  detail::requireDefined("conv2d_backward", weight);
  Geometry g = checkConv(batched(inputShape), weight.shape(), params);
  checkDtypes(gradOutput, weight);
  Shape outShape = {g.n, g.f, g.oh, g.ow};
  Tensor dy = gradOutput.dim() == 3 && inputShape.size() == 3
                  ? gradOutput.unsqueeze(0)
                  : gradOutput;
  if (dy.shape() != outShape)
    throwError(Error::Kind::Runtime,
               "conv2d_backward: expected grad_output of shape " +
                   formatShape(outShape) + " for input of shape " +
                   formatShape(inputShape) + ", but got " +
                   formatShape(gradOutput.shape()));
  Tensor result = Tensor::full(batched(inputShape), weight.dtype(), 0);
  dy = dy.contiguous();
  Tensor w = weight.contiguous();
  const int64_t K = g.k(), P = g.p();
  dispatchDType(weight.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      const T *dout = dy.data<T>(), *wt = w.data<T>();
      T *dx = result.data<T>();
      if (K == 0 || P == 0 || g.fg == 0)
        return;
      if (g.dense) {
        // dx [N, K] = dy [N, F] W [F, K].
        detail::splitGemm<T>(false, false, g.n, K, g.f, dout, g.f, wt, K, T(0),
                             dx, K);
        return;
      }
      forEachSample<T>(g, [&](int64_t s, T *col) {
        for (int64_t gi = 0; gi < g.groups; ++gi) {
          const T *d = dout + (s * g.f + gi * g.fg) * P;
          T *dxs = dx + (s * g.c + gi * g.cg) * g.h * g.w;
          // col = W_g^T dy_g, then scattered back onto the input.
          detail::splitGemm<T>(true, false, K, P, g.fg, wt + gi * g.fg * K, K,
                               d, P, T(0), g.direct ? dxs : col, P);
          if (!g.direct)
            col2im(g, params, col, dxs);
        }
      });
    }
  });
  return inputShape.size() == 3 ? result.squeeze(0) : result;
}

static Tensor conv2dGradWeightKernel(const Tensor &input,
                                     const Tensor &gradOutput,
                                     const Shape &weightShape,
                                     const Conv2dParams &params) {
  detail::requireDefined("conv2d_backward", input);
  detail::requireDefined("conv2d_backward", gradOutput);
  const bool unbatched = input.dim() == 3;
  Geometry g = checkConv(batched(input.shape()), weightShape, params);
  checkDtypes(input, gradOutput);
  Shape outShape = {g.n, g.f, g.oh, g.ow};
  Tensor dy = unbatched ? gradOutput.unsqueeze(0) : gradOutput;
  if (dy.shape() != outShape)
    throwError(Error::Kind::Runtime,
               "conv2d_backward: expected grad_output of shape " +
                   formatShape(outShape) + " for input of shape " +
                   formatShape(input.shape()) + ", but got " +
                   formatShape(gradOutput.shape()));
  Tensor result = Tensor::full(weightShape, input.dtype(), 0);
  Tensor x = input.contiguous();
  dy = dy.contiguous();
  const int64_t K = g.k(), P = g.p();
  if (g.n == 0 || K == 0 || P == 0)
    return result;
  // One partial weight gradient per part of the batch, summed in order.
  const int64_t parts = std::min<int64_t>(g.n, detail::numThreads());
  const int64_t weightCount = g.f * K;
  dispatchDType(input.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      const T *in = x.data<T>(), *dout = dy.data<T>();
      T *dw = result.data<T>();
      if (g.dense) {
        // dW [F, K] = dy [N, F]^T x [N, K].
        detail::splitGemm<T>(true, false, g.f, K, g.n, dout, g.f, in, K, T(0),
                             dw, K);
        return;
      }
      std::vector<T> partials((parts - 1) * weightCount);
      const int64_t cost = g.n / parts * g.groups * g.fg * K * P;
      detail::parallelFor(
          parts, std::max<int64_t>(cost, 1), [&](int64_t begin, int64_t end) {
            std::vector<T> col(g.direct ? 0 : K * P);
            for (int64_t part = begin; part < end; ++part) {
              T *target =
                  part == 0 ? dw : partials.data() + (part - 1) * weightCount;
              for (int64_t s = part * g.n / parts; s < (part + 1) * g.n / parts;
                   ++s)
                for (int64_t gi = 0; gi < g.groups; ++gi) {
                  const T *xs = in + (s * g.c + gi * g.cg) * g.h * g.w;
                  const T *d = dout + (s * g.f + gi * g.fg) * P;
                  if (!g.direct)
                    im2col(g, params, xs, col.data());
                  // dW_g += dy_g (Fg x P) * col^T (P x K).
                  detail::splitGemm<T>(false, true, g.fg, K, P, d, P,
                                       g.direct ? xs : col.data(), P, T(1),
                                       target + gi * g.fg * K, K);
                }
            }
          });
      for (int64_t part = 1; part < parts; ++part) {
        const T *partial = partials.data() + (part - 1) * weightCount;
        for (int64_t i = 0; i < weightCount; ++i)
          dw[i] += partial[i];
      }
    }
  });
  return result;
}

Conv2dParams conv2dParams(const std::vector<int64_t> &stride,
                          const std::vector<int64_t> &padding,
                          const std::vector<int64_t> &dilation,
                          int64_t groups) {
  Conv2dParams params;
  params.strideH = stride.at(0);
  params.strideW = stride.at(1);
  params.padH = padding.at(0);
  params.padW = padding.at(1);
  params.dilationH = dilation.at(0);
  params.dilationW = dilation.at(1);
  params.groups = groups;
  return params;
}

//===----------------------------------------------------------------------===//
// The ops as programs call them: the kernel, announced to the tracer
//===----------------------------------------------------------------------===//

namespace {

recording::Attributes convAttributes(const Conv2dParams &params) {
  return {
      {"stride", std::vector<int64_t>{params.strideH, params.strideW}},
      {"padding", std::vector<int64_t>{params.padH, params.padW}},
      {"dilation", std::vector<int64_t>{params.dilationH, params.dilationW}},
      {"groups", params.groups}};
}

} // namespace

Tensor conv2d(const Tensor &input, const Tensor &weight, const Tensor &bias,
              const Conv2dParams &params) {
  recording::Scope scope;
  auto kernel = [&] { return conv2dKernel(input, weight, bias, params); };
  auto attributes = [&] { return convAttributes(params); };
  if (!bias.defined())
    return scope.op("conv2d", {&input, &weight}, kernel, attributes);
  return scope.op("conv2d", {&input, &weight, &bias}, kernel, attributes);
}

Tensor conv2dGradInput(const Tensor &gradOutput, const Tensor &weight,
                       const Shape &inputShape, const Conv2dParams &params) {
  recording::Scope scope;
  return scope.op(
      "conv2d_grad_input", {&gradOutput, &weight},
      [&] {
        return conv2dGradInputKernel(gradOutput, weight, inputShape, params);
      },
      [&] {
        recording::Attributes attributes = convAttributes(params);
        attributes.push_back({"input_shape", inputShape});
        return attributes;
      });
}

Tensor conv2dGradWeight(const Tensor &input, const Tensor &gradOutput,
                        const Shape &weightShape, const Conv2dParams &params) {
  recording::Scope scope;
  return scope.op(
      "conv2d_grad_weight", {&input, &gradOutput},
      [&] {
        return conv2dGradWeightKernel(input, gradOutput, weightShape, params);
      },
      [&] {
        recording::Attributes attributes = convAttributes(params);
        attributes.push_back({"weight_shape", weightShape});
        return attributes;
      });
}

} // namespace ops
} // namespace terra
