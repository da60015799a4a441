//===- BlockHash.cpp - Structural hash and equality of BlockSpecs ---------===//
//
// Two blocks are the same when they apply the same ops, with the same
// attributes and result types, wired the same way, to inputs of the same
// types. Numbers compare by their bits, so that NaN equals itself and -0.0
// differs from 0.0 (a padding value of -0.0 is a different program).
//
//===----------------------------------------------------------------------===//

#include "terra/Compiler/BlockCompiler.h"

#include <cstring>
#include <functional>

namespace terra {
namespace compiler {

namespace {

uint64_t bitsOf(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

/// Boost's hash_combine, widened to 64 bits.
struct Hasher {
  size_t state = 0x9e3779b97f4a7c15ull;
  void add(uint64_t value) {
    state ^= std::hash<uint64_t>()(value) + 0x9e3779b97f4a7c15ull +
             (state << 6) + (state >> 2);
  }
  void add(const std::string &text) { add(std::hash<std::string>()(text)); }
  void add(const TensorType &type) {
    add(static_cast<uint64_t>(type.dtype));
    add(type.shape.size());
    for (int64_t size : type.shape)
      add(static_cast<uint64_t>(size));
  }
  void add(const ValueId &value) {
    add(static_cast<uint64_t>(static_cast<int64_t>(value.op)));
    add(static_cast<uint64_t>(static_cast<int64_t>(value.index)));
  }
  void add(const Attribute &attribute) {
    add(attribute.index());
    if (auto *integer = std::get_if<int64_t>(&attribute)) {
      add(static_cast<uint64_t>(*integer));
    } else if (auto *number = std::get_if<double>(&attribute)) {
      add(bitsOf(*number));
    } else if (auto *flag = std::get_if<bool>(&attribute)) {
      add(*flag);
    } else if (auto *integers = std::get_if<std::vector<int64_t>>(&attribute)) {
      add(integers->size());
      for (int64_t each : *integers)
        add(static_cast<uint64_t>(each));
    } else if (auto *numbers = std::get_if<std::vector<double>>(&attribute)) {
      add(numbers->size());
      for (double each : *numbers)
        add(bitsOf(each));
    }
  }
};

bool sameAttribute(const Attribute &a, const Attribute &b) {
  if (a.index() != b.index())
    return false;
  if (auto *number = std::get_if<double>(&a))
    return bitsOf(*number) == bitsOf(std::get<double>(b));
  if (auto *numbers = std::get_if<std::vector<double>>(&a)) {
    const auto &others = std::get<std::vector<double>>(b);
    if (numbers->size() != others.size())
      return false;
    for (size_t i = 0; i < numbers->size(); ++i)
      if (bitsOf((*numbers)[i]) != bitsOf(others[i]))
        return false;
    return true;
  }
  return a == b;
}

bool sameOp(const OpSpec &a, const OpSpec &b) {
  if (a.name != b.name || !(a.operands == b.operands) ||
      !(a.results == b.results) || a.attributes.size() != b.attributes.size())
    return false;
  for (size_t i = 0; i < a.attributes.size(); ++i)
    if (a.attributes[i].name != b.attributes[i].name ||
        !sameAttribute(a.attributes[i].value, b.attributes[i].value))
      return false;
  return true;
}

} // namespace

size_t hashBlockSpec(const BlockSpec &spec) {
  Hasher hasher;
  hasher.add(spec.inputs.size());
  for (const TensorType &input : spec.inputs)
    hasher.add(input);
  hasher.add(spec.ops.size());
  for (const OpSpec &op : spec.ops) {
    hasher.add(op.name);
    hasher.add(op.operands.size());
    for (const ValueId &operand : op.operands)
      hasher.add(operand);
    hasher.add(op.attributes.size());
    for (const NamedAttribute &attribute : op.attributes) {
      hasher.add(attribute.name);
      hasher.add(attribute.value);
    }
    hasher.add(op.results.size());
    for (const TensorType &result : op.results)
      hasher.add(result);
  }
  hasher.add(spec.outputs.size());
  for (const ValueId &output : spec.outputs)
    hasher.add(output);
  return hasher.state;
}

bool equalBlockSpecs(const BlockSpec &a, const BlockSpec &b) {
  if (!(a.inputs == b.inputs) || !(a.outputs == b.outputs) ||
      a.ops.size() != b.ops.size())
    return false;
  for (size_t i = 0; i < a.ops.size(); ++i)
    if (!sameOp(a.ops[i], b.ops[i]))
      return false;
  return true;
}

} // namespace compiler
} // namespace terra
