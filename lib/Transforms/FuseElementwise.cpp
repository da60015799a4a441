//===- FuseElementwise.cpp - One loop nest per elementwise chain ----------===//

#include "terra/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace terra {
#define GEN_PASS_DEF_TERRAFUSEELEMENTWISE
#include "terra/Transforms/Passes.h.inc"
} // namespace terra
} // namespace mlir

using namespace mlir;

namespace {

/// Fuses a producer into a consumer when the producer is an elementwise
/// generic: recomputing cheap elementwise math is cheaper than writing and
/// re-reading a tensor. Reductions and contractions are never duplicated.
bool shouldFuse(OpOperand *fusedOperand) {
  Operation *producer = fusedOperand->get().getDefiningOp();
  auto generic = dyn_cast_or_null<linalg::GenericOp>(producer);
  if (!generic)
    return false;
  if (generic.getNumReductionLoops() != 0)
    return false;
  // A producer with other users is duplicated by fusion: only do that for
  // single-result producers with few ops in their body.
  if (!producer->hasOneUse())
    return generic.getNumResults() == 1 &&
           generic.getBody()->getOperations().size() <= 8;
  return true;
}

struct TerraFuseElementwisePass
    : public terra::impl::TerraFuseElementwiseBase<TerraFuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
