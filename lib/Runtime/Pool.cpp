//===- Pool.cpp - Eager max and average pooling and their gradients -------===//
//
// Window bounds, tie-breaking and divisors follow PyTorch's CPU kernels
// exactly (aten/src/ATen/native/cpu/{MaxPool,AvgPool}Kernel.cpp), so that
// indices and values match bit for bit: the max keeps the first maximum and
// takes any NaN; padding never wins; the average divides by the clipped or
// padded window size. Planes (N x C) are split across threads.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Ops.h"
#include "terra/Runtime/Recording.h"

#include "KernelUtils.h"
#include "Parallel.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

namespace terra {
namespace ops {
namespace {

struct PoolGeometry {
  int64_t planes, h, w, oh, ow;
  Shape outShape;
};

int64_t pooledSize(int64_t size, int64_t kernel, int64_t pad, int64_t stride,
                   int64_t dilation, bool ceilMode) {
  int64_t span = size + 2 * pad - dilation * (kernel - 1) - 1;
  int64_t numerator = span + (ceilMode ? stride - 1 : 0);
  // Floor division (PyTorch's div_rtn): a negative span gives no window.
  int64_t out = (numerator >= 0 ? numerator / stride
                                : -((-numerator + stride - 1) / stride)) +
                1;
  // The last window must start inside the input or its left padding.
  if (ceilMode && (out - 1) * stride >= size + pad)
    --out;
  return out;
}

PoolGeometry checkPool(const char *name, const Shape &input,
                       const Pool2dParams &p, bool isMax) {
  if (p.kernelH <= 0 || p.kernelW <= 0)
    throwError(Error::Kind::Runtime,
               "kernel size should be greater than zero, but got kH: " +
                   std::to_string(p.kernelH) +
                   " kW: " + std::to_string(p.kernelW));
  if (p.strideH <= 0 || p.strideW <= 0)
    throwError(Error::Kind::Runtime, "stride should not be zero");
  if (isMax && (p.dilationH <= 0 || p.dilationW <= 0))
    throwError(Error::Kind::Runtime,
               "dilation should be greater than zero, but got dilationH: " +
                   std::to_string(p.dilationH) +
                   " dilationW: " + std::to_string(p.dilationW));
  if (p.padH < 0 || p.padW < 0 || p.padH > p.kernelH / 2 ||
      p.padW > p.kernelW / 2)
    throwError(
        Error::Kind::Runtime,
        "pad should be at most half of kernel size, but got pad=" +
            std::to_string(p.padH > p.kernelH / 2 || p.padH < 0 ? p.padH
                                                                : p.padW) +
            " and kernel_size=" +
            std::to_string(p.padH > p.kernelH / 2 || p.padH < 0 ? p.kernelH
                                                                : p.kernelW));
  if (input.size() != 3 && input.size() != 4)
    throwError(Error::Kind::Runtime,
               std::string(name) +
                   ": non-empty 3D or 4D (batch mode) tensor expected for "
                   "input, but got " +
                   formatShape(input));
  const size_t r = input.size();
  for (size_t d = r == 4 ? 1 : 0; d < r; ++d)
    if (input[d] == 0)
      throwError(Error::Kind::Runtime,
                 "Expected 3D or 4D (batch mode) tensor with optional 0 dim "
                 "batch size for input, but got:" +
                     formatShape(input));
  int64_t dilationH = isMax ? p.dilationH : 1,
          dilationW = isMax ? p.dilationW : 1;
  PoolGeometry g;
  g.h = input[r - 2];
  g.w = input[r - 1];
  g.planes = input[r - 3] * (r == 4 ? input[0] : 1);
  g.oh = pooledSize(g.h, p.kernelH, p.padH, p.strideH, dilationH, p.ceilMode);
  g.ow = pooledSize(g.w, p.kernelW, p.padW, p.strideW, dilationW, p.ceilMode);
  if (g.oh < 1 || g.ow < 1)
    throwError(Error::Kind::Runtime,
               "Given input size: (" + std::to_string(input[r - 3]) + "x" +
                   std::to_string(g.h) + "x" + std::to_string(g.w) +
                   "). Calculated output size: (" +
                   std::to_string(input[r - 3]) + "x" + std::to_string(g.oh) +
                   "x" + std::to_string(g.ow) + "). Output size is too small");
  g.outShape = input;
  g.outShape[r - 2] = g.oh;
  g.outShape[r - 1] = g.ow;
  return g;
}

void checkGradShape(const char *name, const Tensor &grad,
                    const Shape &expected) {
  if (grad.shape() != expected)
    throwError(Error::Kind::Runtime, std::string(name) +
                                         ": expected grad_output of shape " +
                                         formatShape(expected) + ", but got " +
                                         formatShape(grad.shape()));
}

/// The window of output (oh, ow) for average pooling, as PyTorch computes
/// it: the divisor counts the padded window, clipped to the padded input.
struct AvgWindow {
  int64_t h0, h1, w0, w1, divisor;
};

inline AvgWindow avgWindow(const PoolGeometry &g, const Pool2dParams &p,
                           int64_t oh, int64_t ow) {
  int64_t h0 = oh * p.strideH - p.padH, w0 = ow * p.strideW - p.padW;
  int64_t h1 = std::min(h0 + p.kernelH, g.h + p.padH);
  int64_t w1 = std::min(w0 + p.kernelW, g.w + p.padW);
  int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, g.h);
  w1 = std::min(w1, g.w);
  int64_t divisor = p.countIncludePad ? padded : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, divisor};
}

} // namespace

