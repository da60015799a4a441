//===- ConvToMatmul.cpp - Convolutions as im2col + batched matmul ---------===//
//
// Generated convolution loops reach a few GFLOP/s; the same arithmetic as a
// matrix product runs on BLAS at tens to hundreds. These patterns rewrite
// the convolution ops into terra shape ops and one batched terra.matmul each,
// with one matrix per (batch entry, group): for group g of image n,
//   columns[n, g] : (Cg * KH * KW) x (OH * OW), the input windows (im2col),
//   weights[g]    : Fg x (Cg * KH * KW),
// and conv2d is weights[g] @ columns[n, g].
//
//===----------------------------------------------------------------------===//

#include "terra/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace terra {
#define GEN_PASS_DEF_TERRACONVTOMATMUL
#include "terra/Transforms/Passes.h.inc"
} // namespace terra
} // namespace mlir

using namespace mlir;
using namespace mlir::terra;

namespace {

/// The geometry shared by a convolution and its two gradients.
struct ConvGeometry {
  int64_t batch, channels, height, width; // the input, N x C x H x W
  int64_t filters, kernelH, kernelW;      // the weight, F x C/G x KH x KW
  int64_t outH, outW;                     // the output, N x F x OH x OW
  int64_t groups;
  ArrayRef<int64_t> stride, padding, dilation;
  Type elementType;

  int64_t channelsPerGroup() const { return channels / groups; }
  int64_t filtersPerGroup() const { return filters / groups; }
  int64_t taps() const { return kernelH * kernelW; }
  /// Rows of a column matrix: one per (input channel of the group, tap).
  int64_t depth() const { return channelsPerGroup() * taps(); }
  int64_t pixels() const { return outH * outW; }
  int64_t paddedH() const { return height + 2 * padding[0]; }
  int64_t paddedW() const { return width + 2 * padding[1]; }
};

template <typename ConvLikeOp>
ConvGeometry getGeometry(ConvLikeOp op, RankedTensorType input,
                         RankedTensorType weight, RankedTensorType output) {
  return {input.getDimSize(0),  input.getDimSize(1),
          input.getDimSize(2),  input.getDimSize(3),
          weight.getDimSize(0), weight.getDimSize(2),
          weight.getDimSize(3), output.getDimSize(2),
          output.getDimSize(3), static_cast<int64_t>(op.getGroups()),
          op.getStride(),       op.getPadding(),
          op.getDilation(),     input.getElementType()};
}

bool hasStaticShapes(ArrayRef<Type> types) {
  return llvm::all_of(types, [](Type type) {
    return cast<RankedTensorType>(type).hasStaticShape();
  });
}

/// Builds terra ops for one rewrite; every value is a static-shaped tensor of
/// the convolution's element type.
class ConvBuilder {
public:
  ConvBuilder(PatternRewriter &rewriter, Location loc,
              const ConvGeometry &geometry)
      : rewriter(rewriter), loc(loc), g(geometry) {}

  Value reshape(Value value, ArrayRef<int64_t> shape) {
    auto type = RankedTensorType::get(shape, g.elementType);
    if (value.getType() == type)
      return value;
    return ReshapeOp::create(rewriter, loc, type, value);
  }

  Value pad(Value value, ArrayRef<int64_t> low, ArrayRef<int64_t> high) {
    if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
        llvm::all_of(high, [](int64_t v) { return v == 0; }))
      return value;
    return PadOp::create(rewriter, loc, value, low, high, APFloat(0.0));
  }

