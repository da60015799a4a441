//===- ElementwisePatterns.cpp - Elementwise terra ops to linalg.generic --===//
//
// Each elementwise op becomes an all-parallel linalg.generic whose body is
// built by one `buildScalar` overload; the fusion pass later merges chains
// of them into a single loop nest.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include "terra/TerraDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::terra;

namespace {

Value constant(OpBuilder &b, Location loc, Value like, double value) {
  return createScalarConstant(b, loc, like.getType(), value);
}

bool isFloat(Value v) { return isa<FloatType>(v.getType()); }
bool isBool(Value v) { return v.getType().isInteger(1); }

//===----------------------------------------------------------------------===//
// Scalar bodies, one per op
//===----------------------------------------------------------------------===//

Value buildScalar(NegOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0]))
    return arith::NegFOp::create(b, loc, args[0]);
  return arith::SubIOp::create(b, loc, constant(b, loc, args[0], 0), args[0]);
}

Value buildScalar(AbsOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0]))
    return math::AbsFOp::create(b, loc, args[0]);
  return math::AbsIOp::create(b, loc, args[0]);
}

Value buildScalar(ExpOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::ExpOp::create(b, loc, args[0]);
}

Value buildScalar(LogOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::LogOp::create(b, loc, args[0]);
}

Value buildScalar(SqrtOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::SqrtOp::create(b, loc, args[0]);
}

Value buildScalar(RsqrtOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::RsqrtOp::create(b, loc, args[0]);
}

Value buildScalar(TanhOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::TanhOp::create(b, loc, args[0]);
}

Value buildScalar(ErfOp, OpBuilder &b, Location loc, ValueRange args) {
  return math::ErfOp::create(b, loc, args[0]);
}

Value buildScalar(SigmoidOp, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Value negExp = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  Value denominator =
      arith::AddFOp::create(b, loc, constant(b, loc, x, 1.0), negExp);
  return arith::DivFOp::create(b, loc, constant(b, loc, x, 1.0), denominator);
}

Value buildScalar(ReluOp, OpBuilder &b, Location loc, ValueRange args) {
  // max(x, false) is x; a signed i1 maximum would turn true (-1) into false.
  if (isBool(args[0]))
    return args[0];
  Value zero = constant(b, loc, args[0], 0);
  if (isFloat(args[0])) {
    // x < 0 ? 0 : x, as the eager kernel and torch.relu: NaN and -0.0 pass
    // through (maximumf made -0.0 into +0.0). A compare and a select also
    // vectorize, where LLVM's cost model found llvm.maximum too costly on
    // x86 and left the whole fused loop scalar.
    Value negative =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, args[0], zero);
    return arith::SelectOp::create(b, loc, negative, zero, args[0]);
  }
  return arith::MaxSIOp::create(b, loc, args[0], zero);
}

Value buildScalar(GeluOp op, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0];
  Value half = constant(b, loc, x, 0.5), one = constant(b, loc, x, 1.0);
  Value inner;
  if (op.getApproximateTanh()) {
    // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
    Value cube =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value poly = arith::AddFOp::create(
        b, loc, x,
        arith::MulFOp::create(b, loc, constant(b, loc, x, 0.044715), cube));
    Value scaled = arith::MulFOp::create(
        b, loc, constant(b, loc, x, std::sqrt(2.0 / M_PI)), poly);
    inner = math::TanhOp::create(b, loc, scaled);
  } else {
    Value scaled =
        arith::MulFOp::create(b, loc, x, constant(b, loc, x, M_SQRT1_2));
    inner = math::ErfOp::create(b, loc, scaled);
  }
  Value factor = arith::MulFOp::create(
      b, loc, half, arith::AddFOp::create(b, loc, one, inner));
  return arith::MulFOp::create(b, loc, x, factor);
}

template <typename FloatOp, typename IntOp>
Value floatOrInt(OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0]))
    return FloatOp::create(b, loc, args[0], args[1]);
  return IntOp::create(b, loc, args[0], args[1]);
}

