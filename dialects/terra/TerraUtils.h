//===- TerraUtils.h - Shape helpers shared by verifiers and lowering -*- C++
//-*-===//

#ifndef TERRA_DIALECT_TERRAUTILS_H
#define TERRA_DIALECT_TERRAUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir {
namespace terra {

/// The output size of a sliding window (convolution, pooling) along one
/// dimension, or ShapedType::kDynamic when the input size is dynamic.
inline int64_t windowOutputSize(int64_t inputSize, int64_t kernelSize,
                                int64_t stride, int64_t padding,
                                int64_t dilation) {
  if (ShapedType::isDynamic(inputSize) || ShapedType::isDynamic(kernelSize))
    return ShapedType::kDynamic;
  int64_t span = dilation * (kernelSize - 1) + 1;
  int64_t padded = inputSize + 2 * padding;
  if (padded < span)
    return 0;
  return (padded - span) / stride + 1;
}

/// Whether two dimension sizes may be equal (either is dynamic, or they are).
inline bool compatibleDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// The result shape of reducing `shape` over `axes`.
llvm::SmallVector<int64_t> reducedShape(llvm::ArrayRef<int64_t> shape,
                                        llvm::ArrayRef<int64_t> axes,
                                        bool keepdim);

/// Checks that a 2-D window parameter (`name` of op `opName`) has two
/// entries, each at least `minValue`; reports at `loc` otherwise.
LogicalResult checkWindowParameter(std::optional<Location> loc,
                                   llvm::StringRef opName, llvm::StringRef name,
                                   llvm::ArrayRef<int64_t> values,
                                   int64_t minValue);

} // namespace terra
} // namespace mlir

#endif // TERRA_DIALECT_TERRAUTILS_H
