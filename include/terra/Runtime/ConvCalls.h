//===- ConvCalls.h - Convolutions called from compiled code -----*- C++ -*-===//
//
// `convert-terra-conv-to-runtime` rewrites `terra.conv2d`,
// `terra.conv2d_grad_input` and `terra.conv2d_grad_weight` on f32/f64
// tensors of static shape into calls to these functions, through MLIR's C
// interface (`llvm.emit_c_interface`): the eager kernels' im2col + GEMM
// (lib/Runtime/ConvKernels.h) instead of generated im2col loops. Operands
// may have any strides (non-contiguous ones are copied); the result memref
// is overwritten. The integers are the op's stride, padding and dilation
// (height, width) and groups.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_RUNTIME_CONVCALLS_H
#define TERRA_RUNTIME_CONVCALLS_H

#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <cstdint>

/// `a` and `b` are the op's operands (input and weight, output gradient
/// and weight, input and output gradient), `result` its result.
#define TERRA_CONV_CALL(NAME, T)                                               \
  MLIR_CRUNNERUTILS_EXPORT void NAME(                                          \
      StridedMemRefType<T, 4> *a, StridedMemRefType<T, 4> *b,                  \
      StridedMemRefType<T, 4> *result, int64_t strideH, int64_t strideW,       \
      int64_t padH, int64_t padW, int64_t dilationH, int64_t dilationW,        \
      int64_t groups)

extern "C" {
TERRA_CONV_CALL(_mlir_ciface_terra_rt_conv2d_f32, float);
TERRA_CONV_CALL(_mlir_ciface_terra_rt_conv2d_f64, double);
TERRA_CONV_CALL(_mlir_ciface_terra_rt_conv2d_grad_input_f32, float);
TERRA_CONV_CALL(_mlir_ciface_terra_rt_conv2d_grad_input_f64, double);
TERRA_CONV_CALL(_mlir_ciface_terra_rt_conv2d_grad_weight_f32, float);
TERRA_CONV_CALL(_mlir_ciface_terra_rt_conv2d_grad_weight_f64, double);
} // extern "C"

#endif // TERRA_RUNTIME_CONVCALLS_H
