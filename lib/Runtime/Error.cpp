//===- Error.cpp - Errors that reach Python as exceptions -----------------===//
//
// In libterra_runtime, so that the code compiled blocks call (BLAS, the CUDA
// runtime) and the eager kernels throw the same terra::Error.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Tensor.h"

namespace terra {

void throwError(Error::Kind kind, const std::string &message) {
  throw Error(kind, message);
}

} // namespace terra
