//===- BlockTestUtils.h - Tracing blocks by hand and checking them -*- C++
//-*-===//
//
// A Tracer runs eager ops and records them as a BlockSpec at the same time,
// the way lib/Trace will: each recorded op carries the dtype and shape its
// eager result had. expectCompiledMatchesEager then compiles the block, runs
// it on the same inputs and compares every output with the eager value.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TEST_UNIT_COMPILER_BLOCKTESTUTILS_H
#define TERRA_TEST_UNIT_COMPILER_BLOCKTESTUTILS_H

#include "terra/Compiler/BlockCompiler.h"
#include "terra/Runtime/Ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace terra {
namespace testing {

using compiler::BlockSpec;
using compiler::NamedAttribute;
using compiler::OpSpec;
using compiler::TensorType;
using compiler::ValueId;

inline NamedAttribute attr(const char *name, int64_t value) {
  return {name, compiler::Attribute(value)};
}
inline NamedAttribute attrF(const char *name, double value) {
  return {name, compiler::Attribute(value)};
}
inline NamedAttribute attrB(const char *name, bool value) {
  return {name, compiler::Attribute(value)};
}
inline NamedAttribute attrL(const char *name, std::vector<int64_t> value) {
  return {name, compiler::Attribute(std::move(value))};
}

/// A value of the traced block with its eager tensor.
struct Traced {
  ValueId id;
  Tensor value;
  const Tensor &operator*() const { return value; }
};

class Tracer {
public:
  Traced input(const Tensor &tensor) {
    ValueId id = ValueId::input(static_cast<int32_t>(spec.inputs.size()));
    spec.inputs.push_back({tensor.dtype(), tensor.shape()});
    inputs.push_back(tensor);
    return {id, tensor};
  }

  /// Records op `name` whose eager result is `result`.
  Traced op(const std::string &name, const std::vector<Traced> &operands,
            std::vector<NamedAttribute> attributes, const Tensor &result) {
    return ops(name, operands, std::move(attributes), {result})[0];
  }

  std::vector<Traced> ops(const std::string &name,
                          const std::vector<Traced> &operands,
                          std::vector<NamedAttribute> attributes,
                          const std::vector<Tensor> &results) {
    OpSpec op;
    op.name = name;
    for (const Traced &operand : operands)
      op.operands.push_back(operand.id);
    op.attributes = std::move(attributes);
    std::vector<Traced> traced;
    int32_t index = static_cast<int32_t>(spec.ops.size());
    for (size_t r = 0; r < results.size(); ++r) {
      op.results.push_back({results[r].dtype(), results[r].shape()});
      traced.push_back(
          {ValueId::result(index, static_cast<int32_t>(r)), results[r]});
    }
    spec.ops.push_back(std::move(op));
    return traced;
  }

  void output(const Traced &value) {
    spec.outputs.push_back(value.id);
    expected.push_back(value.value);
  }

  BlockSpec spec;
  std::vector<Tensor> inputs;
  std::vector<Tensor> expected;
};

inline std::string errorText(llvm::Error error) {
  return llvm::toString(std::move(error));
}

/// Compares `actual` with `expected`: same dtype and shape, values equal
/// bit for bit when `tolerance` is 0, else within `tolerance` relative
/// (plus the same absolute slack near zero).
inline void expectSameTensor(const Tensor &actual, const Tensor &expected,
                             double tolerance, const std::string &what) {
  ASSERT_EQ(actual.dtype(), expected.dtype()) << what;
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  int mismatches = 0;
  for (int64_t i = 0; i < expected.numel() && mismatches < 5; ++i) {
    double a = actual.elementAsDouble(i), e = expected.elementAsDouble(i);
    bool same;
    if (std::isnan(e))
      same = std::isnan(a);
    else if (tolerance == 0)
      same = a == e && std::signbit(a) == std::signbit(e);
    else
      same = std::fabs(a - e) <= tolerance * std::max(1.0, std::fabs(e));
    if (!same) {
      ++mismatches;
      ADD_FAILURE() << what << ": element " << i << " is " << a
                    << ", eager gives " << e;
    }
  }
}

/// Compiles the traced block, runs it on the traced inputs (or `inputs`)
/// and compares with the eager outputs. Returns the compiled block.
inline std::unique_ptr<compiler::CompiledBlock>
expectCompiledMatchesEager(const Tracer &tracer, double tolerance,
                           const compiler::CompileOptions &options = {}) {
  auto block = compiler::CompiledBlock::compile(tracer.spec, options);
  if (!block) {
    ADD_FAILURE() << "compilation failed: " << errorText(block.takeError());
    return nullptr;
  }
  const compiler::CompileStats &stats = (*block)->stats();
  std::printf("[ compile  ] %zu ops: %.1f ms (build %.1f, lower %.1f, jit "
              "%.1f)\n",
              tracer.spec.ops.size(), stats.totalSeconds() * 1e3,
              stats.buildSeconds * 1e3, stats.lowerSeconds * 1e3,
              stats.jitSeconds * 1e3);
  auto outputs = (*block)->run(tracer.inputs);
  if (!outputs) {
    ADD_FAILURE() << "run failed: " << errorText(outputs.takeError());
    return nullptr;
  }
  EXPECT_EQ(outputs->size(), tracer.expected.size());
  for (size_t i = 0; i < outputs->size() && i < tracer.expected.size(); ++i)
    expectSameTensor((*outputs)[i], tracer.expected[i], tolerance,
                     "output " + std::to_string(i));
  return std::move(*block);
}

/// Deterministic values in [-4, 4) (small integers for integer dtypes).
inline Tensor sample(const Shape &shape, DType dtype = DType::Float32,
                     uint32_t seed = 1) {
  Tensor t = Tensor::empty(shape, dtype);
  uint32_t state = seed * 2654435761u + 12345u;
  dispatchDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    for (int64_t i = 0; i < t.numel(); ++i) {
      state = state * 1664525u + 1013904223u;
      double v = static_cast<double>(state >> 8) / (1 << 24) * 8.0 - 4.0;
      if constexpr (std::is_same_v<T, bool>)
        t.data<T>()[i] = v > 0;
      else if constexpr (std::is_integral_v<T>)
        t.data<T>()[i] = static_cast<T>(std::floor(v * 2));
      else
        t.data<T>()[i] = static_cast<T>(v);
    }
  });
  return t;
}

inline Tensor scalar(double value, DType dtype) {
  return Tensor::full({}, dtype, value);
}

/// y = x * x + 1 on a float32 [4] input: the smallest block worth caching.
inline Tracer squarePlusOne() {
  Tracer t;
  Traced x = t.input(sample({4}));
  Traced one = t.input(scalar(1, DType::Float32));
  Traced square =
      t.op("mul", {x, x}, {}, ops::binary(ops::BinaryOp::Mul, *x, *x));
  t.output(t.op("add", {square, one}, {},
                ops::binary(ops::BinaryOp::Add, *square, *one)));
  return t;
}

} // namespace testing
} // namespace terra

#endif // TERRA_TEST_UNIT_COMPILER_BLOCKTESTUTILS_H
