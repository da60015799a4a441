//===- WindowPatterns.cpp - Convolution and pooling to linalg.generic -----===//
//
// Every sliding-window op becomes one linalg.generic over an explicit loop
// nest. Gradients with respect to the input are written as "gather" loops
// over input positions: the output gradient is spread by the stride (zeros
// in between) and padded, and the kernel is read flipped, so that no loop
// ever scatters to a computed position.
//
//===----------------------------------------------------------------------===//

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

using utils::IteratorType;
constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

/// Window parameters of one op, per spatial dim (H then W).
struct Window {
  SmallVector<int64_t, 2> kernel, stride, padding, dilation;
};

/// A tensor shaped like `value` but with the last two dims replaced by
/// `low + (size - 1) * stride + 1 + high`, holding `value`'s elements every
/// `stride` positions after `low`, and `fill` elsewhere.
Value spreadAndPad(OpBuilder &b, Location loc, Value value,
                   ArrayRef<int64_t> stride, ArrayRef<int64_t> low,
                   ArrayRef<int64_t> high, Value fill) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  for (int64_t size : type.getShape())
    sizes.push_back(b.getIndexAttr(size));
  for (int64_t i = 0; i < 2; ++i) {
    int64_t dim = rank - 2 + i;
    shape[dim] = low[i] + (type.getDimSize(dim) - 1) * stride[i] + 1 + high[i];
    offsets[dim] = b.getIndexAttr(low[i]);
    strides[dim] = b.getIndexAttr(stride[i]);
  }
  if (llvm::all_of(stride, [](int64_t s) { return s == 1; })) {
    SmallVector<OpFoldResult> lowPad(rank, b.getIndexAttr(0)),
        highPad(rank, b.getIndexAttr(0));
    for (int64_t i = 0; i < 2; ++i) {
      lowPad[rank - 2 + i] = b.getIndexAttr(low[i]);
      highPad[rank - 2 + i] = b.getIndexAttr(high[i]);
    }
    auto paddedType = RankedTensorType::get(shape, type.getElementType());
    return tensor::PadOp::create(b, loc, paddedType, value, lowPad, highPad,
                                 fill);
  }
  Value base = createFilledTensor(
      b, loc, RankedTensorType::get(shape, type.getElementType()), fill);
  return tensor::InsertSliceOp::create(b, loc, value, base, offsets, sizes,
                                       strides);
}

Value padSpatial(OpBuilder &b, Location loc, Value value,
                 ArrayRef<int64_t> padding, Value fill) {
  SmallVector<int64_t, 2> unit = {1, 1};
  return spreadAndPad(b, loc, value, unit, padding, padding, fill);
}

/// The inner `size` positions of the last two dims, starting at `offset`.
Value cropSpatial(OpBuilder &b, Location loc, Value value,
                  ArrayRef<int64_t> offset, ArrayRef<int64_t> size) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  SmallVector<int64_t> shape(type.getShape());
  for (int64_t i = 0; i < 2; ++i) {
    offsets[rank - 2 + i] = b.getIndexAttr(offset[i]);
    shape[rank - 2 + i] = size[i];
  }
  for (int64_t s : shape)
    sizes.push_back(b.getIndexAttr(s));
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      offsets, sizes, strides);
}

/// [N, C, H, W] -> [N, G, C/G, H, W] (activations) or
/// [F, C/G, KH, KW] -> [G, F/G, C/G, KH, KW] (weights).
Value splitGroups(OpBuilder &b, Location loc, Value value, int64_t groups,
                  bool isWeight) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<ReassociationIndices> reassociation;
  if (isWeight) {
    shape[0] /= groups;
    shape.insert(shape.begin(), groups);
    reassociation = {{0, 1}, {2}, {3}, {4}};
  } else {
    shape[1] /= groups;
    shape.insert(shape.begin() + 1, groups);
    reassociation = {{0}, {1, 2}, {3}, {4}};
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      reassociation);
}

/// The inverse of splitGroups.
Value mergeGroups(OpBuilder &b, Location loc, Value value, bool isWeight) {
  SmallVector<ReassociationIndices> reassociation =
      isWeight ? SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}, {4}}
               : SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}};
  return tensor::CollapseShapeOp::create(b, loc, value, reassociation);
}

Value zeroTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                 Type elementType) {
  return createFilledTensor(
      b, loc, RankedTensorType::get(shape, elementType),
      arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType)));
}

