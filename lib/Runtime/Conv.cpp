//===- Conv.cpp - Eager conv2d and its gradients (im2col + GEMM) ----------===//
//
// Checks shapes and dtypes as PyTorch does, then runs the kernels of
// ConvKernels.h (which compiled blocks call too, through ConvCalls.cpp).
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Ops.h"
#include "terra/Runtime/Recording.h"

#include "ConvKernels.h"
#include "KernelUtils.h"

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

namespace terra {
namespace ops {
namespace {

using Geometry = detail::ConvGeometry;

std::string joined(int64_t a, int64_t b, const char *sep) {
  return std::to_string(a) + sep + std::to_string(b);
}

/// Validates shapes and parameters as torch.nn.functional.conv2d does.
Geometry checkConv(const Shape &input, const Shape &weight,
                   const Conv2dParams &p) {
  if (p.strideH <= 0 || p.strideW <= 0)
    throwError(Error::Kind::Runtime, "non-positive stride is not supported");
  if (p.padH < 0 || p.padW < 0)
    throwError(Error::Kind::Runtime, "negative padding is not supported");
  if (p.dilationH <= 0 || p.dilationW <= 0)
    throwError(Error::Kind::Runtime,
               "dilation should be greater than zero, but got [" +
                   joined(p.dilationH, p.dilationW, ", ") + "]");
  if (p.groups <= 0)
    throwError(Error::Kind::Runtime, "non-positive groups is not supported");
  if (input.size() != 4)
    throwError(Error::Kind::Runtime,
               "Expected 3D (unbatched) or 4D (batched) input to conv2d, but "
               "got input of size: " +
                   formatShape(input));
  if (weight.size() != 4)
    throwError(Error::Kind::Runtime,
               "conv2d: expected a 4-dimensional weight, but got weight of "
               "size " +
                   formatShape(weight));
  std::string groups = "Given groups=" + std::to_string(p.groups);
  if (weight[0] == 0)
    throwError(Error::Kind::Runtime,
               groups +
                   ", expected weight to be at least 1 at dimension 0, "
                   "but got weight of size " +
                   formatShape(weight) + " instead");
  if (weight[0] % p.groups != 0)
    throwError(Error::Kind::Runtime,
               groups + ", expected weight to be divisible by " +
                   std::to_string(p.groups) +
                   " at dimension 0, but got weight of size " +
                   formatShape(weight) + " instead");
  if (input[1] != weight[1] * p.groups)
    throwError(Error::Kind::Runtime,
               groups + ", weight of size " + formatShape(weight) +
                   ", expected input" + formatShape(input) + " to have " +
                   std::to_string(weight[1] * p.groups) +
                   " channels, but got " + std::to_string(input[1]) +
                   " channels instead");
  int64_t paddedH = input[2] + 2 * p.padH, paddedW = input[3] + 2 * p.padW;
  int64_t extentH = p.dilationH * (weight[2] - 1) + 1,
          extentW = p.dilationW * (weight[3] - 1) + 1;
  if (paddedH < extentH || paddedW < extentW)
    throwError(Error::Kind::Runtime,
               "Calculated padded input size per channel: (" +
                   joined(paddedH, paddedW, " x ") + "). Kernel size: (" +
                   joined(extentH, extentW, " x ") +
                   "). Kernel size can't be greater than actual input size");
  return detail::convGeometry(input.data(), weight.data(), p);
}

void checkDtypes(const Tensor &input, const Tensor &weight) {
  if (input.dtype() != weight.dtype())
    throwError(Error::Kind::Runtime,
               std::string("expected scalar type ") +
                   detail::scalarTypeName(input.dtype()) + " but found " +
                   detail::scalarTypeName(weight.dtype()));
  if (input.dtype() == DType::Bool)
    detail::throwNotImplementedFor("slow_conv2d_cpu", DType::Bool);
}

/// Adds the batch dimension to an unbatched (3-D) shape.
Shape batched(const Shape &shape) {
  if (shape.size() != 3)
    return shape;
  Shape result = shape;
  result.insert(result.begin(), 1);
  return result;
}

} // namespace

static Tensor conv2dKernel(const Tensor &input, const Tensor &weight,
                           const Tensor &bias, const Conv2dParams &params) {
  detail::requireDefined("conv2d", input);
  detail::requireDefined("conv2d", weight);
  const bool unbatched = input.dim() == 3;
  Geometry g = checkConv(batched(input.shape()), weight.shape(), params);
  checkDtypes(input, weight);
  if (bias.defined()) {
    if (bias.dim() != 1 || bias.shape()[0] != g.f)
      throwError(Error::Kind::Runtime,
                 "Given weight of size " + formatShape(weight.shape()) +
                     ", expected bias to be 1-dimensional with " +
                     std::to_string(g.f) + " elements, but got bias of size " +
                     formatShape(bias.shape()) + " instead");
    if (bias.dtype() != input.dtype())
      throwError(Error::Kind::Runtime,
                 std::string("Input type (") + dtypeName(input.dtype()) +
                     ") and bias type (" + dtypeName(bias.dtype()) +
                     ") should be the same");
  }
  Shape outShape = {g.n, g.f, g.oh, g.ow};
  Tensor result = Tensor::empty(outShape, input.dtype());
  Tensor x = input.contiguous(), w = weight.contiguous();
  Tensor b = bias.defined() ? bias.contiguous() : Tensor();
  dispatchDType(input.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      const T *in = x.data<T>(), *wt = w.data<T>();
      const T *bs = b.defined() ? b.data<T>() : nullptr;
      T *out = result.data<T>();
      detail::conv2dForward(g, params, in, wt, bs, out);
    }
  });
  return unbatched ? result.squeeze(0) : result;
}