  /// The column matrices of `input` (N x C x H x W), as an
  /// (N * G) x depth x pixels tensor.
  Value im2col(Value input) {
    Value padded = pad(input, {0, 0, g.padding[0], g.padding[1]},
                       {0, 0, g.padding[0], g.padding[1]});
    SmallVector<Value> taps;
    for (int64_t kh = 0; kh < g.kernelH; ++kh) {
      for (int64_t kw = 0; kw < g.kernelW; ++kw) {
        int64_t top = kh * g.dilation[0], left = kw * g.dilation[1];
        Value window = SliceOp::create(
            rewriter, loc, padded, ArrayRef<int64_t>{0, 0, top, left},
            ArrayRef<int64_t>{g.batch, g.channels,
                              top + (g.outH - 1) * g.stride[0] + 1,
                              left + (g.outW - 1) * g.stride[1] + 1},
            ArrayRef<int64_t>{1, 1, g.stride[0], g.stride[1]});
        taps.push_back(reshape(window, {g.batch, g.channels, 1, g.pixels()}));
      }
    }
    Value columns = taps.size() == 1
                        ? taps.front()
                        : ConcatOp::create(rewriter, loc, taps, /*dim=*/2);
    // (n, c, tap, pixel) with c = group * Cg + channel: rows of a group's
    // matrix are (channel, tap), the order of the weight's trailing dims.
    return reshape(columns, {g.batch * g.groups, g.depth(), g.pixels()});
  }

  /// The weights as one Fg x depth matrix per (batch entry, group).
  Value weightMatrices(Value weight) {
    Value matrices =
        reshape(weight, {1, g.groups, g.filtersPerGroup(), g.depth()});
    if (g.batch != 1)
      matrices = BroadcastToOp::create(
          rewriter, loc,
          RankedTensorType::get(
              {g.batch, g.groups, g.filtersPerGroup(), g.depth()},
              g.elementType),
          matrices);
    return reshape(matrices,
                   {g.batch * g.groups, g.filtersPerGroup(), g.depth()});
  }

  /// An N x F x OH x OW tensor as one Fg x pixels matrix per (n, group).
  Value outputMatrices(Value output) {
    return reshape(output,
                   {g.batch * g.groups, g.filtersPerGroup(), g.pixels()});
  }

  Value matmul(Value lhs, Value rhs, bool transposeLhs, bool transposeRhs) {
    auto lhsShape = cast<RankedTensorType>(lhs.getType()).getShape();
    auto rhsShape = cast<RankedTensorType>(rhs.getType()).getShape();
    int64_t rows = transposeLhs ? lhsShape[2] : lhsShape[1];
    int64_t cols = transposeRhs ? rhsShape[1] : rhsShape[2];
    auto type = RankedTensorType::get({lhsShape[0], rows, cols}, g.elementType);
    return MatmulOp::create(rewriter, loc, type, lhs, rhs, transposeLhs,
                            transposeRhs);
  }

  /// Scatters column gradients ((N * G) x depth x pixels) back onto the
  /// input positions they were gathered from, summing overlaps (col2im).
  Value col2im(Value columns) {
    Value taps =
        reshape(columns, {g.batch, g.channels, g.taps(), g.outH, g.outW});
    // A tap's window spans these many rows / columns of the padded input.
    int64_t spanH = (g.outH - 1) * g.stride[0] + 1;
    int64_t spanW = (g.outW - 1) * g.stride[1] + 1;
    Value sum;
    for (int64_t kh = 0; kh < g.kernelH; ++kh) {
      for (int64_t kw = 0; kw < g.kernelW; ++kw) {
        int64_t tap = kh * g.kernelW + kw;
        Value plane = SliceOp::create(
            rewriter, loc, taps, ArrayRef<int64_t>{0, 0, tap, 0, 0},
            ArrayRef<int64_t>{g.batch, g.channels, tap + 1, g.outH, g.outW},
            ArrayRef<int64_t>{1, 1, 1, 1, 1});
        Value spread = spreadByStride(plane);
        int64_t top = kh * g.dilation[0], left = kw * g.dilation[1];
        Value placed =
            pad(spread, {0, 0, top, left},
                {0, 0, g.paddedH() - spanH - top, g.paddedW() - spanW - left});
        sum = sum ? AddOp::create(rewriter, loc, sum, placed).getResult()
                  : placed;
      }
    }
    return SliceOp::create(
        rewriter, loc, sum, ArrayRef<int64_t>{0, 0, g.padding[0], g.padding[1]},
        ArrayRef<int64_t>{g.batch, g.channels, g.padding[0] + g.height,
                          g.padding[1] + g.width},
        ArrayRef<int64_t>{1, 1, 1, 1});
  }

private:
  /// Puts `stride - 1` zeros between neighbouring pixels of a tap's plane
  /// (N x C x 1 x OH x OW), giving N x C x spanH x spanW.
  Value spreadByStride(Value plane) {
    int64_t sh = g.stride[0], sw = g.stride[1];
    if (sh == 1 && sw == 1)
      return reshape(plane, {g.batch, g.channels, g.outH, g.outW});
    Value cells = reshape(plane, {g.batch, g.channels, g.outH, 1, g.outW, 1});
    Value spaced = pad(cells, {0, 0, 0, 0, 0, 0}, {0, 0, 0, sh - 1, 0, sw - 1});
    Value flat =
        reshape(spaced, {g.batch, g.channels, g.outH * sh, g.outW * sw});
    return SliceOp::create(rewriter, loc, flat, ArrayRef<int64_t>{0, 0, 0, 0},
                           ArrayRef<int64_t>{g.batch, g.channels,
                                             (g.outH - 1) * sh + 1,
                                             (g.outW - 1) * sw + 1},
                           ArrayRef<int64_t>{1, 1, 1, 1});
  }