AffineMap map(MLIRContext *context, unsigned numDims,
              ArrayRef<AffineExpr> exprs) {
  return AffineMap::get(numDims, 0, exprs, context);
}

/// Multiply-accumulate body: out += in0 * in1.
void multiplyAccumulate(OpBuilder &b, Location loc, ValueRange args) {
  Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
  linalg::YieldOp::create(
      b, loc, arith::AddFOp::create(b, loc, args[2], product).getResult());
}

Value genericResult(
    OpBuilder &b, Location loc, Type resultType, ValueRange inputs, Value init,
    ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iterators,
    function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  return linalg::GenericOp::create(b, loc, resultType, inputs, init, maps,
                                   iterators, body)
      .getResult(0);
}

Window makeWindow(ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
                  ArrayRef<int64_t> padding, ArrayRef<int64_t> dilation) {
  return {SmallVector<int64_t, 2>(kernel), SmallVector<int64_t, 2>(stride),
          SmallVector<int64_t, 2>(padding), SmallVector<int64_t, 2>(dilation)};
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

struct Conv2DLowering : public OpConversionPattern<Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t groups = op.getGroups();
    Type elementType = op.getType().getElementType();
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));
    Value input = splitGroups(
        rewriter, loc,
        padSpatial(rewriter, loc, adaptor.getInput(), op.getPadding(), zero),
        groups, false);
    Value weight =
        splitGroups(rewriter, loc, adaptor.getWeight(), groups, true);
    ArrayRef<int64_t> resultShape = op.getType().getShape();
    SmallVector<int64_t> groupedShape = {resultShape[0], groups,
                                         resultShape[1] / groups,
                                         resultShape[2], resultShape[3]};
    // Loops (n, g, f, oh, ow, c, kh, kw).
    AffineExpr n, g, f, oh, ow, c, kh, kw;
    bindDims(ctx, n, g, f, oh, ow, c, kh, kw);
    ArrayRef<int64_t> s = op.getStride(), d = op.getDilation();
    SmallVector<AffineMap> maps = {
        map(ctx, 8, {n, g, c, oh * s[0] + kh * d[0], ow * s[1] + kw * d[1]}),
        map(ctx, 8, {g, f, c, kh, kw}), map(ctx, 8, {n, g, f, oh, ow})};
    Value result = genericResult(
        rewriter, loc, RankedTensorType::get(groupedShape, elementType),
        ValueRange{input, weight},
        zeroTensor(rewriter, loc, groupedShape, elementType), maps,
        {kPar, kPar, kPar, kPar, kPar, kRed, kRed, kRed}, multiplyAccumulate);
    rewriter.replaceOp(op, mergeGroups(rewriter, loc, result, false));
    return success();
  }
};

struct Conv2DGradWeightLowering
    : public OpConversionPattern<Conv2DGradWeightOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DGradWeightOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t groups = op.getGroups();
    Type elementType = op.getType().getElementType();
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));
    Value input = splitGroups(
        rewriter, loc,
        padSpatial(rewriter, loc, adaptor.getInput(), op.getPadding(), zero),
        groups, false);
    Value gradOutput =
        splitGroups(rewriter, loc, adaptor.getGradOutput(), groups, false);
    ArrayRef<int64_t> weightShape = op.getType().getShape();
    SmallVector<int64_t> groupedShape = {groups, weightShape[0] / groups,
                                         weightShape[1], weightShape[2],
                                         weightShape[3]};
    // Loops (g, f, c, kh, kw, n, oh, ow).
    AffineExpr g, f, c, kh, kw, n, oh, ow;
    bindDims(ctx, g, f, c, kh, kw, n, oh, ow);
    ArrayRef<int64_t> s = op.getStride(), d = op.getDilation();
    SmallVector<AffineMap> maps = {
        map(ctx, 8, {n, g, c, oh * s[0] + kh * d[0], ow * s[1] + kw * d[1]}),
        map(ctx, 8, {n, g, f, oh, ow}), map(ctx, 8, {g, f, c, kh, kw})};
    Value result = genericResult(
        rewriter, loc, RankedTensorType::get(groupedShape, elementType),
        ValueRange{input, gradOutput},
        zeroTensor(rewriter, loc, groupedShape, elementType), maps,
        {kPar, kPar, kPar, kPar, kPar, kRed, kRed, kRed}, multiplyAccumulate);
    rewriter.replaceOp(op, mergeGroups(rewriter, loc, result, true));
    return success();
  }
};