static std::pair<Tensor, Tensor> maxPool2dKernel(const Tensor &input,
                                                 const Pool2dParams &params) {
  detail::requireDefined("max_pool2d", input);
  PoolGeometry g = checkPool("max_pool2d", input.shape(), params, true);
  if (!isFloating(input.dtype()))
    detail::throwNotImplementedFor("max_pool2d", input.dtype());
  Tensor x = input.contiguous();
  Tensor values = Tensor::empty(g.outShape, input.dtype());
  Tensor indices = Tensor::empty(g.outShape, DType::Int64);
  const Pool2dParams &p = params;
  dispatchDType(input.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>) {
      const T *in = x.data<T>();
      T *out = values.data<T>();
      int64_t *idx = indices.data<int64_t>();
      const int64_t cost = g.oh * g.ow * p.kernelH * p.kernelW;
      detail::parallelFor(g.planes, cost, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
          const T *src = in + plane * g.h * g.w;
          T *dst = out + plane * g.oh * g.ow;
          int64_t *dstIdx = idx + plane * g.oh * g.ow;
          for (int64_t oh = 0; oh < g.oh; ++oh) {
            int64_t h0 = oh * p.strideH - p.padH;
            int64_t h1 = std::min(h0 + (p.kernelH - 1) * p.dilationH + 1, g.h);
            while (h0 < 0)
              h0 += p.dilationH;
            for (int64_t ow = 0; ow < g.ow; ++ow) {
              int64_t w0 = ow * p.strideW - p.padW;
              int64_t w1 =
                  std::min(w0 + (p.kernelW - 1) * p.dilationW + 1, g.w);
              while (w0 < 0)
                w0 += p.dilationW;
              int64_t best = h0 * g.w + w0;
              T maxValue = -std::numeric_limits<T>::infinity();
              for (int64_t ih = h0; ih < h1; ih += p.dilationH)
                for (int64_t iw = w0; iw < w1; iw += p.dilationW) {
                  int64_t index = ih * g.w + iw;
                  T v = src[index];
                  if (v > maxValue || std::isnan(v)) {
                    maxValue = v;
                    best = index;
                  }
                }
              dst[oh * g.ow + ow] = maxValue;
              dstIdx[oh * g.ow + ow] = best;
            }
          }
        }
      });
    }
  });
  return {values, indices};
}

