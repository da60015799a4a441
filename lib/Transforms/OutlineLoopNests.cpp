//===- OutlineLoopNests.cpp - One function per top-level loop nest --------===//

#include "terra/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir {
namespace terra {
#define GEN_PASS_DEF_TERRAOUTLINELOOPNESTS
#include "terra/Transforms/Passes.h.inc"
} // namespace terra
} // namespace mlir

using namespace mlir;
using namespace mlir::terra;

namespace {

/// Outlines `loop` (a result-less top-level loop) into a private noinline
/// function named `name`: the loop is wrapped in an scf.execute_region,
/// whose region becomes the function, and the wrapper is inlined back.
LogicalResult outlineLoop(RewriterBase &rewriter, Operation *loop,
                          StringRef name) {
  Location loc = loop->getLoc();
  rewriter.setInsertionPoint(loop);
  auto wrapper = scf::ExecuteRegionOp::create(rewriter, loc, TypeRange());
  Block *body = rewriter.createBlock(&wrapper.getRegion());
  rewriter.moveOpBefore(loop, body, body->end());
  // Constants the nest uses are copied in, not passed: LLVM keeps seeing
  // static trip counts and literal operands.
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(wrapper.getRegion(), captured);
  rewriter.setInsertionPointToStart(body);
  for (Value value : captured) {
    Operation *definition = value.getDefiningOp();
    if (!definition || !definition->hasTrait<OpTrait::ConstantLike>())
      continue;
    Operation *copy = rewriter.clone(*definition);
    replaceAllUsesInRegionWith(value, copy->getResult(0), wrapper.getRegion());
  }
  rewriter.setInsertionPointToEnd(body);
  scf::YieldOp::create(rewriter, loc);
  func::CallOp call;
  FailureOr<func::FuncOp> function =
      outlineSingleBlockRegion(rewriter, loc, wrapper.getRegion(), name, &call);
  if (failed(function))
    return failure();
  function->setPrivate();
  // Internal linkage: no interface wrapper is made for it, and LLVM knows
  // every caller.
  (*function)->setAttr(
      "llvm.linkage",
      LLVM::LinkageAttr::get(rewriter.getContext(), LLVM::Linkage::Internal));
  (*function)->setAttr(
      "passthrough",
      rewriter.getArrayAttr({rewriter.getStringAttr("noinline")}));
  // The wrapper now holds just the call: put the call in its place.
  rewriter.setInsertionPoint(wrapper);
  rewriter.moveOpBefore(call, wrapper);
  rewriter.eraseOp(wrapper);
  return success();
}

struct TerraOutlineLoopNestsPass
    : public terra::impl::TerraOutlineLoopNestsBase<TerraOutlineLoopNestsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<func::FuncOp> functions(getOperation().getOps<func::FuncOp>());
    for (func::FuncOp function : functions) {
      if (function.isExternal())
        continue;
      SmallVector<Operation *> loops;
      for (Operation &op : function.getBody().getOps())
        if (isa<scf::ForOp, scf::ParallelOp>(op) && op.getNumResults() == 0)
          loops.push_back(&op);
      // One loop nest gains nothing from a call.
      if (loops.size() < 2)
        continue;
      for (auto [index, loop] : llvm::enumerate(loops))
        if (failed(outlineLoop(
                rewriter, loop,
                (function.getSymName() + "_nest" + std::to_string(index))
                    .str())))
          return signalPassFailure();
      // What is left is straight-line code (buffers, descriptors, calls),
      // run once per pass: LLVM compiles it without optimising. Its
      // instruction selection otherwise dominated the compile time of big
      // blocks (one basic block of thousands of calls).
      function->setAttr(
          "passthrough",
          rewriter.getArrayAttr({rewriter.getStringAttr("noinline"),
                                 rewriter.getStringAttr("optnone")}));
    }
  }
};

} // namespace
