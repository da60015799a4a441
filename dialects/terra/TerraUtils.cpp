//===- TerraUtils.cpp - Shape helpers shared by verifiers and lowering ----===//

#include "terra/TerraUtils.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

SmallVector<int64_t> terra::reducedShape(ArrayRef<int64_t> shape,
                                         ArrayRef<int64_t> axes, bool keepdim) {
  SmallVector<int64_t> result;
  for (auto [dim, size] : llvm::enumerate(shape)) {
    if (!llvm::is_contained(axes, static_cast<int64_t>(dim)))
      result.push_back(size);
    else if (keepdim)
      result.push_back(1);
  }
  return result;
}

LogicalResult terra::checkWindowParameter(std::optional<Location> loc,
                                          StringRef opName, StringRef name,
                                          ArrayRef<int64_t> values,
                                          int64_t minValue) {
  if (values.size() != 2)
    return emitOptionalError(loc, "'", opName, "' op ", name,
                             " needs 2 values, got ", values.size());
  for (int64_t value : values)
    if (value < minValue)
      return emitOptionalError(loc, "'", opName, "' op ", name, " value ",
                               value, " must be at least ", minValue);
  return success();
}
