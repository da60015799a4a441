//===- Elementwise.cpp - Eager unary, binary and comparison kernels -------===//

#include "terra/Runtime/Ops.h"
#include "terra/Runtime/Recording.h"

#include "Iteration.h"
#include "KernelUtils.h"

#include <cmath>
#include <cstring>
#include <string>

#include <xmmintrin.h>

namespace terra {
namespace ops {
using detail::requireDefined;

namespace {

enum class Category { Bool, Integer, Floating };

Category categoryOf(DType dtype) {
  if (dtype == DType::Bool)
    return Category::Bool;
  return isFloating(dtype) ? Category::Floating : Category::Integer;
}

/// PyTorch's result type for two operands: a zero-dimensional operand only
/// decides the type when it is of a higher category (bool < integer <
/// floating) than the dimensioned one.
DType resultType(const Tensor &lhs, const Tensor &rhs) {
  bool lhsScalar = lhs.dim() == 0, rhsScalar = rhs.dim() == 0;
  if (lhsScalar == rhsScalar)
    return promoteTypes(lhs.dtype(), rhs.dtype());
  const Tensor &dimensioned = lhsScalar ? rhs : lhs;
  const Tensor &scalar = lhsScalar ? lhs : rhs;
  if (categoryOf(scalar.dtype()) > categoryOf(dimensioned.dtype()))
    return scalar.dtype();
  return dimensioned.dtype();
}

template <typename T> T applyUnary(UnaryOp op, T x) {
  switch (op) {
  case UnaryOp::Neg:
    return -x;
  case UnaryOp::Abs:
    if constexpr (std::is_floating_point_v<T>)
      return std::fabs(x);
    else
      return x < 0 ? -x : x;
  case UnaryOp::Relu:
    // NaN propagates, as in torch.relu.
    return x < T(0) ? T(0) : x;
  case UnaryOp::LogicalNot:
    return !x;
  default:
    break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
    case UnaryOp::Exp:
      return std::exp(x);
    case UnaryOp::Log:
      return std::log(x);
    case UnaryOp::Sqrt:
      return std::sqrt(x);
    case UnaryOp::Rsqrt:
      return T(1) / std::sqrt(x);
    case UnaryOp::Tanh:
      return std::tanh(x);
    case UnaryOp::Sigmoid:
      return T(1) / (T(1) + std::exp(-x));
    case UnaryOp::Gelu:
      return T(0.5) * x * (T(1) + std::erf(x * T(M_SQRT1_2)));
    case UnaryOp::GeluTanh: {
      const T k = T(0.7978845608028654); // sqrt(2 / pi)
      return T(0.5) * x * (T(1) + std::tanh(k * (x + T(0.044715) * x * x * x)));
    }
    case UnaryOp::Erf:
      return std::erf(x);
    case UnaryOp::Sin:
      return std::sin(x);
    case UnaryOp::Cos:
      return std::cos(x);
    default:
      break;
    }
  }
  return x;
}

const char *unaryName(UnaryOp op) {
  switch (op) {
  case UnaryOp::Neg:
    return "neg";
  case UnaryOp::Abs:
    return "abs";
  case UnaryOp::Exp:
    return "exp";
  case UnaryOp::Log:
    return "log";
  case UnaryOp::Sqrt:
    return "sqrt";
  case UnaryOp::Rsqrt:
    return "rsqrt";
  case UnaryOp::Tanh:
    return "tanh";
  case UnaryOp::Sigmoid:
    return "sigmoid";
  case UnaryOp::Relu:
    return "relu";
  case UnaryOp::Gelu:
  case UnaryOp::GeluTanh:
    return "gelu";
  case UnaryOp::Erf:
    return "erf";
  case UnaryOp::Sin:
    return "sin";
  case UnaryOp::Cos:
    return "cos";
  case UnaryOp::LogicalNot:
    return "logical_not";
  }
  return "?";
}

const char *binaryName(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add:
    return "add";
  case BinaryOp::Sub:
    return "sub";
  case BinaryOp::Mul:
    return "mul";
  case BinaryOp::Div:
    return "div";
  case BinaryOp::Pow:
    return "pow";
  case BinaryOp::Maximum:
    return "maximum";
  case BinaryOp::Minimum:
    return "minimum";
  }
  return "?";
}

template <typename T> T integerPow(T base, T exponent) {
  if (exponent < 0) {
    // PyTorch: integers to negative integer powers are an error, except
    // for bases 1 and -1.
    if (base == 1)
      return 1;
    if (base == -1)
      return (exponent % 2) ? -1 : 1;
    throwError(Error::Kind::Runtime,
               "Integers to negative integer powers are not allowed.");
  }
  T result = 1;
  while (exponent) {
    if (exponent & 1)
      result *= base;
    base *= base;
    exponent >>= 1;
  }
  return result;
}

template <typename T> T applyBinary(BinaryOp op, T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Maximum:
      return a || b;
    case BinaryOp::Mul:
    case BinaryOp::Minimum:
      return a && b;
    default:
      return a;
    }
  } else {
    switch (op) {
    case BinaryOp::Add:
      return a + b;
    case BinaryOp::Sub:
      return a - b;
    case BinaryOp::Mul:
      return a * b;
    case BinaryOp::Div:
      return a / b;
    case BinaryOp::Pow:
      if constexpr (std::is_floating_point_v<T>)
        return std::pow(a, b);
      else
        return integerPow(a, b);
    case BinaryOp::Maximum:
      if constexpr (std::is_floating_point_v<T>)
        if (std::isnan(a) || std::isnan(b))
          return a + b; // NaN, as torch.maximum propagates it.
      return a > b ? a : b;
    case BinaryOp::Minimum:
      if constexpr (std::is_floating_point_v<T>)
        if (std::isnan(a) || std::isnan(b))
          return a + b;
      return a < b ? a : b;
    }
    return a;
  }
}

