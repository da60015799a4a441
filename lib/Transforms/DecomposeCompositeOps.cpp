//===- DecomposeCompositeOps.cpp - softmax into primitive ops -------------===//

#include "terra/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace terra {
#define GEN_PASS_DEF_TERRADECOMPOSE
#include "terra/Transforms/Passes.h.inc"
} // namespace terra
} // namespace mlir

using namespace mlir;
using namespace mlir::terra;

namespace {

/// Returns `x - max(x)` along `axis`, the shifted logits from which both
/// softmax and log_softmax are computed without overflow, together with
/// `sum(exp(x - max(x)))` broadcast back to the input shape.
struct ShiftedLogits {
  Value shifted;
  Value exp;
  Value sumExp;
};

/// `reduced` (`input` reduced over `axis`, kept) broadcast back to
/// `input`'s shape; a dynamic `axis` takes its size from `input`.
Value broadcastLike(PatternRewriter &rewriter, Location loc, Value reduced,
                    Value input, int64_t axis) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<Value> sizes;
  for (int64_t dim = 0; type.isDynamicDim(axis) && dim < type.getRank(); ++dim)
    if (type.isDynamicDim(dim))
      sizes.push_back(tensor::DimOp::create(rewriter, loc, input, dim));
  return BroadcastToOp::create(rewriter, loc, type, reduced, sizes);
}

ShiftedLogits buildShiftedLogits(PatternRewriter &rewriter, Location loc,
                                 Value input, int64_t axis) {
  SmallVector<int64_t> axes = {axis};
  Value max = MaxOp::create(rewriter, loc, input, axes, /*keepdim=*/true);
  Value maxBroadcast = broadcastLike(rewriter, loc, max, input, axis);
  Value shifted = SubOp::create(rewriter, loc, input, maxBroadcast);
  Value exp = ExpOp::create(rewriter, loc, shifted);
  Value sum = SumOp::create(rewriter, loc, exp, axes, /*keepdim=*/true);
  Value sumBroadcast = broadcastLike(rewriter, loc, sum, input, axis);
  return {shifted, exp, sumBroadcast};
}

struct DecomposeSoftmax : public OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    ShiftedLogits logits =
        buildShiftedLogits(rewriter, op.getLoc(), op.getInput(), op.getAxis());
    rewriter.replaceOpWithNewOp<DivOp>(op, logits.exp, logits.sumExp);
    return success();
  }
};

struct DecomposeLogSoftmax : public OpRewritePattern<LogSoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LogSoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    ShiftedLogits logits =
        buildShiftedLogits(rewriter, op.getLoc(), op.getInput(), op.getAxis());
    Value logSum = LogOp::create(rewriter, op.getLoc(), logits.sumExp);
    rewriter.replaceOpWithNewOp<SubOp>(op, logits.shifted, logSum);
    return success();
  }
};

struct TerraDecomposePass
    : public terra::impl::TerraDecomposeBase<TerraDecomposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateDecomposePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void terra::populateDecomposePatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeSoftmax, DecomposeLogSoftmax>(patterns.getContext());
}
