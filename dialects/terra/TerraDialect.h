//===- TerraDialect.h - The terra dialect and its ops -----------*- C++ -*-===//

#ifndef TERRA_DIALECT_TERRADIALECT_H
#define TERRA_DIALECT_TERRADIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "terra/TerraDialect.h.inc"
#include "terra/TerraEnums.h.inc"

#define GET_OP_CLASSES
#include "terra/TerraOps.h.inc"

#endif // TERRA_DIALECT_TERRADIALECT_H
