//===- RandomPatterns.cpp - Philox-4x32-10 in a linalg.generic body -------===//
//
// The random ops are pure functions of (key, counter): element i of the
// result is computed from Philox-4x32-10 at counter `counter + i`, so the
// compiled code and the eager kernels draw exactly the same numbers, in any
// order and on any device.
//
//===----------------------------------------------------------------------===//

#include "ConversionUtils.h"

#include "terra/TerraDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <array>
#include <cmath>

using namespace mlir;
using namespace mlir::terra;

namespace {

constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;
constexpr int kPhiloxRounds = 10;

Value i32Constant(OpBuilder &b, Location loc, uint32_t value) {
  return arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(static_cast<int32_t>(value)));
}

/// Splits an i64 into its low and high i32 halves.
std::pair<Value, Value> splitI64(OpBuilder &b, Location loc, Value value) {
  Value low = arith::TruncIOp::create(b, loc, b.getI32Type(), value);
  Value shifted = arith::ShRUIOp::create(
      b, loc, value,
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(32)));
  Value high = arith::TruncIOp::create(b, loc, b.getI32Type(), shifted);
  return {low, high};
}

/// Philox-4x32-10 of the 128-bit counter (c0, c1, 0, 0) under key (k0, k1).
std::array<Value, 4> philox(OpBuilder &b, Location loc, Value c0, Value c1,
                            Value k0, Value k1) {
  std::array<Value, 4> c = {c0, c1, i32Constant(b, loc, 0),
                            i32Constant(b, loc, 0)};
  Value m0 = i32Constant(b, loc, kPhiloxM0),
        m1 = i32Constant(b, loc, kPhiloxM1);
  Value w0 = i32Constant(b, loc, kPhiloxW0),
        w1 = i32Constant(b, loc, kPhiloxW1);
  for (int round = 0; round < kPhiloxRounds; ++round) {
    if (round > 0) {
      k0 = arith::AddIOp::create(b, loc, k0, w0);
      k1 = arith::AddIOp::create(b, loc, k1, w1);
    }
    auto product0 = arith::MulUIExtendedOp::create(b, loc, m0, c[0]);
    auto product1 = arith::MulUIExtendedOp::create(b, loc, m1, c[2]);
    Value hi0 = product0.getHigh(), lo0 = product0.getLow();
    Value hi1 = product1.getHigh(), lo1 = product1.getLow();
    c = {arith::XOrIOp::create(b, loc, arith::XOrIOp::create(b, loc, hi1, c[1]),
                               k0),
         lo1,
         arith::XOrIOp::create(b, loc, arith::XOrIOp::create(b, loc, hi0, c[3]),
                               k1),
         lo0};
  }
  return c;
}

/// `(word >> 8) * 2^-24` (plus `offset` ulps of 2^-24) as a float of `type`.
Value unitFloat(OpBuilder &b, Location loc, Value word, Type type,
                uint32_t offset = 0) {
  Value bits = arith::ShRUIOp::create(b, loc, word, i32Constant(b, loc, 8));
  if (offset)
    bits = arith::AddIOp::create(b, loc, bits, i32Constant(b, loc, offset));
  Value asFloat = arith::UIToFPOp::create(b, loc, type, bits);
  return arith::MulFOp::create(b, loc, asFloat,
                               createScalarConstant(b, loc, type, 0x1p-24));
}

/// The float type the random numbers are computed in: the result type, or
/// f32 for narrower types, whose range (f16) or precision cannot hold the
/// 24-bit integers that `unitFloat` scales.
FloatType computeType(OpBuilder &b, Type resultType) {
  auto floatType = cast<FloatType>(resultType);
  return floatType.getWidth() < 32 ? b.getF32Type() : floatType;
}

/// Rounds `value` to `type` when it was computed in a wider type.
Value toResultType(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return arith::TruncFOp::create(b, loc, type, value);
}

/// The row-major linear index of the current element of a generic.
Value linearIndex(OpBuilder &b, Location loc, ArrayRef<int64_t> shape) {
  Value index = arith::ConstantIndexOp::create(b, loc, 0);
  for (auto [dim, size] : llvm::enumerate(shape)) {
    index = arith::MulIOp::create(b, loc, index,
                                  arith::ConstantIndexOp::create(b, loc, size));
    index = arith::AddIOp::create(b, loc, index,
                                  linalg::IndexOp::create(b, loc, dim));
  }
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
}