/// Spreads a window op's output gradient over the padded input positions:
/// position i of the result reads kernel tap k at i + (K - 1 - k) * dilation.
/// Returns the spread tensor; `inputShape` is the unpadded input shape.
Value spreadGradient(OpBuilder &b, Location loc, Value gradOutput,
                     ArrayRef<int64_t> inputShape, const Window &window,
                     Value fill) {
  auto type = cast<RankedTensorType>(gradOutput.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t, 2> low, high;
  for (int64_t i = 0; i < 2; ++i) {
    int64_t paddedInput = inputShape[rank - 2 + i] + 2 * window.padding[i];
    int64_t outputSize = type.getDimSize(rank - 2 + i);
    low.push_back((window.kernel[i] - 1) * window.dilation[i]);
    high.push_back(paddedInput - (outputSize - 1) * window.stride[i] - 1);
  }
  return spreadAndPad(b, loc, gradOutput, window.stride, low, high, fill);
}

struct Conv2DGradInputLowering : public OpConversionPattern<Conv2DGradInputOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DGradInputOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t groups = op.getGroups();
    RankedTensorType resultType = op.getType();
    Type elementType = resultType.getElementType();
    auto weightType = cast<RankedTensorType>(adaptor.getWeight().getType());
    Window window =
        makeWindow(weightType.getShape().drop_front(2), op.getStride(),
                   op.getPadding(), op.getDilation());
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));
    Value spread =
        splitGroups(rewriter, loc,
                    spreadGradient(rewriter, loc, adaptor.getGradOutput(),
                                   resultType.getShape(), window, zero),
                    groups, false);
    Value weight =
        splitGroups(rewriter, loc, adaptor.getWeight(), groups, true);
    ArrayRef<int64_t> shape = resultType.getShape();
    SmallVector<int64_t> paddedShape = {shape[0], groups, shape[1] / groups,
                                        shape[2] + 2 * window.padding[0],
                                        shape[3] + 2 * window.padding[1]};
    // Loops (n, g, c, i, j, f, kh, kw) over padded input positions (i, j).
    AffineExpr n, g, c, i, j, f, kh, kw;
    bindDims(ctx, n, g, c, i, j, f, kh, kw);
    ArrayRef<int64_t> d = window.dilation;
    int64_t kH = window.kernel[0], kW = window.kernel[1];
    SmallVector<AffineMap> maps = {
        map(ctx, 8,
            {n, g, f, i + (kH - 1) * d[0] - kh * d[0],
             j + (kW - 1) * d[1] - kw * d[1]}),
        map(ctx, 8, {g, f, c, kh, kw}), map(ctx, 8, {n, g, c, i, j})};
    Value padded = genericResult(
        rewriter, loc, RankedTensorType::get(paddedShape, elementType),
        ValueRange{spread, weight},
        zeroTensor(rewriter, loc, paddedShape, elementType), maps,
        {kPar, kPar, kPar, kPar, kPar, kRed, kRed, kRed}, multiplyAccumulate);
    Value cropped =
        cropSpatial(rewriter, loc, padded, window.padding, shape.drop_front(2));
    rewriter.replaceOp(op, mergeGroups(rewriter, loc, cropped, false));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// A tensor with the kernel's shape: linalg reads loop ranges from operand
/// shapes, so pooling passes one that the body ignores.
Value kernelShapeOperand(OpBuilder &b, Location loc, const Window &window,
                         Type elementType) {
  return tensor::EmptyOp::create(b, loc, window.kernel, elementType);
}

/// Maps for a pooling window loop (n, c, oh, ow, kh, kw) reading the padded
/// input, the kernel-shape operand, and writing the output.
SmallVector<AffineMap> poolMaps(MLIRContext *ctx, const Window &window) {
  AffineExpr n, c, oh, ow, kh, kw;
  bindDims(ctx, n, c, oh, ow, kh, kw);
  ArrayRef<int64_t> s = window.stride, d = window.dilation;
  return {map(ctx, 6, {n, c, oh * s[0] + kh * d[0], ow * s[1] + kw * d[1]}),
          map(ctx, 6, {kh, kw}), map(ctx, 6, {n, c, oh, ow})};
}

const SmallVector<IteratorType> kPoolIterators = {kPar, kPar, kPar,
                                                  kPar, kRed, kRed};

