//===- Functions.cpp - Differentiable eager ops ---------------------------===//
//
// Each op runs its kernel and, when an input requires a gradient, records a
// FunctionNode whose backward lambda holds exactly what the gradient needs.
// Releasing the node (after backward without retain_graph) destroys the
// lambda and with it the saved tensors.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Functions.h"

#include "FunctionNode.h"

#include "terra/Runtime/Autograd.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>

namespace terra {
namespace functions {
namespace detail {

void record(Tensor &output, const char *name,
            std::initializer_list<const Tensor *> inputs, Backward backward) {
  auto node = std::make_shared<detail::FunctionNode>(name, std::move(backward));
  node->nextEdges.reserve(inputs.size());
  for (const Tensor *input : inputs)
    node->nextEdges.push_back(input ? autograd::gradientEdge(*input)
                                    : autograd::Edge{});
  autograd::setHistory(output, node);
}

Tensor scalar(double value, DType dtype) {
  Tensor result = Tensor::full({}, dtype, value);
  result.traceTag().kind = TraceTag::Kind::Constant;
  return result;
}

} // namespace detail

namespace {

using autograd::anyRequiresGrad;
using detail::Backward;
using detail::Grads;
using detail::record;
using detail::scalar;

Tensor mul(const Tensor &a, const Tensor &b) {
  return ops::binary(ops::BinaryOp::Mul, a, b);
}
Tensor mul(const Tensor &a, double b) { return mul(a, scalar(b, a.dtype())); }
Tensor div(const Tensor &a, const Tensor &b) {
  return ops::binary(ops::BinaryOp::Div, a, b);
}
Tensor add(const Tensor &a, const Tensor &b) {
  return ops::binary(ops::BinaryOp::Add, a, b);
}
Tensor sub(const Tensor &a, const Tensor &b) {
  return ops::binary(ops::BinaryOp::Sub, a, b);
}
Tensor neg(const Tensor &a) { return ops::unary(ops::UnaryOp::Neg, a); }
/// 1 where `mask` holds, else 0, in `dtype`.
Tensor indicator(const Tensor &mask, DType dtype) { return mask.to(dtype); }

/// The gradient for a binary op's operand: summed to its shape and cast to
/// its dtype (integer operands get none).
Tensor reduceGrad(const Tensor &grad, const Shape &shape, DType dtype) {
  if (!isFloating(dtype))
    return Tensor();
  // No op where none is needed: each op call is validated under
  // co-execution.
  Tensor summed = autograd::sumToShape(grad, shape);
  return summed.dtype() == dtype ? summed : summed.to(dtype);
}

/// `tensor` with `shape`, reshaped only if it differs.
Tensor withShape(const Tensor &tensor, const Shape &shape) {
  return tensor.shape() == shape ? tensor : tensor.reshape(shape);
}

Tensor reduceGrad(const Tensor &grad, const Tensor &operand) {
  if (!operand.defined())
    return Tensor();
  return reduceGrad(grad, operand.shape(), operand.dtype());
}

std::vector<int64_t> normalizedAxes(const std::vector<int64_t> &axes,
                                    int64_t rank) {
  std::vector<int64_t> result;
  if (axes.empty()) {
    result.resize(rank);
    std::iota(result.begin(), result.end(), 0);
    return result;
  }
  for (int64_t axis : axes)
    result.push_back(normalizeAxis("sum", axis, rank));
  return result;
}

/// A reduced gradient brought back to the input's shape.
Tensor expandReduced(const Tensor &grad, const Shape &inputShape,
                     const std::vector<int64_t> &axes, bool keepdim) {
  Tensor g = grad;
  if (!keepdim) {
    Shape kept = inputShape;
    for (int64_t axis : normalizedAxes(axes, inputShape.size()))
      kept[axis] = 1;
    g = g.reshape(kept);
  }
  return g.expand(inputShape);
}

int64_t reducedCount(const Shape &shape, const std::vector<int64_t> &axes) {
  int64_t count = 1;
  for (int64_t axis : normalizedAxes(axes, shape.size()))
    count *= shape[axis];
  return count;
}

} // namespace

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

Tensor unary(ops::UnaryOp op, const Tensor &input) {
  Tensor result = ops::unary(op, input);
  if (!anyRequiresGrad({&input}) || !isFloating(result.dtype()))
    return result;
  using ops::UnaryOp;
  // Saved tensors drop their autograd state: the node needs values only,
  // and each keeps only the one its gradient reads (input or result).
  Backward backward;
  const char *name = "";
  switch (op) {
  case UnaryOp::Neg:
    name = "NegBackward0";
    backward = [](const Grads &g) { return Grads{neg(g[0])}; };
    break;
  case UnaryOp::Abs:
    name = "AbsBackward0";
    backward = [x = detach(input)](const Grads &g) {
      Tensor sign = sub(
          indicator(ops::compare(ops::CompareOp::Gt, x, scalar(0, x.dtype())),
                    x.dtype()),
          indicator(ops::compare(ops::CompareOp::Lt, x, scalar(0, x.dtype())),
                    x.dtype()));
      return Grads{mul(g[0], sign)};
    };
    break;
  case UnaryOp::Exp:
    name = "ExpBackward0";
    backward = [r = detach(result)](const Grads &g) {
      return Grads{mul(g[0], r)};
    };
    break;
  case UnaryOp::Log:
    name = "LogBackward0";
    backward = [x = detach(input)](const Grads &g) {
      return Grads{div(g[0], x)};
    };
    break;
  case UnaryOp::Sqrt:
    name = "SqrtBackward0";
    backward = [r = detach(result)](const Grads &g) {
      return Grads{div(g[0], mul(r, 2.0))};
    };
    break;
  case UnaryOp::Rsqrt:
    name = "RsqrtBackward0";
    backward = [r = detach(result)](const Grads &g) {
      return Grads{mul(mul(g[0], mul(mul(r, r), r)), -0.5)};
    };
    break;
  case UnaryOp::Tanh:
    name = "TanhBackward0";
    backward = [r = detach(result)](const Grads &g) {
      return Grads{mul(g[0], sub(scalar(1, r.dtype()), mul(r, r)))};
    };
    break;
  case UnaryOp::Sigmoid:
    name = "SigmoidBackward0";
    backward = [r = detach(result)](const Grads &g) {
      return Grads{mul(g[0], mul(r, sub(scalar(1, r.dtype()), r)))};
    };
    break;
  case UnaryOp::Relu:
    name = "ReluBackward0";
    backward = [r = detach(result)](const Grads &g) {
      return Grads{ops::reluGrad(g[0], r)};
    };
    break;
  case UnaryOp::Gelu:
    name = "GeluBackward0";
    backward = [x = detach(input)](const Grads &g) {
      // 0.5 (1 + erf(x / sqrt 2)) + x exp(-x^2 / 2) / sqrt(2 pi)
      Tensor cdf = mul(add(scalar(1, x.dtype()),
                           ops::unary(UnaryOp::Erf, mul(x, M_SQRT1_2))),
                       0.5);
      Tensor pdf = mul(ops::unary(UnaryOp::Exp, mul(mul(x, x), -0.5)),
                       0.3989422804014327);
      return Grads{mul(g[0], add(cdf, mul(x, pdf)))};
    };
    break;
  case UnaryOp::GeluTanh:
    name = "GeluBackward0";
    backward = [x = detach(input)](const Grads &g) {
      const double k = 0.7978845608028654, c = 0.044715;
      Tensor x2 = mul(x, x);
      Tensor inner = mul(add(x, mul(mul(x2, x), c)), k);
      Tensor t = ops::unary(UnaryOp::Tanh, inner);
      Tensor dInner = mul(add(scalar(1, x.dtype()), mul(x2, 3 * c)), k);
      Tensor left = mul(add(scalar(1, x.dtype()), t), 0.5);
      Tensor right =
          mul(mul(mul(x, sub(scalar(1, x.dtype()), mul(t, t))), dInner), 0.5);
      return Grads{mul(g[0], add(left, right))};
    };
    break;
  case UnaryOp::Erf:
    name = "ErfBackward0";
    backward = [x = detach(input)](const Grads &g) {
      return Grads{mul(g[0], mul(ops::unary(UnaryOp::Exp, neg(mul(x, x))),
                                 1.1283791670955126))};
    };
    break;
  case UnaryOp::Sin:
    name = "SinBackward0";
    backward = [x = detach(input)](const Grads &g) {
      return Grads{mul(g[0], ops::unary(UnaryOp::Cos, x))};
    };
    break;
  case UnaryOp::Cos:
    name = "CosBackward0";
    backward = [x = detach(input)](const Grads &g) {
      return Grads{neg(mul(g[0], ops::unary(UnaryOp::Sin, x)))};
    };
    break;
  case UnaryOp::LogicalNot:
    return result;
  }
  record(result, name, {&input}, std::move(backward));
  return result;
}

Tensor binary(ops::BinaryOp op, const Tensor &lhs, const Tensor &rhs) {
  Tensor result = ops::binary(op, lhs, rhs);
  if (!anyRequiresGrad({&lhs, &rhs}))
    return result;
  using ops::BinaryOp;
  // Only the gradients an operand needs: the others would be ops recorded,
  // validated and run for nothing. Only the values a gradient reads are
  // kept (sums and differences keep none, as in PyTorch).
  bool needA = autograd::requiresGrad(lhs), needB = autograd::requiresGrad(rhs);
  Shape aShape = lhs.shape(), bShape = rhs.shape();
  DType aType = lhs.dtype(), bType = rhs.dtype();
  Backward backward;
  const char *name = "";
  switch (op) {
  case BinaryOp::Add:
  case BinaryOp::Sub: {
    bool subtract = op == BinaryOp::Sub;
    name = subtract ? "SubBackward0" : "AddBackward0";
    backward = [=](const Grads &g) {
      Grads grads(2);
      if (needA)
        grads[0] = reduceGrad(g[0], aShape, aType);
      if (needB)
        grads[1] = reduceGrad(subtract ? neg(g[0]) : g[0], bShape, bType);
      return grads;
    };
    break;
  }
  case BinaryOp::Mul: {
    name = "MulBackward0";
    // Each operand's values are kept only for the other's gradient: x * 0.2
    // leaves x's memory unshared, so leaky_relu(x, inplace=True) may write
    // it.
    Tensor aKept = needB ? detach(lhs) : Tensor();
    Tensor bKept = needA ? detach(rhs) : Tensor();
    backward = [=](const Grads &g) {
      Grads grads(2);
      if (bKept.defined())
        grads[0] = reduceGrad(mul(g[0], bKept), aShape, aType);
      if (aKept.defined())
        grads[1] = reduceGrad(mul(g[0], aKept), bShape, bType);
      return grads;
    };
    break;
  }
  case BinaryOp::Div: {
    name = "DivBackward0";
    Tensor a = needB ? detach(lhs) : Tensor(), b = detach(rhs);
    backward = [=](const Grads &g) {
      Tensor ga = div(g[0], b);
      Grads grads(2);
      if (needA)
        grads[0] = reduceGrad(ga, aShape, aType);
      if (needB)
        grads[1] = reduceGrad(neg(mul(ga, div(a, b))), bShape, bType);
      return grads;
    };
    break;
  }
  case BinaryOp::Pow: {
    name = "PowBackward1";
    Tensor a = detach(lhs), b = detach(rhs), r = detach(result);
    bool exponentNeedsGrad = needB;
    backward = [a, b, r, exponentNeedsGrad](const Grads &g) {
      Tensor exponentMinusOne = sub(b, scalar(1, b.dtype()));
      Tensor ga =
          mul(mul(g[0], b), ops::binary(BinaryOp::Pow, a, exponentMinusOne));
      Tensor gb;
      if (isFloating(b.dtype()) && exponentNeedsGrad) {
        // d/db a^b = a^b log a, taken as 0 where a == 0 (PyTorch's choice).
        Tensor safeLog = ops::where(
            ops::compare(ops::CompareOp::Eq, a, scalar(0, a.dtype())),
            scalar(0, r.dtype()), ops::unary(ops::UnaryOp::Log, a));
        gb = mul(mul(g[0], r), safeLog);
      }
      return Grads{reduceGrad(ga, a), reduceGrad(gb.defined() ? gb : Tensor(),
                                                 gb.defined() ? b : Tensor())};
    };
    break;
  }
  case BinaryOp::Maximum:
  case BinaryOp::Minimum: {
    name = op == BinaryOp::Maximum ? "MaximumBackward0" : "MinimumBackward0";
    ops::CompareOp wins =
        op == BinaryOp::Maximum ? ops::CompareOp::Gt : ops::CompareOp::Lt;
    Tensor a = detach(lhs), b = detach(rhs);
    backward = [a, b, wins, needA, needB](const Grads &g) {
      // Ties split the gradient evenly, as in PyTorch.
      DType dtype = g[0].dtype();
      Tensor aWins = indicator(ops::compare(wins, a, b), dtype);
      Tensor tie =
          mul(indicator(ops::compare(ops::CompareOp::Eq, a, b), dtype), 0.5);
      Grads grads(2);
      if (needA)
        grads[0] = reduceGrad(mul(g[0], add(aWins, tie)), a);
      if (needB)
        grads[1] =
            reduceGrad(mul(g[0], sub(sub(scalar(1, dtype), aWins), tie)), b);
      return grads;
    };
    break;
  }
  }
  record(result, name, {&lhs, &rhs}, std::move(backward));
  return result;
}

Tensor where(const Tensor &condition, const Tensor &x, const Tensor &y) {
  Tensor result = ops::where(condition, x, y);
  if (!anyRequiresGrad({&x, &y}))
    return result;
  // Only the operands' types are kept: their memory stays unshared, so an
  // in-place activation built on where (leaky_relu_) may write it.
  Tensor c = condition;
  Shape xShape = x.shape(), yShape = y.shape();
  DType xType = x.dtype(), yType = y.dtype();
  record(result, "WhereBackward0", {&x, &y}, [=](const Grads &g) {
    Tensor zero = scalar(0, g[0].dtype());
    return Grads{reduceGrad(ops::where(c, g[0], zero), xShape, xType),
                 reduceGrad(ops::where(c, zero, g[0]), yShape, yType)};
  });
  return result;
}

Tensor clamp(const Tensor &input, std::optional<double> min,
             std::optional<double> max) {
  Tensor result = ops::clamp(input, min, max);
  if (!anyRequiresGrad({&input}))
    return result;
  Tensor x = detach(input);
  record(result, "ClampBackward1", {&input}, [x, min, max](const Grads &g) {
    // Zero where the input was clamped; the gradient passes at the bounds.
    Tensor grad = g[0];
    Tensor zero = scalar(0, grad.dtype());
    if (min)
      grad = ops::where(
          ops::compare(ops::CompareOp::Ge, x, scalar(*min, x.dtype())), grad,
          zero);
    if (max)
      grad = ops::where(
          ops::compare(ops::CompareOp::Le, x, scalar(*max, x.dtype())), grad,
          zero);
    return Grads{grad};
  });
  return result;
}

Tensor to(const Tensor &input, DType dtype) {
  Tensor result = input.to(dtype);
  // Recorded for the same dtype too (an alias eagerly): under co-execution
  // the result is a new lazy tensor, and both must build one autograd graph.
  if (!anyRequiresGrad({&input}) || !isFloating(dtype))
    return result;
  DType original = input.dtype();
  record(result, "ToCopyBackward0", {&input},
         [original](const Grads &g) { return Grads{g[0].to(original)}; });
  return result;
}

Tensor detach(const Tensor &input) {
  return input.asStrided(input.shape(), input.strides(), input.offset());
}

namespace {

void checkInPlaceAllowed(const Tensor &target) {
  if (autograd::requiresGrad(target) && autograd::isLeaf(target))
    throwError(Error::Kind::Runtime,
               "a leaf Variable that requires grad is being used in an "
               "in-place operation.");
  // The new history reaches this tensor only: a view's base, or a value
  // saved for backward, sharing the memory would silently keep the old one.
  const std::shared_ptr<Storage> &storage = target.storage();
  if (storage->programUseCount(storage) > 1)
    Storage::drainRunner(); // The count may be a pass letting go.
  if (storage->programUseCount(storage) > 1)
    throwError(Error::Kind::NotImplemented,
               "terra: an in-place operation that records a gradient on a "
               "tensor whose memory other tensors share (a view, its base, "
               "or a value saved for backward) is not supported; write it "
               "out of place (e.g. with terra.cat / terra.stack / "
               "terra.where)");
}

/// Writes `value` into `target` and gives `target` its history.
void adoptResult(Tensor &target, const Tensor &value) {
  ops::copyInto(target, value);
  target.autograd() = value.autograd();
}

} // namespace

void binaryInPlace(ops::BinaryOp op, Tensor &target, const Tensor &source) {
  if (!anyRequiresGrad({&target, &source})) {
    ops::binaryInPlace(op, target, source);
    return;
  }
  checkInPlaceAllowed(target);
  // The history comes from the out-of-place op on a copy; the values (and
  // the dtype and shape rules) from the plain in-place op.
  Tensor value =
      to(functions::binary(op, clone(target), source), target.dtype());
  // Written through the target itself, not an alias: the tracer tags the
  // target with the new value, and co-execution sees no second tensor on
  // that memory (which would keep the write eager).
  ops::binaryInPlace(op, target, source);
  target.autograd() = value.autograd();
}

void copyInto(Tensor &target, const Tensor &source) {
  if (!anyRequiresGrad({&target, &source})) {
    ops::copyInto(target, source);
    return;
  }
  checkInPlaceAllowed(target);
  Tensor value = to(expand(source, target.shape()), target.dtype());
  adoptResult(target, clone(value));
}

//===----------------------------------------------------------------------===//
// Views
//===----------------------------------------------------------------------===//

namespace {

/// A view result: a new tensor (own autograd state) over the same memory.
Tensor freshView(const Tensor &view) {
  return view.asStrided(view.shape(), view.strides(), view.offset());
}

} // namespace

Tensor reshape(const Tensor &input, const Shape &shape) {
  Tensor result = freshView(input.reshape(shape));
  if (!anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  record(result, "ViewBackward0", {&input}, [inputShape](const Grads &g) {
    return Grads{g[0].reshape(inputShape)};
  });
  return result;
}

Tensor permute(const Tensor &input, const std::vector<int64_t> &dims) {
  Tensor result = freshView(input.permute(dims));
  if (!anyRequiresGrad({&input}))
    return result;
  std::vector<int64_t> inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i)
    inverse[normalizeAxis("permute", dims[i], dims.size())] = i;
  record(result, "PermuteBackward0", {&input},
         [inverse](const Grads &g) { return Grads{g[0].permute(inverse)}; });
  return result;
}

Tensor transpose(const Tensor &input, int64_t dim0, int64_t dim1) {
  Tensor result = freshView(input.transpose(dim0, dim1));
  if (!anyRequiresGrad({&input}))
    return result;
  record(result, "TransposeBackward0", {&input}, [dim0, dim1](const Grads &g) {
    return Grads{g[0].transpose(dim0, dim1)};
  });
  return result;
}

Tensor expand(const Tensor &input, const Shape &shape) {
  Tensor result = freshView(input.expand(shape));
  if (!anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  record(result, "ExpandBackward0", {&input}, [inputShape](const Grads &g) {
    return Grads{autograd::sumToShape(g[0], inputShape)};
  });
  return result;
}

namespace {

/// The gradient of a strided slice (or, with the axis kept, a select):
/// `grad` placed at rows start, start + step, ... of zeros of `inputShape`.
/// Built from pad and views, which the trace records and terra.pad
/// compiles; a write into a fresh buffer would happen behind the trace.
Tensor sliceGrad(const Tensor &grad, const Shape &inputShape, int64_t axis,
                 int64_t start, int64_t step) {
  int64_t count = grad.shape()[axis];
  int64_t covered = count;
  Tensor spread = grad;
  if (step > 1 && count > 0) {
    // [.., n, ..] -> [.., n, 1, ..] -> pad to [.., n, step, ..] -> [.., n *
    // step, ..]
    Shape rows = grad.shape();
    rows.insert(rows.begin() + axis + 1, 1);
    std::vector<int64_t> low(rows.size(), 0), high(rows.size(), 0);
    high[axis + 1] = step - 1;
    Shape merged = grad.shape();
    merged[axis] = count * step;
    covered = std::min(count * step, inputShape[axis] - start);
    spread = ops::pad(grad.reshape(rows), low, high, 0)
                 .reshape(merged)
                 .slice(axis, 0, covered, 1);
  }
  std::vector<int64_t> low(inputShape.size(), 0), high(inputShape.size(), 0);
  low[axis] = start;
  high[axis] = inputShape[axis] - start - covered;
  return ops::pad(spread, low, high, 0);
}

} // namespace

Tensor slice(const Tensor &input, int64_t axis, int64_t start, int64_t stop,
             int64_t step) {
  Tensor result = freshView(input.slice(axis, start, stop, step));
  if (!anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  axis = normalizeAxis("slice", axis, input.dim());
  int64_t size = inputShape[axis];
  start = std::clamp<int64_t>(start < 0 ? start + size : start, 0, size);
  record(result, "SliceBackward0", {&input},
         [inputShape, axis, start, step](const Grads &g) {
           return Grads{sliceGrad(g[0], inputShape, axis, start, step)};
         });
  return result;
}

Tensor select(const Tensor &input, int64_t axis, int64_t index) {
  Tensor result = freshView(input.select(axis, index));
  if (!anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  axis = normalizeAxis("select", axis, input.dim());
  if (index < 0)
    index += inputShape[axis];
  record(result, "SelectBackward0", {&input},
         [inputShape, axis, index](const Grads &g) {
           return Grads{
               sliceGrad(g[0].unsqueeze(axis), inputShape, axis, index, 1)};
         });
  return result;
}

Tensor unsqueeze(const Tensor &input, int64_t axis) {
  Tensor result = freshView(input.unsqueeze(axis));
  if (!anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  record(result, "UnsqueezeBackward0", {&input}, [inputShape](const Grads &g) {
    return Grads{g[0].reshape(inputShape)};
  });
  return result;
}

Tensor squeeze(const Tensor &input, int64_t axis) {
  Tensor result = freshView(input.squeeze(axis));
  if (!anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  record(result, "SqueezeBackward1", {&input}, [inputShape](const Grads &g) {
    return Grads{g[0].reshape(inputShape)};
  });
  return result;
}

Tensor contiguous(const Tensor &input) {
  // Recorded whatever the layout: under co-execution a lazy result is laid
  // out contiguously where the eager one (a transpose) was not, and a
  // branch on the layout here would take another path than the trace.
  Tensor result = input.contiguous();
  if (result.storage() == input.storage() || !anyRequiresGrad({&input}))
    return result; // The same tensor, history included.
  record(result, "CloneBackward0", {&input},
         [](const Grads &g) { return Grads{g[0]}; });
  return result;
}

Tensor clone(const Tensor &input) {
  Tensor result = input.clone();
  if (!anyRequiresGrad({&input}))
    return result;
  record(result, "CloneBackward0", {&input},
         [](const Grads &g) { return Grads{g[0]}; });
  return result;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

Tensor sum(const Tensor &input, const std::vector<int64_t> &axes,
           bool keepdim) {
  Tensor result = ops::sum(input, axes, keepdim);
  if (!anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  record(result, "SumBackward1", {&input},
         [inputShape, axes, keepdim](const Grads &g) {
           return Grads{expandReduced(g[0], inputShape, axes, keepdim)};
         });
  return result;
}

Tensor mean(const Tensor &input, const std::vector<int64_t> &axes,
            bool keepdim) {
  Tensor result = ops::mean(input, axes, keepdim);
  if (!anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  double count = static_cast<double>(reducedCount(inputShape, axes));
  record(result, "MeanBackward1", {&input},
         [inputShape, axes, keepdim, count](const Grads &g) {
           return Grads{expandReduced(mul(g[0], 1.0 / count), inputShape, axes,
                                      keepdim)};
         });
  return result;
}

namespace {

/// amax/amin: the gradient goes to the extreme elements, split evenly
/// among ties (as PyTorch).
Tensor extremum(const Tensor &input, const std::vector<int64_t> &axes,
                bool keepdim, bool max) {
  Tensor result =
      max ? ops::amax(input, axes, keepdim) : ops::amin(input, axes, keepdim);
  if (!anyRequiresGrad({&input}))
    return result;
  Tensor x = detach(input), r = detach(result);
  record(result, max ? "AmaxBackward0" : "AminBackward0", {&input},
         [x, r, axes, keepdim](const Grads &g) {
           Tensor extreme = expandReduced(r, x.shape(), axes, keepdim);
           Tensor mask = indicator(ops::compare(ops::CompareOp::Eq, x, extreme),
                                   g[0].dtype());
           Tensor count = ops::sum(mask, axes, /*keepdim=*/true);
           Tensor share = div(expandReduced(g[0], x.shape(), axes, keepdim),
                              count.expand(x.shape()));
           return Grads{mul(share, mask)};
         });
  return result;
}

} // namespace

Tensor amax(const Tensor &input, const std::vector<int64_t> &axes,
            bool keepdim) {
  return extremum(input, axes, keepdim, /*max=*/true);
}

Tensor amin(const Tensor &input, const std::vector<int64_t> &axes,
            bool keepdim) {
  return extremum(input, axes, keepdim, /*max=*/false);
}

Tensor var(const Tensor &input, const std::vector<int64_t> &axes,
           int64_t correction, bool keepdim) {
  Tensor result = ops::var(input, axes, correction, keepdim);
  if (!anyRequiresGrad({&input}))
    return result;
  Tensor x = detach(input);
  double count = static_cast<double>(reducedCount(input.shape(), axes));
  record(result, "VarBackward0", {&input},
         [x, axes, correction, keepdim, count](const Grads &g) {
           Tensor centered =
               sub(x, ops::mean(x, axes, /*keepdim=*/true).expand(x.shape()));
           Tensor scale = mul(centered, 2.0 / (count - correction));
           return Grads{
               mul(expandReduced(g[0], x.shape(), axes, keepdim), scale)};
         });
  return result;
}

Tensor softmax(const Tensor &input, int64_t axis) {
  Tensor result = ops::softmax(input, axis);
  if (!anyRequiresGrad({&input}))
    return result;
  Tensor r = detach(result);
  record(result, "SoftmaxBackward0", {&input}, [r, axis](const Grads &g) {
    Tensor dot = ops::sum(mul(g[0], r), {axis}, /*keepdim=*/true);
    return Grads{mul(r, sub(g[0], dot))};
  });
  return result;
}

Tensor logSoftmax(const Tensor &input, int64_t axis) {
  Tensor result = ops::logSoftmax(input, axis);
  if (!anyRequiresGrad({&input}))
    return result;
  Tensor r = detach(result);
  record(result, "LogSoftmaxBackward0", {&input}, [r, axis](const Grads &g) {
    Tensor total = ops::sum(g[0], {axis}, /*keepdim=*/true);
    // `total` broadcasts along `axis` (no expand op to validate).
    return Grads{sub(g[0], mul(ops::unary(ops::UnaryOp::Exp, r), total))};
  });
  return result;
}

//===----------------------------------------------------------------------===//
// Shape ops that copy
//===----------------------------------------------------------------------===//

Tensor cat(const std::vector<Tensor> &tensors, int64_t axis) {
  Tensor result = ops::cat(tensors, axis);
  bool needs = false;
  for (const Tensor &t : tensors)
    needs |= anyRequiresGrad({&t});
  if (!needs)
    return result;
  int64_t dim = normalizeAxis("cat", axis, result.dim());
  std::vector<int64_t> sizes;
  std::vector<DType> dtypes;
  for (const Tensor &t : tensors) {
    // Empty 1-D tensors are skipped by torch.cat.
    sizes.push_back(t.dim() == 1 && t.numel() == 0 ? 0 : t.shape()[dim]);
    dtypes.push_back(t.dtype());
  }
  auto node = std::make_shared<detail::FunctionNode>(
      "CatBackward0", [sizes, dtypes, dim](const Grads &g) {
        Grads grads;
        int64_t start = 0;
        for (size_t i = 0; i < sizes.size(); ++i) {
          grads.push_back(
              isFloating(dtypes[i])
                  ? g[0].slice(dim, start, start + sizes[i], 1).to(dtypes[i])
                  : Tensor());
          start += sizes[i];
        }
        return grads;
      });
  for (const Tensor &t : tensors)
    node->nextEdges.push_back(autograd::gradientEdge(t));
  autograd::setHistory(result, node);
  return result;
}

Tensor stack(const std::vector<Tensor> &tensors, int64_t axis) {
  if (tensors.empty())
    throwError(Error::Kind::Runtime, "stack expects a non-empty TensorList");
  int64_t dim = normalizeAxis("stack", axis, tensors[0].dim() + 1);
  std::vector<Tensor> expanded;
  for (const Tensor &t : tensors) {
    if (t.shape() != tensors[0].shape())
      throwError(Error::Kind::Runtime,
                 "stack expects each tensor to be equal size, but got " +
                     formatShape(tensors[0].shape()) + " at entry 0 and " +
                     formatShape(t.shape()) + " at entry " +
                     std::to_string(expanded.size()));
    expanded.push_back(unsqueeze(t, dim));
  }
  return cat(expanded, dim);
}

Tensor pad(const Tensor &input, const std::vector<int64_t> &low,
           const std::vector<int64_t> &high, double value) {
  Tensor result = ops::pad(input, low, high, value);
  if (!anyRequiresGrad({&input}))
    return result;
  // Padding by the negated amounts crops what was added and re-adds, as
  // zeros, what a negative amount cropped.
  std::vector<int64_t> cropLow, cropHigh;
  for (size_t d = 0; d < low.size(); ++d) {
    cropLow.push_back(-low[d]);
    cropHigh.push_back(-high[d]);
  }
  record(result, "ConstantPadNdBackward0", {&input},
         [cropLow, cropHigh](const Grads &g) {
           return Grads{ops::pad(g[0], cropLow, cropHigh, 0.0)};
         });
  return result;
}

Tensor indexSelect(const Tensor &input, int64_t axis, const Tensor &indices) {
  Tensor result = ops::indexSelect(input, axis, indices);
  if (!anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  Tensor index = indices;
  record(result, "IndexSelectBackward0", {&input},
         [inputShape, axis, index](const Grads &g) {
           return Grads{ops::indexAdd(inputShape, axis, index, g[0])};
         });
  return result;
}

Tensor maskedSelect(const Tensor &input, const Tensor &mask) {
  Tensor result = ops::maskedSelect(input, mask);
  if (!anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  Tensor m = mask;
  record(result, "MaskedSelectBackward0", {&input},
         [inputShape, m](const Grads &g) {
           // Scatter the selected gradients back, in row-major mask order.
           Tensor mask = m.expand(inputShape).contiguous();
           Tensor grad = Tensor::full(inputShape, g[0].dtype(), 0);
           Tensor values = g[0].contiguous();
           dispatchDType(grad.dtype(), [&](auto zero) {
             using T = decltype(zero);
             const bool *selected = mask.data<bool>();
             T *out = grad.data<T>();
             const T *in = values.data<T>();
             int64_t next = 0;
             for (int64_t i = 0, n = grad.numel(); i < n; ++i)
               if (selected[i])
                 out[i] = in[next++];
           });
           return Grads{grad};
         });
  return result;
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

Tensor matmul(const Tensor &lhs, const Tensor &rhs) {
  Tensor result = ops::matmul(lhs, rhs);
  if (!anyRequiresGrad({&lhs, &rhs}))
    return result;
  Tensor a = detach(lhs), b = detach(rhs);
  bool needA = autograd::requiresGrad(lhs) && isFloating(a.dtype());
  bool needB = autograd::requiresGrad(rhs) && isFloating(b.dtype());
  record(result, "MmBackward0", {&lhs, &rhs},
         [a, b, needA, needB](const Grads &g) {
           // Treat 1-D operands as a row (lhs) or column (rhs) matrix.
           Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
           Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
           Tensor g2 = g[0];
           if (a.dim() == 1 && b.dim() == 1)
             g2 = g2.reshape({1, 1});
           else if (a.dim() == 1)
             g2 = g2.unsqueeze(-2);
           else if (b.dim() == 1)
             g2 = g2.unsqueeze(-1);
           Grads grads(2);
           if (needA)
             grads[0] = withShape(
                 autograd::sumToShape(ops::matmul(g2, b2.transpose(-1, -2)),
                                      a2.shape()),
                 a.shape());
           if (needB)
             grads[1] = withShape(
                 autograd::sumToShape(ops::matmul(a2.transpose(-1, -2), g2),
                                      b2.shape()),
                 b.shape());
           return grads;
         });
  return result;
}

Tensor linear(const Tensor &input, const Tensor &weight, const Tensor &bias) {
  if (weight.dim() > 2)
    throwError(Error::Kind::Runtime,
               "t() expects a tensor with <= 2 dimensions, but self is " +
                   std::to_string(weight.dim()) + "D");
  Tensor output =
      matmul(input, weight.dim() == 2 ? transpose(weight, 0, 1) : weight);
  if (!bias.defined())
    return output;
  return functions::binary(ops::BinaryOp::Add, output, bias);
}

Tensor conv2d(const Tensor &input, const Tensor &weight, const Tensor &bias,
              const ops::Conv2dParams &params) {
  Tensor result = ops::conv2d(input, weight, bias, params);
  if (!anyRequiresGrad({&input, &weight, bias.defined() ? &bias : nullptr}))
    return result;
  Tensor x = detach(input), w = detach(weight);
  bool hasBias = bias.defined();
  bool inputNeedsGrad = autograd::requiresGrad(input);
  bool weightNeedsGrad = autograd::requiresGrad(weight);
  auto node = std::make_shared<detail::FunctionNode>(
      "ConvolutionBackward0",
      [x, w, hasBias, inputNeedsGrad, weightNeedsGrad, params](const Grads &g) {
        Grads grads{
            inputNeedsGrad ? ops::conv2dGradInput(g[0], w, x.shape(), params)
                           : Tensor(),
            weightNeedsGrad ? ops::conv2dGradWeight(x, g[0], w.shape(), params)
                            : Tensor()};
        if (hasBias)
          grads.push_back(ops::sum(g[0], {0, 2, 3}, /*keepdim=*/false));
        return grads;
      });
  node->nextEdges.push_back(autograd::gradientEdge(input));
  node->nextEdges.push_back(autograd::gradientEdge(weight));
  if (hasBias)
    node->nextEdges.push_back(autograd::gradientEdge(bias));
  autograd::setHistory(result, node);
  return result;
}

std::tuple<Tensor, Tensor, Tensor> batchNorm(const Tensor &input,
                                             const Tensor &weight,
                                             const Tensor &bias, double eps) {
  std::tuple<Tensor, Tensor, Tensor> result =
      ops::batchNorm(input, weight, bias, eps);
  bool affine = weight.defined();
  if (!anyRequiresGrad(
          {&input, affine ? &weight : nullptr, affine ? &bias : nullptr}))
    return result;
  record(std::get<0>(result), "NativeBatchNormBackward0",
         {&input, affine ? &weight : nullptr, affine ? &bias : nullptr},
         [x = detach(input), w = affine ? detach(weight) : Tensor(),
          mean = std::get<1>(result), var = std::get<2>(result),
          eps](const Grads &g) {
           auto [dx, dweight, dbias] =
               ops::batchNormGrad(g[0], x, mean, var, w, eps);
           return Grads{dx, dweight, dbias};
         });
  return result;
}

Tensor layerNorm(const Tensor &input, int64_t normalizedDims,
                 const Tensor &weight, const Tensor &bias, double eps) {
  auto [output, mean, rstd] =
      ops::layerNorm(input, normalizedDims, weight, bias, eps);
  bool affine = weight.defined();
  if (!anyRequiresGrad(
          {&input, affine ? &weight : nullptr, affine ? &bias : nullptr}))
    return output;
  record(output, "NativeLayerNormBackward0",
         {&input, affine ? &weight : nullptr, affine ? &bias : nullptr},
         [x = detach(input), w = affine ? detach(weight) : Tensor(),
          mean = mean, rstd = rstd, normalizedDims](const Grads &g) {
           auto [dx, dweight, dbias] =
               ops::layerNormGrad(g[0], x, mean, rstd, w, normalizedDims);
           return Grads{dx, dweight, dbias};
         });
  return output;
}

Tensor convTranspose2d(const Tensor &input, const Tensor &weight,
                       const ops::Conv2dParams &params,
                       const std::vector<int64_t> &outputPadding) {
  const Shape &x = input.shape(), &w = weight.shape();
  if (x.size() != 4 || w.size() != 4)
    throwError(Error::Kind::Runtime,
               "conv_transpose2d: expected a 4-D input and a 4-D weight, but "
               "got input of size " +
                   formatShape(x) + " and weight of size " + formatShape(w));
  if (params.groups <= 0 || x[1] != w[0])
    throwError(Error::Kind::Runtime,
               "Given transposed=1, weight of size " + formatShape(w) +
                   ", expected input" + formatShape(x) + " to have " +
                   std::to_string(w[0]) + " channels, but got " +
                   std::to_string(x[1]) + " channels instead");
  const int64_t stride[] = {params.strideH, params.strideW},
                padding[] = {params.padH, params.padW},
                dilation[] = {params.dilationH, params.dilationW};
  Shape outShape = {x[0], w[1] * params.groups, 0, 0};
  for (int i = 0; i < 2; ++i) {
    int64_t extra = outputPadding.at(i);
    if (extra < 0 || (extra >= stride[i] && extra >= dilation[i])) {
      auto pair = [](const char *name, int64_t h, int64_t w) {
        return std::string(" ") + name + "_height: " + std::to_string(h) + " " +
               name + "_width: " + std::to_string(w);
      };
      throwError(
          Error::Kind::Runtime,
          "output padding must be smaller than either stride or "
          "dilation, but got" +
              pair("output_padding", outputPadding.at(0), outputPadding.at(1)) +
              pair("stride", stride[0], stride[1]) +
              pair("dilation", dilation[0], dilation[1]));
    }
    outShape[2 + i] = (x[2 + i] - 1) * stride[i] - 2 * padding[i] +
                      dilation[i] * (w[2 + i] - 1) + extra + 1;
  }
  // The transposed convolution is conv2d's input gradient with the input in
  // the place of the output gradient: no dilated copy of the input.
  Tensor result = ops::conv2dGradInput(input, weight, outShape, params);
  if (!anyRequiresGrad({&input, &weight}))
    return result;
  Tensor xd = detach(input), wd = detach(weight);
  bool inputNeedsGrad = autograd::requiresGrad(input);
  bool weightNeedsGrad = autograd::requiresGrad(weight);
  record(result, "ConvolutionBackward0", {&input, &weight},
         [xd, wd, inputNeedsGrad, weightNeedsGrad, params](const Grads &g) {
           return Grads{inputNeedsGrad ? ops::conv2d(g[0], wd, Tensor(), params)
                                       : Tensor(),
                        weightNeedsGrad ? ops::conv2dGradWeight(
                                              g[0], xd, wd.shape(), params)
                                        : Tensor()};
         });
  return result;
}

Tensor maxPool2d(const Tensor &input, const ops::Pool2dParams &params) {
  auto [result, indices] = ops::maxPool2d(input, params);
  if (!anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  Tensor where = indices;
  record(result, "MaxPool2DWithIndicesBackward0", {&input},
         [inputShape, where](const Grads &g) {
           return Grads{ops::maxPool2dGrad(g[0], where, inputShape)};
         });
  return result;
}

Tensor avgPool2d(const Tensor &input, const ops::Pool2dParams &params) {
  Tensor result = ops::avgPool2d(input, params);
  if (!anyRequiresGrad({&input}))
    return result;
  Shape inputShape = input.shape();
  record(result, "AvgPool2DBackward0", {&input},
         [inputShape, params](const Grads &g) {
           return Grads{ops::avgPool2dGrad(g[0], inputShape, params)};
         });
  return result;
}

} // namespace functions
} // namespace terra