static Tensor maxPool2dGradKernel(const Tensor &gradOutput,
                                  const Tensor &indices,
                                  const Shape &inputShape) {
  detail::requireDefined("max_pool2d_backward", gradOutput);
  detail::requireDefined("max_pool2d_backward", indices);
  if (indices.dtype() != DType::Int64 || indices.shape() != gradOutput.shape())
    throwError(Error::Kind::Runtime,
               "max_pool2d_backward: expected int64 indices of the shape of "
               "grad_output " +
                   formatShape(gradOutput.shape()) + ", but got " +
                   dtypeName(indices.dtype()) + " " +
                   formatShape(indices.shape()));
  const size_t r = inputShape.size();
  if ((r != 3 && r != 4) || gradOutput.dim() != static_cast<int64_t>(r) ||
      !std::equal(inputShape.begin(), inputShape.end() - 2,
                  gradOutput.shape().begin()))
    throwError(Error::Kind::Runtime,
               "max_pool2d_backward: grad_output of shape " +
                   formatShape(gradOutput.shape()) +
                   " does not pool an input of shape " +
                   formatShape(inputShape));
  Tensor result = Tensor::full(inputShape, gradOutput.dtype(), 0);
  Tensor dy = gradOutput.contiguous(), idx = indices.contiguous();
  const int64_t planeIn = inputShape[r - 2] * inputShape[r - 1];
  const int64_t planeOut =
      gradOutput.shape()[r - 2] * gradOutput.shape()[r - 1];
  const int64_t planes = planeOut == 0 ? 0 : dy.numel() / planeOut;
  dispatchDType(gradOutput.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      const T *src = dy.data<T>();
      const int64_t *where = idx.data<int64_t>();
      T *dx = result.data<T>();
      std::atomic<bool> bad{false};
      detail::parallelFor(planes, planeOut, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane)
          for (int64_t i = plane * planeOut; i < (plane + 1) * planeOut; ++i) {
            int64_t index = where[i];
            if (index < 0 || index >= planeIn) {
              bad = true;
              continue;
            }
            dx[plane * planeIn + index] += src[i];
          }
      });
      if (bad)
        throwError(Error::Kind::Index,
                   "max_pool2d_backward: index out of range of the input "
                   "plane of size " +
                       std::to_string(planeIn));
    }
  });
  return result;
}

static Tensor avgPool2dKernel(const Tensor &input, const Pool2dParams &params) {
  detail::requireDefined("avg_pool2d", input);
  PoolGeometry g = checkPool("avg_pool2d", input.shape(), params, false);
  if (input.dtype() == DType::Bool)
    detail::throwNotImplementedFor("avg_pool2d", input.dtype());
  Tensor x = input.contiguous();
  Tensor result = Tensor::empty(g.outShape, input.dtype());
  dispatchDType(input.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      // PyTorch accumulates float windows in double (acc_type on CPU).
      using Acc =
          std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
      const T *in = x.data<T>();
      T *out = result.data<T>();
      const int64_t cost = g.oh * g.ow * params.kernelH * params.kernelW;
      detail::parallelFor(g.planes, cost, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
          const T *src = in + plane * g.h * g.w;
          T *dst = out + plane * g.oh * g.ow;
          for (int64_t oh = 0; oh < g.oh; ++oh)
            for (int64_t ow = 0; ow < g.ow; ++ow) {
              AvgWindow win = avgWindow(g, params, oh, ow);
              Acc sum = 0;
              for (int64_t ih = win.h0; ih < win.h1; ++ih)
                for (int64_t iw = win.w0; iw < win.w1; ++iw)
                  sum += src[ih * g.w + iw];
              bool empty = win.h0 >= win.h1 || win.w0 >= win.w1;
              dst[oh * g.ow + ow] =
                  empty ? T(0)
                        : static_cast<T>(sum / static_cast<Acc>(win.divisor));
            }
        }
      });
    }
  });
  return result;
}

