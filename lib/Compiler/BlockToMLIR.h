//===- BlockToMLIR.h - A BlockSpec as a func.func in the terra dialect ----===//
//
// Internal to lib/Compiler.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_COMPILER_BLOCKTOMLIR_H
#define TERRA_LIB_COMPILER_BLOCKTOMLIR_H

#include "terra/Compiler/BlockSpec.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace terra {
namespace compiler {

/// The name of the function a block becomes.
inline constexpr const char *kBlockFunctionName = "block";

/// Checks the wiring of `spec` (operands and outputs refer to existing,
/// earlier values; shapes are valid). A failure is a malformed spec.
llvm::Error validateBlockSpec(const BlockSpec &spec);

/// Builds `func.func @block(%in0: memref<..>, ..., %out0: memref<..>, ...)`:
/// the inputs are read through `bufferization.to_tensor restrict`, the ops
/// become terra ops with broadcasting and promotion made explicit, and each
/// output is copied (`bufferization.to_buffer` + `memref.copy`) into its
/// caller-allocated buffer. The module is verified. Ops without a compiled
/// form give an UnsupportedOpError.
///
/// Why a copy rather than `bufferization.materialize_in_destination`: with
/// the latter, terra-lower-to-cpu's `cse` before `eliminate-empty-tensors`
/// lets two outputs share a CSE'd insert_slice chain (two terra.concat with
/// a common operand), and one output's buffer is then written through the
/// other's, giving wrong results. The copy costs one pass over the outputs.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
buildBlockModule(mlir::MLIRContext &context, const BlockSpec &spec);

} // namespace compiler
} // namespace terra

#endif // TERRA_LIB_COMPILER_BLOCKTOMLIR_H
