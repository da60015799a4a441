//===- Reduction.cpp - Eager sums, extrema, variance and softmax ----------===//
//
// A reduction is planned once: the kept dimensions index the output and the
// reduced ones (sorted by stride and coalesced) describe the slice that each
// output element reduces. Two loop shapes cover the layouts that matter:
//  - slice-wise: each output walks its own slice, innermost run first (the
//    contiguous axis is reduced); a lone output splits its slice into a
//    fixed number of parts so that both cores work and the result does not
//    depend on the thread count;
//  - column-wise: the contiguous axis is kept (the bias gradient, a sum over
//    the batch of [N, F]), so a block of outputs accumulates whole rows and
//    the loads stay contiguous.
// Float sums accumulate in double: a float32 sum of 16M elements then
// matches a float64 reference to about 1e-7.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Ops.h"
#include "terra/Runtime/Recording.h"

#include "KernelUtils.h"
#include "Parallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace terra {
namespace ops {
namespace {

using detail::parallelFor;

//===----------------------------------------------------------------------===//
// Planning
//===----------------------------------------------------------------------===//

struct Plan {
  Shape outShape;
  Shape keptSizes, keptStrides; // Output order, size-1 dims dropped.
  Shape redSizes, redStrides;   // Innermost (smallest stride) last.
  int64_t outCount = 1, redCount = 1;
};

/// Merges dimension d into d-1 wherever d-1 steps over all of d.
void coalesce(Shape &sizes, Shape &strides) {
  for (size_t d = sizes.size(); d-- > 1;) {
    if (strides[d - 1] != strides[d] * sizes[d])
      continue;
    sizes[d - 1] *= sizes[d];
    strides[d - 1] = strides[d];
    sizes.erase(sizes.begin() + d);
    strides.erase(strides.begin() + d);
  }
}

/// Which dimensions `axes` reduces (all when empty); PyTorch's error on a
/// repeated axis.
std::vector<bool> reducedAxes(const char *op, int64_t rank,
                              const std::vector<int64_t> &axes) {
  std::vector<bool> reduced(std::max<int64_t>(rank, 1), axes.empty());
  for (int64_t axis : axes) {
    int64_t a = normalizeAxis(op, axis, rank);
    if (reduced[a])
      throwError(Error::Kind::Runtime, "dim " + std::to_string(a) +
                                           " appears multiple times in the "
                                           "list of dims");
    reduced[a] = true;
  }
  return reduced;
}

Plan makePlan(const Tensor &input, const std::vector<bool> &reduced,
              bool keepdim) {
  Plan plan;
  std::vector<std::pair<int64_t, int64_t>> red; // (stride, size)
  for (int64_t d = 0; d < input.dim(); ++d) {
    int64_t size = input.shape()[d], stride = input.strides()[d];
    if (reduced[d]) {
      plan.redCount *= size;
      if (keepdim)
        plan.outShape.push_back(1);
      if (size != 1)
        red.push_back({stride, size});
    } else {
      plan.outShape.push_back(size);
      plan.outCount *= size;
      if (size != 1) {
        plan.keptSizes.push_back(size);
        plan.keptStrides.push_back(stride);
      }
    }
  }
  // The reduction order is free: walk the smallest stride innermost.
  std::sort(red.begin(), red.end(),
            [](const auto &a, const auto &b) { return a.first > b.first; });
  for (auto [stride, size] : red) {
    plan.redSizes.push_back(size);
    plan.redStrides.push_back(stride);
  }
  coalesce(plan.keptSizes, plan.keptStrides);
  coalesce(plan.redSizes, plan.redStrides);
  return plan;
}

/// The element offset of row-major `index` over the first `rank` of
/// `sizes`/`strides`.
inline int64_t offsetOf(const Shape &sizes, const Shape &strides, size_t rank,
                        int64_t index) {
  int64_t offset = 0;
  for (size_t d = rank; d-- > 0;) {
    offset += (index % sizes[d]) * strides[d];
    index /= sizes[d];
  }
  return offset;
}

//===----------------------------------------------------------------------===//
// Accumulators
//===----------------------------------------------------------------------===//
//
// An accumulator has `Acc init()`, `Acc step(Acc, T)`, `Acc merge(Acc, Acc)`,
// `Acc run(Acc, const T *, int64_t n)` for a contiguous run, and
// `forOutput(o)`, the accumulator for output element o (var's squared
// deviations need that output's mean).

template <typename T, typename A> struct SumOp {
  using Acc = A;
  Acc init() const { return 0; }
  Acc step(Acc a, T x) const { return a + static_cast<Acc>(x); }
  Acc merge(Acc a, Acc b) const { return a + b; }
  Acc run(Acc a, const T *p, int64_t n) const {
    return detail::sumRun(a, p, n);
  }
  const SumOp &forOutput(int64_t) const { return *this; }
};

/// Sum of squared deviations from each output's mean (var's second pass).
template <typename T> struct SquaredDeviationOp {
  using Acc = double;
  const double *means;
  double mean = 0;
  Acc init() const { return 0; }
  Acc step(Acc a, T x) const {
    double d = static_cast<double>(x) - mean;
    return a + d * d;
  }
  Acc merge(Acc a, Acc b) const { return a + b; }
  Acc run(Acc a, const T *p, int64_t n) const {
    return a + detail::squaredDeviationRun(p, n, mean);
  }
  SquaredDeviationOp forOutput(int64_t o) const { return {means, means[o]}; }
};

/// amax / amin; NaN wins, as in PyTorch.
template <typename T, bool IsMax> struct ExtremumOp {
  using Acc = T;
  Acc init() const {
    if constexpr (std::is_floating_point_v<T>)
      return IsMax ? -std::numeric_limits<T>::infinity()
                   : std::numeric_limits<T>::infinity();
    else
      return IsMax ? std::numeric_limits<T>::lowest()
                   : std::numeric_limits<T>::max();
  }
  Acc step(Acc a, T x) const {
    bool better = IsMax ? x > a : x < a;
    if constexpr (std::is_floating_point_v<T>)
      better |= x != x;
    return better ? x : a;
  }
  Acc merge(Acc a, Acc b) const { return step(a, b); }
  Acc run(Acc a, const T *p, int64_t n) const {
    if constexpr (std::is_floating_point_v<T>) {
      // Branch-free select in the loop (vectorises); NaN is checked apart.
      bool nan = false;
      for (int64_t i = 0; i < n; ++i) {
        T x = p[i];
        nan |= x != x;
        a = (IsMax ? x > a : x < a) ? x : a;
      }
      return nan ? std::numeric_limits<T>::quiet_NaN() : a;
    } else {
      for (int64_t i = 0; i < n; ++i)
        a = step(a, p[i]);
      return a;
    }
  }
  const ExtremumOp &forOutput(int64_t) const { return *this; }
};

//===----------------------------------------------------------------------===//
// Loops
//===----------------------------------------------------------------------===//

/// Accumulates flat positions [begin, end) of the slice at `base`.
template <typename Op, typename T>
typename Op::Acc accumulate(const Op &op, const Plan &p, const T *base,
                            int64_t begin, int64_t end) {
  typename Op::Acc acc = op.init();
  if (p.redSizes.empty()) // Only size-1 dims are reduced: one element.
    return begin < end ? op.step(acc, *base) : acc;
  const size_t outerRank = p.redSizes.size() - 1;
  const int64_t inner = p.redSizes.back(), stride = p.redStrides.back();
  int64_t position = begin;
  int64_t innerIndex = begin % inner, outer = begin / inner;
  while (position < end) {
    int64_t length = std::min(inner - innerIndex, end - position);
    const T *run = base + offsetOf(p.redSizes, p.redStrides, outerRank, outer) +
                   innerIndex * stride;
    if (stride == 1) {
      acc = op.run(acc, run, length);
    } else {
      for (int64_t i = 0; i < length; ++i)
        acc = op.step(acc, run[i * stride]);
    }
    position += length;
    innerIndex = 0;
    ++outer;
  }
  return acc;
}

/// Flat positions per part when a lone output splits its slice.
constexpr int64_t kPartSize = 32768;

template <typename Op, typename T, typename Out, typename Finish>
void reduceSlices(const Op &op, const Plan &p, const T *in, Out *out,
                  Finish finish) {
  using Acc = typename Op::Acc;
  if (p.outCount == 1 && p.redCount >= 2 * kPartSize) {
    int64_t parts = std::min<int64_t>(64, p.redCount / kPartSize);
    std::vector<Acc> partial(parts);
    auto local = op.forOutput(0);
    parallelFor(parts, p.redCount / parts, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        partial[i] = accumulate(local, p, in, i * p.redCount / parts,
                                (i + 1) * p.redCount / parts);
    });
    Acc acc = partial[0];
    for (int64_t i = 1; i < parts; ++i)
      acc = op.merge(acc, partial[i]);
    out[0] = finish(acc);
    return;
  }
  parallelFor(p.outCount, p.redCount, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      const T *base =
          in + offsetOf(p.keptSizes, p.keptStrides, p.keptSizes.size(), o);
      out[o] = finish(accumulate(op.forOutput(o), p, base, 0, p.redCount));
    }
  });
}