static Tensor avgPool2dGradKernel(const Tensor &gradOutput,
                                  const Shape &inputShape,
                                  const Pool2dParams &params) {
  detail::requireDefined("avg_pool2d_backward", gradOutput);
  PoolGeometry g = checkPool("avg_pool2d_backward", inputShape, params, false);
  checkGradShape("avg_pool2d_backward", gradOutput, g.outShape);
  if (gradOutput.dtype() == DType::Bool)
    detail::throwNotImplementedFor("avg_pool2d_backward", DType::Bool);
  Tensor result = Tensor::full(inputShape, gradOutput.dtype(), 0);
  Tensor dy = gradOutput.contiguous();
  dispatchDType(gradOutput.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      const T *src = dy.data<T>();
      T *dx = result.data<T>();
      const int64_t cost = g.oh * g.ow * params.kernelH * params.kernelW;
      detail::parallelFor(g.planes, cost, [&](int64_t begin, int64_t end) {
        for (int64_t plane = begin; plane < end; ++plane) {
          const T *d = src + plane * g.oh * g.ow;
          T *target = dx + plane * g.h * g.w;
          for (int64_t oh = 0; oh < g.oh; ++oh)
            for (int64_t ow = 0; ow < g.ow; ++ow) {
              AvgWindow win = avgWindow(g, params, oh, ow);
              if (win.h0 >= win.h1 || win.w0 >= win.w1)
                continue;
              T share = d[oh * g.ow + ow] / static_cast<T>(win.divisor);
              for (int64_t ih = win.h0; ih < win.h1; ++ih)
                for (int64_t iw = win.w0; iw < win.w1; ++iw)
                  target[ih * g.w + iw] += share;
            }
        }
      });
    }
  });
  return result;
}

Pool2dParams pool2dParams(const std::vector<int64_t> &kernel,
                          const std::vector<int64_t> &stride,
                          const std::vector<int64_t> &padding,
                          const std::vector<int64_t> &dilation, bool ceilMode,
                          bool countIncludePad) {
  Pool2dParams params{kernel.at(0), kernel.at(1), stride.at(0), stride.at(1)};
  params.padH = padding.at(0);
  params.padW = padding.at(1);
  params.dilationH = dilation.at(0);
  params.dilationW = dilation.at(1);
  params.ceilMode = ceilMode;
  params.countIncludePad = countIncludePad;
  return params;
}

//===----------------------------------------------------------------------===//
// The ops as programs call them: the kernel, announced to the tracer
//===----------------------------------------------------------------------===//

namespace {

recording::Attributes poolAttributes(const Pool2dParams &params) {
  return {
      {"kernel", std::vector<int64_t>{params.kernelH, params.kernelW}},
      {"stride", std::vector<int64_t>{params.strideH, params.strideW}},
      {"padding", std::vector<int64_t>{params.padH, params.padW}},
      {"dilation", std::vector<int64_t>{params.dilationH, params.dilationW}},
      {"ceil_mode", params.ceilMode},
      {"count_include_pad", params.countIncludePad}};
}

} // namespace

std::pair<Tensor, Tensor> maxPool2d(const Tensor &input,
                                    const Pool2dParams &params) {
  recording::Scope scope;
  if (!scope.outermost())
    return maxPool2dKernel(input, params);
  std::pair<Tensor, Tensor> result;
  Tensor *results[] = {&result.first, &result.second};
  scope.run("max_pool2d", poolAttributes(params), {&input},
            recording::Results(results, 2),
            [&] { result = maxPool2dKernel(input, params); });
  return result;
}

Tensor maxPool2dGrad(const Tensor &gradOutput, const Tensor &indices,
                     const Shape &inputShape) {
  recording::Scope scope;
  return scope.op(
      "max_pool2d_grad", {&gradOutput, &indices},
      [&] { return maxPool2dGradKernel(gradOutput, indices, inputShape); },
      [&] { return recording::Attributes{{"input_shape", inputShape}}; });
}

Tensor avgPool2d(const Tensor &input, const Pool2dParams &params) {
  recording::Scope scope;
  return scope.op(
      "avg_pool2d", {&input}, [&] { return avgPool2dKernel(input, params); },
      [&] { return poolAttributes(params); });
}

Tensor avgPool2dGrad(const Tensor &gradOutput, const Shape &inputShape,
                     const Pool2dParams &params) {
  recording::Scope scope;
  return scope.op(
      "avg_pool2d_grad", {&gradOutput},
      [&] { return avgPool2dGradKernel(gradOutput, inputShape, params); },
      [&] {
        recording::Attributes attributes = poolAttributes(params);
        attributes.push_back({"input_shape", inputShape});
        return attributes;
      });
}

} // namespace ops
} // namespace terra
