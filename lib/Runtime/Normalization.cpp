//===- Normalization.cpp - Eager batch and layer normalization -----------===//
//
// Both as PyTorch's CPU kernels compute them, each with a gradient op.
//
// Training-mode batch normalization. Per
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
// Layer normalization over the last dimensions: each row (of the product of
// the normalized sizes) is normalized with its own mean and 1 / sqrt(var +
// eps) in three passes, and the weight and bias apply per column. Its
// gradient makes two passes per row for the input's and one over the
// columns for the weight's and the bias's, where the composed ops made
// seven passes forward and about twelve backward.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Ops.h"
#include "terra/Runtime/Recording.h"

#include "KernelUtils.h"
#include "Parallel.h"

#include <algorithm>
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

/// A gradient op's operands: dy like the input, and two statistics (per
/// channel or per row) of the input's dtype with `count` elements each.
void checkGradOperands(const char *name, const char *statistics,
                       const Tensor &gradOutput, const Tensor &input,
                       const Tensor &first, const Tensor &second,
                       int64_t count) {
  detail::requireDefined(name, gradOutput);
  if (gradOutput.shape() != input.shape() ||
      gradOutput.dtype() != input.dtype() || first.numel() != count ||
      second.numel() != count || first.dtype() != input.dtype() ||
      second.dtype() != input.dtype())
    throwError(Error::Kind::Runtime,
               std::string(name) + ": the gradient, " + statistics +
                   " do not match the input " + formatShape(input.shape()));
}

/// The forward ops take weight and bias together or neither.
void checkAffine(const char *name, const Tensor &weight, const Tensor &bias) {
  if (weight.defined() != bias.defined())
    throwError(Error::Kind::Runtime,
               std::string(name) +
                   ": weight and bias are both given or both omitted");
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
  checkAffine("batch_norm", weight, bias);
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
  checkGradOperands("batch_norm_grad", "mean and variance", gradOutput, input,
                    mean, var, layout.channels);
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

//===----------------------------------------------------------------------===//
// Layer normalization
//===----------------------------------------------------------------------===//

struct Rows {
  int64_t rows = 1, columns = 1;
};

Rows checkLayerNorm(const char *name, const Tensor &input,
                    int64_t normalizedDims) {
  detail::requireDefined(name, input);
  if (normalizedDims < 1 || normalizedDims > input.dim())
    throwError(Error::Kind::Runtime,
               std::string(name) + ": cannot normalize the last " +
                   std::to_string(normalizedDims) + " dimensions of a " +
                   std::to_string(input.dim()) + "-D input");
  if (!isFloating(input.dtype()))
    detail::throwNotImplementedFor("LayerNormKernelImpl", input.dtype());
  Rows rows;
  for (int64_t d = 0; d < input.dim(); ++d)
    (d < input.dim() - normalizedDims ? rows.rows : rows.columns) *=
        input.shape()[d];
  return rows;
}

void checkLayerNormParameter(const char *what, const Tensor &parameter,
                             const Tensor &input, int64_t normalizedDims) {
  Shape normalized(input.shape().end() - normalizedDims, input.shape().end());
  if (parameter.shape() != normalized)
    throwError(Error::Kind::Runtime,
               std::string("Expected ") + what +
                   " to be of same shape as normalized_shape, but got " + what +
                   " of shape " + formatShape(parameter.shape()) +
                   " and normalized_shape = " + formatShape(normalized));
  if (parameter.dtype() != input.dtype())
    throwError(Error::Kind::Runtime,
               std::string("layer_norm: expected ") + what +
                   " to have the input's dtype (" + dtypeName(input.dtype()) +
                   "), but got " + dtypeName(parameter.dtype()));
}

template <typename T>
void normalizeRows(const Rows &r, const T *x, const T *weight, const T *bias,
                   double eps, T *y, T *mean, T *rstd) {
  const int64_t n = r.columns;
  detail::parallelFor(r.rows, n * 3, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const T *in = x + row * n;
      T *out = y + row * n;
      double m = detail::sumRun(0.0, in, n) / static_cast<double>(n);
      double v = detail::squaredDeviationRun(in, n, m) / static_cast<double>(n);
      T scale = static_cast<T>(1 / std::sqrt(v + eps));
      T shift = -scale * static_cast<T>(m);
      mean[row] = static_cast<T>(m);
      rstd[row] = scale;
      if (weight) {
        for (int64_t i = 0; i < n; ++i)
          out[i] = (in[i] * scale + shift) * weight[i] + bias[i];
      } else {
        for (int64_t i = 0; i < n; ++i)
          out[i] = in[i] * scale + shift;
      }
    }
  });
}

