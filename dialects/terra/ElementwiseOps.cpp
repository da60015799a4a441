//===- ElementwiseOps.cpp - Elementwise ops: inference, folders -----------===//

#include "terra/TerraDialect.h"

#include "mlir/Dialect/CommonFolders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::terra;

namespace {

/// Folds a binary op on two constant operands, with one function for float
/// and one for integer elements. A null function leaves that kind unfolded.
template <typename FloatFn, typename IntFn>
OpFoldResult foldBinary(ArrayRef<Attribute> operands, FloatFn floatFn,
                        IntFn intFn) {
  if (Attribute folded =
          constFoldBinaryOp<FloatAttr, APFloat, void>(operands, floatFn))
    return folded;
  return constFoldBinaryOp<IntegerAttr, APInt, void>(operands, intFn);
}

template <typename Fn>
OpFoldResult foldUnaryFloat(ArrayRef<Attribute> operands, Fn fn) {
  return constFoldUnaryOp<FloatAttr, APFloat, void>(operands, fn);
}

bool isConstantOne(Value value) {
  return matchPattern(value, m_OneFloat()) || matchPattern(value, m_One());
}

} // namespace

//===----------------------------------------------------------------------===//
// Unary folders
//===----------------------------------------------------------------------===//

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  if (auto producer = getInput().getDefiningOp<NegOp>())
    return producer.getInput();
  if (Attribute folded = constFoldUnaryOp<FloatAttr, APFloat, void>(
          adaptor.getOperands(), [](const APFloat &a) { return -a; }))
    return folded;
  return constFoldUnaryOp<IntegerAttr, APInt, void>(
      adaptor.getOperands(), [](const APInt &a) { return -a; });
}

OpFoldResult AbsOp::fold(FoldAdaptor adaptor) {
  if (getInput().getDefiningOp<AbsOp>())
    return getInput();
  if (Attribute folded = constFoldUnaryOp<FloatAttr, APFloat, void>(
          adaptor.getOperands(), [](const APFloat &a) { return abs(a); }))
    return folded;
  return constFoldUnaryOp<IntegerAttr, APInt, void>(
      adaptor.getOperands(), [](const APInt &a) { return a.abs(); });
}

OpFoldResult ReluOp::fold(FoldAdaptor adaptor) {
  if (getInput().getDefiningOp<ReluOp>())
    return getInput();
  if (Attribute folded = constFoldUnaryOp<FloatAttr, APFloat, void>(
          adaptor.getOperands(), [](const APFloat &a) {
            return a.isNegative() && !a.isNaN()
                       ? APFloat::getZero(a.getSemantics())
                       : a;
          }))
    return folded;
  return constFoldUnaryOp<IntegerAttr, APInt, void>(
      adaptor.getOperands(), [](const APInt &a) {
        // i1 is a boolean: true is not the negative number -1.
        bool negative = a.getBitWidth() > 1 && a.isNegative();
        return negative ? APInt::getZero(a.getBitWidth()) : a;
      });
}

/// Folds `fn` over constant f32/f64 tensors by computing in double precision
/// and rounding once, the way a correctly rounded libm call would.
template <typename Fn>
static OpFoldResult foldWithDouble(ArrayRef<Attribute> operands, Fn fn) {
  return foldUnaryFloat(
      operands, [&](const APFloat &a) -> std::optional<APFloat> {
        const llvm::fltSemantics &semantics = a.getSemantics();
        if (&semantics != &APFloat::IEEEsingle() &&
            &semantics != &APFloat::IEEEdouble())
          return std::nullopt;
        APFloat result(fn(a.convertToDouble()));
        bool losesInfo = false;
        result.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
        return result;
      });
}

OpFoldResult ExpOp::fold(FoldAdaptor adaptor) {
  return foldWithDouble(adaptor.getOperands(),
                        [](double x) { return std::exp(x); });
}

OpFoldResult LogOp::fold(FoldAdaptor adaptor) {
  if (auto producer = getInput().getDefiningOp<ExpOp>())
    return producer.getInput();
  return foldWithDouble(adaptor.getOperands(),
                        [](double x) { return std::log(x); });
}

OpFoldResult SqrtOp::fold(FoldAdaptor adaptor) {
  return foldWithDouble(adaptor.getOperands(),
                        [](double x) { return std::sqrt(x); });
}

