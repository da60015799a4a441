//===- ShapePatterns.cpp - Shape terra ops to linalg and tensor -----------===//

#include "ConversionUtils.h"

#include "terra/TerraDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::terra;

namespace {

/// A linalg.generic that copies `input` into a tensor of `resultType`,
/// reading it through `inputMap`: broadcasts and permutations, which then
/// fuse with their elementwise consumers. `init` is the empty result.
Value buildCopyGeneric(OpBuilder &builder, Location loc, Value input,
                       AffineMap inputMap, Value init) {
  auto resultType = cast<RankedTensorType>(init.getType());
  SmallVector<AffineMap> maps = {
      inputMap, builder.getMultiDimIdentityMap(resultType.getRank())};
  SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             builder, loc, resultType, input, init, maps, iterators,
             [](OpBuilder &b, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(b, nestedLoc, args[0]);
             })
      .getResult(0);
}

struct BroadcastToLowering : public OpConversionPattern<BroadcastToOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BroadcastToOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    RankedTensorType resultType = op.getType();
    int64_t offset = resultType.getRank() - inputType.getRank();
    // A dynamic result size is given by `sizes`, or else is the input's
    // (dynamic input dimensions are never broadcast).
    ValueRange sizes = adaptor.getSizes();
    for (int64_t dim = 0; sizes.empty() && dim < resultType.getRank(); ++dim)
      if (resultType.isDynamicDim(dim) &&
          (dim < offset || !inputType.isDynamicDim(dim - offset)))
        return rewriter.notifyMatchFailure(
            op, "a dynamic result size needs a `sizes` operand");
    unsigned nextSize = 0;
    Value init = createEmpty(rewriter, loc, resultType, [&](int64_t dim) {
      return sizes.empty() ? Value(tensor::DimOp::create(rewriter, loc, input,
                                                         dim - offset))
                           : sizes[nextSize++];
    });
    // Input dim i reads result dim i + offset, or 0 where it is broadcast.
    SmallVector<AffineExpr> exprs;
    for (int64_t dim = 0; dim < inputType.getRank(); ++dim) {
      bool broadcast = inputType.getDimSize(dim) == 1 &&
                       resultType.getDimSize(dim + offset) != 1;
      exprs.push_back(broadcast ? rewriter.getAffineConstantExpr(0)
                                : rewriter.getAffineDimExpr(dim + offset));
    }
    AffineMap map =
        AffineMap::get(resultType.getRank(), 0, exprs, rewriter.getContext());
    rewriter.replaceOp(op, buildCopyGeneric(rewriter, loc, input, map, init));
    return success();
  }
};

struct ReshapeLowering : public OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  /// tensor.reshape to a shape built from the given sizes. (A
  /// tensor.expand_shape with two dynamic sizes in one group crashes
  /// expand-strided-metadata in this MLIR version.)
  static LogicalResult lowerWithSizes(ReshapeOp op, OpAdaptor adaptor,
                                      ConversionPatternRewriter &rewriter) {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    SmallVector<Value> shape;
    auto sizes = adaptor.getSizes().begin();
    for (int64_t size : resultType.getShape())
      shape.push_back(ShapedType::isDynamic(size)
                          ? *sizes++
                          : arith::ConstantIndexOp::create(rewriter, loc, size)
                                .getResult());
    Value shapeTensor = tensor::FromElementsOp::create(rewriter, loc, shape);
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(
        op, resultType, adaptor.getInput(), shapeTensor);
    return success();
  }

  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    RankedTensorType resultType = op.getType();
    if (!adaptor.getSizes().empty())
      return lowerWithSizes(op, adaptor, rewriter);
    // A pure collapse or expansion is one op; anything else goes through 1-D
    // (as does a static result of a dynamic input or the reverse, which
    // tensor.collapse_shape / expand_shape cannot express).
    bool sameStaticness =
        inputType.hasStaticShape() == resultType.hasStaticShape();
    if (sameStaticness && inputType.getRank() > resultType.getRank()) {
      if (auto reassociation =
              getReassociationIndicesForReshape(inputType, resultType)) {
        rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
            op, resultType, input, *reassociation);
        return success();
      }
    } else if (sameStaticness && inputType.getRank() < resultType.getRank()) {
      if (auto reassociation =
              getReassociationIndicesForReshape(resultType, inputType)) {
        rewriter.replaceOp(
            op, expandShape(rewriter, loc, resultType, input, *reassociation));
        return success();
      }
    }
    auto allDims = [](int64_t rank) {
      SmallVector<ReassociationIndices> reassociation;
      if (rank > 0)
        reassociation.push_back(llvm::to_vector(llvm::seq<int64_t>(0, rank)));
      return reassociation;
    };
    // The verifier allows one dynamic result size, which the expansion
    // infers from the element count.
    auto flatType = RankedTensorType::get({inputType.hasStaticShape()
                                               ? inputType.getNumElements()
                                               : ShapedType::kDynamic},
                                          inputType.getElementType());
    Value flat = input;
    if (inputType.getRank() != 1)
      flat = tensor::CollapseShapeOp::create(rewriter, loc, flatType, input,
                                             allDims(inputType.getRank()));
    if (!sameStaticness) {
      flatType = RankedTensorType::get({resultType.hasStaticShape()
                                            ? resultType.getNumElements()
                                            : ShapedType::kDynamic},
                                       inputType.getElementType());
      flat = tensor::CastOp::create(rewriter, loc, flatType, flat);
    }
    if (resultType.getRank() == 1) {
      rewriter.replaceOp(op, flat);
      return success();
    }
    if (resultType.getRank() == 0) {
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          op, resultType, flat, SmallVector<ReassociationIndices>{});
      return success();
    }
    rewriter.replaceOp(op, expandShape(rewriter, loc, resultType, flat,
                                       allDims(resultType.getRank())));
    return success();
  }
};

