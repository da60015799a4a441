//===- Optimizers.cpp - Optimizer updates of one parameter
//-----------------===//
//
// The per-parameter updates of the optimizers in python/terra/optim, as
// PyTorch 1.13's single-tensor implementations compute them, op for op:
// an optimizer's step is one call into _terra instead of a Python loop of
// in-place ops (under co-execution each op only has to be validated, and
// the Python around it was most of a small model's step).
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Functions.h"

#include "FunctionNode.h"

namespace terra {
namespace functions {
namespace {

using detail::scalar;

/// `x * alpha` as the Python `x * alpha` with a float: alpha a weak
/// scalar of x's dtype.
Tensor scaled(const Tensor &x, double alpha) {
  return functions::binary(ops::BinaryOp::Mul, x, scalar(alpha, x.dtype()));
}

/// Tensor.add_(other, alpha): other scaled first unless alpha is 1.
void addInPlace(Tensor &target, const Tensor &other, double alpha) {
  functions::binaryInPlace(ops::BinaryOp::Add, target,
                           alpha == 1 ? other : scaled(other, alpha));
}

} // namespace

void sgdUpdate(Tensor &param, const Tensor &grad, Tensor &momentumBuffer,
               const SgdOptions &options) {
  Tensor step =
      options.maximize ? functions::unary(ops::UnaryOp::Neg, grad) : grad;
  if (options.weightDecay != 0)
    step = functions::binary(
        ops::BinaryOp::Add, step,
        options.weightDecay == 1 ? param : scaled(param, options.weightDecay));
  if (options.momentum != 0) {
    if (!momentumBuffer.defined()) {
      momentumBuffer = detach(clone(step));
    } else {
      functions::binaryInPlace(
          ops::BinaryOp::Mul, momentumBuffer,
          scalar(options.momentum, momentumBuffer.dtype()));
      addInPlace(momentumBuffer, step, 1 - options.dampening);
    }
    if (options.nesterov)
      step = functions::binary(ops::BinaryOp::Add, step,
                               scaled(momentumBuffer, options.momentum));
    else
      step = momentumBuffer;
  }
  addInPlace(param, step, -options.lr);
}

} // namespace functions
} // namespace terra