template <typename T> bool applyCompare(CompareOp op, T a, T b) {
  switch (op) {
  case CompareOp::Eq:
    return a == b;
  case CompareOp::Ne:
    return a != b;
  case CompareOp::Lt:
    return a < b;
  case CompareOp::Le:
    return a <= b;
  case CompareOp::Gt:
    return a > b;
  case CompareOp::Ge:
    return a >= b;
  }
  return false;
}

/// Calls `fn` with `value` as a compile-time constant (std::integral_constant),
/// so that kernels switch on the op once, outside their loops.
template <typename Enum, Enum... Values, typename Fn>
void withConstant(Enum value, Fn &&fn) {
  ((value == Values ? (fn(std::integral_constant<Enum, Values>{}), true)
                    : false) ||
   ...);
}

template <typename Fn> void dispatchUnary(UnaryOp op, Fn &&fn) {
  using U = UnaryOp;
  withConstant<U, U::Neg, U::Abs, U::Exp, U::Log, U::Sqrt, U::Rsqrt, U::Tanh,
               U::Sigmoid, U::Relu, U::Gelu, U::GeluTanh, U::Erf, U::Sin,
               U::Cos, U::LogicalNot>(op, fn);
}

template <typename Fn> void dispatchBinary(BinaryOp op, Fn &&fn) {
  using B = BinaryOp;
  withConstant<B, B::Add, B::Sub, B::Mul, B::Div, B::Pow, B::Maximum,
               B::Minimum>(op, fn);
}

template <typename Fn> void dispatchCompare(CompareOp op, Fn &&fn) {
  using C = CompareOp;
  withConstant<C, C::Eq, C::Ne, C::Lt, C::Le, C::Gt, C::Ge>(op, fn);
}

