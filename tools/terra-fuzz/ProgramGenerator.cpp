//===- ProgramGenerator.cpp - Random well-typed blocks --------------------===//

#include "ProgramGenerator.h"

#include "terra/Runtime/EagerBlock.h"

#include <algorithm>
#include <exception>
#include <numeric>

namespace terra {
namespace fuzz {

using compiler::Attribute;
using compiler::NamedAttribute;
using compiler::OpSpec;
using compiler::TensorType;
using compiler::ValueId;

namespace {

/// Results larger than this are dropped: programs stay fast to run.
constexpr int64_t kMaxElements = 4096;

NamedAttribute integer(const char *name, int64_t value) {
  return {name, Attribute(value)};
}
NamedAttribute integers(const char *name, std::vector<int64_t> value) {
  return {name, Attribute(std::move(value))};
}
NamedAttribute number(const char *name, double value) {
  return {name, Attribute(value)};
}
NamedAttribute boolean(const char *name, bool value) {
  return {name, Attribute(value)};
}

OpSpec makeOp(std::string name, std::vector<NamedAttribute> attributes = {}) {
  OpSpec op;
  op.name = std::move(name);
  op.attributes = std::move(attributes);
  return op;
}

} // namespace

std::vector<Tensor> runEagerly(const OpSpec &op,
                               const std::vector<Tensor> &operands) {
  compiler::BlockSpec single;
  OpSpec copy = op;
  copy.operands.clear();
  for (size_t i = 0; i < operands.size(); ++i) {
    single.inputs.push_back({operands[i].dtype(), operands[i].shape()});
    copy.operands.push_back(ValueId::input(int32_t(i)));
  }
  single.ops.push_back(std::move(copy));
  return runOpsEagerly(single, operands).at(0);
}

Shape ProgramGenerator::randomShape(size_t minRank, size_t maxRank) {
  static const int64_t sizes[] = {1, 2, 3, 4, 5, 7, 8};
  size_t rank = minRank + below(maxRank - minRank + 1);
  Shape shape(rank);
  for (int64_t &size : shape) {
    size = sizes[below(std::size(sizes))];
    if (varyingSize_ && (size == 5 || size == 7))
      size = varyingSize_ + (size == 7);
  }
  return shape;
}

Shape ProgramGenerator::broadcastableTo(const Shape &shape) {
  Shape result(shape.begin() + below(shape.size() + 1), shape.end());
  for (int64_t &size : result)
    if (chance(0.3))
      size = 1;
  return result;
}

Tensor ProgramGenerator::randomTensor(const Shape &shape, DType dtype) {
  Tensor tensor = Tensor::empty(shape, dtype);
  std::normal_distribution<double> normal(0.0, 1.5);
  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    T *data = tensor.data<T>();
    for (int64_t i = 0; i < tensor.numel(); ++i) {
      double v = normal(valueRng());
      if constexpr (std::is_same_v<T, bool>)
        data[i] = v > 0;
      else if constexpr (std::is_integral_v<T>)
        data[i] = static_cast<T>(std::lround(v * 2));
      else
        data[i] = static_cast<T>(v);
    }
  });
  return tensor;
}

size_t ProgramGenerator::addInput(const Shape &shape, DType dtype) {
  Tensor tensor = randomTensor(shape, dtype);
  program_.spec.inputs.push_back({dtype, shape});
  program_.inputs.push_back(tensor);
  values_.push_back(
      {ValueId::input(int32_t(program_.inputs.size() - 1)), tensor, true});
  return values_.size() - 1;
}

size_t ProgramGenerator::pickFloat(bool exactOnly) {
  std::vector<size_t> candidates;
  for (size_t v = 0; v < values_.size(); ++v)
    if (isFloating(values_[v].tensor.dtype()) &&
        (!exactOnly || values_[v].exact))
      candidates.push_back(v);
  if (candidates.empty() || chance(0.15))
    return addInput(randomShape(), DType::Float32);
  // Recent values first: chains of ops are what fusion works on.
  size_t recent = std::min<size_t>(candidates.size(), 4);
  return chance(0.7) ? candidates[candidates.size() - 1 - below(recent)]
                     : candidates[below(candidates.size())];
}

