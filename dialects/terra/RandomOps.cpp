//===- RandomOps.cpp - Counter-based random ops: verifiers ----------------===//

#include "terra/TerraDialect.h"

#include "llvm/ADT/SmallString.h"

using namespace mlir;
using namespace mlir::terra;

/// Reports a distribution parameter that is NaN or infinite: every draw
/// would be NaN or infinite too (PyTorch rejects them as well).
static LogicalResult verifyFinite(Operation *op, StringRef name,
                                  const APFloat &value) {
  if (value.isFinite())
    return success();
  SmallString<16> text;
  value.toString(text);
  return op->emitOpError(name) << " must be finite, got " << text;
}

LogicalResult RandomUniformOp::verify() {
  if (failed(verifyFinite(*this, "low", getLow())) ||
      failed(verifyFinite(*this, "high", getHigh())))
    return failure();
  if (!(getLow().convertToDouble() <= getHigh().convertToDouble()))
    return emitOpError("low ")
           << getLow().convertToDouble() << " must not exceed high "
           << getHigh().convertToDouble();
  return success();
}

LogicalResult RandomNormalOp::verify() {
  if (failed(verifyFinite(*this, "mean", getMean())) ||
      failed(verifyFinite(*this, "std", getStd())))
    return failure();
  if (!(getStd().convertToDouble() >= 0.0))
    return emitOpError("std ")
           << getStd().convertToDouble() << " must be non-negative";
  return success();
}

LogicalResult RandomBernoulliOp::verify() { return success(); }