/// Runs `fn(out, a, b)` over `out`'s shape with `a` and `b` broadcast, all
/// three of the C++ types given.
template <typename Out, typename In, typename Fn>
void mapBinary(Tensor &out, const Tensor &a, const Tensor &b, Fn fn) {
  detail::forEachElement(
      out.shape(),
      {out.strides(), detail::broadcastStrides(a, out.shape()),
       detail::broadcastStrides(b, out.shape())},
      {static_cast<char *>(out.data()), static_cast<char *>(a.data()),
       static_cast<char *>(b.data())},
      {sizeof(Out), sizeof(In), sizeof(In)},
      [&](char **p, int64_t count, const int64_t *s) {
        char *o = p[0];
        const char *x = p[1], *y = p[2];
        if constexpr (std::is_same_v<Out, In>) {
          if (o == x && s[0] == sizeof(Out) && s[1] == sizeof(In) &&
              (s[2] == sizeof(In) || s[2] == 0)) {
            // In place (out is x): written so the vectoriser does not see
            // out and x as two overlapping arrays.
            Out *optr = reinterpret_cast<Out *>(o);
            const In *yptr = reinterpret_cast<const In *>(y);
            if (s[2] == 0) {
              const In scalar = *yptr;
              for (int64_t i = 0; i < count; ++i)
                optr[i] = fn(optr[i], scalar);
            } else {
              for (int64_t i = 0; i < count; ++i)
                optr[i] = fn(optr[i], yptr[i]);
            }
            return;
          }
        }
        if (s[0] == sizeof(Out) && s[1] == sizeof(In) && s[2] == sizeof(In)) {
          // Contiguous run: a loop the compiler vectorises.
          Out *optr = reinterpret_cast<Out *>(o);
          const In *xptr = reinterpret_cast<const In *>(x);
          const In *yptr = reinterpret_cast<const In *>(y);
          for (int64_t i = 0; i < count; ++i)
            optr[i] = fn(xptr[i], yptr[i]);
          return;
        }
        if (s[0] == sizeof(Out) && s[1] == sizeof(In) && s[2] == 0) {
          // Tensor op scalar (x * 0.9, momentum updates): also vectorised.
          Out *optr = reinterpret_cast<Out *>(o);
          const In *xptr = reinterpret_cast<const In *>(x);
          const In scalar = *reinterpret_cast<const In *>(y);
          for (int64_t i = 0; i < count; ++i)
            optr[i] = fn(xptr[i], scalar);
          return;
        }
        if (s[0] == sizeof(Out) && s[1] == 0 && s[2] == sizeof(In)) {
          Out *optr = reinterpret_cast<Out *>(o);
          const In scalar = *reinterpret_cast<const In *>(x);
          const In *yptr = reinterpret_cast<const In *>(y);
          for (int64_t i = 0; i < count; ++i)
            optr[i] = fn(scalar, yptr[i]);
          return;
        }
        for (int64_t i = 0; i < count; ++i)
          *reinterpret_cast<Out *>(o + i * s[0]) =
              fn(*reinterpret_cast<const In *>(x + i * s[1]),
                 *reinterpret_cast<const In *>(y + i * s[2]));
      });
}

} // namespace

// libmvec's erff, four lanes at a time (glibc >= 2.35). Clang's vectoriser
// maps exp, log and the like to libmvec but not erf: GELU's scalar erff
// calls were 7% of a BERT training step.
extern "C" __m128 _ZGVbN4v_erff(__m128 x);

namespace {

/// erf (or exact GELU, x / 2 * (1 + erf(x / sqrt 2))) over contiguous
/// floats through the vector erff; a partial last group is padded, so
/// every element goes through the same function.
void erfFloats(const float *in, float *out, int64_t count, bool gelu) {
  int64_t groups = (count + 3) / 4;
  detail::parallelFor(groups, 64, [&](int64_t begin, int64_t end) {
    for (int64_t group = begin; group < end; ++group) {
      int64_t first = 4 * group, lanes = std::min<int64_t>(4, count - first);
      alignas(16) float x[4] = {0, 0, 0, 0}, r[4];
      std::memcpy(x, in + first, lanes * sizeof(float));
      __m128 v = _mm_load_ps(x);
      __m128 e = _ZGVbN4v_erff(
          gelu ? _mm_mul_ps(v, _mm_set1_ps(float(M_SQRT1_2))) : v);
      if (gelu)
        e = _mm_mul_ps(_mm_mul_ps(_mm_set1_ps(0.5f), v),
                       _mm_add_ps(_mm_set1_ps(1.0f), e));
      _mm_store_ps(r, e);
      std::memcpy(out + first, r, lanes * sizeof(float));
    }
  });
}

} // namespace

