//===- NNOps.cpp - Matmul, convolution and pooling: inference, verifiers --===//

#include "terra/TerraDialect.h"
#include "terra/TerraUtils.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::terra;

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult
MatmulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                           ValueRange operands, DictionaryAttr attributes,
                           OpaqueProperties properties, RegionRange regions,
                           SmallVectorImpl<Type> &inferredReturnTypes) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto lhsType = cast<RankedTensorType>(adaptor.getLhs().getType());
  auto rhsType = cast<RankedTensorType>(adaptor.getRhs().getType());
  int64_t rank = lhsType.getRank();
  if (rank < 2 || rhsType.getRank() != rank)
    return emitOptionalError(loc,
                             "'terra.matmul' op operands must have the same "
                             "rank of at least 2, got ",
                             lhsType.getRank(), " and ", rhsType.getRank());
  SmallVector<int64_t> shape;
  for (int64_t dim = 0; dim < rank - 2; ++dim) {
    int64_t l = lhsType.getDimSize(dim), r = rhsType.getDimSize(dim);
    if (!compatibleDims(l, r))
      return emitOptionalError(loc, "'terra.matmul' op batch dimension ", dim,
                               " differs: ", l, " vs ", r);
    shape.push_back(ShapedType::isDynamic(l) ? r : l);
  }
  int64_t m = lhsType.getDimSize(rank - (adaptor.getTransposeLhs() ? 1 : 2));
  int64_t kl = lhsType.getDimSize(rank - (adaptor.getTransposeLhs() ? 2 : 1));
  int64_t kr = rhsType.getDimSize(rank - (adaptor.getTransposeRhs() ? 1 : 2));
  int64_t n = rhsType.getDimSize(rank - (adaptor.getTransposeRhs() ? 2 : 1));
  if (!compatibleDims(kl, kr))
    return emitOptionalError(
        loc, "'terra.matmul' op contraction sizes differ: ", kl, " vs ", kr);
  shape.push_back(m);
  shape.push_back(n);
  inferredReturnTypes.push_back(lhsType.clone(shape));
  return success();
}

namespace {
/// Whether `transpose` swaps the last two dimensions and keeps the others.
bool swapsLastTwo(TransposeOp transpose) {
  ArrayRef<int64_t> permutation = transpose.getPermutation();
  int64_t rank = static_cast<int64_t>(permutation.size());
  if (rank < 2)
    return false;
  for (int64_t dim = 0; dim < rank - 2; ++dim)
    if (permutation[dim] != dim)
      return false;
  return permutation[rank - 2] == rank - 1 && permutation[rank - 1] == rank - 2;
}

/// matmul(transpose(x, [..., n-1, n-2]), y) -> matmul(x, y) {transpose_lhs},
/// and the same for the right operand (toggling the flag).
struct FoldTransposeIntoMatmul : public OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    auto lhs = op.getLhs().getDefiningOp<TransposeOp>();
    auto rhs = op.getRhs().getDefiningOp<TransposeOp>();
    bool foldLhs = lhs && swapsLastTwo(lhs);
    bool foldRhs = rhs && swapsLastTwo(rhs);
    if (!foldLhs && !foldRhs)
      return failure();
    rewriter.replaceOpWithNewOp<MatmulOp>(
        op, op.getType(), foldLhs ? lhs.getInput() : op.getLhs(),
        foldRhs ? rhs.getInput() : op.getRhs(), op.getTransposeLhs() != foldLhs,
        op.getTransposeRhs() != foldRhs);
    return success();
  }
};

/// transpose(matmul(a, b)) -> matmul(b, a) with both flags toggled, when
/// the product has no other use: the transposed product is computed
/// directly instead of being read across its rows.
struct TransposeOfMatmul : public OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto product = op.getInput().getDefiningOp<MatmulOp>();
    if (!product || !product->hasOneUse() || !swapsLastTwo(op))
      return failure();
    rewriter.replaceOpWithNewOp<MatmulOp>(
        op, op.getType(), product.getRhs(), product.getLhs(),
        !product.getTransposeRhs(), !product.getTransposeLhs());
    rewriter.eraseOp(product);
    return success();
  }
};
} // namespace

void MatmulOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<FoldTransposeIntoMatmul>(context);
}

// Defined with the matmul patterns it belongs with.
void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<TransposeOfMatmul>(context);
}

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

