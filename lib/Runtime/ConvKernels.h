//===- ConvKernels.h - conv2d and its gradients on raw buffers --*- C++ -*-===//
//
// Each sample and group is one GEMM against its im2col matrix
// [C/g * KH * KW, OH * OW] (measured faster than direct loops here). A 1x1,
// stride-1, unpadded convolution skips im2col: the input plane already is
// that matrix; a kernel covering the whole unpadded input makes the batch
// one matrix product. Samples are split across threads, each with its own
// column buffer; a batch too small to split splits each GEMM instead
// (splitGemm). The weight gradient sums per-thread partials in a fixed
// order so the result does not depend on scheduling.
//
// Shared by the eager kernels (Conv.cpp, which checks shapes and dtypes
// first) and the functions compiled blocks call (ConvCalls.cpp): contiguous
// NCHW buffers, shapes already valid.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_RUNTIME_CONVKERNELS_H
#define TERRA_LIB_RUNTIME_CONVKERNELS_H

#include "terra/Runtime/Ops.h"

#include "Gemm.h"
#include "Parallel.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

namespace terra {
namespace detail {

struct ConvGeometry {
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

/// The geometry of a convolution of an NCHW `input` with an
/// F x C/groups x KH x KW `weight`, both valid for `p`.
inline ConvGeometry convGeometry(const int64_t input[4],
                                 const int64_t weight[4],
                                 const ops::Conv2dParams &p) {
  ConvGeometry g;
  g.n = input[0], g.c = input[1], g.h = input[2], g.w = input[3];
  g.f = weight[0], g.kh = weight[2], g.kw = weight[3];
  g.groups = p.groups, g.cg = weight[1], g.fg = g.f / p.groups;
  int64_t extentH = p.dilationH * (g.kh - 1) + 1,
          extentW = p.dilationW * (g.kw - 1) + 1;
  g.oh = (g.h + 2 * p.padH - extentH) / p.strideH + 1;
  g.ow = (g.w + 2 * p.padW - extentW) / p.strideW + 1;
  g.direct = g.kh == 1 && g.kw == 1 && p.strideH == 1 && p.strideW == 1 &&
             p.padH == 0 && p.padW == 0;
  g.dense = g.kh == g.h && g.kw == g.w && p.padH == 0 && p.padW == 0 &&
            p.dilationH == 1 && p.dilationW == 1 && g.groups == 1;
  return g;
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
void forEachColumnRow(const ConvGeometry &g, const ops::Conv2dParams &p, T *col,
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
void im2col(const ConvGeometry &g, const ops::Conv2dParams &p, const T *x,
            T *col) {
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
void col2im(const ConvGeometry &g, const ops::Conv2dParams &p, const T *col,
            T *dx) {
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
void forEachSample(const ConvGeometry &g, Body body) {
  const int64_t cost = std::max<int64_t>(g.groups * g.fg * g.k() * g.p(), 1);
  parallelFor(g.n, cost, [&](int64_t begin, int64_t end) {
    std::vector<T> col(g.direct ? 0 : g.k() * g.p());
    for (int64_t s = begin; s < end; ++s)
      body(s, col.data());
  });
}

/// y [N, F, OH, OW] = conv(in, wt) + bias (`bias` may be null).
template <typename T>
void conv2dForward(const ConvGeometry &g, const ops::Conv2dParams &params,
                   const T *in, const T *wt, const T *bs, T *out) {
  const int64_t K = g.k(), P = g.p();
  if (g.dense) {
    // y [N, F] = bias + x [N, K] W [F, K]^T.
    for (int64_t s = 0; s < g.n; ++s)
      for (int64_t f = 0; f < g.f; ++f)
        out[s * g.f + f] = bs ? bs[f] : T(0);
    if (K > 0)
      splitGemm<T>(false, true, g.n, g.f, K, in, K, wt, K, T(1), out, g.f);
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
      splitGemm<T>(false, false, g.fg, P, K, wt + gi * g.fg * K, K,
                   g.direct ? xs : col, P, T(1), y, P);
    }
  });
}

/// dx [N, C, H, W] (zeroed by the caller) = the input gradient for dy.
template <typename T>
void conv2dGradInput(const ConvGeometry &g, const ops::Conv2dParams &params,
                     const T *dout, const T *wt, T *dx) {
  const int64_t K = g.k(), P = g.p();
  if (K == 0 || P == 0 || g.fg == 0)
    return;
  if (g.dense) {
    // dx [N, K] = dy [N, F] W [F, K].
    splitGemm<T>(false, false, g.n, K, g.f, dout, g.f, wt, K, T(0), dx, K);
    return;
  }
  forEachSample<T>(g, [&](int64_t s, T *col) {
    for (int64_t gi = 0; gi < g.groups; ++gi) {
      const T *d = dout + (s * g.f + gi * g.fg) * P;
      T *dxs = dx + (s * g.c + gi * g.cg) * g.h * g.w;
      // col = W_g^T dy_g, then scattered back onto the input.
      splitGemm<T>(true, false, K, P, g.fg, wt + gi * g.fg * K, K, d, P, T(0),
                   g.direct ? dxs : col, P);
      if (!g.direct)
        col2im(g, params, col, dxs);
    }
  });
}

/// dw [F, C/g, KH, KW] (zeroed by the caller) = the weight gradient for dy.
template <typename T>
void conv2dGradWeight(const ConvGeometry &g, const ops::Conv2dParams &params,
                      const T *in, const T *dout, T *dw) {
  const int64_t K = g.k(), P = g.p();
  if (g.n == 0 || K == 0 || P == 0)
    return;
  if (g.dense) {
    // dW [F, K] = dy [N, F]^T x [N, K].
    splitGemm<T>(true, false, g.f, K, g.n, dout, g.f, in, K, T(0), dw, K);
    return;
  }
  // One partial weight gradient per part of the batch, summed in order.
  const int64_t parts = std::min<int64_t>(g.n, numThreads());
  const int64_t weightCount = g.f * K;
  std::vector<T> partials((parts - 1) * weightCount);
  const int64_t cost = g.n / parts * g.groups * g.fg * K * P;
  parallelFor(
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
              splitGemm<T>(false, true, g.fg, K, P, d, P,
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

} // namespace detail
} // namespace terra

#endif // TERRA_LIB_RUNTIME_CONVKERNELS_H