/// Builds the generic that computes every element from its Philox words;
/// `finish` turns the words (and the extra inputs' elements) into a value.
using FinishFn =
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>, ValueRange)>;

Value buildRandomGeneric(OpBuilder &builder, Location loc,
                         RankedTensorType resultType, Value keyTensor,
                         Value counterTensor, ValueRange extraInputs,
                         FinishFn finish) {
  Value key = tensor::ExtractOp::create(builder, loc, keyTensor, ValueRange{});
  Value counter =
      tensor::ExtractOp::create(builder, loc, counterTensor, ValueRange{});
  return buildElementwiseGeneric(
      builder, loc, resultType, extraInputs,
      [&](OpBuilder &b, Location nl, ValueRange args) {
        Value elementCounter = arith::AddIOp::create(
            b, nl, counter, linearIndex(b, nl, resultType.getShape()));
        auto [c0, c1] = splitI64(b, nl, elementCounter);
        auto [k0, k1] = splitI64(b, nl, key);
        std::array<Value, 4> words = philox(b, nl, c0, c1, k0, k1);
        return finish(b, nl, words, args);
      });
}

struct RandomUniformLowering : public OpConversionPattern<RandomUniformOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RandomUniformOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Type resultElementType = op.getType().getElementType();
    Type type = computeType(rewriter, resultElementType);
    double low = op.getLow().convertToDouble();
    double range = op.getHigh().convertToDouble() - low;
    Value result = buildRandomGeneric(
        rewriter, op.getLoc(), op.getType(), adaptor.getKey(),
        adaptor.getCounter(), {},
        [&](OpBuilder &b, Location nl, ArrayRef<Value> words, ValueRange) {
          Value u = unitFloat(b, nl, words[0], type);
          Value scaled = arith::MulFOp::create(
              b, nl, u, createScalarConstant(b, nl, type, range));
          Value value = arith::AddFOp::create(
              b, nl, scaled, createScalarConstant(b, nl, type, low));
          return toResultType(b, nl, value, resultElementType);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct RandomNormalLowering : public OpConversionPattern<RandomNormalOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RandomNormalOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Type resultElementType = op.getType().getElementType();
    Type type = computeType(rewriter, resultElementType);
    double mean = op.getMean().convertToDouble();
    double std = op.getStd().convertToDouble();
    Value result = buildRandomGeneric(
        rewriter, op.getLoc(), op.getType(), adaptor.getKey(),
        adaptor.getCounter(), {},
        [&](OpBuilder &b, Location nl, ArrayRef<Value> words, ValueRange) {
          // Box-Muller: u1 in (0, 1] so that log(u1) is finite.
          Value u1 = unitFloat(b, nl, words[0], type, /*offset=*/1);
          Value u2 = unitFloat(b, nl, words[1], type);
          Value radius = math::SqrtOp::create(
              b, nl,
              arith::MulFOp::create(b, nl,
                                    createScalarConstant(b, nl, type, -2.0),
                                    math::LogOp::create(b, nl, u1)));
          Value angle = arith::MulFOp::create(
              b, nl, createScalarConstant(b, nl, type, 2.0 * M_PI), u2);
          Value normal = arith::MulFOp::create(
              b, nl, radius, math::CosOp::create(b, nl, angle));
          Value scaled = arith::MulFOp::create(
              b, nl, normal, createScalarConstant(b, nl, type, std));
          Value value = arith::AddFOp::create(
              b, nl, scaled, createScalarConstant(b, nl, type, mean));
          return toResultType(b, nl, value, resultElementType);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct RandomBernoulliLowering : public OpConversionPattern<RandomBernoulliOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RandomBernoulliOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    Type type = op.getType().getElementType();
    Value result = buildRandomGeneric(
        rewriter, op.getLoc(), op.getType(), adaptor.getKey(),
        adaptor.getCounter(), adaptor.getProbs(),
        [&](OpBuilder &b, Location nl, ArrayRef<Value> words, ValueRange args) {
          // The draw of terra.random_uniform at this position, rounded to
          // the result type as that op rounds it.
          Value u = toResultType(
              b, nl, unitFloat(b, nl, words[0], computeType(b, type)), type);
          Value hit = arith::CmpFOp::create(b, nl, arith::CmpFPredicate::OLT, u,
                                            args[0]);
          return arith::UIToFPOp::create(b, nl, type, hit).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void terra::populateRandomToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RandomUniformLowering, RandomNormalLowering,
               RandomBernoulliLowering>(patterns.getContext());
}