size_t ProgramGenerator::pickAny(bool exactOnly) {
  std::vector<size_t> candidates;
  for (size_t v = 0; v < values_.size(); ++v)
    if (!exactOnly || values_[v].exact)
      candidates.push_back(v);
  if (candidates.empty() || chance(0.15)) {
    static const DType dtypes[] = {DType::Float32, DType::Float32, DType::Int64,
                                   DType::Int32, DType::Bool};
    return addInput(randomShape(), dtypes[below(std::size(dtypes))]);
  }
  return candidates[below(candidates.size())];
}

bool ProgramGenerator::tryAdd(OpSpec op, const std::vector<size_t> &operands,
                              bool exact) {
  std::vector<Tensor> tensors;
  for (size_t v : operands)
    tensors.push_back(values_[v].tensor);
  std::vector<Tensor> results;
  try {
    results = runEagerly(op, tensors);
  } catch (const std::exception &) {
    return false; // Not a well-typed op: the kernels say why.
  }
  for (const Tensor &result : results)
    if (result.numel() > kMaxElements)
      return false;
  op.operands.clear();
  for (size_t v : operands)
    op.operands.push_back(values_[v].id);
  int32_t index = int32_t(program_.spec.ops.size());
  for (size_t r = 0; r < results.size(); ++r) {
    op.results.push_back({results[r].dtype(), results[r].shape()});
    values_.push_back({ValueId::result(index, int32_t(r)), results[r], exact});
  }
  program_.spec.ops.push_back(std::move(op));
  program_.results.push_back(std::move(results));
  return true;
}