static Tensor unaryKernel(UnaryOp op, const Tensor &input) {
  requireDefined(unaryName(op), input);
  DType dtype = input.dtype();
  if (op == UnaryOp::LogicalNot) {
    Tensor condition =
        input.dtype() == DType::Bool
            ? input
            : compare(CompareOp::Ne, input, Tensor::full({}, input.dtype(), 0));
    Tensor result = Tensor::empty(input.shape(), DType::Bool);
    mapBinary<bool, bool>(result, condition, condition,
                          [](bool a, bool) { return !a; });
    return result;
  }
  if (dtype == DType::Bool && (op == UnaryOp::Neg || op == UnaryOp::Abs))
    throwError(Error::Kind::Runtime,
               op == UnaryOp::Neg
                   ? "Negation, the `-` operator, on a bool tensor is not "
                     "supported. If you are trying to invert a mask, use the "
                     "`~` or `logical_not()` operator instead."
                   : "abs: not implemented for 'Bool'");
  bool floatOnly =
      op != UnaryOp::Neg && op != UnaryOp::Abs && op != UnaryOp::Relu;
  Tensor source = input;
  if (floatOnly && !isFloating(dtype)) {
    dtype = DType::Float32;
    source = input.to(dtype);
  }
  Tensor result = Tensor::empty(input.shape(), dtype);
  if (dtype == DType::Float32 && (op == UnaryOp::Erf || op == UnaryOp::Gelu) &&
      source.isContiguous()) {
    erfFloats(source.data<float>(), result.data<float>(), source.numel(),
              op == UnaryOp::Gelu);
    return result;
  }
  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    dispatchUnary(op, [&](auto constant) {
      mapBinary<T, T>(result, source, source, [](T a, T) {
        return applyUnary(decltype(constant)::value, a);
      });
    });
  });
  return result;
}

namespace {

/// The dtype `op` computes in for these operands, after PyTorch's checks.
DType binaryResultType(BinaryOp op, const Tensor &lhs, const Tensor &rhs) {
  const char *name = binaryName(op);
  requireDefined(name, lhs);
  requireDefined(name, rhs);
  DType dtype = resultType(lhs, rhs);
  if (op == BinaryOp::Sub &&
      (lhs.dtype() == DType::Bool || rhs.dtype() == DType::Bool))
    throwError(Error::Kind::Runtime,
               lhs.dtype() == rhs.dtype()
                   ? "Subtraction, the `-` operator, with two bool tensors is "
                     "not supported. Use the `^` or `logical_xor()` operator "
                     "instead."
                   : "Subtraction, the `-` operator, with a bool tensor is not "
                     "supported. If you are trying to invert a mask, use the "
                     "`~` or `logical_not()` operator instead.");
  if (op == BinaryOp::Div && !isFloating(dtype))
    dtype = DType::Float32; // True division, as torch.div.
  if (op == BinaryOp::Pow && dtype == DType::Bool)
    dtype = DType::Int64;
  return dtype;
}

/// Exponents that PyTorch's CPU kernel computes without pow() (a call
/// per element, about 30 times slower than a multiply): `x ** 2` in a
/// hand-written variance took 5.8 ms on a 1M-element tensor.
enum class PowExponent {
  Other,
  One,
  Two,
  Three,
  Half,
  MinusHalf,
  MinusOne,
  MinusTwo
};

PowExponent powExponent(double exponent) {
  if (exponent == 1)
    return PowExponent::One;
  if (exponent == 2)
    return PowExponent::Two;
  if (exponent == 3)
    return PowExponent::Three;
  if (exponent == 0.5)
    return PowExponent::Half;
  if (exponent == -0.5)
    return PowExponent::MinusHalf;
  if (exponent == -1)
    return PowExponent::MinusOne;
  if (exponent == -2)
    return PowExponent::MinusTwo;
  return PowExponent::Other;
}

template <PowExponent E, typename T> T powBy(T x) {
  if constexpr (E == PowExponent::One)
    return x;
  else if constexpr (E == PowExponent::Two)
    return x * x;
  else if constexpr (E == PowExponent::Three)
    return x * x * x;
  else if constexpr (E == PowExponent::Half)
    return std::sqrt(x);
  else if constexpr (E == PowExponent::MinusHalf)
    return T(1) / std::sqrt(x);
  else if constexpr (E == PowExponent::MinusOne)
    return T(1) / x;
  else
    return T(1) / (x * x);
}

/// `a ** b` for a floating `out` and a one-element `b` of a special value;
/// false (nothing written) for any other exponent.
bool powByScalarInto(Tensor &out, const Tensor &a, const Tensor &b) {
  if (!isFloating(out.dtype()) || b.numel() != 1)
    return false;
  PowExponent exponent = powExponent(b.elementAsDouble(0));
  if (exponent == PowExponent::Other)
    return false;
  using P = PowExponent;
  dispatchDType(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_floating_point_v<T>)
      withConstant<P, P::One, P::Two, P::Three, P::Half, P::MinusHalf,
                   P::MinusOne, P::MinusTwo>(exponent, [&](auto constant) {
        mapBinary<T, T>(out, a, b, [](T x, T) {
          return powBy<decltype(constant)::value>(x);
        });
      });
  });
  return true;
}