static Tensor conv2dGradInputKernel(const Tensor &gradOutput,
                                    const Tensor &weight,
                                    const Shape &inputShape,
                                    const Conv2dParams &params) {
  detail::requireDefined("conv2d_backward", gradOutput);
  detail::requireDefined("conv2d_backward", weight);
  Geometry g = checkConv(batched(inputShape), weight.shape(), params);
  checkDtypes(gradOutput, weight);
  Shape outShape = {g.n, g.f, g.oh, g.ow};
  Tensor dy = gradOutput.dim() == 3 && inputShape.size() == 3
                  ? gradOutput.unsqueeze(0)
                  : gradOutput;
  if (dy.shape() != outShape)
    throwError(Error::Kind::Runtime,
               "conv2d_backward: expected grad_output of shape " +
                   formatShape(outShape) + " for input of shape " +
                   formatShape(inputShape) + ", but got " +
                   formatShape(gradOutput.shape()));
  Tensor result = Tensor::full(batched(inputShape), weight.dtype(), 0);
  dy = dy.contiguous();
  Tensor w = weight.contiguous();
  dispatchDType(weight.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      const T *dout = dy.data<T>(), *wt = w.data<T>();
      T *dx = result.data<T>();
      detail::conv2dGradInput(g, params, dout, wt, dx);
    }
  });
  return inputShape.size() == 3 ? result.squeeze(0) : result;
}

static Tensor conv2dGradWeightKernel(const Tensor &input,
                                     const Tensor &gradOutput,
                                     const Shape &weightShape,
                                     const Conv2dParams &params) {
  detail::requireDefined("conv2d_backward", input);
  detail::requireDefined("conv2d_backward", gradOutput);
  const bool unbatched = input.dim() == 3;
  Geometry g = checkConv(batched(input.shape()), weightShape, params);
  checkDtypes(input, gradOutput);
  Shape outShape = {g.n, g.f, g.oh, g.ow};
  Tensor dy = unbatched ? gradOutput.unsqueeze(0) : gradOutput;
  if (dy.shape() != outShape)
    throwError(Error::Kind::Runtime,
               "conv2d_backward: expected grad_output of shape " +
                   formatShape(outShape) + " for input of shape " +
                   formatShape(input.shape()) + ", but got " +
                   formatShape(gradOutput.shape()));
  Tensor result = Tensor::full(weightShape, input.dtype(), 0);
  Tensor x = input.contiguous();
  dy = dy.contiguous();
  dispatchDType(input.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (!std::is_same_v<T, bool>) {
      const T *in = x.data<T>(), *dout = dy.data<T>();
      T *dw = result.data<T>();
      detail::conv2dGradWeight(g, params, in, dout, dw);
    }
  });
  return result;
}

Conv2dParams conv2dParams(const std::vector<int64_t> &stride,
                          const std::vector<int64_t> &padding,
                          const std::vector<int64_t> &dilation,
                          int64_t groups) {
  Conv2dParams params;
  params.strideH = stride.at(0);
  params.strideW = stride.at(1);
  params.padH = padding.at(0);
  params.padW = padding.at(1);
  params.dilationH = dilation.at(0);
  params.dilationW = dilation.at(1);
  params.groups = groups;
  return params;
}

//===----------------------------------------------------------------------===//
// The ops as programs call them: the kernel, announced to the tracer
//===----------------------------------------------------------------------===//

namespace {

recording::Attributes convAttributes(const Conv2dParams &params) {
  return {
      {"stride", std::vector<int64_t>{params.strideH, params.strideW}},
      {"padding", std::vector<int64_t>{params.padH, params.padW}},
      {"dilation", std::vector<int64_t>{params.dilationH, params.dilationW}},
      {"groups", params.groups}};
}

} // namespace

Tensor conv2d(const Tensor &input, const Tensor &weight, const Tensor &bias,
              const Conv2dParams &params) {
  recording::Scope scope;
  auto kernel = [&] { return conv2dKernel(input, weight, bias, params); };
  auto attributes = [&] { return convAttributes(params); };
  if (!bias.defined())
    return scope.op("conv2d", {&input, &weight}, kernel, attributes);
  return scope.op("conv2d", {&input, &weight, &bias}, kernel, attributes);
}

Tensor conv2dGradInput(const Tensor &gradOutput, const Tensor &weight,
                       const Shape &inputShape, const Conv2dParams &params) {
  recording::Scope scope;
  return scope.op(
      "conv2d_grad_input", {&gradOutput, &weight},
      [&] {
        return conv2dGradInputKernel(gradOutput, weight, inputShape, params);
      },
      [&] {
        recording::Attributes attributes = convAttributes(params);
        attributes.push_back({"input_shape", inputShape});
        return attributes;
      });
}

Tensor conv2dGradWeight(const Tensor &input, const Tensor &gradOutput,
                        const Shape &weightShape, const Conv2dParams &params) {
  recording::Scope scope;
  return scope.op(
      "conv2d_grad_weight", {&input, &gradOutput},
      [&] {
        return conv2dGradWeightKernel(input, gradOutput, weightShape, params);
      },
      [&] {
        recording::Attributes attributes = convAttributes(params);
        attributes.push_back({"weight_shape", weightShape});
        return attributes;
      });
}

} // namespace ops
} // namespace terra
