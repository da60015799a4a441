//===- Normalization.cpp - Eager batch normalization and its gradient -----===//
//
// Training-mode batch normalization as PyTorch's CPU kernel computes it. Per
// channel: the mean and the biased variance in two passes (accumulated in
// double, as ops::var), then y = x * scale + shift with scale = weight /
// sqrt(var + eps) and shift = bias - mean * scale. Three passes over the
// input where the composed ops (mean, var, a multiply and an add) made five,
// and the gradient takes two (the sums of dy and of dy * (x - mean), then dx)
// where autograd through those ops made about ten.
//
// The input is [N, C, *], made contiguous: channel c is N runs of S elements
// (S the product of the trailing sizes) at (n * C + c) * S.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Ops.h"
#include "terra/Runtime/Recording.h"

#include "KernelUtils.h"
#include "Parallel.h"

#include <cmath>
#include <string>
#include <type_traits>

namespace terra {
namespace ops {
namespace {

struct Layout {
  int64_t batch = 1, channels = 1, spatial = 1;
  /// The elements one channel normalises over.
  int64_t count() const { return batch * spatial; }
  int64_t offset(int64_t n, int64_t c) const {
    return (n * channels + c) * spatial;
  }
};

void checkParameter(const char *what, const Tensor &parameter,
                    const Tensor &input) {
  int64_t channels = input.shape()[1];
  if (parameter.numel() != channels)
    throwError(Error::Kind::Runtime, std::string(what) + " should contain " +
                                         std::to_string(channels) +
                                         " elements not " +
                                         std::to_string(parameter.numel()));
  if (parameter.dtype() != input.dtype())
    throwError(Error::Kind::Runtime,
               std::string("batch_norm: expected ") + what +
                   " to have the input's dtype (" + dtypeName(input.dtype()) +
                   "), but got " + dtypeName(parameter.dtype()));
}

Layout checkInput(const char *name, const Tensor &input) {
  detail::requireDefined(name, input);
  if (input.dim() < 2)
    throwError(Error::Kind::Runtime,
               std::string(name) +
                   ": expected an input of at least 2 dimensions (N, C, ...), "
                   "but got " +
                   std::to_string(input.dim()) + "-D input");
  if (!isFloating(input.dtype()))
    detail::throwNotImplementedFor("batch_norm", input.dtype());
  Layout layout;
  layout.batch = input.shape()[0];
  layout.channels = input.shape()[1];
  for (int64_t d = 2; d < input.dim(); ++d)
    layout.spatial *= input.shape()[d];
  return layout;
}

template <typename T>
void normalizeChannels(const Layout &l, const T *x, const T *weight,
                       const T *bias, double eps, T *y, T *mean, T *var) {
  const int64_t count = l.count();
  detail::parallelFor(l.channels, count * 3, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      double sum = 0;
      for (int64_t n = 0; n < l.batch; ++n)
        sum = detail::sumRun(sum, x + l.offset(n, c), l.spatial);
      double m = sum / static_cast<double>(count), squares = 0;
      for (int64_t n = 0; n < l.batch; ++n)
        squares +=
            detail::squaredDeviationRun(x + l.offset(n, c), l.spatial, m);
      double v = squares / static_cast<double>(count);
      mean[c] = static_cast<T>(m);
      var[c] = static_cast<T>(v);
      double invstd = 1 / std::sqrt(static_cast<double>(var[c]) + eps);
      T scale = static_cast<T>(weight ? weight[c] * invstd : invstd);
      T shift = static_cast<T>(bias ? bias[c] - m * scale : -m * scale);
      for (int64_t n = 0; n < l.batch; ++n) {
        const T *in = x + l.offset(n, c);
        T *out = y + l.offset(n, c);
        for (int64_t i = 0; i < l.spatial; ++i)
          out[i] = in[i] * scale + shift;
      }
    }
  });
}

template <typename T>
void normalizeChannelsGrad(const Layout &l, const T *dy, const T *x,
                           const T *mean, const T *var, const T *weight,
                           double eps, T *dx, T *dweight, T *dbias) {
  const int64_t count = l.count();
  detail::parallelFor(l.channels, count * 4, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const double m = static_cast<double>(mean[c]);
      double sumDy = 0, dot = 0;
      for (int64_t n = 0; n < l.batch; ++n) {
        const T *g = dy + l.offset(n, c), *in = x + l.offset(n, c);
        double lanes[4] = {}, dotLanes[4] = {};
        int64_t i = 0;
        for (; i + 4 <= l.spatial; i += 4)
          for (int k = 0; k < 4; ++k) {
            lanes[k] += static_cast<double>(g[i + k]);
            dotLanes[k] += static_cast<double>(g[i + k]) *
                           (static_cast<double>(in[i + k]) - m);
          }
        for (; i < l.spatial; ++i) {
          lanes[0] += static_cast<double>(g[i]);
          dotLanes[0] +=
              static_cast<double>(g[i]) * (static_cast<double>(in[i]) - m);
        }
        sumDy += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
        dot += (dotLanes[0] + dotLanes[1]) + (dotLanes[2] + dotLanes[3]);
      }
      double invstd = 1 / std::sqrt(static_cast<double>(var[c]) + eps);
      dbias[c] = static_cast<T>(sumDy);
      dweight[c] = static_cast<T>(dot * invstd);
      // dx = (dy - mean(dy) - (x - mean) * mean(dy * (x - mean)) / (var +
      // eps)) * invstd * weight, PyTorch's form.
      T gradMean = static_cast<T>(sumDy / static_cast<double>(count));
      T projection =
          static_cast<T>(dot * invstd * invstd / static_cast<double>(count));
      T scale = static_cast<T>(weight ? invstd * weight[c] : invstd);
      T channelMean = mean[c];
      for (int64_t n = 0; n < l.batch; ++n) {
        const T *g = dy + l.offset(n, c), *in = x + l.offset(n, c);
        T *out = dx + l.offset(n, c);
        for (int64_t i = 0; i < l.spatial; ++i)
          out[i] =
              (g[i] - gradMean - (in[i] - channelMean) * projection) * scale;
      }
    }
  });
}