/// The contiguous axis is kept: blocks of outputs accumulate whole rows.
template <typename Op, typename T, typename Out, typename Finish>
void reduceColumns(const Op &op, const Plan &p, const T *in, Out *out,
                   Finish finish) {
  using Acc = typename Op::Acc;
  using Local = std::decay_t<decltype(op.forOutput(0))>;
  constexpr int64_t kBlock = 256;
  const int64_t width = p.keptSizes.back();
  const int64_t rows = p.outCount / width;
  const int64_t blocks = (width + kBlock - 1) / kBlock;
  const size_t rowRank = p.keptSizes.size() - 1;
  parallelFor(
      rows * blocks, p.redCount * kBlock, [&](int64_t begin, int64_t end) {
        Acc acc[kBlock];
        std::vector<Local> ops(kBlock, op.forOutput(0));
        for (int64_t task = begin; task < end; ++task) {
          int64_t row = task / blocks, column = (task % blocks) * kBlock;
          int64_t n = std::min(kBlock, width - column);
          const T *rowBase =
              in + offsetOf(p.keptSizes, p.keptStrides, rowRank, row) + column;
          Out *target = out + row * width + column;
          for (int64_t j = 0; j < n; ++j) {
            acc[j] = op.init();
            ops[j] = op.forOutput(row * width + column + j);
          }
          for (int64_t r = 0; r < p.redCount; ++r) {
            const T *src = rowBase + offsetOf(p.redSizes, p.redStrides,
                                              p.redSizes.size(), r);
            for (int64_t j = 0; j < n; ++j)
              acc[j] = ops[j].step(acc[j], src[j]);
          }
          for (int64_t j = 0; j < n; ++j)
            target[j] = finish(acc[j]);
        }
      });
}

