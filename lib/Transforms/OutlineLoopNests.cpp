//===- OutlineLoopNests.cpp - One function per top-level loop nest --------===//

#include "terra/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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

/// Work (innermost iterations) below which a nest stays on one thread: the
/// runtime's grain (lib/Runtime/Parallel.h).
constexpr int64_t kParallelGrain = 32768;
/// The assumed trip count of a loop whose bounds are not constants.
constexpr int64_t kUnknownTripCount = 64;

int64_t tripCount(Value lower, Value upper, Value step) {
  std::optional<int64_t> lo = getConstantIntValue(lower);
  std::optional<int64_t> hi = getConstantIntValue(upper);
  std::optional<int64_t> by = getConstantIntValue(step);
  if (!lo || !hi || !by || *by <= 0)
    return kUnknownTripCount;
  return std::max<int64_t>(0, (*hi - *lo + *by - 1) / *by);
}

/// Innermost iterations per iteration of the first dimension of `loop`.
int64_t costPerOuterIteration(scf::ParallelOp loop) {
  int64_t cost = 1;
  for (unsigned dim = 1; dim < loop.getNumLoops(); ++dim)
    cost *= tripCount(loop.getLowerBound()[dim], loop.getUpperBound()[dim],
                      loop.getStep()[dim]);
  int64_t nested = 1;
  loop.getBody()->walk([&](scf::ForOp inner) {
    nested =
        std::max(nested, tripCount(inner.getLowerBound(), inner.getUpperBound(),
                                   inner.getStep()));
  });
  return cost * nested;
}

/// Whether `loop` is an scf.parallel from 0 by 1 in its first dimension
/// with enough work to split that dimension across threads.
bool worthSplitting(Operation *op) {
  auto loop = dyn_cast<scf::ParallelOp>(op);
  if (!loop || getConstantIntValue(loop.getLowerBound()[0]) != 0 ||
      getConstantIntValue(loop.getStep()[0]) != 1)
    return false;
  std::optional<int64_t> upper = getConstantIntValue(loop.getUpperBound()[0]);
  return !upper || (*upper >= 2 &&
                    *upper * costPerOuterIteration(loop) >= kParallelGrain);
}

/// The outlined nest of a loop worthSplitting() takes the range [begin,
/// end) of the loop's first dimension as its first two arguments, and is
/// marked `terra.parallel_cost` (innermost iterations per outer iteration):
/// terra-dispatch-parallel-nests runs chunks of the range on the runtime's
/// threads.
void takeOuterRange(RewriterBase &rewriter, func::FuncOp function,
                    func::CallOp &call) {
  scf::ParallelOp loop = *function.getBody().getOps<scf::ParallelOp>().begin();
  Value upper = loop.getUpperBound()[0];
  // The caller's value of the bound: an argument it passed, or a constant
  // (constants were copied into the nest).
  rewriter.setInsertionPoint(call);
  Value callerUpper;
  if (auto argument = dyn_cast<BlockArgument>(upper))
    callerUpper = call.getOperand(argument.getArgNumber());
  else
    callerUpper = arith::ConstantIndexOp::create(rewriter, call.getLoc(),
                                                 *getConstantIntValue(upper));
  Value callerLower =
      arith::ConstantIndexOp::create(rewriter, call.getLoc(), 0);
  int64_t cost = costPerOuterIteration(loop);

  Location loc = function.getLoc();
  Type index = rewriter.getIndexType();
  if (failed(function.insertArguments({0, 0}, {index, index}, {{}, {}},
                                      {loc, loc})))
    return;
  loop.getLowerBoundMutable()[0].assign(function.getArgument(0));
  loop.getUpperBoundMutable()[0].assign(function.getArgument(1));
  function->setAttr("terra.parallel_cost", rewriter.getI64IntegerAttr(cost));

  SmallVector<Value> operands = {callerLower, callerUpper};
  llvm::append_range(operands, call.getOperands());
  auto ranged =
      func::CallOp::create(rewriter, call.getLoc(), function, operands);
  rewriter.eraseOp(call);
  call = ranged;
}

/// Outlines `loop` (a result-less top-level loop) into a private noinline
/// function named `name`: the loop is wrapped in an scf.execute_region,
/// whose region becomes the function, and the wrapper is inlined back.
LogicalResult outlineLoop(RewriterBase &rewriter, Operation *loop,
                          StringRef name) {
  bool split = worthSplitting(loop);
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
  if (split)
    takeOuterRange(rewriter, *function, call);
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
      // One loop nest gains nothing from a call, unless it is split
      // across threads.
      if (loops.empty() || (loops.size() == 1 && !worthSplitting(loops[0])))
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
