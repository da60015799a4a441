//===- ConversionUtils.h - Helpers shared by the terra-to-linalg patterns -===//

#ifndef TERRA_LIB_CONVERSION_TERRATOLINALG_CONVERSIONUTILS_H
#define TERRA_LIB_CONVERSION_TERRATOLINALG_CONVERSIONUTILS_H

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir {
namespace terra {

/// Computes one scalar result from the scalar operands of a loop body.
using ScalarBodyBuilder =
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// A `tensor.empty` of `type`; dynamic sizes are read from `shapeSource`,
/// which must have the same shape.
Value createEmptyLike(OpBuilder &builder, Location loc, RankedTensorType type,
                      Value shapeSource);

/// Gives the size of dynamic result dimension `dim`.
using DynamicSizeBuilder = llvm::function_ref<Value(int64_t dim)>;

/// A `tensor.empty` of `type` whose dynamic sizes come from `sizeOf`.
Value createEmpty(OpBuilder &builder, Location loc, RankedTensorType type,
                  DynamicSizeBuilder sizeOf);

/// Dimension `dim` of `value` as an index value (a constant when static).
Value dimValue(OpBuilder &builder, Location loc, Value value, int64_t dim);

/// tensor.expand_shape of `source` to `resultType`, with each dynamic size
/// computed from its group's source size (at most one dynamic size per
/// group). The builder's own inference folds tensor.dim through values the
/// dialect conversion is replacing, so it is not used.
Value expandShape(OpBuilder &builder, Location loc, RankedTensorType resultType,
                  Value source, ArrayRef<ReassociationIndices> reassociation);

/// A tensor of `type` filled with `scalar`.
Value createFilledTensor(OpBuilder &builder, Location loc,
                         RankedTensorType type, Value scalar,
                         Value shapeSource = {});

/// A scalar constant of `type` (float or integer) equal to `value`.
Value createScalarConstant(OpBuilder &builder, Location loc, Type type,
                           double value);

/// The all-parallel `linalg.generic` computing `body` element by element
/// over `inputs`, which all have the shape of `resultType`.
Value buildElementwiseGeneric(OpBuilder &builder, Location loc,
                              RankedTensorType resultType, ValueRange inputs,
                              ScalarBodyBuilder body);

/// The smallest and largest values of a float (infinities) or signed integer
/// type: the identities of max and min reductions.
TypedAttr lowestValueAttr(Type type);
TypedAttr highestValueAttr(Type type);

/// Fails the match on `op` unless every operand and result type is static.
LogicalResult requireStaticShapes(Operation *op, PatternRewriter &rewriter);

void populateElementwiseToLinalgPatterns(RewritePatternSet &patterns);
void populateShapeToLinalgPatterns(RewritePatternSet &patterns);
void populateReductionToLinalgPatterns(RewritePatternSet &patterns);
void populateContractionToLinalgPatterns(RewritePatternSet &patterns);
void populateWindowToLinalgPatterns(RewritePatternSet &patterns);
void populateRandomToLinalgPatterns(RewritePatternSet &patterns);

} // namespace terra
} // namespace mlir

#endif // TERRA_LIB_CONVERSION_TERRATOLINALG_CONVERSIONUTILS_H
