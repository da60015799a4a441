//===- MemRefCopyToLinalg.cpp - Strided copies as linalg.copy -------------===//

#include "terra/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace terra {
#define GEN_PASS_DEF_CONVERTMEMREFCOPYTOLINALG
#include "terra/Conversion/Passes.h.inc"
} // namespace terra
} // namespace mlir

using namespace mlir;

namespace {

/// Whether `type` is a ranked memref laid out row-major without gaps, which
/// memref.copy lowers to a plain memcpy.
bool isContiguous(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getLayout().isIdentity();
}

struct CopyToLinalg : public OpRewritePattern<memref::CopyOp> {
  CopyToLinalg(MLIRContext *context, bool contiguousToo)
      : OpRewritePattern(context), contiguousToo(contiguousToo) {}

  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &rewriter) const override {
    Type source = op.getSource().getType(), target = op.getTarget().getType();
    if (!isa<MemRefType>(source) || !isa<MemRefType>(target))
      return rewriter.notifyMatchFailure(op, "unranked copy");
    if (!contiguousToo && isContiguous(source) && isContiguous(target))
      return rewriter.notifyMatchFailure(op, "contiguous: stays a memcpy");
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(),
                                                op.getTarget());
    return success();
  }

  bool contiguousToo;
};

struct ConvertMemRefCopyToLinalgPass
    : public terra::impl::ConvertMemRefCopyToLinalgBase<
          ConvertMemRefCopyToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<CopyToLinalg>(&getContext(), contiguous);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