struct TransposeLowering : public OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Result dim i is input dim permutation[i], so input dim
    // permutation[i] is indexed by loop dim i.
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    ArrayRef<int64_t> permutation = op.getPermutation();
    SmallVector<AffineExpr> exprs(permutation.size());
    for (auto [resultDim, inputDim] : llvm::enumerate(permutation))
      exprs[inputDim] = rewriter.getAffineDimExpr(resultDim);
    AffineMap map =
        AffineMap::get(permutation.size(), 0, exprs, rewriter.getContext());
    Value init = createEmpty(rewriter, loc, op.getType(), [&](int64_t dim) {
      return dimValue(rewriter, loc, input, permutation[dim]);
    });
    rewriter.replaceOp(op, buildCopyGeneric(rewriter, loc, input, map, init));
    return success();
  }
};

struct SliceLowering : public OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t dim = 0; dim < op.getType().getRank(); ++dim) {
      offsets.push_back(rewriter.getIndexAttr(op.getStart()[dim]));
      // A dynamic size is the whole of the input's dimension.
      sizes.push_back(
          op.getType().isDynamicDim(dim)
              ? OpFoldResult(tensor::DimOp::create(rewriter, op.getLoc(),
                                                   adaptor.getInput(), dim)
                                 .getResult())
              : OpFoldResult(
                    rewriter.getIndexAttr(op.getType().getDimSize(dim))));
      strides.push_back(rewriter.getIndexAttr(op.getStride()[dim]));
    }
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, op.getType(), adaptor.getInput(), offsets, sizes, strides);
    return success();
  }
};

struct ConcatLowering : public OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    int64_t axis = op.getDim();
    Value result = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                           resultType.getElementType());
    int64_t offset = 0;
    for (Value input : adaptor.getInputs()) {
      auto inputType = cast<RankedTensorType>(input.getType());
      SmallVector<OpFoldResult> offsets(resultType.getRank(),
                                        rewriter.getIndexAttr(0));
      offsets[axis] = rewriter.getIndexAttr(offset);
      SmallVector<OpFoldResult> sizes,
          strides(resultType.getRank(), rewriter.getIndexAttr(1));
      for (int64_t size : inputType.getShape())
        sizes.push_back(rewriter.getIndexAttr(size));
      result = tensor::InsertSliceOp::create(rewriter, loc, input, result,
                                             offsets, sizes, strides);
      offset += inputType.getDimSize(axis);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PadLowering : public OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    Type elementType = op.getType().getElementType();
    Value padValue = createScalarConstant(rewriter, loc, elementType,
                                          op.getValue().convertToDouble());
    SmallVector<OpFoldResult> low, high;
    for (int64_t p : op.getLow())
      low.push_back(rewriter.getIndexAttr(p));
    for (int64_t p : op.getHigh())
      high.push_back(rewriter.getIndexAttr(p));
    rewriter.replaceOpWithNewOp<tensor::PadOp>(
        op, op.getType(), adaptor.getInput(), low, high, padValue);
    return success();
  }
};