template <typename T>
void normalizeRowsGrad(const Rows &r, const T *dy, const T *x, const T *mean,
                       const T *rstd, const T *weight, T *dx) {
  const int64_t n = r.columns;
  detail::parallelFor(r.rows, n * 4, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const T *g = dy + row * n, *in = x + row * n;
      T *out = dx + row * n;
      // With g = dy * weight: dx = rstd * g + b * x + c (PyTorch's form).
      double lanes[4] = {}, productLanes[4] = {};
      int64_t i = 0;
      for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; ++k) {
          double gk =
              static_cast<double>(weight ? g[i + k] * weight[i + k] : g[i + k]);
          lanes[k] += gk;
          productLanes[k] += gk * static_cast<double>(in[i + k]);
        }
      for (; i < n; ++i) {
        double gi = static_cast<double>(weight ? g[i] * weight[i] : g[i]);
        lanes[0] += gi;
        productLanes[0] += gi * static_cast<double>(in[i]);
      }
      double sumG = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
      double sumGX = (productLanes[0] + productLanes[1]) +
                     (productLanes[2] + productLanes[3]);
      double a = static_cast<double>(rstd[row]);
      double m = static_cast<double>(mean[row]);
      double b = (sumG * m - sumGX) * a * a * a / static_cast<double>(n);
      double c = -b * m - sumG * a / static_cast<double>(n);
      T ta = static_cast<T>(a), tb = static_cast<T>(b), tc = static_cast<T>(c);
      if (weight) {
        for (int64_t j = 0; j < n; ++j)
          out[j] = ta * g[j] * weight[j] + tb * in[j] + tc;
      } else {
        for (int64_t j = 0; j < n; ++j)
          out[j] = ta * g[j] + tb * in[j] + tc;
      }
    }
  });
}

/// The weight's and the bias's gradients: column sums of dy * xhat and dy,
/// blocks of columns accumulating whole rows (contiguous loads).
template <typename T>
void layerNormParameterGrads(const Rows &r, const T *dy, const T *x,
                             const T *mean, const T *rstd, T *dweight,
                             T *dbias) {
  constexpr int64_t kBlock = 64;
  const int64_t n = r.columns, blocks = (n + kBlock - 1) / kBlock;
  detail::parallelFor(
      blocks, r.rows * kBlock * 2, [&](int64_t begin, int64_t end) {
        double weightSums[kBlock], biasSums[kBlock];
        for (int64_t block = begin; block < end; ++block) {
          int64_t first = block * kBlock, width = std::min(kBlock, n - first);
          std::fill_n(weightSums, width, 0.0);
          std::fill_n(biasSums, width, 0.0);
          for (int64_t row = 0; row < r.rows; ++row) {
            const T *g = dy + row * n + first, *in = x + row * n + first;
            T m = mean[row], s = rstd[row];
            for (int64_t j = 0; j < width; ++j) {
              weightSums[j] += static_cast<double>(g[j] * ((in[j] - m) * s));
              biasSums[j] += static_cast<double>(g[j]);
            }
          }
          for (int64_t j = 0; j < width; ++j) {
            dweight[first + j] = static_cast<T>(weightSums[j]);
            dbias[first + j] = static_cast<T>(biasSums[j]);
          }
        }
      });
}

std::tuple<Tensor, Tensor, Tensor>
layerNormKernel(const Tensor &input, int64_t normalizedDims,
                const Tensor &weight, const Tensor &bias, double eps) {
  Rows rows = checkLayerNorm("layer_norm", input, normalizedDims);
  checkAffine("layer_norm", weight, bias);
  if (weight.defined()) {
    checkLayerNormParameter("weight", weight, input, normalizedDims);
    checkLayerNormParameter("bias", bias, input, normalizedDims);
  }
  DType dtype = input.dtype();
  Tensor x = input.contiguous();
  Tensor w = weight.defined() ? weight.contiguous() : Tensor();
  Tensor b = bias.defined() ? bias.contiguous() : Tensor();
  // Mean and rstd keep the normalized dimensions as size 1 (PyTorch's).
  Shape statsShape = input.shape();
  std::fill(statsShape.end() - normalizedDims, statsShape.end(), 1);
  Tensor y = Tensor::empty(input.shape(), dtype);
  Tensor mean = Tensor::empty(statsShape, dtype);
  Tensor rstd = Tensor::empty(statsShape, dtype);
  if (rows.columns > 0)
    dispatchDType(dtype, [&](auto zero) {
      using T = decltype(zero);
      if constexpr (std::is_floating_point_v<T>)
        normalizeRows<T>(rows, x.data<T>(), dataOrNull<T>(w), dataOrNull<T>(b),
                         eps, y.data<T>(), mean.data<T>(), rstd.data<T>());
    });
  return {y, mean, rstd};
}

