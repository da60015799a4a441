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

/// Builds `func.func @block(%in0: memref<..>, ..., %out0: memref<..>, ...
/// [, %sizes: memref<Nxi64>])`: the inputs are read through
/// `bufferization.to_tensor restrict`, the ops become terra ops with
/// broadcasting and promotion made explicit, and each output is computed
/// into its caller-allocated buffer
/// (`bufferization.materialize_in_destination`). Symbolic sizes become
/// dynamic dimensions, read from the inputs or, for those no input has
/// (sizeArguments()), from `%sizes`. The module is verified. Ops without a
/// compiled form give an UnsupportedOpError.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
buildBlockModule(mlir::MLIRContext &context, const BlockSpec &spec);

} // namespace compiler
} // namespace terra

#endif // TERRA_LIB_COMPILER_BLOCKTOMLIR_H
