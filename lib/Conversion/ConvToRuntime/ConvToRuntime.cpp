//===- ConvToRuntime.cpp - Convolutions as calls of the eager kernels -----===//

#include "terra/Conversion/Passes.h"

#include "../RuntimeFunctions.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace terra {
#define GEN_PASS_DEF_CONVERTTERRACONVTORUNTIME
#include "terra/Conversion/Passes.h.inc"
} // namespace terra
} // namespace mlir

using namespace mlir;

namespace {

/// `terra_rt_<name>_{f32,f64}`: (input, weight or gradient, result, the
/// seven convolution parameters).
func::FuncOp getOrDeclare(ModuleOp module, OpBuilder &builder, StringRef name,
                          Type elementType) {
  SmallVector<Type> inputs(3, terra::anyStridedMemRef(4, elementType));
  inputs.append(7, builder.getI64Type());
  return terra::getOrDeclareRuntimeFunction(
      module, builder,
      ("terra_rt_" + name).str() + (elementType.isF32() ? "_f32" : "_f64"),
      builder.getFunctionType(inputs, {}));
}

/// Replaces `op` with a call of a private function of its own that takes
/// the operands as read-only buffers, fills a new buffer with the runtime
/// call and returns it as the result. The buffers are made inside that
/// function: at the call site bufferization sees a call that reads its
/// operands and returns a new tensor, which it handles across calls. (With
/// the buffers made in the block itself, One-Shot Bufferize let a later
/// elementwise op write in place into a buffer that a to_buffer read after
/// it: ResNet steps computed wrong gradients.)
template <typename ConvOp>
void rewrite(ConvOp op, StringRef name, ModuleOp module, OpBuilder &builder,
             unsigned &counter) {
  auto resultType = cast<RankedTensorType>(op.getType());
  Type elementType = resultType.getElementType();
  if (!elementType.isF32() && !elementType.isF64())
    return;
  SmallVector<RankedTensorType> types = {resultType};
  for (Value operand : op->getOperands())
    types.push_back(cast<RankedTensorType>(operand.getType()));
  // Sizes known at run time only stay with terra-conv-to-matmul.
  if (llvm::any_of(
          types, [](RankedTensorType type) { return !type.hasStaticShape(); }))
    return;

  Location loc = op.getLoc();
  func::FuncOp callee = getOrDeclare(module, builder, name, elementType);
  func::FuncOp wrapper;
  {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPoint(op->template getParentOfType<func::FuncOp>());
    wrapper = func::FuncOp::create(
        builder, loc, ("terra_" + name + "_" + Twine(counter++)).str(),
        builder.getFunctionType(op->getOperandTypes(), {resultType}));
    wrapper.setPrivate();
    Block *body = wrapper.addEntryBlock();
    builder.setInsertionPointToStart(body);
    MemRefType any = terra::anyStridedMemRef(4, elementType);
    SmallVector<Value> arguments;
    for (Value operand : body->getArguments()) {
      auto type = cast<RankedTensorType>(operand.getType());
      SmallVector<int64_t> strides(4, ShapedType::kDynamic);
      auto buffer = MemRefType::get(type.getShape(), elementType,
                                    StridedLayoutAttr::get(builder.getContext(),
                                                           ShapedType::kDynamic,
                                                           strides));
      Value read = bufferization::ToBufferOp::create(
          builder, loc, buffer, operand, /*read_only=*/true);
      arguments.push_back(memref::CastOp::create(builder, loc, any, read));
    }
    auto resultBuffer = memref::AllocOp::create(
        builder, loc, MemRefType::get(resultType.getShape(), elementType),
        builder.getI64IntegerAttr(64));
    arguments.push_back(
        memref::CastOp::create(builder, loc, any, resultBuffer));
    ArrayRef<int64_t> stride = op.getStride(), padding = op.getPadding(),
                      dilation = op.getDilation();
    for (int64_t value :
         {stride[0], stride[1], padding[0], padding[1], dilation[0],
          dilation[1], static_cast<int64_t>(op.getGroups())})
      arguments.push_back(arith::ConstantOp::create(
          builder, loc, builder.getI64IntegerAttr(value)));
    func::CallOp::create(builder, loc, callee, arguments);
    Value result = bufferization::ToTensorOp::create(
        builder, loc, resultType, resultBuffer, /*restrict=*/true,
        /*writable=*/true);
    func::ReturnOp::create(builder, loc, result);
  }
  builder.setInsertionPoint(op);
  auto call = func::CallOp::create(builder, loc, wrapper, op->getOperands());
  op.getResult().replaceAllUsesWith(call.getResult(0));
  op->erase();
}

struct ConvertTerraConvToRuntimePass
    : public terra::impl::ConvertTerraConvToRuntimeBase<
          ConvertTerraConvToRuntimePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder builder(&getContext());
    unsigned counter = 0;
    SmallVector<Operation *> convolutions;
    module.walk([&](Operation *op) {
      if (isa<terra::Conv2DOp, terra::Conv2DGradInputOp,
              terra::Conv2DGradWeightOp>(op))
        convolutions.push_back(op);
    });
    for (Operation *op : convolutions) {
      if (auto conv = dyn_cast<terra::Conv2DOp>(op))
        rewrite(conv, "conv2d", module, builder, counter);
      else if (auto grad = dyn_cast<terra::Conv2DGradInputOp>(op))
        rewrite(grad, "conv2d_grad_input", module, builder, counter);
      else if (auto grad = dyn_cast<terra::Conv2DGradWeightOp>(op))
        rewrite(grad, "conv2d_grad_weight", module, builder, counter);
    }
  }
};

} // namespace
