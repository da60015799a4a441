//===- KernelUtils.h - Helpers shared by the eager kernels ------*- C++ -*-===//

#ifndef TERRA_LIB_RUNTIME_KERNELUTILS_H
#define TERRA_LIB_RUNTIME_KERNELUTILS_H

#include "terra/Runtime/Tensor.h"

#include <cstdint>
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

/// Sums a contiguous run in eight lanes: the compiler vectorises it and the
/// lanes also shorten the rounding chain.
template <typename Acc, typename T> Acc sumRun(Acc acc, const T *p, int64_t n) {
  Acc lanes[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k)
      lanes[k] += static_cast<Acc>(p[i + k]);
  for (; i < n; ++i)
    lanes[0] += static_cast<Acc>(p[i]);
  return acc + (((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
                ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7])));
}

/// The sum of (p[i] - mean)^2 over a contiguous run, in double (variance's
/// second pass).
template <typename T>
double squaredDeviationRun(const T *p, int64_t n, double mean) {
  double lanes[4] = {};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; ++k) {
      double d = static_cast<double>(p[i + k]) - mean;
      lanes[k] += d * d;
    }
  for (; i < n; ++i) {
    double d = static_cast<double>(p[i]) - mean;
    lanes[0] += d * d;
  }
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

} // namespace detail
} // namespace terra

#endif // TERRA_LIB_RUNTIME_KERNELUTILS_H
