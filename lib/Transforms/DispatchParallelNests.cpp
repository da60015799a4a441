//===- DispatchParallelNests.cpp - Nests run on the runtime's threads -----===//

#include "terra/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace terra {
#define GEN_PASS_DEF_TERRADISPATCHPARALLELNESTS
#include "terra/Transforms/Passes.h.inc"
} // namespace terra
} // namespace mlir

using namespace mlir;
using namespace mlir::terra;

namespace {

constexpr StringLiteral kCostAttribute = "terra.parallel_cost";
constexpr StringLiteral kParallelFor = "terra_rt_parallel_for";

/// The struct holding a nest's arguments after its range.
LLVM::LLVMStructType contextType(LLVM::LLVMFuncOp nest) {
  ArrayRef<Type> parameters = nest.getFunctionType().getParams();
  return LLVM::LLVMStructType::getLiteral(nest.getContext(),
                                          parameters.drop_front(2));
}

/// `<nest>_chunk(context, begin, end)`: loads the arguments and calls the
/// nest on [begin, end).
LLVM::LLVMFuncOp createChunk(OpBuilder &builder, LLVM::LLVMFuncOp nest) {
  MLIRContext *context = nest.getContext();
  Location loc = nest.getLoc();
  auto pointer = LLVM::LLVMPointerType::get(context);
  auto i64 = IntegerType::get(context, 64);
  auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                          {pointer, i64, i64});
  builder.setInsertionPointAfter(nest);
  auto chunk =
      LLVM::LLVMFuncOp::create(builder, loc, (nest.getName() + "_chunk").str(),
                               type, LLVM::Linkage::Internal);
  Block *body = chunk.addEntryBlock(builder);
  builder.setInsertionPointToStart(body);
  LLVM::LLVMStructType fields = contextType(nest);
  SmallVector<Value> arguments = {body->getArgument(1), body->getArgument(2)};
  for (auto [index, field] : llvm::enumerate(fields.getBody())) {
    Value address =
        LLVM::GEPOp::create(builder, loc, pointer, fields, body->getArgument(0),
                            ArrayRef<LLVM::GEPArg>{0, int32_t(index)});
    arguments.push_back(LLVM::LoadOp::create(builder, loc, field, address));
  }
  LLVM::CallOp::create(builder, loc, nest, arguments);
  LLVM::ReturnOp::create(builder, loc, ValueRange());
  return chunk;
}

/// Replaces `call` of `nest` by a call of the runtime's parallel loop.
void dispatch(OpBuilder &builder, LLVM::CallOp call, LLVM::LLVMFuncOp nest,
              LLVM::LLVMFuncOp chunk, LLVM::LLVMFuncOp parallelFor) {
  Location loc = call.getLoc();
  MLIRContext *context = call.getContext();
  auto pointer = LLVM::LLVMPointerType::get(context);
  auto i64 = IntegerType::get(context, 64);
  LLVM::LLVMStructType fields = contextType(nest);
  // The struct lives in the caller's frame: allocated once, at its entry.
  auto caller = call->getParentOfType<LLVM::LLVMFuncOp>();
  builder.setInsertionPointToStart(&caller.getBody().front());
  Value one = LLVM::ConstantOp::create(builder, loc, i64, 1);
  Value frame = LLVM::AllocaOp::create(builder, loc, pointer, fields, one);
  builder.setInsertionPoint(call);
  for (auto [index, value] :
       llvm::enumerate(call.getArgOperands().drop_front(2))) {
    Value address =
        LLVM::GEPOp::create(builder, loc, pointer, fields, frame,
                            ArrayRef<LLVM::GEPArg>{0, int32_t(index)});
    LLVM::StoreOp::create(builder, loc, value, address);
  }
  int64_t cost = cast<IntegerAttr>(nest->getAttr(kCostAttribute)).getInt();
  Value costValue = LLVM::ConstantOp::create(builder, loc, i64, cost);
  Value chunkAddress = LLVM::AddressOfOp::create(builder, loc, chunk);
  LLVM::CallOp::create(builder, loc, parallelFor,
                       ValueRange{call.getArgOperands()[0],
                                  call.getArgOperands()[1], costValue,
                                  chunkAddress, frame});
  call.erase();
}

struct TerraDispatchParallelNestsPass
    : public terra::impl::TerraDispatchParallelNestsBase<
          TerraDispatchParallelNestsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    SmallVector<LLVM::LLVMFuncOp> nests;
    for (auto function : module.getOps<LLVM::LLVMFuncOp>())
      if (function->hasAttr(kCostAttribute))
        nests.push_back(function);
    if (nests.empty())
      return;
    OpBuilder builder(context);
    auto parallelFor = module.lookupSymbol<LLVM::LLVMFuncOp>(kParallelFor);
    if (!parallelFor) {
      auto pointer = LLVM::LLVMPointerType::get(context);
      auto i64 = IntegerType::get(context, 64);
      builder.setInsertionPointToStart(module.getBody());
      parallelFor = LLVM::LLVMFuncOp::create(
          builder, module.getLoc(), kParallelFor,
          LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                      {i64, i64, i64, pointer, pointer}));
    }
    for (LLVM::LLVMFuncOp nest : nests) {
      // The calls made so far: the chunk's own call stays a plain call.
      SmallVector<LLVM::CallOp> calls;
      module.walk([&](LLVM::CallOp call) {
        if (call.getCallee() == nest.getName())
          calls.push_back(call);
      });
      LLVM::LLVMFuncOp chunk = createChunk(builder, nest);
      for (LLVM::CallOp call : calls)
        dispatch(builder, call, nest, chunk, parallelFor);
      nest->removeAttr(kCostAttribute);
    }
  }
};

} // namespace
