//===- Blas.h - Matrix products called from compiled code -------*- C++ -*-===//
//
// `convert-linalg-to-terra-runtime` rewrites linalg.matmul and
// linalg.batch_matmul on f32/f64 memrefs into calls to these functions, through
// MLIR's C interface (`llvm.emit_c_interface`). They accumulate, as linalg
// does: C += op(A) * op(B), where op transposes the operand when its flag is
// non-zero. Any strides are accepted; operands BLAS cannot address directly
// are copied.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_RUNTIME_BLAS_H
#define TERRA_RUNTIME_BLAS_H

#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <cstdint>

extern "C" {

MLIR_CRUNNERUTILS_EXPORT void _mlir_ciface_terra_rt_sgemm(
    int32_t transposeA, int32_t transposeB, StridedMemRefType<float, 2> *a,
    StridedMemRefType<float, 2> *b, StridedMemRefType<float, 2> *c);

MLIR_CRUNNERUTILS_EXPORT void _mlir_ciface_terra_rt_dgemm(
    int32_t transposeA, int32_t transposeB, StridedMemRefType<double, 2> *a,
    StridedMemRefType<double, 2> *b, StridedMemRefType<double, 2> *c);

MLIR_CRUNNERUTILS_EXPORT void _mlir_ciface_terra_rt_batched_sgemm(
    int32_t transposeA, int32_t transposeB, StridedMemRefType<float, 3> *a,
    StridedMemRefType<float, 3> *b, StridedMemRefType<float, 3> *c);

MLIR_CRUNNERUTILS_EXPORT void _mlir_ciface_terra_rt_batched_dgemm(
    int32_t transposeA, int32_t transposeB, StridedMemRefType<double, 3> *a,
    StridedMemRefType<double, 3> *b, StridedMemRefType<double, 3> *c);

} // extern "C"

#endif // TERRA_RUNTIME_BLAS_H