namespace {
/// Reports a window (of `kernel` elements spread by `dilation`) that is
/// larger than the padded input, which would leave no output position.
LogicalResult checkWindowFits(std::optional<Location> loc, StringRef opName,
                              int64_t inputSize, int64_t kernel, int64_t stride,
                              int64_t padding, int64_t dilation) {
  if (windowOutputSize(inputSize, kernel, stride, padding, dilation) != 0)
    return success();
  int64_t padded = inputSize + 2 * padding;
  if (dilation == 1)
    return emitOptionalError(loc, "'", opName, "' op kernel of size ", kernel,
                             " does not fit in the padded input size ", padded);
  return emitOptionalError(
      loc, "'", opName, "' op kernel of size ", kernel, " with dilation ",
      dilation, " spans ", dilation * (kernel - 1) + 1,
      " and does not fit in the padded input size ", padded);
}

struct ConvParameters {
  ArrayRef<int64_t> stride, padding, dilation;
  int64_t groups;
};

/// Checks the window parameters of a convolution and the channel counts of
/// input and weight, then computes the result shape.
FailureOr<SmallVector<int64_t>> inferConvShape(std::optional<Location> loc,
                                               StringRef opName,
                                               RankedTensorType inputType,
                                               RankedTensorType weightType,
                                               const ConvParameters &params) {
  auto check = [&](StringRef name, ArrayRef<int64_t> values, int64_t minValue) {
    return checkWindowParameter(loc, opName, name, values, minValue);
  };
  if (failed(check("stride", params.stride, 1)) ||
      failed(check("padding", params.padding, 0)) ||
      failed(check("dilation", params.dilation, 1)))
    return failure();
  if (params.groups < 1)
    return emitOptionalError(loc, "'", opName, "' op groups ", params.groups,
                             " must be at least 1");
  int64_t channels = inputType.getDimSize(1);
  int64_t filters = weightType.getDimSize(0);
  if (!ShapedType::isDynamic(channels) && channels % params.groups != 0)
    return emitOptionalError(loc, "'", opName, "' op input channels ", channels,
                             " are not divisible by groups ", params.groups);
  if (!ShapedType::isDynamic(filters) && filters % params.groups != 0)
    return emitOptionalError(loc, "'", opName, "' op output channels ", filters,
                             " are not divisible by groups ", params.groups);
  if (!ShapedType::isDynamic(channels) &&
      !compatibleDims(weightType.getDimSize(1), channels / params.groups))
    return emitOptionalError(
        loc, "'", opName, "' op weight has ", weightType.getDimSize(1),
        " input channels per group, expected ", channels / params.groups);
  SmallVector<int64_t> shape = {inputType.getDimSize(0), filters};
  for (int64_t i = 0; i < 2; ++i) {
    int64_t kernel = weightType.getDimSize(2 + i);
    if (!ShapedType::isDynamic(kernel) && kernel < 1)
      return emitOptionalError(loc, "'", opName, "' op weight has kernel size ",
                               kernel, " in spatial dimension ", i,
                               ", expected at least 1");
    if (failed(checkWindowFits(loc, opName, inputType.getDimSize(2 + i), kernel,
                               params.stride[i], params.padding[i],
                               params.dilation[i])))
      return failure();
    shape.push_back(windowOutputSize(inputType.getDimSize(2 + i), kernel,
                                     params.stride[i], params.padding[i],
                                     params.dilation[i]));
  }
  return shape;
}

/// Verifies that `expected` (the forward op's result shape) matches `actual`.
LogicalResult verifyShapeMatches(Operation *op, StringRef what,
                                 ArrayRef<int64_t> expected,
                                 RankedTensorType actual) {
  for (auto [e, a] : llvm::zip_equal(expected, actual.getShape()))
    if (!compatibleDims(e, a))
      return op->emitOpError()
             << what << " has type " << actual << ", but the forward op gives "
             << RankedTensorType::get(expected, actual.getElementType());
  return success();
}
} // namespace

LogicalResult
Conv2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                           ValueRange operands, DictionaryAttr attributes,
                           OpaqueProperties properties, RegionRange regions,
                           SmallVectorImpl<Type> &inferredReturnTypes) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
  auto weightType = cast<RankedTensorType>(adaptor.getWeight().getType());
  FailureOr<SmallVector<int64_t>> shape = inferConvShape(
      loc, "terra.conv2d", inputType, weightType,
      {adaptor.getStride(), adaptor.getPadding(), adaptor.getDilation(),
       static_cast<int64_t>(adaptor.getGroups())});
  if (failed(shape))
    return failure();
  inferredReturnTypes.push_back(inputType.clone(*shape));
  return success();
}

