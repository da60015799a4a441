//===- Ops.h - Eager CPU kernels, one per terra op -------------*- C++ -*-===//
//
// The imperative phase runs these. Each has the meaning of the terra dialect
// op of the same name (dialects/terra/*.td), extended the way PyTorch's
// operator is: NumPy broadcasting and type promotion for binary ops, any
// strides on inputs, negative axes. Results are new contiguous tensors.
// Errors throw terra::Error with a message that names the op and the shapes,
// in PyTorch's wording where PyTorch has one.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_RUNTIME_OPS_H
#define TERRA_RUNTIME_OPS_H

#include "terra/Runtime/Tensor.h"

#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

namespace terra {
namespace ops {

//===----------------------------------------------------------------------===//
// Elementwise (lib/Runtime/Elementwise.cpp)
//===----------------------------------------------------------------------===//

enum class UnaryOp {
  Neg,
  Abs,
  Exp,
  Log,
  Sqrt,
  Rsqrt,
  Tanh,
  Sigmoid,
  Relu,
  Gelu,
  GeluTanh,
  Erf,
  Sin,
  Cos,
  LogicalNot
};
enum class BinaryOp { Add, Sub, Mul, Div, Pow, Maximum, Minimum };
enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge };

/// Integer inputs to float-only functions (exp, log, ...) give float32, as in
/// PyTorch; neg/abs/relu keep the dtype.
Tensor unary(UnaryOp op, const Tensor &input);
/// Broadcasts, promotes to a common dtype (true division of integers gives
/// float32) and applies `op`.
Tensor binary(BinaryOp op, const Tensor &lhs, const Tensor &rhs);
/// Broadcasting comparison; the result is bool.
Tensor compare(CompareOp op, const Tensor &lhs, const Tensor &rhs);
/// torch.where(condition, x, y): condition is bool, broadcast with x and y.
Tensor where(const Tensor &condition, const Tensor &x, const Tensor &y);
/// clamp(min, max) with optional bounds.
Tensor clamp(const Tensor &input, std::optional<double> min,
             std::optional<double> max);
/// The gradient of relu from its result: gradOutput where result > 0, else
/// 0 (PyTorch's threshold_backward: a NaN result passes the gradient).
Tensor reluGrad(const Tensor &gradOutput, const Tensor &result);
/// In place: `target op= source` with source broadcast to target's shape and
/// the result cast to target's dtype (PyTorch's in-place rules: the result
/// type must be castable to target's dtype, e.g. float into int is an error).
void binaryInPlace(BinaryOp op, Tensor &target, const Tensor &source);
/// In place: `target.copy_(source)`, source broadcast to target's shape and
/// cast to its dtype. Recorded (as "copy") like every in-place op, so that
/// traced code sees the write.
void copyInto(Tensor &target, const Tensor &source);

//===----------------------------------------------------------------------===//
// Reductions (lib/Runtime/Reduction.cpp)
//===----------------------------------------------------------------------===//

/// `axes` empty means every axis (PyTorch's `sum()` with no dim). Sums of
/// bool and integer tensors are int64, as in PyTorch.
Tensor sum(const Tensor &input, const std::vector<int64_t> &axes, bool keepdim);
Tensor mean(const Tensor &input, const std::vector<int64_t> &axes,
            bool keepdim);
/// amax / amin (values only).
Tensor amax(const Tensor &input, const std::vector<int64_t> &axes,
            bool keepdim);
Tensor amin(const Tensor &input, const std::vector<int64_t> &axes,
            bool keepdim);
/// Index of the first maximum along `axis` (int64); no axis: of the flat
/// tensor.
Tensor argmax(const Tensor &input, std::optional<int64_t> axis, bool keepdim);
Tensor argmin(const Tensor &input, std::optional<int64_t> axis, bool keepdim);
/// Variance with Bessel's `correction` (1 = unbiased, PyTorch's default).
Tensor var(const Tensor &input, const std::vector<int64_t> &axes,
           int64_t correction, bool keepdim);
/// Numerically stable (the maximum is subtracted first).
Tensor softmax(const Tensor &input, int64_t axis);
Tensor logSoftmax(const Tensor &input, int64_t axis);

//===----------------------------------------------------------------------===//
// Shape ops that copy (lib/Runtime/Shape.cpp); views are Tensor methods
//===----------------------------------------------------------------------===//

Tensor cat(const std::vector<Tensor> &tensors, int64_t axis);
Tensor stack(const std::vector<Tensor> &tensors, int64_t axis);
/// Constant padding: `low[d]` / `high[d]` elements before / after dim d.
Tensor pad(const Tensor &input, const std::vector<int64_t> &low,
           const std::vector<int64_t> &high, double value);
/// torch.index_select / embedding lookup: picks slices along `axis` at
/// `indices` (int64 or int32, any shape; result shape as numpy.take).
/// Out-of-range indices are an Error{Index}.
Tensor indexSelect(const Tensor &input, int64_t axis, const Tensor &indices);
/// The gradient of indexSelect: a tensor of `shape` with `source` slices
/// summed into the rows named by `indices` (duplicates accumulate).
Tensor indexAdd(const Shape &shape, int64_t axis, const Tensor &indices,
                const Tensor &source);
/// Boolean-mask selection x[mask] (1-D result over the masked positions).
Tensor maskedSelect(const Tensor &input, const Tensor &mask);

//===----------------------------------------------------------------------===//
// Contractions (lib/Runtime/Matmul.cpp, Conv.cpp, Pool.cpp)
//===----------------------------------------------------------------------===//

/// torch.matmul: 1-D and N-D operands, broadcast batch dimensions, OpenBLAS
/// for float32/float64.
Tensor matmul(const Tensor &lhs, const Tensor &rhs);

struct Conv2dParams {
  int64_t strideH = 1, strideW = 1;
  int64_t padH = 0, padW = 0;
  int64_t dilationH = 1, dilationW = 1;
  int64_t groups = 1;
};
/// From (height, width) pairs, as the Python API and recorded ops give them.
Conv2dParams conv2dParams(const std::vector<int64_t> &stride,
                          const std::vector<int64_t> &padding,
                          const std::vector<int64_t> &dilation, int64_t groups);
/// NCHW input, F x C/groups x KH x KW weight; bias optional (F).
Tensor conv2d(const Tensor &input, const Tensor &weight, const Tensor &bias,
              const Conv2dParams &params);
Tensor conv2dGradInput(const Tensor &gradOutput, const Tensor &weight,
                       const Shape &inputShape, const Conv2dParams &params);
Tensor conv2dGradWeight(const Tensor &input, const Tensor &gradOutput,
                        const Shape &weightShape, const Conv2dParams &params);

struct Pool2dParams {
  int64_t kernelH, kernelW;
  int64_t strideH, strideW;
  int64_t padH = 0, padW = 0;
  int64_t dilationH = 1, dilationW = 1; // max pooling only
  bool ceilMode = false;
  bool countIncludePad = true; // avg pooling only
};
/// From (height, width) pairs, as the Python API and recorded ops give them.
Pool2dParams pool2dParams(const std::vector<int64_t> &kernel,
                          const std::vector<int64_t> &stride,
                          const std::vector<int64_t> &padding,
                          const std::vector<int64_t> &dilation, bool ceilMode,
                          bool countIncludePad);
/// Returns the pooled values and, for the gradient, the flat index (within
/// each H x W plane) of each window's maximum.
std::pair<Tensor, Tensor> maxPool2d(const Tensor &input,
                                    const Pool2dParams &params);
Tensor maxPool2dGrad(const Tensor &gradOutput, const Tensor &indices,
                     const Shape &inputShape);
Tensor avgPool2d(const Tensor &input, const Pool2dParams &params);
Tensor avgPool2dGrad(const Tensor &gradOutput, const Shape &inputShape,
                     const Pool2dParams &params);

//===----------------------------------------------------------------------===//
// Batch and layer normalization (lib/Runtime/Normalization.cpp)
//===----------------------------------------------------------------------===//

/// Training-mode batch normalization of an [N, C, *] float input over every
/// dimension but C: returns the output, and the per-channel mean and biased
/// variance (C). `weight` and `bias` (C) are both defined or both not.
std::tuple<Tensor, Tensor, Tensor> batchNorm(const Tensor &input,
                                             const Tensor &weight,
                                             const Tensor &bias, double eps);
/// The gradient of batchNorm from the forward's mean and variance: the
/// input's, the weight's and the bias's (undefined weight: all ones).
std::tuple<Tensor, Tensor, Tensor>
batchNormGrad(const Tensor &gradOutput, const Tensor &input, const Tensor &mean,
              const Tensor &var, const Tensor &weight, double eps);
/// Layer normalization over the last `normalizedDims` dimensions of a float
/// input: returns the output, and each row's mean and 1 / sqrt(var + eps)
/// (the input's shape with the normalized sizes 1). `weight` and `bias`
/// (the normalized shape) are both defined or both not.
std::tuple<Tensor, Tensor, Tensor> layerNorm(const Tensor &input,
                                             int64_t normalizedDims,
                                             const Tensor &weight,
                                             const Tensor &bias, double eps);
/// The gradient of layerNorm from the forward's mean and rstd: the input's,
/// the weight's and the bias's (undefined weight: all ones).
std::tuple<Tensor, Tensor, Tensor>
layerNormGrad(const Tensor &gradOutput, const Tensor &input, const Tensor &mean,
              const Tensor &rstd, const Tensor &weight, int64_t normalizedDims);

//===----------------------------------------------------------------------===//
// Random numbers (lib/Runtime/Random.cpp): the terra dialect's Philox
//===----------------------------------------------------------------------===//

/// Element i (row-major) uses Philox-4x32-10 at counter (counter + i, 0)
/// under `key`, exactly as terra.random_uniform / _normal / _bernoulli, so
/// eager and compiled code draw the same numbers.
Tensor randomUniform(const Shape &shape, DType dtype, uint64_t key,
                     uint64_t counter, double low, double high);
Tensor randomNormal(const Shape &shape, DType dtype, uint64_t key,
                    uint64_t counter, double mean, double std);
Tensor randomBernoulli(const Tensor &probabilities, uint64_t key,
                       uint64_t counter);

} // namespace ops
} // namespace terra

#endif // TERRA_RUNTIME_OPS_H
