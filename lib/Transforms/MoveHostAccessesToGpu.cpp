//===- MoveHostAccessesToGpu.cpp - Host code's buffer accesses on the GPU -===//

#include "terra/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir {
namespace terra {
#define GEN_PASS_DEF_TERRAMOVEHOSTACCESSESTOGPU
#include "terra/Transforms/Passes.h.inc"
} // namespace terra
} // namespace mlir

using namespace mlir;

namespace {

/// Whether `op` or an op nested in it, outside GPU kernels, reads or writes
/// a buffer's contents. Allocation and freeing (gpu.alloc/dealloc) are the
/// host's to do.
bool accessesMemory(Operation *op) {
  WalkResult result = op->walk<WalkOrder::PreOrder>([](Operation *nested) {
    if (isa<gpu::LaunchOp>(nested))
      return WalkResult::skip();
    auto effects = dyn_cast<MemoryEffectOpInterface>(nested);
    if (!effects) {
      // Unknown effects, unless the op only holds regions whose ops are
      // walked themselves.
      return nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>() ||
                     isPure(nested)
                 ? WalkResult::advance()
                 : WalkResult::interrupt();
    }
    if (effects.hasEffect<MemoryEffects::Read>() ||
        effects.hasEffect<MemoryEffects::Write>())
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

/// Whether every use of `op`'s results is inside a gpu.launch body.
bool onlyKernelsUse(Operation *op) {
  return !op->use_empty() && llvm::all_of(op->getUsers(), [](Operation *user) {
    return user->getParentOfType<gpu::LaunchOp>() != nullptr;
  });
}

/// Clones `op` into each gpu.launch that uses its results.
void sinkIntoKernels(Operation *op) {
  llvm::SmallSetVector<gpu::LaunchOp, 4> launches;
  for (Operation *user : op->getUsers())
    launches.insert(user->getParentOfType<gpu::LaunchOp>());
  for (gpu::LaunchOp launch : launches) {
    OpBuilder builder = OpBuilder::atBlockBegin(&launch.getBody().front());
    Operation *copy = builder.clone(*op);
    op->replaceUsesWithIf(copy->getResults(), [&](OpOperand &use) {
      return launch->isProperAncestor(use.getOwner());
    });
  }
  op->erase();
}

/// Whether `op` holds kernel launches (a loop around them).
bool launchesKernels(Operation *op) {
  return op->walk([](gpu::LaunchOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

/// Runs `op` alone on one GPU thread.
void runOnOneThread(Operation *op) {
  OpBuilder builder(op);
  Value one = arith::ConstantIndexOp::create(builder, op->getLoc(), 1);
  auto launch = gpu::LaunchOp::create(builder, op->getLoc(), one, one, one, one,
                                      one, one);
  Block &body = launch.getBody().front();
  builder.setInsertionPointToEnd(&body);
  auto terminator = gpu::TerminatorOp::create(builder, op->getLoc());
  op->moveBefore(terminator);
}

struct TerraMoveHostAccessesToGpuPass
    : public terra::impl::TerraMoveHostAccessesToGpuBase<
          TerraMoveHostAccessesToGpuPass> {
  void runOnOperation() override {
    Block &body = getOperation().getBody().front();
    // Ops that write memory and give the host nothing run in kernels of
    // their own.
    // (A gpu.launch accesses no memory outside its kernel.)
    for (Operation &op : llvm::make_early_inc_range(body))
      if (op.use_empty() && accessesMemory(&op) && !launchesKernels(&op))
        runOnOneThread(&op);
    // Then what only kernels use moves into them. Users come after what
    // they use, so going last first, a chain of loads and arithmetic
    // follows the store that ends it in one sweep.
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
      if ((isPure(&op) || isa<memref::LoadOp>(op)) && onlyKernelsUse(&op))
        sinkIntoKernels(&op);
    // Whatever still touches memory on the host cannot stay there.
    for (Operation &op : body) {
      if (!accessesMemory(&op))
        continue;
      op.emitError("host code would access device memory: ")
          << (launchesKernels(&op) ? "this op also launches kernels"
                                   : "the host uses this op's results")
          << ", so it cannot run in a kernel";
      return signalPassFailure();
    }
  }
};

} // namespace