LogicalResult Conv2DGradInputOp::verify() {
  FailureOr<SmallVector<int64_t>> shape = inferConvShape(
      getLoc(), getOperationName(), getType(), getWeight().getType(),
      {getStride(), getPadding(), getDilation(),
       static_cast<int64_t>(getGroups())});
  if (failed(shape))
    return failure();
  return verifyShapeMatches(*this, "grad_output", *shape,
                            getGradOutput().getType());
}

LogicalResult Conv2DGradWeightOp::verify() {
  FailureOr<SmallVector<int64_t>> shape = inferConvShape(
      getLoc(), getOperationName(), getInput().getType(), getType(),
      {getStride(), getPadding(), getDilation(),
       static_cast<int64_t>(getGroups())});
  if (failed(shape))
    return failure();
  return verifyShapeMatches(*this, "grad_output", *shape,
                            getGradOutput().getType());
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// Checks pooling parameters and computes the pooled shape of `inputType`.
static FailureOr<SmallVector<int64_t>>
inferPoolShape(std::optional<Location> loc, StringRef opName,
               RankedTensorType inputType, ArrayRef<int64_t> kernel,
               ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
               ArrayRef<int64_t> dilation) {
  auto check = [&](StringRef name, ArrayRef<int64_t> values, int64_t minValue) {
    return checkWindowParameter(loc, opName, name, values, minValue);
  };
  if (failed(check("kernel", kernel, 1)) ||
      failed(check("stride", stride, 1)) ||
      failed(check("padding", padding, 0)) ||
      failed(check("dilation", dilation, 1)))
    return failure();
  SmallVector<int64_t> shape(inputType.getShape().take_front(2));
  for (int64_t i = 0; i < 2; ++i) {
    if (2 * padding[i] > kernel[i])
      return emitOptionalError(loc, "'", opName, "' op padding ", padding[i],
                               " must be at most half the kernel size ",
                               kernel[i]);
    if (failed(checkWindowFits(loc, opName, inputType.getDimSize(2 + i),
                               kernel[i], stride[i], padding[i], dilation[i])))
      return failure();
    shape.push_back(windowOutputSize(inputType.getDimSize(2 + i), kernel[i],
                                     stride[i], padding[i], dilation[i]));
  }
  return shape;
}

static const int64_t kUnitDilation[] = {1, 1};

LogicalResult
MaxPool2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                              ValueRange operands, DictionaryAttr attributes,
                              OpaqueProperties properties, RegionRange regions,
                              SmallVectorImpl<Type> &inferredReturnTypes) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
  FailureOr<SmallVector<int64_t>> shape = inferPoolShape(
      loc, "terra.max_pool2d", inputType, adaptor.getKernelSize(),
      adaptor.getStride(), adaptor.getPadding(), adaptor.getDilation());
  if (failed(shape))
    return failure();
  inferredReturnTypes.push_back(inputType.clone(*shape));
  return success();
}

LogicalResult MaxPool2DGradOp::verify() {
  FailureOr<SmallVector<int64_t>> shape =
      inferPoolShape(getLoc(), getOperationName(), getInput().getType(),
                     getKernelSize(), getStride(), getPadding(), getDilation());
  if (failed(shape))
    return failure();
  return verifyShapeMatches(*this, "grad_output", *shape,
                            getGradOutput().getType());
}

LogicalResult
AvgPool2DOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                              ValueRange operands, DictionaryAttr attributes,
                              OpaqueProperties properties, RegionRange regions,
                              SmallVectorImpl<Type> &inferredReturnTypes) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
  FailureOr<SmallVector<int64_t>> shape = inferPoolShape(
      loc, "terra.avg_pool2d", inputType, adaptor.getKernelSize(),
      adaptor.getStride(), adaptor.getPadding(), kUnitDilation);
  if (failed(shape))
    return failure();
  inferredReturnTypes.push_back(inputType.clone(*shape));
  return success();
}

LogicalResult AvgPool2DGradOp::verify() {
  FailureOr<SmallVector<int64_t>> shape =
      inferPoolShape(getLoc(), getOperationName(), getType(), getKernelSize(),
                     getStride(), getPadding(), kUnitDilation);
  if (failed(shape))
    return failure();
  return verifyShapeMatches(*this, "grad_output", *shape,
                            getGradOutput().getType());
}
