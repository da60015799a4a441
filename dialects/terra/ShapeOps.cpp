//===- ShapeOps.cpp - Shape ops: verifiers, inference, folders ------------===//

#include "terra/TerraDialect.h"
#include "terra/TerraUtils.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::terra;

namespace {
RankedTensorType rankedType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// Checks that `axis` lies in [0, rank). Axes are non-negative in the
/// dialect: the frontend normalises PyTorch's negative axes when it traces.
FailureOr<int64_t> checkAxis(std::optional<Location> loc, StringRef opName,
                             int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return emitOptionalError(loc, "'", opName, "' op axis ", axis,
                             " is out of range for a tensor of rank ", rank);
  return axis;
}
} // namespace

//===----------------------------------------------------------------------===//
// BroadcastToOp
//===----------------------------------------------------------------------===//

/// Checks that `inputType` broadcasts to `resultType` with NumPy rules;
/// reports why not at `loc` when given.
static LogicalResult verifyBroadcast(std::optional<Location> loc,
                                     RankedTensorType inputType,
                                     RankedTensorType resultType) {
  if (inputType.getElementType() != resultType.getElementType())
    return emitOptionalError(loc, "'terra.broadcast_to' op element type ",
                             inputType.getElementType(),
                             " differs from the result's ",
                             resultType.getElementType());
  int64_t offset = resultType.getRank() - inputType.getRank();
  if (offset < 0)
    return emitOptionalError(
        loc, "'terra.broadcast_to' op cannot broadcast a tensor of rank ",
        inputType.getRank(), " to the lower rank ", resultType.getRank());
  for (auto [index, size] : llvm::enumerate(inputType.getShape())) {
    int64_t target = resultType.getDimSize(index + offset);
    if (size != 1 && !compatibleDims(size, target))
      return emitOptionalError(loc, "'terra.broadcast_to' op input dimension ",
                               index, " of size ", size,
                               " cannot be broadcast to size ", target);
  }
  return success();
}

LogicalResult BroadcastToOp::verify() {
  int64_t numDynamic = getType().getNumDynamicDims();
  if (!getSizes().empty() && int64_t(getSizes().size()) != numDynamic)
    return emitOpError("has ") << getSizes().size() << " sizes for "
                               << numDynamic << " dynamic result dimensions";
  return verifyBroadcast(getLoc(), rankedType(getInput()), getType());
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto splat = dyn_cast_if_present<SplatElementsAttr>(adaptor.getInput()))
    if (getType().hasStaticShape())
      return splat.resizeSplat(getType());
  return {};
}

namespace {
/// broadcast_to(broadcast_to(x)) is one broadcast_to of x.
struct MergeBroadcasts : public OpRewritePattern<BroadcastToOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BroadcastToOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<BroadcastToOp>();
    // The sizes of a dynamic result are only known to the op that has them.
    if (!producer || (!producer.getSizes().empty() && op.getSizes().empty()))
      return failure();
    // Through a dynamic intermediate size, 5 -> ? -> 7 verifies (and fails
    // at run time) but 5 -> 7 does not: never build an invalid op.
    if (failed(verifyBroadcast(std::nullopt, rankedType(producer.getInput()),
                               op.getType())))
      return failure();
    rewriter.replaceOpWithNewOp<BroadcastToOp>(
        op, op.getType(), producer.getInput(), op.getSizes());
    return success();
  }
};
} // namespace

void BroadcastToOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                MLIRContext *context) {
  results.add<MergeBroadcasts>(context);
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

/// Checks that `inputType` can be reshaped into `resultType`: same element
/// type, at most one dynamic result dimension, and element counts that can
/// agree given the static dimensions; reports why not at `loc` when given.
static LogicalResult verifyReshape(std::optional<Location> loc,
                                   RankedTensorType inputType,
                                   RankedTensorType resultType,
                                   size_t numSizes = 0) {
  if (inputType.getElementType() != resultType.getElementType())
    return emitOptionalError(
        loc, "'terra.reshape' op element type ", inputType.getElementType(),
        " differs from the result's ", resultType.getElementType());
  if (inputType.hasStaticShape() && resultType.hasStaticShape() &&
      inputType.getNumElements() != resultType.getNumElements())
    return emitOptionalError(loc, "'terra.reshape' op cannot reshape ",
                             inputType.getNumElements(), " elements into ",
                             resultType.getNumElements());
  int64_t numDynamic = resultType.getNumDynamicDims();
  if (numSizes != 0 && int64_t(numSizes) != numDynamic)
    return emitOptionalError(loc, "'terra.reshape' op has ", numSizes,
                             " sizes for ", numDynamic,
                             " dynamic result dimensions");
  if (numSizes == 0 && numDynamic > 1)
    return emitOptionalError(
        loc, "'terra.reshape' op result may have at most one dynamic "
             "dimension without sizes");
  // With a dynamic dimension on one side, the static side's element count
  // must still be a multiple of the other side's static dimensions.
  auto staticProduct = [](RankedTensorType type) {
    int64_t product = 1;
    for (int64_t size : type.getShape())
      if (!ShapedType::isDynamic(size))
        product *= size;
    return product;
  };
  auto checkDivisible = [&](RankedTensorType full,
                            RankedTensorType partial) -> LogicalResult {
    if (!full.hasStaticShape() || partial.hasStaticShape())
      return success();
    int64_t count = full.getNumElements();
    int64_t known = staticProduct(partial);
    if (known == 0 ? count == 0 : count % known == 0)
      return success();
    return emitOptionalError(loc, "'terra.reshape' op cannot reshape ",
                             inputType, " into ", resultType, ": ", count,
                             " elements are not a multiple of ", known);
  };
  if (failed(checkDivisible(inputType, resultType)) ||
      failed(checkDivisible(resultType, inputType)))
    return failure();
  return success();
}

LogicalResult ReshapeOp::verify() {
  return verifyReshape(getLoc(), rankedType(getInput()), getType(),
                       getSizes().size());
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  // With sizes, equal types (?x? -> ?x?) may still be a new shape.
  if (getInput().getType() == getType() && getType().getNumDynamicDims() <= 1)
    return getInput();
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    // As for broadcasts, a dynamic intermediate shape can hide a size
    // mismatch (12 -> ? -> 5): only merge into a reshape that verifies.
    if (succeeded(verifyReshape(std::nullopt, rankedType(producer.getInput()),
                                getType(), getSizes().size()))) {
      getInputMutable().assign(producer.getInput());
      return getResult();
    }
  }
  if (auto dense = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput()))
    if (getType().hasStaticShape())
      return dense.reshape(getType());
  return {};
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult
TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                              ValueRange operands, DictionaryAttr attributes,
                              OpaqueProperties properties, RegionRange regions,
                              SmallVectorImpl<Type> &inferredReturnTypes) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType inputType = rankedType(adaptor.getInput());
  ArrayRef<int64_t> permutation = adaptor.getPermutation();
  int64_t rank = inputType.getRank();
  if (static_cast<int64_t>(permutation.size()) != rank)
    return emitOptionalError(loc, "'terra.transpose' op permutation has ",
                             permutation.size(),
                             " entries for a tensor of rank ", rank);
  SmallVector<bool> seen(rank, false);
  SmallVector<int64_t> shape;
  for (int64_t dim : permutation) {
    if (dim < 0 || dim >= rank || seen[dim])
      return emitOptionalError(
          loc, "'terra.transpose' op permutation is not a permutation of [0, ",
          rank, ")");
    seen[dim] = true;
    shape.push_back(inputType.getDimSize(dim));
  }
  inferredReturnTypes.push_back(inputType.clone(shape));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> permutation = getPermutation();
  if (llvm::equal(permutation, llvm::seq<int64_t>(0, permutation.size())))
    return getInput();
  if (auto producer = getInput().getDefiningOp<TransposeOp>()) {
    // Result dim i is producer dim permutation[i], which is input dim
    // producerPermutation[permutation[i]].
    SmallVector<int64_t> composed;
    for (int64_t dim : permutation)
      composed.push_back(producer.getPermutation()[dim]);
    setPermutation(composed);
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// SliceOp
//===----------------------------------------------------------------------===//

LogicalResult
SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                          ValueRange operands, DictionaryAttr attributes,
                          OpaqueProperties properties, RegionRange regions,
                          SmallVectorImpl<Type> &inferredReturnTypes) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType inputType = rankedType(adaptor.getInput());
  int64_t rank = inputType.getRank();
  ArrayRef<int64_t> start = adaptor.getStart(), limit = adaptor.getLimit(),
                    stride = adaptor.getStride();
  if (static_cast<int64_t>(start.size()) != rank ||
      static_cast<int64_t>(limit.size()) != rank ||
      static_cast<int64_t>(stride.size()) != rank)
    return emitOptionalError(loc,
                             "'terra.slice' op needs one start, limit and "
                             "stride per dimension (rank ",
                             rank, ")");
  SmallVector<int64_t> shape;
  for (int64_t dim = 0; dim < rank; ++dim) {
    int64_t size = inputType.getDimSize(dim);
    if (ShapedType::isDynamic(limit[dim])) {
      if (!ShapedType::isDynamic(size) || start[dim] != 0 || stride[dim] != 1)
        return emitOptionalError(
            loc,
            "'terra.slice' op a dynamic limit takes the whole of a "
            "dynamic dimension (start 0, stride 1); dimension ",
            dim, " is not one");
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    if (stride[dim] <= 0)
      return emitOptionalError(loc, "'terra.slice' op stride ", stride[dim],
                               " of dimension ", dim, " is not positive");
    if (start[dim] < 0)
      return emitOptionalError(loc, "'terra.slice' op start ", start[dim],
                               " of dimension ", dim, " is negative");
    if (start[dim] > limit[dim])
      return emitOptionalError(loc, "'terra.slice' op start ", start[dim],
                               " of dimension ", dim, " exceeds its limit ",
                               limit[dim]);
    if (!ShapedType::isDynamic(size) && limit[dim] > size)
      return emitOptionalError(loc, "'terra.slice' op range [", start[dim],
                               ", ", limit[dim], ") of dimension ", dim,
                               " does not fit in size ", size);
    shape.push_back((limit[dim] - start[dim] + stride[dim] - 1) / stride[dim]);
  }
  inferredReturnTypes.push_back(inputType.clone(shape));
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType() &&
      llvm::all_of(getStart(), [](int64_t s) { return s == 0; }) &&
      llvm::all_of(getStride(), [](int64_t s) { return s == 1; }))
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// ConcatOp
//===----------------------------------------------------------------------===//

