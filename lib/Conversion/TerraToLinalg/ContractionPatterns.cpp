//===- ContractionPatterns.cpp - terra.matmul to linalg matmul ops --------===//

#include "ConversionUtils.h"

#include "terra/TerraDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::terra;

namespace {

/// Indexing maps of a (batch) matmul over loops (batch?, m, n, k), reading
/// each operand transposed or not. Transposes stay in the maps, so that
/// BLAS reads the operand as it is stored.
ArrayAttr matmulMaps(Builder &builder, bool batched, bool transposeLhs,
                     bool transposeRhs) {
  MLIRContext *context = builder.getContext();
  unsigned numDims = batched ? 4 : 3;
  unsigned first = batched ? 1 : 0;
  AffineExpr m = getAffineDimExpr(first, context),
             n = getAffineDimExpr(first + 1, context),
             k = getAffineDimExpr(first + 2, context);
  auto map = [&](AffineExpr row, AffineExpr col) {
    SmallVector<AffineExpr> exprs;
    if (batched)
      exprs.push_back(getAffineDimExpr(0, context));
    exprs.push_back(row);
    exprs.push_back(col);
    return AffineMapAttr::get(AffineMap::get(numDims, 0, exprs, context));
  };
  return builder.getArrayAttr({transposeLhs ? map(k, m) : map(m, k),
                               transposeRhs ? map(n, k) : map(k, n),
                               map(m, n)});
}

struct MatmulLowering : public OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    RankedTensorType resultType = op.getType();
    int64_t rank = resultType.getRank();
    Type elementType = resultType.getElementType();

    // More than one batch dim: fold them into one for linalg.batch_matmul
    // (which can unfold one dynamic size only).
    if (rank > 3 && llvm::count_if(resultType.getShape().drop_back(2),
                                   ShapedType::isDynamic) > 1)
      return rewriter.notifyMatchFailure(op, "two dynamic batch dimensions");
    SmallVector<ReassociationIndices> batchReassociation = {
        llvm::to_vector(llvm::seq<int64_t>(0, rank - 2)),
        {rank - 2},
        {rank - 1}};
    auto collapseBatch = [&](Value value) -> Value {
      if (rank <= 3)
        return value;
      return tensor::CollapseShapeOp::create(rewriter, loc, value,
                                             batchReassociation);
    };
    lhs = collapseBatch(lhs);
    rhs = collapseBatch(rhs);
    RankedTensorType computeType = resultType;
    if (rank > 3) {
      int64_t batch = 1;
      for (int64_t size : resultType.getShape().drop_back(2))
        batch = ShapedType::isDynamic(size) || ShapedType::isDynamic(batch)
                    ? ShapedType::kDynamic
                    : batch * size;
      computeType =
          RankedTensorType::get({batch, resultType.getDimSize(rank - 2),
                                 resultType.getDimSize(rank - 1)},
                                elementType);
    }
    // Dynamic sizes: batch from the lhs, rows from the lhs, columns from the
    // rhs, each as stored (transposed or not).
    int64_t computeRank = computeType.getRank();
    Value init = createEmpty(rewriter, loc, computeType, [&](int64_t dim) {
      if (dim == computeRank - 1)
        return dimValue(rewriter, loc, rhs,
                        op.getTransposeRhs() ? computeRank - 2
                                             : computeRank - 1);
      if (dim == computeRank - 2)
        return dimValue(rewriter, loc, lhs,
                        op.getTransposeLhs() ? computeRank - 1
                                             : computeRank - 2);
      return dimValue(rewriter, loc, lhs, dim);
    });
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));
    init = linalg::FillOp::create(rewriter, loc, zero, init).getResult(0);
    bool batched = rank > 2;
    NamedAttribute maps(rewriter.getStringAttr("indexing_maps"),
                        matmulMaps(rewriter, batched, op.getTransposeLhs(),
                                   op.getTransposeRhs()));
    Value result;
    if (batched)
      result =
          linalg::BatchMatmulOp::create(rewriter, loc, TypeRange{computeType},
                                        ValueRange{lhs, rhs}, init, {maps})
              .getResult(0);
    else
      result = linalg::MatmulOp::create(rewriter, loc, TypeRange{computeType},
                                        ValueRange{lhs, rhs}, init, {maps})
                   .getResult(0);
    if (rank > 3)
      result =
          expandShape(rewriter, loc, resultType, result, batchReassociation);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void terra::populateContractionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulLowering>(patterns.getContext());
}