void ProgramGenerator::proposeOp() {
  static const char *floatUnary[] = {
      "neg",     "abs",  "exp",  "log",       "sqrt", "rsqrt", "tanh",
      "sigmoid", "relu", "gelu", "gelu_tanh", "erf",  "sin",   "cos"};
  static const char *binaryOps[] = {"add", "sub",     "mul",    "div",
                                    "pow", "maximum", "minimum"};
  static const char *compareOps[] = {"eq", "ne", "lt", "le", "gt", "ge"};
  auto exactOf = [&](std::initializer_list<size_t> operands) {
    for (size_t v : operands)
      if (!values_[v].exact)
        return false;
    return true;
  };
  // A copy: adding inputs may move the values.
  Shape shape;
  auto rankOf = [&](size_t v) {
    shape = values_[v].tensor.shape();
    return int64_t(shape.size());
  };
  // Weighted families: elementwise chains and views most, since fusion is
  // where compiled code departs furthest from the kernels.
  static const int weights[] = {3, 4, 1, 1, 1, 1, 4, 3, 1, 1, 1, 2, 1, 1};
  int total = std::accumulate(std::begin(weights), std::end(weights), 0);
  int pick = int(below(total)), family = 0;
  while (pick >= weights[family])
    pick -= weights[family++];

  switch (family) {
  case 0: { // unary
    if (chance(0.1)) {
      size_t a = pickAny(/*exactOnly=*/true);
      tryAdd(makeOp("logical_not"), {a}, true);
      return;
    }
    size_t a = pickFloat();
    std::string name = floatUnary[below(std::size(floatUnary))];
    tryAdd(makeOp(name), {a},
           exactOf({a}) && (name == "neg" || name == "abs" || name == "relu"));
    return;
  }
  case 1: { // binary, broadcasting
    size_t a = chance(0.8) ? pickFloat() : pickAny();
    Shape other =
        chance(0.2) ? Shape{} : broadcastableTo(values_[a].tensor.shape());
    DType dtype = chance(0.8) ? values_[a].tensor.dtype() : DType::Int64;
    size_t b = addInput(other, dtype);
    std::string name = binaryOps[below(std::size(binaryOps))];
    bool exact = exactOf({a, b}) && (name == "maximum" || name == "minimum");
    if (chance(0.5))
      tryAdd(makeOp(name), {a, b}, exact);
    else
      tryAdd(makeOp(name), {b, a}, exact);
    return;
  }
  case 2: { // comparison
    size_t a = pickAny(/*exactOnly=*/true);
    size_t b = addInput(broadcastableTo(values_[a].tensor.shape()),
                        values_[a].tensor.dtype());
    tryAdd(makeOp(compareOps[below(std::size(compareOps))]), {a, b}, true);
    return;
  }
  case 3: { // where
    size_t x = pickFloat();
    size_t condition =
        addInput(broadcastableTo(values_[x].tensor.shape()), DType::Bool);
    size_t y = addInput(broadcastableTo(values_[x].tensor.shape()),
                        values_[x].tensor.dtype());
    tryAdd(makeOp("where"), {condition, x, y}, exactOf({x}));
    return;
  }
  case 4: { // clamp
    size_t a = pickFloat();
    std::vector<NamedAttribute> attributes;
    if (chance(0.7))
      attributes.push_back(number("min", -1.0 + below(3) * 0.25));
    if (attributes.empty() || chance(0.5))
      attributes.push_back(number("max", 0.5 + below(3) * 0.25));
    tryAdd(makeOp("clamp", attributes), {a}, exactOf({a}));
    return;
  }
  case 5: { // to
    static const DType dtypes[] = {DType::Float32, DType::Float64, DType::Int64,
                                   DType::Int32, DType::Bool};
    DType dtype = dtypes[below(std::size(dtypes))];
    size_t a = isFloating(dtype) ? pickAny() : pickAny(/*exactOnly=*/true);
    tryAdd(makeOp("to", {integer("dtype", int64_t(dtype))}), {a}, exactOf({a}));
    return;
  }
  case 6: { // views and copies
    size_t a = pickAny();
    int64_t rank = rankOf(a);
    bool exact = exactOf({a});
    switch (below(10)) {
    case 0: { // reshape to a random factorisation of the element count
      int64_t numel = values_[a].tensor.numel();
      std::vector<int64_t> target;
      for (int64_t rest = numel; rest > 1;) {
        int64_t factor = 1;
        for (int64_t f = 2 + int64_t(below(4)); f >= 2; --f)
          if (rest % f == 0) {
            factor = f;
            break;
          }
        if (factor == 1 || chance(0.3))
          factor = rest;
        target.push_back(factor);
        rest /= factor;
      }
      if (chance(0.3))
        target.insert(target.begin() + below(target.size() + 1), 1);
      tryAdd(makeOp("reshape", {integers("shape", target)}), {a}, exact);
      return;
    }
    case 1: {
      std::vector<int64_t> dims(rank);
      std::iota(dims.begin(), dims.end(), 0);
      std::shuffle(dims.begin(), dims.end(), rng_);
      tryAdd(makeOp("permute", {integers("dims", dims)}), {a}, exact);
      return;
    }
    case 2:
      tryAdd(makeOp("transpose", {integer("dim0", int64_t(below(rank))),
                                  integer("dim1", int64_t(below(rank)))}),
             {a}, exact);
      return;
    case 3: {
      std::vector<int64_t> target(shape.begin(), shape.end());
      for (int64_t &size : target)
        if (size == 1 && chance(0.7))
          size = 1 + int64_t(below(4));
      if (chance(0.4))
        target.insert(target.begin(), 1 + int64_t(below(3)));
      tryAdd(makeOp("expand", {integers("shape", target)}), {a}, exact);
      return;
    }
    case 4: {
      int64_t axis = int64_t(below(rank));
      int64_t size = rank ? shape[axis] : 1;
      int64_t start = int64_t(below(size));
      int64_t stop = start + 1 + int64_t(below(size - start));
      tryAdd(makeOp("slice", {integer("axis", axis), integer("start", start),
                              integer("stop", stop),
                              integer("step", 1 + int64_t(below(2)))}),
             {a}, exact);
      return;
    }
    case 5: {
      int64_t axis = int64_t(below(rank));
      tryAdd(makeOp("select",
                    {integer("axis", axis),
                     integer("index", int64_t(below(rank ? shape[axis] : 1)))}),
             {a}, exact);
      return;
    }
    case 6:
      tryAdd(makeOp("unsqueeze", {integer("axis", int64_t(below(rank + 1)))}),
             {a}, exact);
      return;
    case 7:
      tryAdd(makeOp("squeeze", {integer("axis", int64_t(below(rank)))}), {a},
             exact);
      return;
    case 8:
      tryAdd(makeOp("contiguous"), {a}, exact);
      return;
    default:
      tryAdd(makeOp("clone"), {a}, exact);
      return;
    }
  }
  case 7: { // reductions
    size_t a = pickFloat();
    int64_t rank = rankOf(a);
    std::vector<int64_t> axes;
    for (int64_t d = 0; d < rank; ++d)
      if (chance(0.5))
        axes.push_back(chance(0.2) ? d - rank : d);
    bool keepdim = chance(0.5);
    switch (below(7)) {
    case 0:
      tryAdd(
          makeOp("sum", {integers("axes", axes), boolean("keepdim", keepdim)}),
          {a}, false);
      return;
    case 1:
      tryAdd(
          makeOp("mean", {integers("axes", axes), boolean("keepdim", keepdim)}),
          {a}, false);
      return;
    case 2:
      tryAdd(makeOp(chance(0.5) ? "amax" : "amin",
                    {integers("axes", axes), boolean("keepdim", keepdim)}),
             {a}, exactOf({a}));
      return;
    case 3: {
      size_t exactValue = pickFloat(/*exactOnly=*/true);
      int64_t exactRank = rankOf(exactValue);
      std::vector<NamedAttribute> attributes = {boolean("keepdim", keepdim)};
      if (chance(0.7))
        attributes.push_back(integer("axis", int64_t(below(exactRank))));
      tryAdd(makeOp(chance(0.5) ? "argmax" : "argmin", attributes),
             {exactValue}, true);
      return;
    }
    case 4:
      tryAdd(makeOp("var", {integers("axes", axes),
                            integer("correction", int64_t(below(2))),
                            boolean("keepdim", keepdim)}),
             {a}, false);
      return;
    default:
      tryAdd(makeOp(chance(0.5) ? "softmax" : "log_softmax",
                    {integer("axis", rank ? int64_t(below(rank)) : 0)}),
             {a}, false);
      return;
    }
  }
  case 8: { // cat and stack
    size_t a = pickAny();
    int64_t rank = rankOf(a);
    Shape other = shape;
    bool stack = rank == 0 || chance(0.4);
    int64_t axis = int64_t(below(stack ? rank + 1 : rank));
    if (!stack)
      other[axis] = 1 + int64_t(below(3));
    size_t b = addInput(other, values_[a].tensor.dtype());
    tryAdd(makeOp(stack ? "stack" : "cat", {integer("axis", axis)}), {a, b},
           exactOf({a}));
    return;
  }
  case 9: { // pad
    size_t a = pickAny();
    int64_t rank = rankOf(a);
    std::vector<int64_t> low(rank), high(rank);
    for (int64_t d = 0; d < rank; ++d) {
      low[d] = chance(0.5) ? int64_t(below(3)) : 0;
      high[d] = chance(0.5) ? int64_t(below(3)) : 0;
    }
    tryAdd(makeOp("pad", {integers("low", low), integers("high", high),
                          number("value", chance(0.5) ? 0.0 : -1.5)}),
           {a}, exactOf({a}));
    return;
  }
  case 10: { // index_select
    size_t a = pickAny();
    int64_t rank = rankOf(a);
    if (rank == 0)
      return;
    int64_t axis = int64_t(below(rank));
    size_t index = addInput({1 + int64_t(below(5))}, DType::Int64);
    Tensor &indices = values_[index].tensor;
    for (int64_t i = 0; i < indices.numel(); ++i)
      indices.data<int64_t>()[i] = int64_t(below(shape[axis]));
    tryAdd(makeOp("index_select", {integer("axis", axis)}), {a, index},
           exactOf({a}));
    return;
  }
  case 11: { // matmul
    size_t a = pickFloat();
    int64_t rank = rankOf(a);
    if (rank == 0)
      return;
    int64_t k = shape.back();
    Shape other;
    if (rank >= 3 && chance(0.5))
      other.assign(shape.begin(), shape.end() - 2);
    other.push_back(k);
    if (rank == 1 || chance(0.8))
      other.push_back(1 + int64_t(below(6)));
    size_t b = addInput(other, values_[a].tensor.dtype());
    tryAdd(makeOp("matmul"), {a, b}, false);
    return;
  }
  case 12: { // conv2d
    int64_t channels = 1 + int64_t(below(4));
    Shape input = {1 + int64_t(below(2)), channels, 3 + int64_t(below(6)),
                   3 + int64_t(below(6))};
    size_t x = addInput(input, DType::Float32);
    int64_t groups = channels > 1 && chance(0.3) ? channels : 1;
    int64_t outChannels = groups * (1 + int64_t(below(3)));
    int64_t kernel = 1 + int64_t(below(3));
    size_t weight = addInput({outChannels, channels / groups, kernel, kernel},
                             DType::Float32);
    std::vector<size_t> operands = {x, weight};
    if (chance(0.5))
      operands.push_back(addInput({outChannels}, DType::Float32));
    int64_t stride = 1 + int64_t(below(2)), padding = int64_t(below(2)),
            dilation = 1 + int64_t(below(2));
    tryAdd(makeOp("conv2d", {integers("stride", {stride, stride}),
                             integers("padding", {padding, padding}),
                             integers("dilation", {dilation, dilation}),
                             integer("groups", groups)}),
           operands, false);
    return;
  }
  default: { // pooling
    size_t x = addInput({1 + int64_t(below(2)), 1 + int64_t(below(3)),
                         2 + int64_t(below(7)), 2 + int64_t(below(7))},
                        DType::Float32);
    int64_t kernel = 1 + int64_t(below(3));
    int64_t stride = 1 + int64_t(below(2));
    int64_t padding = int64_t(below(kernel / 2 + 1));
    bool max = chance(0.5);
    tryAdd(
        makeOp(max ? "max_pool2d" : "avg_pool2d",
               {integers("kernel", {kernel, kernel}),
                integers("stride", {stride, stride}),
                integers("padding", {padding, padding}),
                integers("dilation", {1, 1}), boolean("ceil_mode", chance(0.3)),
                boolean("count_include_pad", chance(0.5))}),
        {x}, max);
    return;
  }
  }
}

Program ProgramGenerator::generate(size_t numOps) {
  program_ = Program();
  values_.clear();
  // Proposals the kernels reject do not count; bounded all the same.
  for (size_t tries = 0;
       program_.spec.ops.size() < numOps && tries < 20 * numOps; ++tries)
    proposeOp();
  std::vector<std::vector<bool>> used(program_.spec.ops.size());
  for (size_t op = 0; op < used.size(); ++op)
    used[op].assign(program_.spec.ops[op].results.size(), false);
  for (const OpSpec &op : program_.spec.ops)
    for (const ValueId &operand : op.operands)
      if (!operand.isInput())
        used[operand.op][operand.index] = true;
  for (size_t op = 0; op < used.size(); ++op)
    for (size_t r = 0; r < used[op].size(); ++r)
      // Max pooling's indices are for its gradient, which the dialect
      // computes itself: a block that outputs them stays eager.
      if (program_.spec.ops[op].name == "max_pool2d" && r == 1)
        continue;
      else if (!used[op][r] || chance(0.33))
        program_.spec.outputs.push_back(
            ValueId::result(int32_t(op), int32_t(r)));
  return std::move(program_);
}

} // namespace fuzz
} // namespace terra