template <typename T> const T *dataOrNull(const Tensor &tensor) {
  return tensor.defined() ? tensor.data<T>() : nullptr;
}

std::tuple<Tensor, Tensor, Tensor> batchNormKernel(const Tensor &input,
                                                   const Tensor &weight,
                                                   const Tensor &bias,
                                                   double eps) {
  Layout layout = checkInput("batch_norm", input);
  if (weight.defined() != bias.defined())
    throwError(Error::Kind::Runtime,
               "batch_norm: weight and bias are both given or both omitted");
  if (weight.defined()) {
    checkParameter("weight", weight, input);
    checkParameter("bias", bias, input);
  }
  if (layout.count() == 0)
    throwError(Error::Kind::Runtime,
               "batch_norm: cannot normalise over an empty batch");
  DType dtype = input.dtype();
  Tensor x = input.contiguous();
  Tensor w = weight.defined() ? weight.contiguous() : Tensor();
  Tensor b = bias.defined() ? bias.contiguous() : Tensor();
  Tensor y = Tensor::empty(input.shape(), dtype);
  Tensor mean = Tensor::empty({layout.channels}, dtype);
  Tensor var = Tensor::empty({layout.channels}, dtype);
  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>)
      normalizeChannels<T>(layout, x.data<T>(), dataOrNull<T>(w),
                           dataOrNull<T>(b), eps, y.data<T>(), mean.data<T>(),
                           var.data<T>());
  });
  return {y, mean, var};
}

std::tuple<Tensor, Tensor, Tensor>
batchNormGradKernel(const Tensor &gradOutput, const Tensor &input,
                    const Tensor &mean, const Tensor &var, const Tensor &weight,
                    double eps) {
  Layout layout = checkInput("batch_norm_grad", input);
  if (weight.defined())
    checkParameter("weight", weight, input);
  detail::requireDefined("batch_norm_grad", gradOutput);
  if (gradOutput.shape() != input.shape() ||
      gradOutput.dtype() != input.dtype() || mean.numel() != layout.channels ||
      var.numel() != layout.channels || mean.dtype() != input.dtype() ||
      var.dtype() != input.dtype())
    throwError(Error::Kind::Runtime,
               "batch_norm_grad: the gradient, mean and variance do not match "
               "the input " +
                   formatShape(input.shape()));
  DType dtype = input.dtype();
  Tensor g = gradOutput.contiguous(), x = input.contiguous();
  Tensor m = mean.contiguous(), v = var.contiguous();
  Tensor w = weight.defined() ? weight.contiguous() : Tensor();
  Tensor dx = Tensor::empty(input.shape(), dtype);
  Tensor dweight = Tensor::empty({layout.channels}, dtype);
  Tensor dbias = Tensor::empty({layout.channels}, dtype);
  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>)
      normalizeChannelsGrad<T>(layout, g.data<T>(), x.data<T>(), m.data<T>(),
                               v.data<T>(), dataOrNull<T>(w), eps, dx.data<T>(),
                               dweight.data<T>(), dbias.data<T>());
  });
  return {dx, dweight, dbias};
}

/// Runs a three-result kernel as one recorded op.
template <typename Kernel>
std::tuple<Tensor, Tensor, Tensor> recordThree(const char *name,
                                               recording::Operands operands,
                                               double eps, Kernel &&kernel) {
  recording::Scope scope;
  if (!scope.outermost())
    return kernel();
  std::tuple<Tensor, Tensor, Tensor> result;
  Tensor *results[] = {&std::get<0>(result), &std::get<1>(result),
                       &std::get<2>(result)};
  scope.run(name, {{"eps", eps}}, operands, recording::Results(results, 3),
            [&] { result = kernel(); });
  return result;
}

} // namespace

std::tuple<Tensor, Tensor, Tensor> batchNorm(const Tensor &input,
                                             const Tensor &weight,
                                             const Tensor &bias, double eps) {
  auto kernel = [&] { return batchNormKernel(input, weight, bias, eps); };
  if (weight.defined())
    return recordThree("batch_norm", {&input, &weight, &bias}, eps, kernel);
  return recordThree("batch_norm", {&input}, eps, kernel);
}

std::tuple<Tensor, Tensor, Tensor>
batchNormGrad(const Tensor &gradOutput, const Tensor &input, const Tensor &mean,
              const Tensor &var, const Tensor &weight, double eps) {
  auto kernel = [&] {
    return batchNormGradKernel(gradOutput, input, mean, var, weight, eps);
  };
  if (weight.defined())
    return recordThree("batch_norm_grad",
                       {&gradOutput, &input, &mean, &var, &weight}, eps,
                       kernel);
  return recordThree("batch_norm_grad", {&gradOutput, &input, &mean, &var}, eps,
                     kernel);
}

} // namespace ops
} // namespace terra
