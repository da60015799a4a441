//===- RuntimeFunctions.h - Declaring libterra_runtime's functions -*- C++
//-*-===//
//
// The conversions that call libterra_runtime (matrix products,
// convolutions) declare its functions the same way: private, with MLIR's C
// interface, taking memrefs of any strides.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_CONVERSION_RUNTIMEFUNCTIONS_H
#define TERRA_LIB_CONVERSION_RUNTIMEFUNCTIONS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace terra {

/// A memref type of `rank` whose sizes, strides and offset are all dynamic:
/// what the runtime's functions take.
inline MemRefType anyStridedMemRef(int64_t rank, Type elementType) {
  SmallVector<int64_t> dynamic(rank, ShapedType::kDynamic);
  return MemRefType::get(dynamic, elementType,
                         StridedLayoutAttr::get(elementType.getContext(),
                                                ShapedType::kDynamic, dynamic));
}

/// The runtime function `name` of `type`, declared at the start of `module`
/// (private, `llvm.emit_c_interface`) on first use.
inline func::FuncOp getOrDeclareRuntimeFunction(ModuleOp module,
                                                OpBuilder &builder,
                                                StringRef name,
                                                FunctionType type) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(module.getBody());
  auto function = func::FuncOp::create(builder, module.getLoc(), name, type);
  function.setPrivate();
  function->setAttr("llvm.emit_c_interface", builder.getUnitAttr());
  return function;
}

} // namespace terra
} // namespace mlir

#endif // TERRA_LIB_CONVERSION_RUNTIMEFUNCTIONS_H
