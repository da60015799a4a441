//===- Losses.cpp - Differentiable losses with a backward of their own ----===//
//
// A loss is a handful of ops whose composed gradient would be twice as many
// (each op's backward on its own); here its forward records one node whose
// backward is the loss's own gradient. Fewer ops to run, and under
// co-execution fewer ops for the Python thread to validate each step.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Functions.h"

#include "FunctionNode.h"
#include "KernelUtils.h"

#include "terra/Runtime/Autograd.h"

#include <string>

namespace terra {
namespace functions {
namespace {

using detail::Grads;
using detail::scalar;

/// 0, classes, 2 * classes, ...: the flat offset of each row.
Tensor rowOffsets(int64_t rows, int64_t classes) {
  Tensor offsets = Tensor::empty({rows}, DType::Int64);
  int64_t *data = offsets.data<int64_t>();
  for (int64_t row = 0; row < rows; ++row)
    data[row] = row * classes;
  return offsets;
}

void checkNllLossOperands(const Tensor &input, const Tensor &target,
                          const Tensor &weight) {
  if (input.dim() != 2)
    throwError(Error::Kind::Value, "nll_loss: expected 2 dimensions, got " +
                                       std::to_string(input.dim()));
  if (!isFloating(input.dtype()))
    terra::detail::throwNotImplementedFor("nll_loss_out_frame", input.dtype());
  if (target.dtype() != DType::Int64)
    throwError(Error::Kind::Runtime,
               std::string("expected scalar type Long but found ") +
                   terra::detail::scalarTypeName(target.dtype()));
  if (target.dim() != 1 || target.shape()[0] != input.shape()[0])
    throwError(
        Error::Kind::Value,
        "Expected input batch_size (" + std::to_string(input.shape()[0]) +
            ") to match target batch_size (" +
            std::to_string(target.dim() == 0 ? 0 : target.shape()[0]) + ").");
  if (weight.defined() &&
      (weight.dim() != 1 || weight.shape()[0] != input.shape()[1]))
    throwError(Error::Kind::Runtime,
               "weight tensor should be defined either for all " +
                   std::to_string(input.shape()[1]) +
                   " classes or no classes but got weight tensor of shape: " +
                   formatShape(weight.shape()));
}

} // namespace

Tensor nllLoss(const Tensor &input, const Tensor &target, const Tensor &weight,
               int64_t ignoreIndex, Reduction reduction) {
  checkNllLossOperands(input, target, weight);
  int64_t rows = input.shape()[0], classes = input.shape()[1];
  DType dtype = input.dtype();
  // Ignored rows read class 0 and weigh nothing.
  Tensor valid =
      ops::compare(ops::CompareOp::Ne, target,
                   scalar(static_cast<double>(ignoreIndex), DType::Int64));
  Tensor safeTarget = ops::where(valid, target, scalar(0, DType::Int64));
  Tensor flatIndex =
      ops::binary(ops::BinaryOp::Add, rowOffsets(rows, classes), safeTarget);
  Tensor picked =
      ops::indexSelect(input.reshape({rows * classes}), 0, flatIndex);
  Tensor rowWeight = valid.to(dtype);
  if (weight.defined())
    rowWeight = ops::binary(ops::BinaryOp::Mul,
                            ops::indexSelect(weight, 0, safeTarget), rowWeight);
  Tensor result = ops::unary(
      ops::UnaryOp::Neg, ops::binary(ops::BinaryOp::Mul, picked, rowWeight));
  Tensor totalWeight;
  if (reduction != Reduction::None)
    result = ops::sum(result, {}, /*keepdim=*/false);
  if (reduction == Reduction::Mean) {
    totalWeight = ops::sum(rowWeight, {}, /*keepdim=*/false);
    result = ops::binary(ops::BinaryOp::Div, result, totalWeight);
  }
  if (!autograd::anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  detail::record(result, "NllLossBackward0", {&input}, [=](const Grads &g) {
    // d loss / d input[row, target[row]] = -weight[row] (/ total).
    Tensor scale = g[0];
    if (reduction == Reduction::Mean)
      scale = ops::binary(ops::BinaryOp::Div, scale, totalWeight);
    Tensor rowGrad = ops::unary(
        ops::UnaryOp::Neg, ops::binary(ops::BinaryOp::Mul, scale, rowWeight));
    return Grads{ops::indexAdd({rows * classes}, 0, flatIndex, rowGrad)
                     .reshape(inputShape)};
  });
  return result;
}

} // namespace functions
} // namespace terra
