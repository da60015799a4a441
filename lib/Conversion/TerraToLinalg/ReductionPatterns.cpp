//===- ReductionPatterns.cpp - Reductions to linalg.generic ---------------===//

#include "ConversionUtils.h"

#include "terra/TerraDialect.h"
#include "terra/TerraUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::terra;

namespace {

/// Loop maps of a reduction of `rank` dims over `axes`: identity for the
/// input, the kept dims for the output.
SmallVector<AffineMap> reductionMaps(MLIRContext *context, int64_t rank,
                                     ArrayRef<int64_t> axes, int64_t numInputs,
                                     int64_t numOutputs) {
  SmallVector<AffineExpr> keptDims;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(axes, d))
      keptDims.push_back(getAffineDimExpr(d, context));
  SmallVector<AffineMap> maps(numInputs,
                              AffineMap::getMultiDimIdentityMap(rank, context));
  maps.append(numOutputs, AffineMap::get(rank, 0, keptDims, context));
  return maps;
}

SmallVector<utils::IteratorType> reductionIterators(int64_t rank,
                                                    ArrayRef<int64_t> axes) {
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d)
    iterators.push_back(llvm::is_contained(axes, d)
                            ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
  return iterators;
}

/// Re-inserts the reduced `axes` as size-1 dims when the op keeps them.
Value restoreKeptDims(OpBuilder &builder, Location loc, Value reduced,
                      RankedTensorType resultType, ArrayRef<int64_t> axes) {
  if (reduced.getType() == resultType)
    return reduced;
  // Each kept dim starts a group; reduced dims join the next kept dim's
  // group, or the last group when they trail.
  SmallVector<ReassociationIndices> reassociation;
  ReassociationIndices pending;
  for (int64_t d = 0; d < resultType.getRank(); ++d) {
    pending.push_back(d);
    if (!llvm::is_contained(axes, d)) {
      reassociation.push_back(pending);
      pending.clear();
    }
  }
  if (!pending.empty() && !reassociation.empty())
    reassociation.back().append(pending.begin(), pending.end());
  return expandShape(builder, loc, resultType, reduced, reassociation);
}

enum class ReduceKind { Sum, Max, Min };

Value combine(ReduceKind kind, OpBuilder &b, Location loc, Value acc, Value x) {
  bool isFloat = isa<FloatType>(x.getType());
  // Booleans order false < true, but as signed i1 true is -1: their maximum
  // is `or` and their minimum `and`.
  bool isBool = x.getType().isInteger(1);
  if (isBool && kind == ReduceKind::Max)
    return arith::OrIOp::create(b, loc, acc, x);
  if (isBool && kind == ReduceKind::Min)
    return arith::AndIOp::create(b, loc, acc, x);
  switch (kind) {
  case ReduceKind::Sum:
    return isFloat ? arith::AddFOp::create(b, loc, acc, x).getResult()
                   : arith::AddIOp::create(b, loc, acc, x).getResult();
  case ReduceKind::Max:
    return isFloat ? arith::MaximumFOp::create(b, loc, acc, x).getResult()
                   : arith::MaxSIOp::create(b, loc, acc, x).getResult();
  case ReduceKind::Min:
    return isFloat ? arith::MinimumFOp::create(b, loc, acc, x).getResult()
                   : arith::MinSIOp::create(b, loc, acc, x).getResult();
  }
  llvm_unreachable("unknown reduction");
}

/// A tensor of `input`'s kept dims (those not in `axes`) filled with
/// `identity`.
Value createReducedInit(OpBuilder &builder, Location loc, Value input,
                        ArrayRef<int64_t> axes, Type elementType,
                        TypedAttr identity) {
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> keptDims;
  for (int64_t d = 0; d < inputType.getRank(); ++d)
    if (!llvm::is_contained(axes, d))
      keptDims.push_back(d);
  auto type = RankedTensorType::get(
      reducedShape(inputType.getShape(), axes, /*keepdim=*/false), elementType);
  Value empty = createEmpty(builder, loc, type, [&](int64_t dim) {
    return dimValue(builder, loc, input, keptDims[dim]);
  });
  Value scalar = arith::ConstantOp::create(builder, loc, identity);
  return linalg::FillOp::create(builder, loc, scalar, empty).getResult(0);
}

/// Reduces `input` over `axes` into a tensor without the reduced dims.
Value buildReduction(OpBuilder &builder, Location loc, ReduceKind kind,
                     Value input, ArrayRef<int64_t> axes) {
  auto inputType = cast<RankedTensorType>(input.getType());
  Type elementType = inputType.getElementType();
  TypedAttr identity =
      kind == ReduceKind::Sum   ? builder.getZeroAttr(elementType)
      : kind == ReduceKind::Max ? lowestValueAttr(elementType)
                                : highestValueAttr(elementType);
  Value init =
      createReducedInit(builder, loc, input, axes, elementType, identity);
  Type reducedType = init.getType();
  int64_t rank = inputType.getRank();
  auto generic = linalg::GenericOp::create(
      builder, loc, reducedType, input, init,
      reductionMaps(builder.getContext(), rank, axes, 1, 1),
      reductionIterators(rank, axes),
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(b, nestedLoc,
                                combine(kind, b, nestedLoc, args[1], args[0]));
      });
  return generic.getResult(0);
}