/// Writes `op(a, b)` into `out`; all three have `out`'s dtype, `a` and `b`
/// broadcast to its shape. `out` may alias `a` (in-place ops).
void binaryInto(BinaryOp op, Tensor &out, const Tensor &a, const Tensor &b) {
  if (op == BinaryOp::Pow && powByScalarInto(out, a, b))
    return;
  dispatchDType(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    dispatchBinary(op, [&](auto constant) {
      mapBinary<T, T>(out, a, b, [](T x, T y) {
        return applyBinary(decltype(constant)::value, x, y);
      });
    });
  });
}

} // namespace

static Tensor binaryKernel(BinaryOp op, const Tensor &lhs, const Tensor &rhs) {
  DType dtype = binaryResultType(op, lhs, rhs);
  Shape shape = broadcastShapes(binaryName(op), lhs.shape(), rhs.shape());
  Tensor result = Tensor::empty(shape, dtype);
  binaryInto(op, result, lhs.to(dtype), rhs.to(dtype));
  return result;
}

static Tensor compareKernel(CompareOp op, const Tensor &lhs,
                            const Tensor &rhs) {
  requireDefined("compare", lhs);
  requireDefined("compare", rhs);
  DType dtype = resultType(lhs, rhs);
  Shape shape = broadcastShapes("compare", lhs.shape(), rhs.shape());
  Tensor a = lhs.to(dtype), b = rhs.to(dtype);
  Tensor result = Tensor::empty(shape, DType::Bool);
  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    dispatchCompare(op, [&](auto constant) {
      mapBinary<bool, T>(result, a, b, [](T x, T y) {
        return applyCompare(decltype(constant)::value, x, y);
      });
    });
  });
  return result;
}

static Tensor whereKernel(const Tensor &condition, const Tensor &x,
                          const Tensor &y) {
  requireDefined("where", condition);
  if (condition.dtype() != DType::Bool)
    throwError(Error::Kind::Runtime,
               std::string("where expected condition to be a boolean tensor, "
                           "but got a tensor with dtype ") +
                   dtypeName(condition.dtype()));
  DType dtype = resultType(x, y);
  Shape shape = broadcastShapes(
      "where", broadcastShapes("where", condition.shape(), x.shape()),
      y.shape());
  Tensor a = x.to(dtype), b = y.to(dtype);
  Tensor result = Tensor::empty(shape, dtype);
  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    detail::forEachElement(
        shape,
        {result.strides(), detail::broadcastStrides(condition, shape),
         detail::broadcastStrides(a, shape),
         detail::broadcastStrides(b, shape)},
        {static_cast<char *>(result.data()),
         static_cast<char *>(condition.data()), static_cast<char *>(a.data()),
         static_cast<char *>(b.data())},
        {sizeof(T), sizeof(bool), sizeof(T), sizeof(T)},
        [](char **p, int64_t count, const int64_t *s) {
          for (int64_t i = 0; i < count; ++i)
            *reinterpret_cast<T *>(p[0] + i * s[0]) =
                *reinterpret_cast<const bool *>(p[1] + i * s[1])
                    ? *reinterpret_cast<const T *>(p[2] + i * s[2])
                    : *reinterpret_cast<const T *>(p[3] + i * s[3]);
        });
  });
  return result;
}

static Tensor reluGradKernel(const Tensor &gradOutput, const Tensor &result) {
  requireDefined("relu_grad", gradOutput);
  requireDefined("relu_grad", result);
  DType dtype = gradOutput.dtype();
  if (dtype == DType::Bool)
    detail::throwNotImplementedFor("threshold_backward", dtype);
  Shape shape =
      broadcastShapes("relu_grad", gradOutput.shape(), result.shape());
  Tensor out = Tensor::empty(shape, dtype);
  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    // One pass where the composed form (compare, cast, multiply) made three;
    // as PyTorch, r <= 0 selects 0 (a NaN result passes the gradient).
    mapBinary<T, T>(out, gradOutput, result.to(dtype),
                    [](T g, T r) { return r <= T(0) ? T(0) : g; });
  });
  return out;
}

