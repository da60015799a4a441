//===- ConversionUtils.cpp - Helpers shared by terra-to-linalg patterns ---===//

#include "ConversionUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"

using namespace mlir;

Value terra::createEmpty(OpBuilder &builder, Location loc,
                         RankedTensorType type, DynamicSizeBuilder sizeOf) {
  SmallVector<Value> dynamicSizes;
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    if (type.isDynamicDim(dim))
      dynamicSizes.push_back(sizeOf(dim));
  return tensor::EmptyOp::create(builder, loc, type, dynamicSizes);
}

Value terra::dimValue(OpBuilder &builder, Location loc, Value value,
                      int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.isDynamicDim(dim))
    return arith::ConstantIndexOp::create(builder, loc, type.getDimSize(dim));
  return tensor::DimOp::create(builder, loc, value, dim);
}

Value terra::expandShape(OpBuilder &builder, Location loc,
                         RankedTensorType resultType, Value source,
                         ArrayRef<ReassociationIndices> reassociation) {
  if (resultType.hasStaticShape())
    return tensor::ExpandShapeOp::create(builder, loc, resultType, source,
                                         reassociation);
  SmallVector<OpFoldResult> outputShape;
  for (auto [group, dims] : llvm::enumerate(reassociation)) {
    int64_t staticProduct = 1;
    for (int64_t dim : dims)
      if (!resultType.isDynamicDim(dim))
        staticProduct *= resultType.getDimSize(dim);
    for (int64_t dim : dims) {
      if (!resultType.isDynamicDim(dim)) {
        outputShape.push_back(builder.getIndexAttr(resultType.getDimSize(dim)));
        continue;
      }
      Value size = tensor::DimOp::create(builder, loc, source, group);
      if (staticProduct != 1)
        size = arith::DivSIOp::create(
            builder, loc, size,
            arith::ConstantIndexOp::create(builder, loc, staticProduct));
      outputShape.push_back(size);
    }
  }
  return tensor::ExpandShapeOp::create(builder, loc, resultType, source,
                                       reassociation, outputShape);
}

Value terra::createEmptyLike(OpBuilder &builder, Location loc,
                             RankedTensorType type, Value shapeSource) {
  return createEmpty(builder, loc, type, [&](int64_t dim) -> Value {
    return tensor::DimOp::create(builder, loc, shapeSource, dim);
  });
}

Value terra::createFilledTensor(OpBuilder &builder, Location loc,
                                RankedTensorType type, Value scalar,
                                Value shapeSource) {
  Value empty = createEmptyLike(builder, loc, type, shapeSource);
  return linalg::FillOp::create(builder, loc, scalar, empty).getResult(0);
}

Value terra::createScalarConstant(OpBuilder &builder, Location loc, Type type,
                                  double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(builder, loc,
                                     builder.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      builder, loc, builder.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value terra::buildElementwiseGeneric(OpBuilder &builder, Location loc,
                                     RankedTensorType resultType,
                                     ValueRange inputs,
                                     ScalarBodyBuilder body) {
  Value init = createEmptyLike(builder, loc, resultType,
                               inputs.empty() ? Value() : inputs.front());
  SmallVector<AffineMap> maps(
      inputs.size() + 1, builder.getMultiDimIdentityMap(resultType.getRank()));
  SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      builder, loc, resultType, inputs, init, maps, iterators,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        Value result = body(b, nestedLoc, args.drop_back());
        linalg::YieldOp::create(b, nestedLoc, result);
      });
  return generic.getResult(0);
}

TypedAttr terra::lowestValueAttr(Type type) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return FloatAttr::get(type, APFloat::getInf(floatType.getFloatSemantics(),
                                                /*Negative=*/true));
  unsigned width = type.getIntOrFloatBitWidth();
  return IntegerAttr::get(type, width == 1 ? APInt::getZero(1)
                                           : APInt::getSignedMinValue(width));
}

TypedAttr terra::highestValueAttr(Type type) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return FloatAttr::get(type, APFloat::getInf(floatType.getFloatSemantics()));
  unsigned width = type.getIntOrFloatBitWidth();
  return IntegerAttr::get(type, width == 1 ? APInt::getAllOnes(1)
                                           : APInt::getSignedMaxValue(width));
}

LogicalResult terra::requireStaticShapes(Operation *op,
                                         PatternRewriter &rewriter) {
  auto isStatic = [](Type type) {
    auto shaped = dyn_cast<ShapedType>(type);
    return !shaped || shaped.hasStaticShape();
  };
  if (llvm::all_of(op->getOperandTypes(), isStatic) &&
      llvm::all_of(op->getResultTypes(), isStatic))
    return success();
  return rewriter.notifyMatchFailure(op, "dynamic shapes are not lowered yet");
}