struct MaxPool2DLowering : public OpConversionPattern<MaxPool2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type elementType = resultType.getElementType();
    Window window = makeWindow(op.getKernelSize(), op.getStride(),
                               op.getPadding(), op.getDilation());
    Value lowest =
        arith::ConstantOp::create(rewriter, loc, lowestValueAttr(elementType));
    Value padded =
        padSpatial(rewriter, loc, adaptor.getInput(), window.padding, lowest);
    Value result = genericResult(
        rewriter, loc, resultType,
        ValueRange{padded,
                   kernelShapeOperand(rewriter, loc, window, elementType)},
        createFilledTensor(rewriter, loc, resultType, lowest),
        poolMaps(getContext(), window), kPoolIterators,
        [](OpBuilder &b, Location nestedLoc, ValueRange args) {
          linalg::YieldOp::create(
              b, nestedLoc,
              arith::MaximumFOp::create(b, nestedLoc, args[2], args[0])
                  .getResult());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct MaxPool2DGradLowering : public OpConversionPattern<MaxPool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxPool2DGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType inputType = op.getType();
    Type elementType = inputType.getElementType();
    auto gradType = cast<RankedTensorType>(adaptor.getGradOutput().getType());
    Window window = makeWindow(op.getKernelSize(), op.getStride(),
                               op.getPadding(), op.getDilation());
    int64_t kW = window.kernel[1];

    // 1. The window position (kh * KW + kw) of each window's maximum.
    Value lowest =
        arith::ConstantOp::create(rewriter, loc, lowestValueAttr(elementType));
    Value padded =
        padSpatial(rewriter, loc, adaptor.getInput(), window.padding, lowest);
    auto positionType =
        RankedTensorType::get(gradType.getShape(), rewriter.getI64Type());
    Value noPosition = arith::ConstantOp::create(
        rewriter, loc, rewriter.getI64IntegerAttr(-1));
    auto argmax = linalg::GenericOp::create(
        rewriter, loc, TypeRange{gradType, positionType},
        ValueRange{padded,
                   kernelShapeOperand(rewriter, loc, window, elementType)},
        ValueRange{createFilledTensor(rewriter, loc, gradType, lowest),
                   createFilledTensor(rewriter, loc, positionType, noPosition)},
        [&] {
          SmallVector<AffineMap> maps = poolMaps(ctx, window);
          maps.push_back(maps.back());
          return maps;
        }(),
        kPoolIterators,
        [&](OpBuilder &b, Location nl, ValueRange args) {
          Value x = args[0], best = args[2], bestPosition = args[3];
          Value kh = linalg::IndexOp::create(b, nl, 4);
          Value kw = linalg::IndexOp::create(b, nl, 5);
          Value position = arith::IndexCastOp::create(
              b, nl, b.getI64Type(),
              arith::AddIOp::create(
                  b, nl,
                  arith::MulIOp::create(
                      b, nl, kh, arith::ConstantIndexOp::create(b, nl, kW)),
                  kw));
          // As PyTorch's kernel: take a strictly greater value or a NaN; the
          // first position inside the input is taken so every window has one
          // (a window of -inf routes its gradient to an input element, not
          // to the padding).
          Value take = arith::OrIOp::create(
              b, nl,
              arith::CmpFOp::create(b, nl, arith::CmpFPredicate::OGT, x, best),
              arith::CmpFOp::create(b, nl, arith::CmpFPredicate::UNO, x, x));
          Value inside = arith::ConstantOp::create(b, nl, b.getBoolAttr(true));
          for (int64_t i = 0; i < 2; ++i) {
            // Padded coordinate o * stride + k * dilation, inside the input
            // when in [padding, padding + size).
            Value coordinate = arith::AddIOp::create(
                b, nl,
                arith::MulIOp::create(
                    b, nl, linalg::IndexOp::create(b, nl, 2 + i),
                    arith::ConstantIndexOp::create(b, nl, window.stride[i])),
                arith::MulIOp::create(
                    b, nl, linalg::IndexOp::create(b, nl, 4 + i),
                    arith::ConstantIndexOp::create(b, nl, window.dilation[i])));
            int64_t first = window.padding[i];
            int64_t end = first + inputType.getDimSize(2 + i);
            Value afterStart = arith::CmpIOp::create(
                b, nl, arith::CmpIPredicate::sge, coordinate,
                arith::ConstantIndexOp::create(b, nl, first));
            Value beforeEnd = arith::CmpIOp::create(
                b, nl, arith::CmpIPredicate::slt, coordinate,
                arith::ConstantIndexOp::create(b, nl, end));
            inside = arith::AndIOp::create(
                b, nl, inside,
                arith::AndIOp::create(b, nl, afterStart, beforeEnd));
          }
          Value none = arith::CmpIOp::create(
              b, nl, arith::CmpIPredicate::slt, bestPosition,
              arith::ConstantOp::create(b, nl, b.getI64IntegerAttr(0)));
          take = arith::OrIOp::create(
              b, nl, take, arith::AndIOp::create(b, nl, none, inside));
          linalg::YieldOp::create(
              b, nl,
              ValueRange{arith::SelectOp::create(b, nl, take, x, best),
                         arith::SelectOp::create(b, nl, take, position,
                                                 bestPosition)});
        });
    Value positions = argmax.getResult(1);

    // 2. Each padded input position collects the gradients of the windows
    // whose maximum it is.
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));
    Value spreadGrad = spreadGradient(rewriter, loc, adaptor.getGradOutput(),
                                      inputType.getShape(), window, zero);
    Value spreadPositions = spreadGradient(
        rewriter, loc, positions, inputType.getShape(), window, noPosition);
    ArrayRef<int64_t> shape = inputType.getShape();
    SmallVector<int64_t> paddedShape = {shape[0], shape[1],
                                        shape[2] + 2 * window.padding[0],
                                        shape[3] + 2 * window.padding[1]};
    AffineExpr n, c, i, j, kh, kw;
    bindDims(ctx, n, c, i, j, kh, kw);
    ArrayRef<int64_t> d = window.dilation;
    int64_t kH = window.kernel[0];
    AffineMap spreadMap = map(ctx, 6,
                              {n, c, i + (kH - 1) * d[0] - kh * d[0],
                               j + (kW - 1) * d[1] - kw * d[1]});
    Value paddedGrad = genericResult(
        rewriter, loc, RankedTensorType::get(paddedShape, elementType),
        ValueRange{spreadGrad, spreadPositions,
                   kernelShapeOperand(rewriter, loc, window, elementType)},
        zeroTensor(rewriter, loc, paddedShape, elementType),
        {spreadMap, spreadMap, map(ctx, 6, {kh, kw}),
         map(ctx, 6, {n, c, i, j})},
        kPoolIterators, [&](OpBuilder &b, Location nl, ValueRange args) {
          Value position = arith::IndexCastOp::create(
              b, nl, b.getI64Type(),
              arith::AddIOp::create(
                  b, nl,
                  arith::MulIOp::create(
                      b, nl, linalg::IndexOp::create(b, nl, 4),
                      arith::ConstantIndexOp::create(b, nl, kW)),
                  linalg::IndexOp::create(b, nl, 5)));
          Value isMax = arith::CmpIOp::create(b, nl, arith::CmpIPredicate::eq,
                                              args[1], position);
          Value contribution = arith::SelectOp::create(
              b, nl, isMax, args[0],
              arith::ConstantOp::create(b, nl, b.getZeroAttr(elementType)));
          linalg::YieldOp::create(
              b, nl,
              arith::AddFOp::create(b, nl, args[3], contribution).getResult());
        });
    rewriter.replaceOp(op, cropSpatial(rewriter, loc, paddedGrad,
                                       window.padding, shape.drop_front(2)));
    return success();
  }
};