Value buildScalar(AddOp, OpBuilder &b, Location loc, ValueRange args) {
  return floatOrInt<arith::AddFOp, arith::AddIOp>(b, loc, args);
}

Value buildScalar(SubOp, OpBuilder &b, Location loc, ValueRange args) {
  return floatOrInt<arith::SubFOp, arith::SubIOp>(b, loc, args);
}

Value buildScalar(MulOp, OpBuilder &b, Location loc, ValueRange args) {
  return floatOrInt<arith::MulFOp, arith::MulIOp>(b, loc, args);
}

Value buildScalar(DivOp, OpBuilder &b, Location loc, ValueRange args) {
  return floatOrInt<arith::DivFOp, arith::DivSIOp>(b, loc, args);
}

/// x ** e. The exponents PyTorch's CPU kernel (and the eager one) computes
/// without pow() give exactly their results: x * x, sqrt and reciprocals
/// are correctly rounded where pow() need not be. An exponent that is a
/// block input is only known at run time, so each is selected by value
/// (selects keep the loop vectorisable; with a constant exponent they fold
/// away).
Value buildScalar(PowOp, OpBuilder &b, Location loc, ValueRange args) {
  Value x = args[0], exponent = args[1];
  Value result = math::PowFOp::create(b, loc, x, exponent);
  Type type = x.getType();
  auto constant = [&](double value) -> Value {
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
  };
  Value one = constant(1);
  Value square = arith::MulFOp::create(b, loc, x, x);
  Value root = math::SqrtOp::create(b, loc, x);
  std::pair<double, Value> exact[] = {
      {1, x},
      {2, square},
      {3, arith::MulFOp::create(b, loc, square, x)},
      {0.5, root},
      {-0.5, arith::DivFOp::create(b, loc, one, root)},
      {-1, arith::DivFOp::create(b, loc, one, x)},
      {-2, arith::DivFOp::create(b, loc, one, square)}};
  for (auto &[value, exactValue] : exact) {
    Value matches = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                          exponent, constant(value));
    result = arith::SelectOp::create(b, loc, matches, exactValue, result);
  }
  return result;
}

Value buildScalar(MaximumOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isBool(args[0]))
    return arith::OrIOp::create(b, loc, args[0], args[1]);
  return floatOrInt<arith::MaximumFOp, arith::MaxSIOp>(b, loc, args);
}

Value buildScalar(MinimumOp, OpBuilder &b, Location loc, ValueRange args) {
  if (isBool(args[0]))
    return arith::AndIOp::create(b, loc, args[0], args[1]);
  return floatOrInt<arith::MinimumFOp, arith::MinSIOp>(b, loc, args);
}

Value buildScalar(CompareOp op, OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(args[0])) {
    // Ordered comparisons, except `ne`, which NaN makes true.
    arith::CmpFPredicate predicate;
    switch (op.getDirection()) {
    case ComparisonDirection::eq:
      predicate = arith::CmpFPredicate::OEQ;
      break;
    case ComparisonDirection::ne:
      predicate = arith::CmpFPredicate::UNE;
      break;
    case ComparisonDirection::lt:
      predicate = arith::CmpFPredicate::OLT;
      break;
    case ComparisonDirection::le:
      predicate = arith::CmpFPredicate::OLE;
      break;
    case ComparisonDirection::gt:
      predicate = arith::CmpFPredicate::OGT;
      break;
    case ComparisonDirection::ge:
      predicate = arith::CmpFPredicate::OGE;
      break;
    }
    return arith::CmpFOp::create(b, loc, predicate, args[0], args[1]);
  }
  // Booleans compare as unsigned (true > false), other integers as signed.
  bool isUnsigned = isBool(args[0]);
  arith::CmpIPredicate predicate;
  switch (op.getDirection()) {
  case ComparisonDirection::eq:
    predicate = arith::CmpIPredicate::eq;
    break;
  case ComparisonDirection::ne:
    predicate = arith::CmpIPredicate::ne;
    break;
  case ComparisonDirection::lt:
    predicate =
        isUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt;
    break;
  case ComparisonDirection::le:
    predicate =
        isUnsigned ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle;
    break;
  case ComparisonDirection::gt:
    predicate =
        isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt;
    break;
  case ComparisonDirection::ge:
    predicate =
        isUnsigned ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge;
    break;
  }
  return arith::CmpIOp::create(b, loc, predicate, args[0], args[1]);
}