/// Reduces `in` as planned into the contiguous `out`.
template <typename Op, typename T, typename Out, typename Finish>
void runReduction(const Op &op, const Plan &p, const T *in, Out *out,
                  Finish finish) {
  if (p.outCount == 0)
    return;
  if (p.redCount == 0) {
    std::fill_n(out, p.outCount, finish(op.init()));
    return;
  }
  bool columns = !p.redSizes.empty() && !p.keptSizes.empty() &&
                 p.keptStrides.back() == 1 && p.keptSizes.back() >= 16 &&
                 p.redStrides.back() != 1;
  if (columns)
    reduceColumns(op, p, in, out, finish);
  else
    reduceSlices(op, p, in, out, finish);
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

Tensor extremum(const char *name, bool isMax, const Tensor &input,
                const std::vector<int64_t> &axes, bool keepdim) {
  detail::requireDefined(name, input);
  std::vector<bool> reduced = reducedAxes(name, input.dim(), axes);
  if (input.numel() == 0) {
    if (axes.empty())
      throwError(Error::Kind::Runtime,
                 std::string(name) +
                     "(): Expected reduction dim to be specified for "
                     "input.numel() == 0. Specify the reduction dim with the "
                     "'dim' argument.");
    for (int64_t d = 0; d < input.dim(); ++d)
      if (reduced[d] && input.shape()[d] == 0)
        throwError(Error::Kind::Index,
                   std::string(name) + "(): Expected reduction dim " +
                       std::to_string(d) + " to have non-zero size.");
  }
  Plan plan = makePlan(input, reduced, keepdim);
  Tensor result = Tensor::empty(plan.outShape, input.dtype());
  dispatchDType(input.dtype(), [&](auto zero) {
    using T = decltype(zero);
    auto identity = [](T a) { return a; };
    if (isMax)
      runReduction(ExtremumOp<T, true>{}, plan, input.data<T>(),
                   result.data<T>(), identity);
    else
      runReduction(ExtremumOp<T, false>{}, plan, input.data<T>(),
                   result.data<T>(), identity);
  });
  return result;
}

Tensor argExtremum(const char *name, bool isMax, const Tensor &input,
                   std::optional<int64_t> axis, bool keepdim) {
  detail::requireDefined(name, input);
  if (input.dtype() == DType::Bool)
    detail::throwNotImplementedFor(isMax ? "argmax_cpu" : "argmin_cpu",
                                   DType::Bool);
  Tensor source = input;
  Shape outShape;
  if (!axis) {
    if (input.numel() == 0)
      throwError(Error::Kind::Index, std::string(name) +
                                         "(): Expected reduction dim to be "
                                         "specified for input.numel() == 0.");
    source = input.reshape({-1});
    if (keepdim)
      outShape.assign(input.dim(), 1);
  } else {
    int64_t a = normalizeAxis(name, *axis, input.dim());
    if (input.dim() == 0) {
      source = input.reshape({1});
    } else {
      if (input.shape()[a] == 0)
        throwError(Error::Kind::Index,
                   std::string(name) + "(): Expected reduction dim " +
                       std::to_string(a) + " to have non-zero size.");
      outShape = input.shape();
      if (keepdim)
        outShape[a] = 1;
      else
        outShape.erase(outShape.begin() + a);
      if (a != source.dim() - 1) {
        // Move the reduced axis last, keeping the others in order (the
        // results are laid out in that order).
        std::vector<int64_t> order;
        for (int64_t d = 0; d < source.dim(); ++d)
          if (d != a)
            order.push_back(d);
        order.push_back(a);
        source = source.permute(order);
      }
    }
  }
  std::vector<bool> reduced(source.dim(), false);
  reduced.back() = true;
  Plan plan = makePlan(source, reduced, false);
  const int64_t n = source.shape().back(), stride = source.strides().back();
  Tensor result = Tensor::empty(outShape, DType::Int64);
  int64_t *out = result.data<int64_t>();
  dispatchDType(source.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T *in = source.data<T>();
    parallelFor(plan.outCount, n, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) {
        const T *base = in + offsetOf(plan.keptSizes, plan.keptStrides,
                                      plan.keptSizes.size(), o);
        T best = base[0];
        int64_t index = 0;
        for (int64_t i = 1; i < n && best == best; ++i) {
          T x = base[i * stride];
          // The first extremum wins; the first NaN beats everything.
          if ((isMax ? x > best : x < best) || x != x) {
            best = x;
            index = i;
          }
        }
        out[o] = index;
      }
    });
  });
  return result;
}

} // namespace