/// Divides each pooled sum by its window's element count: the kernel size,
/// or with `countIncludePad` false only the positions inside the input.
Value divideByWindowCount(OpBuilder &b, Location loc, Value sums,
                          const Window &window, ArrayRef<int64_t> inputShape,
                          bool countIncludePad) {
  auto type = cast<RankedTensorType>(sums.getType());
  Type elementType = type.getElementType();
  return buildElementwiseGeneric(
      b, loc, type, sums, [&](OpBuilder &nb, Location nl, ValueRange args) {
        if (countIncludePad) {
          Value count = createScalarConstant(
              nb, nl, elementType, window.kernel[0] * window.kernel[1]);
          return arith::DivFOp::create(nb, nl, args[0], count).getResult();
        }
        Value count;
        for (int64_t i = 0; i < 2; ++i) {
          // |[o*s - p, o*s - p + K) intersected with [0, size)|
          Value o = linalg::IndexOp::create(nb, nl, 2 + i);
          Value start = arith::SubIOp::create(
              nb, nl,
              arith::MulIOp::create(
                  nb, nl, o,
                  arith::ConstantIndexOp::create(nb, nl, window.stride[i])),
              arith::ConstantIndexOp::create(nb, nl, window.padding[i]));
          Value end = arith::AddIOp::create(
              nb, nl, start,
              arith::ConstantIndexOp::create(nb, nl, window.kernel[i]));
          Value clampedStart = arith::MaxSIOp::create(
              nb, nl, start, arith::ConstantIndexOp::create(nb, nl, 0));
          Value clampedEnd = arith::MinSIOp::create(
              nb, nl, end,
              arith::ConstantIndexOp::create(nb, nl, inputShape[2 + i]));
          Value extent =
              arith::SubIOp::create(nb, nl, clampedEnd, clampedStart);
          count = count
                      ? arith::MulIOp::create(nb, nl, count, extent).getResult()
                      : extent;
        }
        Value countFloat = arith::SIToFPOp::create(
            nb, nl, elementType,
            arith::IndexCastOp::create(nb, nl, nb.getI64Type(), count));
        return arith::DivFOp::create(nb, nl, args[0], countFloat).getResult();
      });
}

