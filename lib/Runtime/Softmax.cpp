//===- Softmax.cpp - Eager softmax and log-softmax ------------------------===//
//
// The input is viewed as [outer, n, inner] around the softmax axis. Each row
// (inner == 1) or each block of inner columns is normalised in three passes:
// the maximum (subtracted first, for stability), the sum of exponentials
// (accumulated in double), and the output.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Ops.h"
#include "terra/Runtime/Recording.h"

#include "KernelUtils.h"
#include "Parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

namespace terra {
namespace ops {
namespace {

/// The maximum of a strided run; NaN if any element is NaN.
template <typename T> T maxOf(const T *p, int64_t n, int64_t stride) {
  T m = -std::numeric_limits<T>::infinity();
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    T x = p[i * stride];
    nan |= x != x;
    m = x > m ? x : m;
  }
  return nan ? std::numeric_limits<T>::quiet_NaN() : m;
}

template <typename T, bool Log>
void softmaxRows(const T *in, T *out, int64_t outer, int64_t n) {
  detail::parallelFor(outer, n * 8, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const T *x = in + row * n;
      T *y = out + row * n;
      T m = maxOf(x, n, 1);
      double sum = 0;
      for (int64_t i = 0; i < n; ++i) {
        T e = std::exp(x[i] - m);
        if constexpr (!Log)
          y[i] = e;
        sum += e;
      }
      if constexpr (Log) {
        // (x - m) - log(sum): adding m and log(sum) first would round.
        T logSum = static_cast<T>(std::log(sum));
        for (int64_t i = 0; i < n; ++i)
          y[i] = (x[i] - m) - logSum;
      } else {
        T scale = static_cast<T>(1 / sum);
        for (int64_t i = 0; i < n; ++i)
          y[i] *= scale;
      }
    }
  });
}

/// Softmax over the middle axis of [outer, n, inner]: blocks of inner
/// columns keep every pass contiguous.
template <typename T, bool Log>
void softmaxColumns(const T *in, T *out, int64_t outer, int64_t n,
                    int64_t inner) {
  constexpr int64_t kBlock = 256;
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  detail::parallelFor(
      outer * blocks, n * kBlock * 8, [&](int64_t begin, int64_t end) {
        T m[kBlock];
        double sum[kBlock];
        bool nan[kBlock];
        for (int64_t task = begin; task < end; ++task) {
          int64_t o = task / blocks, column = (task % blocks) * kBlock;
          int64_t width = std::min(kBlock, inner - column);
          const T *x = in + o * n * inner + column;
          T *y = out + o * n * inner + column;
          std::fill_n(m, width, -std::numeric_limits<T>::infinity());
          std::fill_n(sum, width, 0.0);
          std::fill_n(nan, width, false);
          for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < width; ++j) {
              T v = x[i * inner + j];
              nan[j] |= v != v;
              m[j] = v > m[j] ? v : m[j];
            }
          for (int64_t j = 0; j < width; ++j)
            if (nan[j])
              m[j] = std::numeric_limits<T>::quiet_NaN();
          for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < width; ++j)
              sum[j] += std::exp(x[i * inner + j] - m[j]);
          for (int64_t j = 0; j < width; ++j) {
            if constexpr (Log)
              sum[j] = std::log(sum[j]);
            else
              sum[j] = 1 / sum[j];
          }
          for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < width; ++j) {
              T v = x[i * inner + j];
              if constexpr (Log)
                y[i * inner + j] = (v - m[j]) - static_cast<T>(sum[j]);
              else
                y[i * inner + j] = std::exp(v - m[j]) * static_cast<T>(sum[j]);
            }
        }
      });
}

template <bool Log>
Tensor softmaxImpl(const char *name, const Tensor &input, int64_t axis) {
  detail::requireDefined(name, input);
  int64_t a = normalizeAxis(name, axis, input.dim());
  bool lastDim = input.dim() == 0 || a == input.dim() - 1;
  if (!isFloating(input.dtype()))
    detail::throwNotImplementedFor(
        Log ? (lastDim ? "log_softmax_lastdim_kernel_impl"
                       : "log_softmax_kernel_impl")
            : (lastDim ? "softmax_lastdim_kernel_impl" : "softmax_kernel_impl"),
        input.dtype());
  Tensor source = input.contiguous();
  Tensor result = Tensor::empty(input.shape(), input.dtype());
  if (result.numel() == 0)
    return result;
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t d = 0; d < input.dim(); ++d)
    (d < a ? outer : d == a ? n : inner) *= input.shape()[d];
  dispatchDType(input.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>) {
      if (inner == 1)
        softmaxRows<T, Log>(source.data<T>(), result.data<T>(), outer, n);
      else
        softmaxColumns<T, Log>(source.data<T>(), result.data<T>(), outer, n,
                               inner);
    }
  });
  return result;
}

} // namespace

static Tensor softmaxKernel(const Tensor &input, int64_t axis) {
  return softmaxImpl<false>("softmax", input, axis);
}

static Tensor logSoftmaxKernel(const Tensor &input, int64_t axis) {
  return softmaxImpl<true>("log_softmax", input, axis);
}

//===----------------------------------------------------------------------===//
// The ops as programs call them: the kernel, announced to the tracer
//===----------------------------------------------------------------------===//

Tensor softmax(const Tensor &input, int64_t axis) {
  recording::Scope scope;
  return scope.op(
      "softmax", {&input}, [&] { return softmaxKernel(input, axis); },
      [&] { return recording::Attributes{{"axis", axis}}; });
}

Tensor logSoftmax(const Tensor &input, int64_t axis) {
  recording::Scope scope;
  return scope.op(
      "log_softmax", {&input}, [&] { return logSoftmaxKernel(input, axis); },
      [&] { return recording::Attributes{{"axis", axis}}; });
}

} // namespace ops
} // namespace terra