static Tensor sumKernel(const Tensor &input, const std::vector<int64_t> &axes,
                        bool keepdim) {
  detail::requireDefined("sum", input);
  Plan plan = makePlan(input, reducedAxes("sum", input.dim(), axes), keepdim);
  DType outType = isFloating(input.dtype()) ? input.dtype() : DType::Int64;
  Tensor result = Tensor::empty(plan.outShape, outType);
  dispatchDType(input.dtype(), [&](auto zero) {
    using T = decltype(zero);
    constexpr bool floating = std::is_floating_point_v<T>;
    using Acc = std::conditional_t<floating, double, int64_t>;
    using Out = std::conditional_t<floating, T, int64_t>;
    runReduction(SumOp<T, Acc>{}, plan, input.data<T>(), result.data<Out>(),
                 [](Acc a) { return static_cast<Out>(a); });
  });
  return result;
}

static Tensor meanKernel(const Tensor &input, const std::vector<int64_t> &axes,
                         bool keepdim) {
  detail::requireDefined("mean", input);
  if (!isFloating(input.dtype()))
    throwError(Error::Kind::Runtime,
               std::string("mean(): could not infer output dtype. Input dtype "
                           "must be either a floating point or complex dtype. "
                           "Got: ") +
                   detail::scalarTypeName(input.dtype()));
  Plan plan = makePlan(input, reducedAxes("mean", input.dim(), axes), keepdim);
  Tensor result = Tensor::empty(plan.outShape, input.dtype());
  const double count = static_cast<double>(plan.redCount);
  dispatchDType(input.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>)
      runReduction(SumOp<T, double>{}, plan, input.data<T>(), result.data<T>(),
                   [count](double a) { return static_cast<T>(a / count); });
  });
  return result;
}

static Tensor amaxKernel(const Tensor &input, const std::vector<int64_t> &axes,
                         bool keepdim) {
  return extremum("amax", true, input, axes, keepdim);
}

static Tensor aminKernel(const Tensor &input, const std::vector<int64_t> &axes,
                         bool keepdim) {
  return extremum("amin", false, input, axes, keepdim);
}