std::tuple<Tensor, Tensor, Tensor>
layerNormGradKernel(const Tensor &gradOutput, const Tensor &input,
                    const Tensor &mean, const Tensor &rstd,
                    const Tensor &weight, int64_t normalizedDims) {
  Rows rows = checkLayerNorm("layer_norm_grad", input, normalizedDims);
  if (weight.defined())
    checkLayerNormParameter("weight", weight, input, normalizedDims);
  checkGradOperands("layer_norm_grad", "mean and rstd", gradOutput, input, mean,
                    rstd, rows.rows);
  DType dtype = input.dtype();
  Tensor g = gradOutput.contiguous(), x = input.contiguous();
  Tensor m = mean.contiguous(), s = rstd.contiguous();
  Tensor w = weight.defined() ? weight.contiguous() : Tensor();
  Shape normalized(input.shape().end() - normalizedDims, input.shape().end());
  Tensor dx = Tensor::empty(input.shape(), dtype);
  Tensor dweight = Tensor::empty(normalized, dtype);
  Tensor dbias = Tensor::empty(normalized, dtype);
  if (rows.columns > 0)
    dispatchDType(dtype, [&](auto zero) {
      using T = decltype(zero);
      if constexpr (std::is_floating_point_v<T>) {
        normalizeRowsGrad<T>(rows, g.data<T>(), x.data<T>(), m.data<T>(),
                             s.data<T>(), dataOrNull<T>(w), dx.data<T>());
        layerNormParameterGrads<T>(rows, g.data<T>(), x.data<T>(), m.data<T>(),
                                   s.data<T>(), dweight.data<T>(),
                                   dbias.data<T>());
      }
    });
  return {dx, dweight, dbias};
}

/// Runs a three-result kernel as one recorded op.
template <typename Kernel>
std::tuple<Tensor, Tensor, Tensor>
recordThree(const char *name, recording::Operands operands,
            recording::Attributes attributes, Kernel &&kernel) {
  recording::Scope scope;
  if (!scope.outermost())
    return kernel();
  std::tuple<Tensor, Tensor, Tensor> result;
  Tensor *results[] = {&std::get<0>(result), &std::get<1>(result),
                       &std::get<2>(result)};
  scope.run(name, std::move(attributes), operands,
            recording::Results(results, 3), [&] { result = kernel(); });
  return result;
}

} // namespace

std::tuple<Tensor, Tensor, Tensor> batchNorm(const Tensor &input,
                                             const Tensor &weight,
                                             const Tensor &bias, double eps) {
  auto kernel = [&] { return batchNormKernel(input, weight, bias, eps); };
  if (weight.defined())
    return recordThree("batch_norm", {&input, &weight, &bias}, {{"eps", eps}},
                       kernel);
  return recordThree("batch_norm", {&input}, {{"eps", eps}}, kernel);
}

std::tuple<Tensor, Tensor, Tensor>
batchNormGrad(const Tensor &gradOutput, const Tensor &input, const Tensor &mean,
              const Tensor &var, const Tensor &weight, double eps) {
  auto kernel = [&] {
    return batchNormGradKernel(gradOutput, input, mean, var, weight, eps);
  };
  if (weight.defined())
    return recordThree("batch_norm_grad",
                       {&gradOutput, &input, &mean, &var, &weight},
                       {{"eps", eps}}, kernel);
  return recordThree("batch_norm_grad", {&gradOutput, &input, &mean, &var},
                     {{"eps", eps}}, kernel);
}

std::tuple<Tensor, Tensor, Tensor> layerNorm(const Tensor &input,
                                             int64_t normalizedDims,
                                             const Tensor &weight,
                                             const Tensor &bias, double eps) {
  auto kernel = [&] {
    return layerNormKernel(input, normalizedDims, weight, bias, eps);
  };
  recording::Attributes attributes = {{"dims", normalizedDims}, {"eps", eps}};
  if (weight.defined())
    return recordThree("layer_norm", {&input, &weight, &bias},
                       std::move(attributes), kernel);
  return recordThree("layer_norm", {&input}, std::move(attributes), kernel);
}

std::tuple<Tensor, Tensor, Tensor>
layerNormGrad(const Tensor &gradOutput, const Tensor &input, const Tensor &mean,
              const Tensor &rstd, const Tensor &weight,
              int64_t normalizedDims) {
  auto kernel = [&] {
    return layerNormGradKernel(gradOutput, input, mean, rstd, weight,
                               normalizedDims);
  };
  recording::Attributes attributes = {{"dims", normalizedDims}};
  if (weight.defined())
    return recordThree("layer_norm_grad",
                       {&gradOutput, &input, &mean, &rstd, &weight},
                       std::move(attributes), kernel);
  return recordThree("layer_norm_grad", {&gradOutput, &input, &mean, &rstd},
                     std::move(attributes), kernel);
}

} // namespace ops
} // namespace terra
