//===- MemRefAllocToGpu.cpp - Host-side buffers allocated on the device ---===//

#include "terra/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace terra {
#define GEN_PASS_DEF_CONVERTMEMREFALLOCTOGPU
#include "terra/Conversion/Passes.h.inc"
} // namespace terra
} // namespace mlir

using namespace mlir;

namespace {

/// Whether `op` is inside GPU code, whose allocations are its own.
bool inGpuCode(Operation *op) {
  return op->getParentOfType<gpu::LaunchOp>() ||
         op->getParentOfType<gpu::GPUFuncOp>() ||
         op->getParentOfType<gpu::GPUModuleOp>();
}

struct AllocToGpu : public OpRewritePattern<memref::AllocOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::AllocOp op,
                                PatternRewriter &rewriter) const override {
    if (inGpuCode(op))
      return rewriter.notifyMatchFailure(op, "allocation in GPU code");
    rewriter.replaceOpWithNewOp<gpu::AllocOp>(
        op, op.getType(), /*asyncToken=*/Type(), /*asyncDependencies=*/
        ValueRange(), op.getDynamicSizes(), op.getSymbolOperands());
    return success();
  }
};

struct DeallocToGpu : public OpRewritePattern<memref::DeallocOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::DeallocOp op,
                                PatternRewriter &rewriter) const override {
    if (inGpuCode(op))
      return rewriter.notifyMatchFailure(op, "deallocation in GPU code");
    gpu::DeallocOp::create(rewriter, op.getLoc(), /*asyncToken=*/Type(),
                           /*asyncDependencies=*/ValueRange(), op.getMemref());
    rewriter.eraseOp(op);
    return success();
  }
};

struct ConvertMemRefAllocToGpuPass
    : public terra::impl::ConvertMemRefAllocToGpuBase<
          ConvertMemRefAllocToGpuPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<AllocToGpu, DeallocToGpu>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
