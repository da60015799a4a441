//===- KernelUtils.h - Helpers shared by the eager kernels ------*- C++ -*-===//

#ifndef TERRA_LIB_RUNTIME_KERNELUTILS_H
#define TERRA_LIB_RUNTIME_KERNELUTILS_H

#include "terra/Runtime/Tensor.h"

#include <string>

namespace terra {
namespace detail {

/// Rejects an undefined tensor argument of `op`.
inline void requireDefined(const char *op, const Tensor &tensor) {
  if (!tensor.defined())
    throwError(Error::Kind::Runtime,
               std::string(op) + ": expected a tensor, got an undefined one");
}

/// PyTorch's C++ scalar type name ("Float", "Long"), which its error
/// messages use.
inline const char *scalarTypeName(DType dtype) {
  switch (dtype) {
  case DType::Bool:
    return "Bool";
  case DType::Int32:
    return "Int";
  case DType::Int64:
    return "Long";
  case DType::Float32:
    return "Float";
  case DType::Float64:
    return "Double";
  }
  return "?";
}

/// PyTorch's "\"<kernel>\" not implemented for '<type>'" error.
[[noreturn]] inline void throwNotImplementedFor(const char *kernel,
                                                DType dtype) {
  throwError(Error::Kind::Runtime, std::string("\"") + kernel +
                                       "\" not implemented for '" +
                                       scalarTypeName(dtype) + "'");
}

} // namespace detail
} // namespace terra

#endif // TERRA_LIB_RUNTIME_KERNELUTILS_H