Value buildScalar(SelectOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
}

/// Converts one scalar to `targetType` with Tensor.to(dtype) semantics.
Value convertScalar(OpBuilder &b, Location loc, Value x, Type targetType) {
  Type sourceType = x.getType();
  if (sourceType == targetType)
    return x;
  auto sourceFloat = dyn_cast<FloatType>(sourceType);
  auto targetFloat = dyn_cast<FloatType>(targetType);
  if (targetType.isInteger(1)) {
    if (sourceFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x,
                                   constant(b, loc, x, 0.0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x,
                                 constant(b, loc, x, 0));
  }
  if (sourceFloat && targetFloat) {
    if (sourceFloat.getWidth() < targetFloat.getWidth())
      return arith::ExtFOp::create(b, loc, targetType, x);
    // Same-width formats (bf16 <-> f16) are neither an extension nor a
    // truncation of each other: go through f32, which holds both exactly.
    if (sourceFloat.getWidth() == targetFloat.getWidth())
      x = arith::ExtFOp::create(b, loc, b.getF32Type(), x);
    return arith::TruncFOp::create(b, loc, targetType, x);
  }
  if (sourceFloat)
    return arith::FPToSIOp::create(b, loc, targetType, x);
  if (targetFloat) {
    if (sourceType.isInteger(1))
      return arith::UIToFPOp::create(b, loc, targetType, x);
    return arith::SIToFPOp::create(b, loc, targetType, x);
  }
  unsigned from = sourceType.getIntOrFloatBitWidth();
  unsigned to = targetType.getIntOrFloatBitWidth();
  if (from < to) {
    if (from == 1)
      return arith::ExtUIOp::create(b, loc, targetType, x);
    return arith::ExtSIOp::create(b, loc, targetType, x);
  }
  return arith::TruncIOp::create(b, loc, targetType, x);
}

Value buildScalar(CastOp op, OpBuilder &b, Location loc, ValueRange args) {
  return convertScalar(b, loc, args[0], op.getType().getElementType());
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

template <typename OpTy>
struct ElementwiseToGeneric : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    Value result = buildElementwiseGeneric(
        rewriter, op.getLoc(), resultType, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return buildScalar(op, b, loc, args);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConstantToArith : public OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto value = dyn_cast<TypedAttr>(op.getValue());
    if (!value)
      return rewriter.notifyMatchFailure(op,
                                         "constant is not a typed attribute");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
    return success();
  }
};

} // namespace

void terra::populateElementwiseToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ElementwiseToGeneric<NegOp>, ElementwiseToGeneric<AbsOp>,
               ElementwiseToGeneric<ExpOp>, ElementwiseToGeneric<LogOp>,
               ElementwiseToGeneric<SqrtOp>, ElementwiseToGeneric<RsqrtOp>,
               ElementwiseToGeneric<TanhOp>, ElementwiseToGeneric<SigmoidOp>,
               ElementwiseToGeneric<ReluOp>, ElementwiseToGeneric<GeluOp>,
               ElementwiseToGeneric<ErfOp>, ElementwiseToGeneric<AddOp>,
               ElementwiseToGeneric<SubOp>, ElementwiseToGeneric<MulOp>,
               ElementwiseToGeneric<DivOp>, ElementwiseToGeneric<PowOp>,
               ElementwiseToGeneric<MaximumOp>, ElementwiseToGeneric<MinimumOp>,
               ElementwiseToGeneric<CompareOp>, ElementwiseToGeneric<SelectOp>,
               ElementwiseToGeneric<CastOp>, ConstantToArith>(
      patterns.getContext());
}