template <typename OpTy, ReduceKind Kind>
struct ReduceLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value reduced =
        buildReduction(rewriter, loc, Kind, adaptor.getInput(), op.getAxes());
    rewriter.replaceOp(op, restoreKeptDims(rewriter, loc, reduced, op.getType(),
                                           op.getAxes()));
    return success();
  }
};

struct MeanLowering : public OpConversionPattern<MeanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MeanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    // The element count of the reduced axes: a constant, or computed from
    // the dynamic sizes.
    int64_t staticCount = 1;
    Value dynamicCount;
    for (int64_t axis : op.getAxes()) {
      if (!inputType.isDynamicDim(axis)) {
        staticCount *= inputType.getDimSize(axis);
        continue;
      }
      Value size = tensor::DimOp::create(rewriter, loc, input, axis);
      dynamicCount = dynamicCount ? arith::MulIOp::create(rewriter, loc,
                                                          dynamicCount, size)
                                        .getResult()
                                  : size;
    }
    Value sum =
        buildReduction(rewriter, loc, ReduceKind::Sum, input, op.getAxes());
    auto sumType = cast<RankedTensorType>(sum.getType());
    Type elementType = sumType.getElementType();
    Value divisor =
        createScalarConstant(rewriter, loc, elementType, double(staticCount));
    if (dynamicCount) {
      Value count = arith::UIToFPOp::create(
          rewriter, loc, elementType,
          arith::IndexCastUIOp::create(rewriter, loc, rewriter.getI64Type(),
                                       dynamicCount));
      divisor = arith::MulFOp::create(rewriter, loc, divisor, count);
    }
    Value mean = buildElementwiseGeneric(
        rewriter, loc, sumType, sum,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
          return arith::DivFOp::create(b, nestedLoc, args[0], divisor);
        });
    rewriter.replaceOp(
        op, restoreKeptDims(rewriter, loc, mean, op.getType(), op.getAxes()));
    return success();
  }
};

struct ArgMaxLowering : public OpConversionPattern<ArgMaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ArgMaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type elementType = inputType.getElementType();
    int64_t axis = op.getAxis();
    Value values = createReducedInit(rewriter, loc, input, {axis}, elementType,
                                     lowestValueAttr(elementType));
    Value indices =
        createReducedInit(rewriter, loc, input, {axis}, rewriter.getI64Type(),
                          rewriter.getI64IntegerAttr(0));
    Type valueType = values.getType(), indexType = indices.getType();
    int64_t rank = inputType.getRank();
    bool isFloat = isa<FloatType>(elementType);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valueType, indexType}, input,
        ValueRange{values, indices},
        reductionMaps(getContext(), rank, {axis}, 1, 2),
        reductionIterators(rank, {axis}),
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          Value x = args[0], best = args[1], bestIndex = args[2];
          Value index = arith::IndexCastOp::create(
              b, nestedLoc, b.getI64Type(),
              linalg::IndexOp::create(b, nestedLoc, axis));
          // Strictly greater keeps the first maximum; a NaN wins over any
          // number and the first NaN wins, as in PyTorch.
          Value take;
          if (isFloat) {
            Value greater = arith::CmpFOp::create(
                b, nestedLoc, arith::CmpFPredicate::OGT, x, best);
            Value xIsNan = arith::CmpFOp::create(
                b, nestedLoc, arith::CmpFPredicate::UNO, x, x);
            Value bestIsNumber = arith::CmpFOp::create(
                b, nestedLoc, arith::CmpFPredicate::ORD, best, best);
            take = arith::OrIOp::create(
                b, nestedLoc, greater,
                arith::AndIOp::create(b, nestedLoc, xIsNan, bestIsNumber));
          } else {
            // Booleans compare unsigned (true > false), like terra.compare.
            take = arith::CmpIOp::create(b, nestedLoc,
                                         elementType.isInteger(1)
                                             ? arith::CmpIPredicate::ugt
                                             : arith::CmpIPredicate::sgt,
                                         x, best);
          }
          // The first element always replaces the initial value, so an
          // all -inf or all-minimum row still yields index 0.
          Value isFirst = arith::CmpIOp::create(
              b, nestedLoc, arith::CmpIPredicate::eq, index,
              arith::ConstantOp::create(b, nestedLoc, b.getI64IntegerAttr(0)));
          take = arith::OrIOp::create(b, nestedLoc, take, isFirst);
          linalg::YieldOp::create(
              b, nestedLoc,
              ValueRange{arith::SelectOp::create(b, nestedLoc, take, x, best),
                         arith::SelectOp::create(b, nestedLoc, take, index,
                                                 bestIndex)});
        });
    rewriter.replaceOp(op, restoreKeptDims(rewriter, loc, generic.getResult(1),
                                           op.getType(), {axis}));
    return success();
  }
};

} // namespace

void terra::populateReductionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<SumOp, ReduceKind::Sum>,
               ReduceLowering<MaxOp, ReduceKind::Max>,
               ReduceLowering<MinOp, ReduceKind::Min>, MeanLowering,
               ArgMaxLowering>(patterns.getContext());
}