OpFoldResult RsqrtOp::fold(FoldAdaptor adaptor) {
  return foldWithDouble(adaptor.getOperands(),
                        [](double x) { return 1.0 / std::sqrt(x); });
}

//===----------------------------------------------------------------------===//
// Binary folders
//===----------------------------------------------------------------------===//

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  // x + (-0.0) == x for every x, including -0.0; x + 0.0 is not.
  if (matchPattern(getRhs(), m_NegZeroFloat()) ||
      matchPattern(getRhs(), m_Zero()))
    return getLhs();
  return foldBinary(
      adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) { return a + b; },
      [](const APInt &a, const APInt &b) { return a + b; });
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (matchPattern(getRhs(), m_PosZeroFloat()) ||
      matchPattern(getRhs(), m_Zero()))
    return getLhs();
  return foldBinary(
      adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) { return a - b; },
      [](const APInt &a, const APInt &b) { return a - b; });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (isConstantOne(getRhs()))
    return getLhs();
  return foldBinary(
      adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) { return a * b; },
      [](const APInt &a, const APInt &b) { return a * b; });
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (isConstantOne(getRhs()))
    return getLhs();
  return foldBinary(
      adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) { return a / b; },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
        if (b.isZero())
          return std::nullopt;
        return a.sdiv(b);
      });
}

OpFoldResult MaximumOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldBinary(
      adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) { return llvm::maximum(a, b); },
      [](const APInt &a, const APInt &b) {
        // Booleans order false < true (logical or), not as signed i1.
        if (a.getBitWidth() == 1)
          return a | b;
        return a.sge(b) ? a : b;
      });
}

OpFoldResult MinimumOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return getLhs();
  return foldBinary(
      adaptor.getOperands(),
      [](const APFloat &a, const APFloat &b) { return llvm::minimum(a, b); },
      [](const APInt &a, const APInt &b) {
        // Booleans order false < true (logical and), not as signed i1.
        if (a.getBitWidth() == 1)
          return a & b;
        return a.sle(b) ? a : b;
      });
}

//===----------------------------------------------------------------------===//
// PowOp canonicalisation
//===----------------------------------------------------------------------===//

namespace {
/// pow(x, c) for a splat constant c of 1, 2 or 0.5 becomes x, x * x or
/// sqrt(x): the common `x ** 2` of losses then fuses as one multiplication.
struct SimplifyConstantPow : public OpRewritePattern<PowOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PowOp op,
                                PatternRewriter &rewriter) const override {
    FloatAttr exponent;
    SplatElementsAttr splat;
    if (!matchPattern(op.getRhs(), m_Constant(&splat)))
      return failure();
    exponent = dyn_cast<FloatAttr>(splat.getSplatValue<Attribute>());
    if (!exponent)
      return failure();
    double value = exponent.getValueAsDouble();
    if (value == 1.0) {
      rewriter.replaceOp(op, op.getLhs());
      return success();
    }
    if (value == 2.0) {
      rewriter.replaceOpWithNewOp<MulOp>(op, op.getLhs(), op.getLhs());
      return success();
    }
    if (value == 0.5) {
      rewriter.replaceOpWithNewOp<SqrtOp>(op, op.getLhs());
      return success();
    }
    return failure();
  }
};
} // namespace

void PowOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<SimplifyConstantPow>(context);
}

//===----------------------------------------------------------------------===//
// CompareOp, SelectOp, CastOp
//===----------------------------------------------------------------------===//

LogicalResult
CompareOp::inferReturnTypes(MLIRContext *context, std::optional<Location>,
                            ValueRange operands, DictionaryAttr,
                            OpaqueProperties, RegionRange,
                            SmallVectorImpl<Type> &inferredReturnTypes) {
  auto lhsType = cast<RankedTensorType>(operands[0].getType());
  inferredReturnTypes.push_back(lhsType.clone(IntegerType::get(context, 1)));
  return success();
}

OpFoldResult SelectOp::fold(FoldAdaptor adaptor) {
  if (getOnTrue() == getOnFalse())
    return getOnTrue();
  auto condition =
      dyn_cast_if_present<SplatElementsAttr>(adaptor.getCondition());
  if (!condition)
    return {};
  return condition.getSplatValue<bool>() ? getOnTrue() : getOnFalse();
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}
