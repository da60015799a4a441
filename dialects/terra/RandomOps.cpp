//===- RandomOps.cpp - Counter-based random ops: verifiers ----------------===//

#include "terra/TerraDialect.h"

using namespace mlir;
using namespace mlir::terra;

LogicalResult RandomUniformOp::verify() {
  if (!(getLow().convertToDouble() <= getHigh().convertToDouble()))
    return emitOpError("low ") << getLow().convertToDouble()
                               << " must not exceed high "
                               << getHigh().convertToDouble();
  return success();
}

LogicalResult RandomNormalOp::verify() {
  if (!(getStd().convertToDouble() >= 0.0))
    return emitOpError("std ") << getStd().convertToDouble()
                               << " must be non-negative";
  return success();
}

LogicalResult RandomBernoulliOp::verify() { return success(); }