static Tensor argmaxKernel(const Tensor &input, std::optional<int64_t> axis,
                           bool keepdim) {
  return argExtremum("argmax", true, input, axis, keepdim);
}

static Tensor argminKernel(const Tensor &input, std::optional<int64_t> axis,
                           bool keepdim) {
  return argExtremum("argmin", false, input, axis, keepdim);
}

static Tensor varKernel(const Tensor &input, const std::vector<int64_t> &axes,
                        int64_t correction, bool keepdim) {
  detail::requireDefined("var", input);
  if (!isFloating(input.dtype()))
    throwError(Error::Kind::Runtime,
               "std and var only support floating point and complex dtypes");
  Plan plan = makePlan(input, reducedAxes("var", input.dim(), axes), keepdim);
  Tensor result = Tensor::empty(plan.outShape, input.dtype());
  const double count = static_cast<double>(plan.redCount);
  // Two passes (mean, then squared deviations) for accuracy; a zero or
  // negative divisor gives inf or NaN as in PyTorch.
  const double divisor =
      std::max<double>(0, count - static_cast<double>(correction));
  dispatchDType(input.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>) {
      std::vector<double> means(plan.outCount);
      runReduction(SumOp<T, double>{}, plan, input.data<T>(), means.data(),
                   [count](double a) { return a / count; });
      runReduction(SquaredDeviationOp<T>{means.data()}, plan, input.data<T>(),
                   result.data<T>(),
                   [divisor](double a) { return static_cast<T>(a / divisor); });
    }
  });
  return result;
}

//===----------------------------------------------------------------------===//
// The ops as programs call them: the kernel, announced to the tracer
//===----------------------------------------------------------------------===//

namespace {

recording::Attributes reductionAttributes(const std::vector<int64_t> &axes,
                                          bool keepdim) {
  return {{"axes", axes}, {"keepdim", keepdim}};
}

recording::Attributes argAttributes(std::optional<int64_t> axis, bool keepdim) {
  recording::Attributes attributes;
  if (axis)
    attributes.push_back({"axis", *axis});
  attributes.push_back({"keepdim", keepdim});
  return attributes;
}

} // namespace

Tensor sum(const Tensor &input, const std::vector<int64_t> &axes,
           bool keepdim) {
  recording::Scope scope;
  return scope.op(
      "sum", {&input}, [&] { return sumKernel(input, axes, keepdim); },
      [&] { return reductionAttributes(axes, keepdim); });
}

Tensor mean(const Tensor &input, const std::vector<int64_t> &axes,
            bool keepdim) {
  recording::Scope scope;
  return scope.op(
      "mean", {&input}, [&] { return meanKernel(input, axes, keepdim); },
      [&] { return reductionAttributes(axes, keepdim); });
}

Tensor amax(const Tensor &input, const std::vector<int64_t> &axes,
            bool keepdim) {
  recording::Scope scope;
  return scope.op(
      "amax", {&input}, [&] { return amaxKernel(input, axes, keepdim); },
      [&] { return reductionAttributes(axes, keepdim); });
}

Tensor amin(const Tensor &input, const std::vector<int64_t> &axes,
            bool keepdim) {
  recording::Scope scope;
  return scope.op(
      "amin", {&input}, [&] { return aminKernel(input, axes, keepdim); },
      [&] { return reductionAttributes(axes, keepdim); });
}

Tensor argmax(const Tensor &input, std::optional<int64_t> axis, bool keepdim) {
  recording::Scope scope;
  return scope.op(
      "argmax", {&input}, [&] { return argmaxKernel(input, axis, keepdim); },
      [&] { return argAttributes(axis, keepdim); });
}

Tensor argmin(const Tensor &input, std::optional<int64_t> axis, bool keepdim) {
  recording::Scope scope;
  return scope.op(
      "argmin", {&input}, [&] { return argminKernel(input, axis, keepdim); },
      [&] { return argAttributes(axis, keepdim); });
}

Tensor var(const Tensor &input, const std::vector<int64_t> &axes,
           int64_t correction, bool keepdim) {
  recording::Scope scope;
  return scope.op(
      "var", {&input},
      [&] { return varKernel(input, axes, correction, keepdim); },
      [&] {
        recording::Attributes attributes = reductionAttributes(axes, keepdim);
        attributes.push_back({"correction", correction});
        return attributes;
      });
}

} // namespace ops
} // namespace terra