LogicalResult
ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                           ValueRange operands, DictionaryAttr attributes,
                           OpaqueProperties properties, RegionRange regions,
                           SmallVectorImpl<Type> &inferredReturnTypes) {
  Adaptor adaptor(operands, attributes, properties, regions);
  if (operands.empty())
    return emitOptionalError(loc, "'terra.concat' op needs at least one input");
  RankedTensorType firstType = rankedType(operands[0]);
  int64_t rank = firstType.getRank();
  FailureOr<int64_t> dim =
      checkAxis(loc, "terra.concat", adaptor.getDim(), rank);
  if (failed(dim))
    return failure();
  SmallVector<int64_t> shape(firstType.getShape());
  for (auto [index, operand] : llvm::enumerate(operands.drop_front())) {
    RankedTensorType type = rankedType(operand);
    if (type.getRank() != rank)
      return emitOptionalError(loc, "'terra.concat' op input ", index + 1,
                               " has rank ", type.getRank(), ", expected ",
                               rank);
    for (int64_t d = 0; d < rank; ++d) {
      int64_t size = type.getDimSize(d);
      if (d == *dim) {
        shape[d] =
            ShapedType::isDynamic(shape[d]) || ShapedType::isDynamic(size)
                ? ShapedType::kDynamic
                : shape[d] + size;
      } else if (!compatibleDims(shape[d], size)) {
        return emitOptionalError(loc, "'terra.concat' op input ", index + 1,
                                 " has size ", size, " in dimension ", d,
                                 ", expected ", shape[d]);
      }
    }
  }
  inferredReturnTypes.push_back(firstType.clone(shape));
  return success();
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  return {};
}