  PatternRewriter &rewriter;
  Location loc;
  const ConvGeometry &g;
};

struct Conv2DToMatmul : public OpRewritePattern<Conv2DOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Conv2DOp op,
                                PatternRewriter &rewriter) const override {
    if (!hasStaticShapes(
            {op.getInput().getType(), op.getWeight().getType(), op.getType()}))
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    ConvGeometry g = getGeometry(op, op.getInput().getType(),
                                 op.getWeight().getType(), op.getType());
    ConvBuilder b(rewriter, op.getLoc(), g);
    Value product = b.matmul(b.weightMatrices(op.getWeight()),
                             b.im2col(op.getInput()), false, false);
    rewriter.replaceOp(op, b.reshape(product, op.getType().getShape()));
    return success();
  }
};

struct Conv2DGradWeightToMatmul : public OpRewritePattern<Conv2DGradWeightOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Conv2DGradWeightOp op,
                                PatternRewriter &rewriter) const override {
    if (!hasStaticShapes({op.getInput().getType(), op.getGradOutput().getType(),
                          op.getType()}))
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    ConvGeometry g = getGeometry(op, op.getInput().getType(), op.getType(),
                                 op.getGradOutput().getType());
    ConvBuilder b(rewriter, op.getLoc(), g);
    // dW[g] = sum over n of dY[n, g] @ columns[n, g]^T.
    Value perImage = b.matmul(b.outputMatrices(op.getGradOutput()),
                              b.im2col(op.getInput()), false, true);
    int64_t weightSize = g.filters * g.depth();
    Value summed = b.reshape(perImage, {g.batch, weightSize});
    if (g.batch != 1)
      summed = SumOp::create(rewriter, op.getLoc(), summed,
                             ArrayRef<int64_t>{0}, /*keepdim=*/false);
    rewriter.replaceOp(op, b.reshape(summed, op.getType().getShape()));
    return success();
  }
};

struct Conv2DGradInputToMatmul : public OpRewritePattern<Conv2DGradInputOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(Conv2DGradInputOp op,
                                PatternRewriter &rewriter) const override {
    if (!hasStaticShapes({op.getGradOutput().getType(),
                          op.getWeight().getType(), op.getType()}))
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    ConvGeometry g = getGeometry(op, op.getType(), op.getWeight().getType(),
                                 op.getGradOutput().getType());
    ConvBuilder b(rewriter, op.getLoc(), g);
    // dColumns[n, g] = W[g]^T @ dY[n, g], then back onto the input.
    Value columns = b.matmul(b.weightMatrices(op.getWeight()),
                             b.outputMatrices(op.getGradOutput()), true, false);
    rewriter.replaceOp(op, b.col2im(columns));
    return success();
  }
};

struct TerraConvToMatmulPass
    : public terra::impl::TerraConvToMatmulBase<TerraConvToMatmulPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateConvToMatmulPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void terra::populateConvToMatmulPatterns(RewritePatternSet &patterns) {
  patterns
      .add<Conv2DToMatmul, Conv2DGradWeightToMatmul, Conv2DGradInputToMatmul>(
          patterns.getContext());
}
