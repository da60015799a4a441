//===- Passes.h - Terra-level transformation passes -------------*- C++ -*-===//

#ifndef TERRA_TRANSFORMS_PASSES_H
#define TERRA_TRANSFORMS_PASSES_H

#include "terra/TerraDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace terra {

#define GEN_PASS_DECL
#include "terra/Transforms/Passes.h.inc"

/// Adds the patterns that expand softmax and log_softmax into primitive ops.
void populateDecomposePatterns(RewritePatternSet &patterns);

/// Adds the patterns that rewrite conv2d and its gradients as im2col and
/// batched matmul.
void populateConvToMatmulPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "terra/Transforms/Passes.h.inc"

} // namespace terra
} // namespace mlir

#endif // TERRA_TRANSFORMS_PASSES_H
