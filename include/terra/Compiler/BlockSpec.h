//===- BlockSpec.h - A traced block, as the compiler receives it -*- C++
//-*-===//
//
// The contract between tracing (lib/Trace) and compilation (lib/Compiler): a
// straight-line sequence of eager ops over the block's inputs, with the
// attributes and result types each op had when it ran. Op names and
// attributes are those of the eager API (terra/Runtime/Ops.h and Tensor's
// views), so that a block means exactly what its ops computed eagerly:
// broadcasting and type promotion are implicit here and made explicit by the
// compiler (terra.broadcast_to, terra.cast).
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_COMPILER_BLOCKSPEC_H
#define TERRA_COMPILER_BLOCKSPEC_H

#include "terra/Runtime/Tensor.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace terra {
namespace compiler {

/// The type of a value: what the eager op produced. A dimension that varies
/// from pass to pass holds a symbolic size (terra/Runtime/Tensor.h).
struct TensorType {
  DType dtype = DType::Float32;
  Shape shape;

  bool operator==(const TensorType &other) const {
    return dtype == other.dtype && shape == other.shape;
  }
};

/// A value inside a block: block input `index` or result `index` of op `op`.
struct ValueId {
  static constexpr int32_t kInput = -1;
  int32_t op = kInput;
  int32_t index = 0;

  static ValueId input(int32_t index) { return {kInput, index}; }
  static ValueId result(int32_t op, int32_t index = 0) { return {op, index}; }
  bool isInput() const { return op == kInput; }
  bool operator==(const ValueId &other) const {
    return op == other.op && index == other.index;
  }
};

/// An attribute value: an integer, a float, a bool, an integer list (axes,
/// shapes, strides) or a float list.
using Attribute = std::variant<int64_t, double, bool, std::vector<int64_t>,
                               std::vector<double>>;

struct NamedAttribute {
  std::string name;
  Attribute value;
};

/// One eager op application. `name` is one of:
///   unary ops:      neg abs exp log sqrt rsqrt tanh sigmoid relu gelu
///                   gelu_tanh erf sin cos logical_not
///   binary ops:     add sub mul div pow maximum minimum
///   comparisons:    eq ne lt le gt ge
///   where clamp{min?, max?} to{dtype}
///   views:          reshape{shape} permute{dims} transpose{dim0, dim1}
///                   expand{shape} slice{axis, start, stop, step}
///                   select{axis, index} unsqueeze{axis} squeeze{axis}
///                   contiguous clone
///   reductions:     sum/mean/amax/amin{axes, keepdim}
///                   argmax/argmin{axis?, keepdim} var{axes, correction,
///                   keepdim} softmax/log_softmax{axis}
///   normalization:  batch_norm{eps} with operands (input[, weight, bias]),
///                   results (output, mean, biased variance)
///                   layer_norm{dims, eps} over the last `dims`
///                   dimensions with operands (input[, weight, bias]),
///                   results (output, mean, rstd)
///   shape:          cat{axis} stack{axis} pad{low, high, value}
///                   index_select{axis} masked_select
///   contractions:   matmul conv2d{stride, padding, dilation, groups}
///                   max_pool2d / avg_pool2d{kernel, stride, padding,
///                   dilation, ceil_mode, count_include_pad}
///   random:         random_uniform{shape, dtype, low, high} and
///                   random_normal{shape, dtype, mean, std} with operands
///                   (key, counter), 0-d int64; random_bernoulli with
///                   operands (probabilities, key, counter)
///   backward ops:   conv2d_grad_input{...} conv2d_grad_weight{...}
///                   max_pool2d_grad{input_shape} avg_pool2d_grad{...}
///                   index_add{shape, axis} sum_to_shape{shape}
///                   relu_grad (gradient, relu's result)
///                   batch_norm_grad{eps} with operands (gradient, input,
///                   mean, variance[, weight]), results (input's, weight's
///                   and bias's gradients)
///                   layer_norm_grad{dims} with operands (gradient,
///                   input, mean, rstd[, weight]), the same results
/// Scalars (a Python float in `x * 0.5`) are operands too: 0-d inputs.
/// In-place ops are recorded under the out-of-place name (add, ..., and copy
/// for copy_), the value they write; through_view marks a write into part
/// of a larger buffer, which stays imperative.
struct OpSpec {
  std::string name;
  std::vector<ValueId> operands;
  std::vector<NamedAttribute> attributes;
  std::vector<TensorType> results;

