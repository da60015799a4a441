//===- Functions.h - Differentiable eager ops -------------------*- C++ -*-===//
//
// The ops of terra/Runtime/Ops.h and Tensor's views, recording a backward
// node when grad mode is on and an input requires a gradient. The Python
// binding calls these; the backward nodes call the plain ops.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_RUNTIME_FUNCTIONS_H
#define TERRA_RUNTIME_FUNCTIONS_H

#include "terra/Runtime/Ops.h"

#include <optional>
#include <utility>
#include <vector>

namespace terra {
namespace functions {

// Elementwise.
Tensor unary(ops::UnaryOp op, const Tensor &input);
Tensor binary(ops::BinaryOp op, const Tensor &lhs, const Tensor &rhs);
Tensor where(const Tensor &condition, const Tensor &x, const Tensor &y);
Tensor clamp(const Tensor &input, std::optional<double> min,
             std::optional<double> max);
Tensor to(const Tensor &input, DType dtype);
/// A new tensor sharing `input`'s memory without its history.
Tensor detach(const Tensor &input);
/// `target op= source`. When either requires a gradient, `target` takes the
/// history of the out-of-place result (computed on a copy, so that saved
/// values stay intact); a leaf that requires grad is an error, as in
/// PyTorch.
void binaryInPlace(ops::BinaryOp op, Tensor &target, const Tensor &source);
/// target.copy_(source) with the same rules.
void copyInto(Tensor &target, const Tensor &source);

// Views.
Tensor reshape(const Tensor &input, const Shape &shape);
Tensor permute(const Tensor &input, const std::vector<int64_t> &dims);
Tensor transpose(const Tensor &input, int64_t dim0, int64_t dim1);
Tensor expand(const Tensor &input, const Shape &shape);
Tensor slice(const Tensor &input, int64_t axis, int64_t start, int64_t stop,
             int64_t step);
Tensor select(const Tensor &input, int64_t axis, int64_t index);
Tensor unsqueeze(const Tensor &input, int64_t axis);
Tensor squeeze(const Tensor &input, int64_t axis);
Tensor contiguous(const Tensor &input);
Tensor clone(const Tensor &input);

// Reductions.
Tensor sum(const Tensor &input, const std::vector<int64_t> &axes, bool keepdim);
Tensor mean(const Tensor &input, const std::vector<int64_t> &axes,
            bool keepdim);
Tensor amax(const Tensor &input, const std::vector<int64_t> &axes,
            bool keepdim);
Tensor amin(const Tensor &input, const std::vector<int64_t> &axes,
            bool keepdim);
Tensor var(const Tensor &input, const std::vector<int64_t> &axes,
           int64_t correction, bool keepdim);
Tensor softmax(const Tensor &input, int64_t axis);
Tensor logSoftmax(const Tensor &input, int64_t axis);

// Shape ops that copy.
Tensor cat(const std::vector<Tensor> &tensors, int64_t axis);
Tensor stack(const std::vector<Tensor> &tensors, int64_t axis);
Tensor pad(const Tensor &input, const std::vector<int64_t> &low,
           const std::vector<int64_t> &high, double value);
Tensor indexSelect(const Tensor &input, int64_t axis, const Tensor &indices);
Tensor maskedSelect(const Tensor &input, const Tensor &mask);

// Contractions.
Tensor matmul(const Tensor &lhs, const Tensor &rhs);
/// torch.nn.functional.linear: input @ weight.t() + bias (bias may be
/// undefined), as those three ops.
Tensor linear(const Tensor &input, const Tensor &weight, const Tensor &bias);
Tensor conv2d(const Tensor &input, const Tensor &weight, const Tensor &bias,
              const ops::Conv2dParams &params);
/// torch.nn.functional.conv_transpose2d without bias (added separately).
Tensor convTranspose2d(const Tensor &input, const Tensor &weight,
                       const ops::Conv2dParams &params,
                       const std::vector<int64_t> &outputPadding);
Tensor maxPool2d(const Tensor &input, const ops::Pool2dParams &params);
Tensor avgPool2d(const Tensor &input, const ops::Pool2dParams &params);
/// Training-mode batch normalization (ops::batchNorm): the output is
/// differentiable (NativeBatchNormBackward0, one batch_norm_grad op), the
/// mean and biased variance are not.
std::tuple<Tensor, Tensor, Tensor> batchNorm(const Tensor &input,
                                             const Tensor &weight,
                                             const Tensor &bias, double eps);
/// Layer normalization over the last `normalizedDims` dimensions
/// (ops::layerNorm): the output is differentiable (NativeLayerNormBackward0,
/// one layer_norm_grad op).
Tensor layerNorm(const Tensor &input, int64_t normalizedDims,
                 const Tensor &weight, const Tensor &bias, double eps);

// Losses (lib/Runtime/Losses.cpp).
enum class Reduction { None, Mean, Sum };
/// torch.nn.functional.nll_loss on log-probabilities `input` (N, C) and
/// int64 class indices `target` (N): -input[n, target[n]] * weight[target[n]],
/// reduced; rows whose target is `ignoreIndex` count for nothing. `weight`
/// (C) may be undefined (all ones).
Tensor nllLoss(const Tensor &input, const Tensor &target, const Tensor &weight,
               int64_t ignoreIndex, Reduction reduction);

// Optimizer updates (lib/Runtime/Optimizers.cpp), under no_grad.
struct SgdOptions {
  double lr = 0, momentum = 0, dampening = 0, weightDecay = 0;
  bool nesterov = false, maximize = false;
};
/// torch.optim.SGD's update of one parameter (PyTorch 1.13's
/// _single_tensor_sgd): `momentumBuffer` is created on the first step
/// (undefined before) and updated in place after.
void sgdUpdate(Tensor &param, const Tensor &grad, Tensor &momentumBuffer,
               const SgdOptions &options);

} // namespace functions
} // namespace terra

#endif // TERRA_RUNTIME_FUNCTIONS_H