/// Converts an index element to `index`, clamped to [0, size - 1] so that
/// compiled code never reads or writes out of bounds.
Value clampedIndex(OpBuilder &b, Location loc, Value index, Value size) {
  Value asIndex = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value last = arith::SubIOp::create(b, loc, size,
                                     arith::ConstantIndexOp::create(b, loc, 1));
  return arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, asIndex, zero), last);
}

struct GatherLowering : public OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    RankedTensorType resultType = op.getType();
    int64_t axis = op.getAxis();
    int64_t indexRank = indicesType.getRank();
    // Loop dims: input[:axis], then the indices' dims, then input[axis+1:].
    SmallVector<AffineExpr> indexExprs;
    for (int64_t d = 0; d < indexRank; ++d)
      indexExprs.push_back(rewriter.getAffineDimExpr(axis + d));
    SmallVector<AffineMap> maps = {
        AffineMap::get(resultType.getRank(), 0, indexExprs, getContext()),
        rewriter.getMultiDimIdentityMap(resultType.getRank())};
    SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                               utils::IteratorType::parallel);
    Value init = createEmpty(rewriter, loc, resultType, [&](int64_t dim) {
      if (dim < axis)
        return dimValue(rewriter, loc, input, dim);
      if (dim < axis + indexRank)
        return dimValue(rewriter, loc, adaptor.getIndices(), dim - axis);
      return dimValue(rewriter, loc, input, dim - indexRank + 1);
    });
    Value axisSize = dimValue(rewriter, loc, input, axis);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, resultType, adaptor.getIndices(), init, maps, iterators,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          SmallVector<Value> position;
          for (int64_t d = 0; d < inputType.getRank(); ++d) {
            if (d == axis)
              position.push_back(clampedIndex(b, nestedLoc, args[0], axisSize));
            else
              position.push_back(linalg::IndexOp::create(
                  b, nestedLoc, d < axis ? d : d - 1 + indexRank));
          }
          Value element =
              tensor::ExtractOp::create(b, nestedLoc, input, position);
          linalg::YieldOp::create(b, nestedLoc, element);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct ScatterAddLowering : public OpConversionPattern<ScatterAddOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterAddOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto updatesType = cast<RankedTensorType>(adaptor.getUpdates().getType());
    int64_t axis = op.getAxis();
    int64_t indexRank =
        cast<RankedTensorType>(adaptor.getIndices().getType()).getRank();
    bool isFloat = isa<FloatType>(inputType.getElementType());
    // Repeated indices make this a sequential read-modify-write: a loop nest
    // over the updates, carrying the result tensor.
    SmallVector<Value> lowerBounds, upperBounds, steps;
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (int64_t dim = 0; dim < updatesType.getRank(); ++dim) {
      lowerBounds.push_back(zero);
      upperBounds.push_back(dimValue(rewriter, loc, adaptor.getUpdates(), dim));
      steps.push_back(one);
    }
    Value axisSize = dimValue(rewriter, loc, adaptor.getInput(), axis);
    scf::LoopNest nest = scf::buildLoopNest(
        rewriter, loc, lowerBounds, upperBounds, steps, adaptor.getInput(),
        [&](OpBuilder &b, Location nestedLoc, ValueRange ivs,
            ValueRange carried) -> scf::ValueVector {
          Value index = tensor::ExtractOp::create(
              b, nestedLoc, adaptor.getIndices(), ivs.slice(axis, indexRank));
          SmallVector<Value> position(ivs.take_front(axis));
          position.push_back(clampedIndex(b, nestedLoc, index, axisSize));
          llvm::append_range(position, ivs.drop_front(axis + indexRank));
          Value current =
              tensor::ExtractOp::create(b, nestedLoc, carried[0], position);
          Value update = tensor::ExtractOp::create(b, nestedLoc,
                                                   adaptor.getUpdates(), ivs);
          Value sum = isFloat
                          ? arith::AddFOp::create(b, nestedLoc, current, update)
                                .getResult()
                          : arith::AddIOp::create(b, nestedLoc, current, update)
                                .getResult();
          return {tensor::InsertOp::create(b, nestedLoc, sum, carried[0],
                                           position)};
        });
    rewriter.replaceOp(op, nest.results.front());
    return success();
  }
};

} // namespace

void terra::populateShapeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<BroadcastToLowering, ReshapeLowering, TransposeLowering,
               SliceLowering, ConcatLowering, PadLowering, GatherLowering,
               ScatterAddLowering>(patterns.getContext());
}
