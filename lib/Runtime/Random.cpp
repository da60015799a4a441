//===- Random.cpp - Eager terra.random_uniform / _normal / _bernoulli -----===//
//
// Element i is a pure function of (key, counter + i), so the draws can be
// split across threads freely. The arithmetic mirrors the lowering step by
// step, in the result's own float type (RandomPatterns.cpp): separate
// multiply and add, no fused multiply-add, so that uniform and bernoulli
// draws are bit-identical to compiled code; normal draws differ at most by
// the last-ulp differences of log/cos between libm and the compiled math.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Ops.h"
#include "terra/Runtime/Recording.h"

#include "KernelUtils.h"
#include "Parallel.h"
#include "Philox.h"

#include <cmath>
#include <string>
#include <type_traits>

// The lowering emits separate mulf and addf; keep them separate here too.
#pragma clang fp contract(off)

namespace terra {
namespace ops {
namespace {

/// Philox rounds and a few flops per element.
constexpr int64_t kCostPerElement = 64;

/// `(word >> 8) * 2^-24`, plus `offset` ulps of 2^-24, in T.
template <typename T> inline T unitFloat(uint32_t word, uint32_t offset = 0) {
  T bits = static_cast<T>((word >> 8) + offset);
  return bits * static_cast<T>(0x1p-24);
}

void requireFloat(const char *op, DType dtype) {
  if (!isFloating(dtype))
    throwError(Error::Kind::Runtime,
               std::string(op) +
                   ": random numbers need a floating point dtype, got " +
                   dtypeName(dtype));
}

/// Fills `result` with `draw(words)` for each element, in parallel.
template <typename T, typename Draw>
void fill(Tensor &result, uint64_t key, uint64_t counter, Draw draw) {
  T *out = result.data<T>();
  detail::parallelFor(result.numel(), kCostPerElement,
                      [&](int64_t begin, int64_t end) {
                        for (int64_t i = begin; i < end; ++i)
                          out[i] = draw(detail::philoxAt(key, counter, i), i);
                      });
}

} // namespace

static Tensor randomUniformKernel(const Shape &shape, DType dtype, uint64_t key,
                                  uint64_t counter, double low, double high) {
  requireFloat("random_uniform", dtype);
  Tensor result = Tensor::empty(shape, dtype);
  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>) {
      const T range = static_cast<T>(high - low), base = static_cast<T>(low);
      fill<T>(result, key, counter, [=](const auto &w, int64_t) {
        T scaled = unitFloat<T>(w[0]) * range;
        return scaled + base;
      });
    }
  });
  return result;
}

static Tensor randomNormalKernel(const Shape &shape, DType dtype, uint64_t key,
                                 uint64_t counter, double mean, double std) {
  requireFloat("random_normal", dtype);
  Tensor result = Tensor::empty(shape, dtype);
  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>) {
      const T scale = static_cast<T>(std), shift = static_cast<T>(mean);
      const T twoPi = static_cast<T>(2.0 * M_PI);
      fill<T>(result, key, counter, [=](const auto &w, int64_t) {
        // Box-Muller; u1 in (0, 1] keeps log(u1) finite.
        T u1 = unitFloat<T>(w[0], 1), u2 = unitFloat<T>(w[1]);
        T radius = std::sqrt(T(-2) * std::log(u1));
        T angle = twoPi * u2;
        T normal = radius * std::cos(angle);
        T scaled = normal * scale;
        return scaled + shift;
      });
    }
  });
  return result;
}

static Tensor randomBernoulliKernel(const Tensor &probabilities, uint64_t key,
                                    uint64_t counter) {
  detail::requireDefined("random_bernoulli", probabilities);
  requireFloat("random_bernoulli", probabilities.dtype());
  Tensor probs = probabilities.contiguous();
  Tensor result = Tensor::empty(probs.shape(), probs.dtype());
  dispatchDType(probs.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>) {
      const T *p = probs.data<T>();
      fill<T>(result, key, counter, [=](const auto &w, int64_t i) {
        return unitFloat<T>(w[0]) < p[i] ? T(1) : T(0);
      });
    }
  });
  return result;
}

//===----------------------------------------------------------------------===//
// The ops as programs call them: the kernel, announced to the tracer
//===----------------------------------------------------------------------===//

namespace {

/// The key and counter as 0-d int64 operands (the dialect's form), tagged
/// as constants: the tracer demotes the counter to an input when it varies.
struct KeyCounter {
  Tensor key, counter;
  KeyCounter(uint64_t keyValue, uint64_t counterValue)
      : key(scalarOperand(keyValue)), counter(scalarOperand(counterValue)) {}
  static Tensor scalarOperand(uint64_t value) {
    Tensor result = Tensor::empty({}, DType::Int64);
    *result.data<int64_t>() = static_cast<int64_t>(value);
    result.traceTag().kind = TraceTag::Kind::Constant;
    return result;
  }
};

/// Runs `kernel` as `name(probabilities?, key, counter)`, announced.
template <typename Kernel, typename AttributesFn>
Tensor announce(recording::Scope &scope, const char *name, Kernel &&kernel,
                const Tensor *probabilities, uint64_t key, uint64_t counter,
                AttributesFn attributes) {
  if (!scope.outermost())
    return kernel();
  KeyCounter operands(key, counter);
  std::vector<const Tensor *> list;
  if (probabilities)
    list.push_back(probabilities);
  list.push_back(&operands.key);
  list.push_back(&operands.counter);
  return scope.op(name, list, std::forward<Kernel>(kernel), attributes);
}

} // namespace

Tensor randomUniform(const Shape &shape, DType dtype, uint64_t key,
                     uint64_t counter, double low, double high) {
  recording::Scope scope;
  return announce(
      scope, "random_uniform",
      [&] {
        return randomUniformKernel(shape, dtype, key, counter, low, high);
      },
      nullptr, key, counter,
      [&] {
        return recording::Attributes{{"shape", shape},
                                     {"dtype", static_cast<int64_t>(dtype)},
                                     {"low", low},
                                     {"high", high}};
      });
}

Tensor randomNormal(const Shape &shape, DType dtype, uint64_t key,
                    uint64_t counter, double mean, double std) {
  recording::Scope scope;
  return announce(
      scope, "random_normal",
      [&] { return randomNormalKernel(shape, dtype, key, counter, mean, std); },
      nullptr, key, counter,
      [&] {
        return recording::Attributes{{"shape", shape},
                                     {"dtype", static_cast<int64_t>(dtype)},
                                     {"mean", mean},
                                     {"std", std}};
      });
}

Tensor randomBernoulli(const Tensor &probabilities, uint64_t key,
                       uint64_t counter) {
  recording::Scope scope;
  return announce(
      scope, "random_bernoulli",
      [&] { return randomBernoulliKernel(probabilities, key, counter); },
      &probabilities, key, counter, [] { return recording::Attributes(); });
}

} // namespace ops
} // namespace terra
