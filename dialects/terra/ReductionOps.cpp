//===- ReductionOps.cpp - Reductions: inference, verifiers, folders -------===//

#include "terra/TerraDialect.h"
#include "terra/TerraUtils.h"

using namespace mlir;
using namespace mlir::terra;

/// Infers the result type of a reduction over `axes`, reporting bad axes.
static LogicalResult
inferReduction(std::optional<Location> loc, StringRef opName,
               RankedTensorType inputType, ArrayRef<int64_t> axes, bool keepdim,
               Type elementType, SmallVectorImpl<Type> &inferred) {
  int64_t rank = inputType.getRank();
  SmallVector<bool> seen(rank, false);
  for (int64_t axis : axes) {
    if (axis < 0 || axis >= rank)
      return emitOptionalError(loc, "'", opName, "' op axis ", axis,
                               " is out of range for a tensor of rank ", rank);
    if (seen[axis])
      return emitOptionalError(loc, "'", opName, "' op axis ", axis,
                               " appears twice");
    seen[axis] = true;
  }
  inferred.push_back(RankedTensorType::get(
      reducedShape(inputType.getShape(), axes, keepdim), elementType));
  return success();
}

#define TERRA_DEFINE_REDUCE_OP(OP, NAME)                                       \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, ValueRange operands,         \
      DictionaryAttr attributes, OpaqueProperties properties,                  \
      RegionRange regions, SmallVectorImpl<Type> &inferredReturnTypes) {       \
    Adaptor adaptor(operands, attributes, properties, regions);                \
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());     \
    return inferReduction(loc, NAME, inputType, adaptor.getAxes(),             \
                          adaptor.getKeepdim(), inputType.getElementType(),    \
                          inferredReturnTypes);                                \
  }                                                                            \
  OpFoldResult OP::fold(FoldAdaptor) {                                         \
    if (getAxes().empty())                                                     \
      return getInput();                                                       \
    return {};                                                                 \
  }

TERRA_DEFINE_REDUCE_OP(SumOp, "terra.sum")
TERRA_DEFINE_REDUCE_OP(MeanOp, "terra.mean")
TERRA_DEFINE_REDUCE_OP(MaxOp, "terra.max")
TERRA_DEFINE_REDUCE_OP(MinOp, "terra.min")

#undef TERRA_DEFINE_REDUCE_OP

LogicalResult
ArgMaxOp::inferReturnTypes(MLIRContext *context, std::optional<Location> loc,
                           ValueRange operands, DictionaryAttr attributes,
                           OpaqueProperties properties, RegionRange regions,
                           SmallVectorImpl<Type> &inferredReturnTypes) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  return inferReduction(loc, "terra.argmax", inputType, {axis},
                        adaptor.getKeepdim(), IntegerType::get(context, 64),
                        inferredReturnTypes);
}

static LogicalResult verifySoftmaxAxis(Operation *op, int64_t axis,
                                       RankedTensorType type) {
  if (axis < 0 || axis >= type.getRank())
    return op->emitOpError("axis ")
           << axis << " is out of range for a tensor of rank "
           << type.getRank();
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifySoftmaxAxis(*this, getAxis(), getType());
}

LogicalResult LogSoftmaxOp::verify() {
  return verifySoftmaxAxis(*this, getAxis(), getType());
}
