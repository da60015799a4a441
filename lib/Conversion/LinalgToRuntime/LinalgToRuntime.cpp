//===- LinalgToRuntime.cpp - Matrix products as OpenBLAS calls ------------===//

#include "terra/Conversion/Passes.h"

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

/// The runtime function for this element type and rank, declared in the
/// module on first use.
func::FuncOp getOrDeclareRuntimeFunction(ModuleOp module, OpBuilder &builder,
                                         Type elementType, bool batched,
                                         MemRefType operandType) {
  std::string name = std::string("terra_rt_") + (batched ? "batched_" : "") +
                     (elementType.isF32() ? "sgemm" : "dgemm");
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(module.getBody());
  Type i32 = builder.getI32Type();
  auto type = builder.getFunctionType(
      {i32, i32, operandType, operandType, operandType}, {});
  auto function = func::FuncOp::create(builder, module.getLoc(), name, type);
  function.setPrivate();
  function->setAttr("llvm.emit_c_interface", builder.getUnitAttr());
  return function;
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

      int64_t rank = batched ? 3 : 2;
      SmallVector<int64_t> dynamic(rank, ShapedType::kDynamic);
      auto operandType = MemRefType::get(
          dynamic, elementType,
          StridedLayoutAttr::get(&getContext(), ShapedType::kDynamic, dynamic));
      func::FuncOp callee = getOrDeclareRuntimeFunction(
          module, builder, elementType, batched, operandType);

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
