//===- LinalgToRuntime.cpp - Matrix products as OpenBLAS calls ------------===//

#include "terra/Conversion/Passes.h"

#include "../RuntimeFunctions.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace terra {
#define GEN_PASS_DEF_CONVERTLINALGTOTERRARUNTIME
#include "terra/Conversion/Passes.h.inc"
} // namespace terra
} // namespace mlir

using namespace mlir;

namespace {

/// How a (batch) matmul reads its operands: plain or transposed. Empty when
/// the indexing maps are anything else (broadcasts, permuted outputs).
struct MatmulLayout {
  bool transposeLhs = false;
  bool transposeRhs = false;
};

std::optional<MatmulLayout> classifyMaps(ArrayRef<AffineMap> maps,
                                         bool batched) {
  if (maps.size() != 3)
    return std::nullopt;
  MLIRContext *context = maps[0].getContext();
  unsigned numDims = batched ? 4 : 3;
  unsigned first = batched ? 1 : 0;
  auto build = [&](unsigned row, unsigned col) {
    SmallVector<AffineExpr> exprs;
    if (batched)
      exprs.push_back(getAffineDimExpr(0, context));
    exprs.push_back(getAffineDimExpr(first + row, context));
    exprs.push_back(getAffineDimExpr(first + col, context));
    return AffineMap::get(numDims, 0, exprs, context);
  };
  // Loop dims after the batch: m = 0, n = 1, k = 2.
  if (maps[2] != build(0, 1))
    return std::nullopt;
  MatmulLayout layout;
  if (maps[0] == build(2, 0))
    layout.transposeLhs = true;
  else if (maps[0] != build(0, 2))
    return std::nullopt;
  if (maps[1] == build(1, 2))
    layout.transposeRhs = true;
  else if (maps[1] != build(2, 1))
    return std::nullopt;
  return layout;
}

struct ConvertLinalgToTerraRuntimePass
    : public terra::impl::ConvertLinalgToTerraRuntimeBase<
          ConvertLinalgToTerraRuntimePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder builder(&getContext());
    module.walk([&](linalg::LinalgOp op) {
      bool batched = isa<linalg::BatchMatmulOp>(op);
      if (!batched && !isa<linalg::MatmulOp>(op))
        return;
      if (!op.hasPureBufferSemantics())
        return;
      auto outputType =
          dyn_cast<MemRefType>(op.getDpsInitOperand(0)->get().getType());
      if (!outputType)
        return;
      Type elementType = outputType.getElementType();
      if (!elementType.isF32() && !elementType.isF64())
        return;
      if (llvm::any_of(op->getOperandTypes(), [&](Type type) {
            return cast<MemRefType>(type).getElementType() != elementType;
          }))
        return;
      std::optional<MatmulLayout> layout =
          classifyMaps(op.getIndexingMapsArray(), batched);
      if (!layout)
        return;

      MemRefType operandType =
          terra::anyStridedMemRef(batched ? 3 : 2, elementType);
      Type i32 = builder.getI32Type();
      func::FuncOp callee = terra::getOrDeclareRuntimeFunction(
          module, builder,
          std::string("terra_rt_") + (batched ? "batched_" : "") +
              (elementType.isF32() ? "sgemm" : "dgemm"),
          builder.getFunctionType(
              {i32, i32, operandType, operandType, operandType}, {}));

      builder.setInsertionPoint(op);
      Location loc = op.getLoc();
      SmallVector<Value> arguments = {
          arith::ConstantOp::create(
              builder, loc, builder.getI32IntegerAttr(layout->transposeLhs)),
          arith::ConstantOp::create(
              builder, loc, builder.getI32IntegerAttr(layout->transposeRhs))};
      for (Value operand : op->getOperands())
        arguments.push_back(
            memref::CastOp::create(builder, loc, operandType, operand));
      func::CallOp::create(builder, loc, callee, arguments);
      op->erase();
    });
  }
};

} // namespace