  const Attribute *attribute(const std::string &attributeName) const {
    for (const NamedAttribute &attribute : attributes)
      if (attribute.name == attributeName)
        return &attribute.value;
    return nullptr;
  }
};

/// A straight-line block: inputs (values produced outside it: feeds,
/// variables, earlier blocks' results), ops in program order, and the
/// values it hands back.
struct BlockSpec {
  std::vector<TensorType> inputs;
  std::vector<OpSpec> ops;
  std::vector<ValueId> outputs;

  const TensorType &typeOf(const ValueId &value) const {
    return value.isInput() ? inputs[value.index]
                           : ops[value.op].results[value.index];
  }
};

/// Whether some input, result or integer attribute of `spec` has a symbolic
/// size (a dimension that varies from pass to pass).
inline bool hasSymbolicSizes(const BlockSpec &spec) {
  for (const TensorType &input : spec.inputs)
    if (terra::hasSymbolicSizes(input.shape))
      return true;
  for (const OpSpec &op : spec.ops) {
    for (const TensorType &result : op.results)
      if (terra::hasSymbolicSizes(result.shape))
        return true;
    for (const NamedAttribute &attribute : op.attributes)
      if ((std::holds_alternative<int64_t>(attribute.value) &&
           isSymbolicSize(std::get<int64_t>(attribute.value))) ||
          (std::holds_alternative<std::vector<int64_t>>(attribute.value) &&
           terra::hasSymbolicSizes(
               std::get<std::vector<int64_t>>(attribute.value))))
        return true;
  }
  return false;
}

/// The symbolic sizes of `spec` that no input's shape has: the compiled
/// block takes their values in an extra argument (after the outputs, an
/// int64 tensor in this order).
inline std::vector<int64_t> sizeArguments(const BlockSpec &spec) {
  std::vector<int64_t> fromInputs, others;
  auto note = [](std::vector<int64_t> &into, const Shape &sizes) {
    for (int64_t size : sizes)
      if (isSymbolicSize(size) &&
          std::find(into.begin(), into.end(), size) == into.end())
        into.push_back(size);
  };
  for (const TensorType &input : spec.inputs)
    note(fromInputs, input.shape);
  for (const OpSpec &op : spec.ops) {
    for (const TensorType &result : op.results)
      note(others, result.shape);
    for (const NamedAttribute &attribute : op.attributes)
      if (auto *list = std::get_if<std::vector<int64_t>>(&attribute.value))
        note(others, *list);
  }
  std::vector<int64_t> arguments;
  for (int64_t size : others)
    if (std::find(fromInputs.begin(), fromInputs.end(), size) ==
        fromInputs.end())
      arguments.push_back(size);
  std::sort(arguments.begin(), arguments.end());
  return arguments;
}

/// `spec` with the sizes of one pass: each symbolic size replaced by its
/// value in `symbols` (what the eager kernels need to run the block).
inline BlockSpec specializeSymbols(BlockSpec spec,
                                   const std::vector<int64_t> &symbols) {
  for (TensorType &input : spec.inputs)
    input.shape = substituteSymbols(input.shape, symbols);
  for (OpSpec &op : spec.ops) {
    for (TensorType &result : op.results)
      result.shape = substituteSymbols(result.shape, symbols);
    for (NamedAttribute &attribute : op.attributes) {
      if (auto *list = std::get_if<std::vector<int64_t>>(&attribute.value))
        *list = substituteSymbols(*list, symbols);
      else if (auto *value = std::get_if<int64_t>(&attribute.value))
        *value = substituteSymbols({*value}, symbols)[0];
    }
  }
  return spec;
}

} // namespace compiler
} // namespace terra

#endif // TERRA_COMPILER_BLOCKSPEC_H