struct AvgPool2DLowering : public OpConversionPattern<AvgPool2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AvgPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    Type elementType = resultType.getElementType();
    SmallVector<int64_t, 2> unit = {1, 1};
    Window window =
        makeWindow(op.getKernelSize(), op.getStride(), op.getPadding(), unit);
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));
    Value padded =
        padSpatial(rewriter, loc, adaptor.getInput(), window.padding, zero);
    Value sums = genericResult(
        rewriter, loc, resultType,
        ValueRange{padded,
                   kernelShapeOperand(rewriter, loc, window, elementType)},
        createFilledTensor(rewriter, loc, resultType, zero),
        poolMaps(getContext(), window), kPoolIterators,
        [](OpBuilder &b, Location nl, ValueRange args) {
          linalg::YieldOp::create(
              b, nl,
              arith::AddFOp::create(b, nl, args[2], args[0]).getResult());
        });
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    rewriter.replaceOp(op, divideByWindowCount(rewriter, loc, sums, window,
                                               inputType.getShape(),
                                               op.getCountIncludePad()));
    return success();
  }
};

struct AvgPool2DGradLowering : public OpConversionPattern<AvgPool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AvgPool2DGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    RankedTensorType inputType = op.getType();
    Type elementType = inputType.getElementType();
    SmallVector<int64_t, 2> unit = {1, 1};
    Window window =
        makeWindow(op.getKernelSize(), op.getStride(), op.getPadding(), unit);
    Value scaled =
        divideByWindowCount(rewriter, loc, adaptor.getGradOutput(), window,
                            inputType.getShape(), op.getCountIncludePad());
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));
    Value spread = spreadGradient(rewriter, loc, scaled, inputType.getShape(),
                                  window, zero);
    ArrayRef<int64_t> shape = inputType.getShape();
    SmallVector<int64_t> paddedShape = {shape[0], shape[1],
                                        shape[2] + 2 * window.padding[0],
                                        shape[3] + 2 * window.padding[1]};
    AffineExpr n, c, i, j, kh, kw;
    bindDims(ctx, n, c, i, j, kh, kw);
    int64_t kH = window.kernel[0], kW = window.kernel[1];
    Value paddedGrad = genericResult(
        rewriter, loc, RankedTensorType::get(paddedShape, elementType),
        ValueRange{spread,
                   kernelShapeOperand(rewriter, loc, window, elementType)},
        zeroTensor(rewriter, loc, paddedShape, elementType),
        {map(ctx, 6, {n, c, i + (kH - 1) - kh, j + (kW - 1) - kw}),
         map(ctx, 6, {kh, kw}), map(ctx, 6, {n, c, i, j})},
        kPoolIterators, [](OpBuilder &b, Location nl, ValueRange args) {
          linalg::YieldOp::create(
              b, nl,
              arith::AddFOp::create(b, nl, args[2], args[0]).getResult());
        });
    rewriter.replaceOp(op, cropSpatial(rewriter, loc, paddedGrad,
                                       window.padding, shape.drop_front(2)));
    return success();
  }
};

} // namespace

void terra::populateWindowToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DLowering, Conv2DGradInputLowering,
               Conv2DGradWeightLowering, MaxPool2DLowering,
               MaxPool2DGradLowering, AvgPool2DLowering, AvgPool2DGradLowering>(
      patterns.getContext());
}