static Tensor clampKernel(const Tensor &input, std::optional<double> min,
                          std::optional<double> max) {
  requireDefined("clamp", input);
  if (!min && !max)
    throwError(Error::Kind::Runtime,
               "torch.clamp: At least one of 'min' or 'max' must not be None");
  Tensor result = input;
  if (min)
    result = binary(BinaryOp::Maximum, result,
                    Tensor::full({}, input.dtype(), *min));
  if (max)
    result = binary(BinaryOp::Minimum, result,
                    Tensor::full({}, input.dtype(), *max));
  return result.defined() && result.storage() == input.storage() ? input.clone()
                                                                 : result;
}

static void binaryInPlaceKernel(BinaryOp op, Tensor &target,
                                const Tensor &source) {
  DType dtype = binaryResultType(op, target, source);
  if (categoryOf(dtype) > categoryOf(target.dtype()))
    throwError(Error::Kind::Runtime,
               std::string("result type ") + detail::scalarTypeName(dtype) +
                   " can't be cast to the desired output type " +
                   detail::scalarTypeName(target.dtype()));
  Shape shape = broadcastShapes(binaryName(op), target.shape(), source.shape());
  if (shape != target.shape())
    throwError(Error::Kind::Runtime,
               std::string("output with shape ") + formatShape(target.shape()) +
                   " doesn't match the broadcast shape " + formatShape(shape));
  if (dtype == target.dtype() && target.storage() != source.storage()) {
    // Elementwise in place: each output element reads only its own input.
    binaryInto(op, target, target, source.to(dtype));
    return;
  }
  target.copyFrom(binary(op, target, source));
}

//===----------------------------------------------------------------------===//
// The ops as programs call them: the kernel, announced to the tracer
//===----------------------------------------------------------------------===//

namespace {

/// Op names as compiler::OpSpec spells them.
const char *specName(UnaryOp op) {
  return op == UnaryOp::GeluTanh ? "gelu_tanh" : unaryName(op);
}

const char *specName(CompareOp op) {
  static const char *const names[] = {"eq", "ne", "lt", "le", "gt", "ge"};
  return names[static_cast<int>(op)];
}

} // namespace

Tensor unary(UnaryOp op, const Tensor &input) {
  recording::Scope scope;
  return scope.op(specName(op), {&input},
                  [&] { return unaryKernel(op, input); });
}

Tensor binary(BinaryOp op, const Tensor &lhs, const Tensor &rhs) {
  recording::Scope scope;
  return scope.op(binaryName(op), {&lhs, &rhs},
                  [&] { return binaryKernel(op, lhs, rhs); });
}

Tensor compare(CompareOp op, const Tensor &lhs, const Tensor &rhs) {
  recording::Scope scope;
  return scope.op(specName(op), {&lhs, &rhs},
                  [&] { return compareKernel(op, lhs, rhs); });
}

Tensor where(const Tensor &condition, const Tensor &x, const Tensor &y) {
  recording::Scope scope;
  return scope.op("where", {&condition, &x, &y},
                  [&] { return whereKernel(condition, x, y); });
}

Tensor reluGrad(const Tensor &gradOutput, const Tensor &result) {
  recording::Scope scope;
  return scope.op("relu_grad", {&gradOutput, &result},
                  [&] { return reluGradKernel(gradOutput, result); });
}

Tensor clamp(const Tensor &input, std::optional<double> min,
             std::optional<double> max) {
  recording::Scope scope;
  return scope.op(
      "clamp", {&input}, [&] { return clampKernel(input, min, max); },
      [&] {
        recording::Attributes attributes;
        if (min)
          attributes.push_back({"min", *min});
        if (max)
          attributes.push_back({"max", *max});
        return attributes;
      });
}

void binaryInPlace(BinaryOp op, Tensor &target, const Tensor &source) {
  recording::Scope scope;
  scope.inPlace(binaryName(op), {&target, &source}, target,
                [&] { binaryInPlaceKernel(op, target, source); });
}

void copyInto(Tensor &target, const Tensor &source) {
  recording::Scope scope;
  scope.inPlace("copy", {&target, &source}, target,
                [&] { target.copyFrom(source); });
}

} // namespace ops
} // namespace terra