//===----------------------------------------------------------------------===//
// PadOp
//===----------------------------------------------------------------------===//

LogicalResult
PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                        ValueRange operands, DictionaryAttr attributes,
                        OpaqueProperties properties, RegionRange regions,
                        SmallVectorImpl<Type> &inferredReturnTypes) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType inputType = rankedType(adaptor.getInput());
  int64_t rank = inputType.getRank();
  ArrayRef<int64_t> low = adaptor.getLow(), high = adaptor.getHigh();
  if (static_cast<int64_t>(low.size()) != rank ||
      static_cast<int64_t>(high.size()) != rank)
    return emitOptionalError(loc,
                             "'terra.pad' op needs one low and one high "
                             "padding per dimension (rank ",
                             rank, ")");
  // Integer tensors are padded with an exactly representable integer.
  if (auto intType = dyn_cast<IntegerType>(inputType.getElementType())) {
    double value = adaptor.getValue().convertToDouble();
    bool representable = std::isfinite(value) && std::trunc(value) == value &&
                         (intType.getWidth() != 1 || value == 0 || value == 1);
    if (!representable)
      return emitOptionalError(loc, "'terra.pad' op padding value ", value,
                               " is not a value of element type ", intType);
  }
  SmallVector<int64_t> shape;
  for (int64_t dim = 0; dim < rank; ++dim) {
    if (low[dim] < 0 || high[dim] < 0)
      return emitOptionalError(loc, "'terra.pad' op padding of dimension ", dim,
                               " is negative");
    int64_t size = inputType.getDimSize(dim);
    shape.push_back(ShapedType::isDynamic(size) ? size
                                                : size + low[dim] + high[dim]);
  }
  inferredReturnTypes.push_back(inputType.clone(shape));
  return success();
}

OpFoldResult PadOp::fold(FoldAdaptor) {
  auto isZero = [](int64_t p) { return p == 0; };
  if (llvm::all_of(getLow(), isZero) && llvm::all_of(getHigh(), isZero))
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// GatherOp and ScatterAddOp
//===----------------------------------------------------------------------===//

/// The shape of `gather(input, indices, axis)`.
static SmallVector<int64_t> gatherShape(RankedTensorType inputType,
                                        RankedTensorType indicesType,
                                        int64_t axis) {
  SmallVector<int64_t> shape(inputType.getShape().take_front(axis));
  llvm::append_range(shape, indicesType.getShape());
  llvm::append_range(shape, inputType.getShape().drop_front(axis + 1));
  return shape;
}

LogicalResult
GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                           ValueRange operands, DictionaryAttr attributes,
                           OpaqueProperties properties, RegionRange regions,
                           SmallVectorImpl<Type> &inferredReturnTypes) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType inputType = rankedType(adaptor.getInput());
  FailureOr<int64_t> axis =
      checkAxis(loc, "terra.gather", adaptor.getAxis(), inputType.getRank());
  if (failed(axis))
    return failure();
  inferredReturnTypes.push_back(inputType.clone(
      gatherShape(inputType, rankedType(adaptor.getIndices()), *axis)));
  return success();
}

LogicalResult ScatterAddOp::verify() {
  RankedTensorType inputType = rankedType(getInput());
  RankedTensorType updatesType = rankedType(getUpdates());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= inputType.getRank())
    return emitOpError("axis ")
           << axis << " is out of range for a tensor of rank "
           << inputType.getRank();
  if (updatesType.getElementType() != inputType.getElementType())
    return emitOpError("updates have element type ")
           << updatesType.getElementType() << ", expected "
           << inputType.getElementType();
  SmallVector<int64_t> expected =
      gatherShape(inputType, rankedType(getIndices()), axis);
  if (updatesType.getRank() != static_cast<int64_t>(expected.size()) ||
      !llvm::all_of(
          llvm::zip_equal(updatesType.getShape(), expected), [](auto pair) {
            return compatibleDims(std::get<0>(pair), std::get<1>(pair));
          }))
    return emitOpError("updates of type ")
           << updatesType << " do not match the gathered shape "
           << RankedTensorType::get(expected, inputType.getElementType());
  return success();
}
