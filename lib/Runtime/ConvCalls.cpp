//===- ConvCalls.cpp - Convolutions called from compiled code -------------===//
//
// The entry points of terra/Runtime/ConvCalls.h: memref descriptors in, the
// kernels of ConvKernels.h on contiguous buffers.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/ConvCalls.h"

#include "ConvKernels.h"

#include <algorithm>
#include <vector>

namespace {

using terra::detail::ConvGeometry;
using terra::ops::Conv2dParams;

/// Calls `fn(element)` for every element of `memref`, in row-major order.
template <typename T, typename Fn>
void forEachElement(StridedMemRefType<T, 4> *memref, Fn fn) {
  T *base = memref->data + memref->offset;
  const int64_t *n = memref->sizes, *s = memref->strides;
  for (int64_t i = 0; i < n[0]; ++i)
    for (int64_t j = 0; j < n[1]; ++j)
      for (int64_t k = 0; k < n[2]; ++k)
        for (int64_t l = 0; l < n[3]; ++l)
          fn(base[i * s[0] + j * s[1] + k * s[2] + l * s[3]]);
}

/// A memref's elements in row-major order: its own memory when laid out so,
/// else a copy (into `copy`).
template <typename T>
T *rowMajor(StridedMemRefType<T, 4> *memref, std::vector<T> &copy) {
  int64_t expected = 1;
  bool contiguous = true;
  for (int d = 3; d >= 0; --d) {
    if (memref->sizes[d] != 1 && memref->strides[d] != expected)
      contiguous = false;
    expected *= memref->sizes[d];
  }
  if (contiguous)
    return memref->data + memref->offset;
  copy.resize(expected);
  T *to = copy.data();
  forEachElement(memref, [&](const T &element) { *to++ = element; });
  return copy.data();
}

/// Copies row-major `from` into `memref` when rowMajor() had to copy.
template <typename T>
void writeBack(const T *from, StridedMemRefType<T, 4> *memref) {
  if (from == memref->data + memref->offset)
    return;
  forEachElement(memref, [&](T &element) { element = *from++; });
}

enum class Which { Forward, GradInput, GradWeight };

/// `a` and `b` are the op's operands, `result` its result; the geometry
/// comes from the input and weight shapes among them.
template <typename T, Which which>
void convolve(StridedMemRefType<T, 4> *a, StridedMemRefType<T, 4> *b,
              StridedMemRefType<T, 4> *result, const Conv2dParams &p) {
  const int64_t *input = which == Which::GradInput ? result->sizes : a->sizes;
  const int64_t *weight = which == Which::GradWeight ? result->sizes : b->sizes;
  ConvGeometry g = terra::detail::convGeometry(input, weight, p);
  std::vector<T> copyA, copyB, copyResult;
  const T *dataA = rowMajor(a, copyA), *dataB = rowMajor(b, copyB);
  T *out = rowMajor(result, copyResult);
  if (which == Which::Forward) {
    terra::detail::conv2dForward<T>(g, p, dataA, dataB, nullptr, out);
  } else {
    const int64_t *n = result->sizes;
    std::fill_n(out, n[0] * n[1] * n[2] * n[3], T(0));
    if (which == Which::GradInput)
      terra::detail::conv2dGradInput<T>(g, p, dataA, dataB, out);
    else
      terra::detail::conv2dGradWeight<T>(g, p, dataA, dataB, out);
  }
  writeBack(out, result);
}

} // namespace

#define TERRA_CONV_DEFINE(NAME, T, WHICH)                                      \
  TERRA_CONV_CALL(NAME, T) {                                                   \
    convolve<T, Which::WHICH>(a, b, result,                                    \
                              Conv2dParams{strideH, strideW, padH, padW,       \
                                           dilationH, dilationW, groups});     \
  }

extern "C" {
TERRA_CONV_DEFINE(_mlir_ciface_terra_rt_conv2d_f32, float, Forward)
TERRA_CONV_DEFINE(_mlir_ciface_terra_rt_conv2d_f64, double, Forward)
TERRA_CONV_DEFINE(_mlir_ciface_terra_rt_conv2d_grad_input_f32, float, GradInput)
TERRA_CONV_DEFINE(_mlir_ciface_terra_rt_conv2d_grad_input_f64, double,
                  GradInput)
TERRA_CONV_DEFINE(_mlir_ciface_terra_rt_conv2d_grad_weight_f32, float,
                  GradWeight)
TERRA_CONV_DEFINE(_mlir_ciface_terra_rt_conv2d_grad_weight_f64, double,
                  GradWeight)
} // extern "C"
