//===- TerraOps.cpp - Generated op definitions of the terra dialect ------===//
//
// The hand-written parts of each op (verifiers, type inference, folders and
// canonicalisation patterns) live in one file per op family.
//
//===----------------------------------------------------------------------===//

#include "terra/TerraDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#define GET_OP_CLASSES
#include "terra/TerraOps.cpp.inc"
