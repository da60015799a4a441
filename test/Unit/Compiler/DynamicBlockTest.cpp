//===- DynamicBlockTest.cpp - Blocks with symbolic sizes ------------------===//
//
// A sequence model's forward and backward ops traced at two lengths; the
// sizes that differ become symbolic (as the TraceGraph makes them), the
// block is compiled once and run at other lengths against the eager ops.
//
//===----------------------------------------------------------------------===//

#include "BlockTestUtils.h"

#include "terra/Runtime/EagerBlock.h"

#include <map>

using namespace terra;
using namespace terra::testing;

namespace {

/// Embedding lookup, linear layer, tanh, mean over the sequence, softmax
/// over it, attention scores, variances, the mean's gradient (an expand to the
/// sequence length) and the embedding's gradient, for tokens of `length`.
Tracer sequenceBlock(int64_t length) {
  Tracer t;
  const int64_t batch = 4, width = 8, vocabulary = 16;
  Tensor tokenValues = Tensor::empty({batch, length}, DType::Int64);
  for (int64_t i = 0; i < batch * length; ++i)
    tokenValues.data<int64_t>()[i] = (i * 7 + length) % vocabulary;
  Traced tokens = t.input(tokenValues);
  Traced table = t.input(sample({vocabulary, width}, DType::Float32, 2));
  Traced weight = t.input(sample({width, width}, DType::Float32, 3));
  Traced bias = t.input(sample({width}, DType::Float32, 4));
  auto reshape = [&](const Traced &x, Shape shape) {
    return t.op("reshape", {x}, {attrL("shape", shape)}, (*x).reshape(shape));
  };
  Traced flat = reshape(tokens, {batch * length});
  Traced rows = t.op("index_select", {table, flat}, {attr("axis", 0)},
                     ops::indexSelect(*table, 0, *flat));
  Traced embedded = reshape(rows, {batch, length, width});
  Traced product =
      t.op("matmul", {embedded, weight}, {}, ops::matmul(*embedded, *weight));
  Traced biased = t.op("add", {product, bias}, {},
                       ops::binary(ops::BinaryOp::Add, *product, *bias));
  Traced hidden =
      t.op("tanh", {biased}, {}, ops::unary(ops::UnaryOp::Tanh, *biased));
  Traced pooled =
      t.op("mean", {hidden}, {attrL("axes", {1}), attrB("keepdim", true)},
           ops::mean(*hidden, {1}, true));
  t.output(pooled);
  t.output(
      t.op("softmax", {hidden}, {attr("axis", 1)}, ops::softmax(*hidden, 1)));
  // Attention over 2 heads: batched products over two dynamic sizes.
  Traced split = reshape(hidden, {batch, length, 2, width / 2});
  Traced heads = t.op("permute", {split}, {attrL("dims", {0, 2, 1, 3})},
                      (*split).permute({0, 2, 1, 3}));
  Traced keys = t.op("transpose", {heads}, {attr("dim0", 2), attr("dim1", 3)},
                     (*heads).transpose(2, 3));
  Traced scores = t.op("matmul", {heads, keys}, {}, ops::matmul(*heads, *keys));
  t.output(t.op("matmul", {scores, heads}, {}, ops::matmul(*scores, *heads)));
  // LayerNorm's biased variance, over the features and over the sequence.
  t.output(
      t.op("var", {hidden},
           {attrL("axes", {2}), attr("correction", 0), attrB("keepdim", true)},
           ops::var(*hidden, {2}, 0, true)));
  t.output(
      t.op("var", {hidden},
           {attrL("axes", {1}), attr("correction", 0), attrB("keepdim", false)},
           ops::var(*hidden, {1}, 0, false)));
  Traced spread =
      t.op("expand", {pooled}, {attrL("shape", {batch, length, width})},
           (*pooled).expand({batch, length, width}));
  Traced scaled = t.op("mul", {spread, hidden}, {},
                       ops::binary(ops::BinaryOp::Mul, *spread, *hidden));
  t.output(t.op("relu", {scaled}, {}, ops::unary(ops::UnaryOp::Relu, *scaled)));
  Traced updates = reshape(scaled, {batch * length, width});
  t.output(t.op("index_add", {flat, updates},
                {attrL("shape", {vocabulary, width}), attr("axis", 0)},
                ops::indexAdd({vocabulary, width}, 0, *flat, *updates)));
  t.output(t.op("sum", {scaled},
                {attrL("axes", {0, 1}), attrB("keepdim", false)},
                ops::sum(*scaled, {0, 1}, false)));
  return t;
}

/// Marks every size of `a` that differs in `b` symbolic, one symbol per
/// pair of sizes (as TraceGraph generalises a node seen at two lengths).
compiler::BlockSpec symbolize(compiler::BlockSpec a,
                              const compiler::BlockSpec &b) {
  std::map<std::pair<int64_t, int64_t>, uint32_t> symbols;
  auto symbolic = [&](int64_t &x, int64_t y) {
    if (x == y)
      return;
    auto it = symbols.emplace(std::make_pair(x, y), uint32_t(symbols.size()));
    x = symbolicSize(it.first->second);
  };
  auto shapes = [&](auto &x, const auto &y) {
    for (size_t d = 0; d < x.size(); ++d)
      symbolic(x[d], y[d]);
  };
  for (size_t i = 0; i < a.inputs.size(); ++i)
    shapes(a.inputs[i].shape, b.inputs[i].shape);
  for (size_t i = 0; i < a.ops.size(); ++i) {
    for (size_t r = 0; r < a.ops[i].results.size(); ++r)
      shapes(a.ops[i].results[r].shape, b.ops[i].results[r].shape);
    for (size_t k = 0; k < a.ops[i].attributes.size(); ++k)
      if (auto *list =
              std::get_if<std::vector<int64_t>>(&a.ops[i].attributes[k].value))
        shapes(*list,
               std::get<std::vector<int64_t>>(b.ops[i].attributes[k].value));
  }
  return a;
}

/// The values `traced` gives the symbols of `spec` (the same block at
/// other sizes), by symbol.
std::vector<int64_t> symbolValues(const compiler::BlockSpec &spec,
                                  const compiler::BlockSpec &traced) {
  std::vector<int64_t> symbols;
  auto note = [&](const Shape &symbolic, const Shape &sizes) {
    EXPECT_TRUE(bindSymbols(symbolic, sizes, symbols));
  };
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    note(spec.inputs[i].shape, traced.inputs[i].shape);
  for (size_t o = 0; o < spec.ops.size(); ++o)
    for (size_t r = 0; r < spec.ops[o].results.size(); ++r)
      note(spec.ops[o].results[r].shape, traced.ops[o].results[r].shape);
  return symbols;
}

TEST(DynamicBlock, OneCompilationServesEveryLength) {
  compiler::BlockSpec spec =
      symbolize(sequenceBlock(5).spec, sequenceBlock(7).spec);
  ASSERT_TRUE(compiler::hasSymbolicSizes(spec));
  auto block = compiler::CompiledBlock::compile(spec);
  ASSERT_TRUE(bool(block)) << errorText(block.takeError());
  for (int64_t length : {2, 5, 7, 13, 40}) {
    Tracer traced = sequenceBlock(length);
    // batch * length, which no input has, is given.
    auto outputs =
        (*block)->run(traced.inputs, symbolValues(spec, traced.spec));
    ASSERT_TRUE(bool(outputs)) << errorText(outputs.takeError());
    ASSERT_EQ(outputs->size(), traced.expected.size());
    for (size_t i = 0; i < outputs->size(); ++i)
      expectSameTensor((*outputs)[i], traced.expected[i], 1e-5,
                       "length " + std::to_string(length) + " output " +
                           std::to_string(i));
  }
}

TEST(DynamicBlock, SpecializedSpecRunsEagerly) {
  compiler::BlockSpec spec =
      symbolize(sequenceBlock(5).spec, sequenceBlock(7).spec);
  Tracer traced = sequenceBlock(9);
  std::vector<int64_t> symbols = symbolValues(spec, traced.spec);
  compiler::BlockSpec concrete = compiler::specializeSymbols(spec, symbols);
  EXPECT_FALSE(compiler::hasSymbolicSizes(concrete));
  std::vector<std::vector<Tensor>> results =
      runOpsEagerly(concrete, traced.inputs);
  ASSERT_EQ(results.size(), spec.ops.size());
  for (size_t o = 0; o < spec.outputs.size(); ++o) {
    const compiler::ValueId &id = spec.outputs[o];
    expectSameTensor(results[id.op][id.index], traced.expected[o], 0,
                     "output " + std::to_string(o));
  }
}

TEST(DynamicBlock, SizesNoInputHasMustBeGiven) {
  compiler::BlockSpec spec =
      symbolize(sequenceBlock(5).spec, sequenceBlock(7).spec);
  EXPECT_EQ(compiler::sizeArguments(spec).size(), 1u);
  auto block = compiler::CompiledBlock::compile(spec);
  ASSERT_TRUE(bool(block)) << errorText(block.takeError());
  auto outputs = (*block)->run(sequenceBlock(6).inputs);
  ASSERT_FALSE(bool(outputs));
  EXPECT_NE(errorText(outputs.takeError()).find("no input gives"),
            std::string::npos);
}

TEST(DynamicBlock, InputsThatDisagreeOnASymbolAreRefused) {
  compiler::BlockSpec spec =
      symbolize(sequenceBlock(5).spec, sequenceBlock(7).spec);
  auto block = compiler::CompiledBlock::compile(spec);
  ASSERT_TRUE(bool(block)) << errorText(block.takeError());
  Tracer traced = sequenceBlock(6);
  std::vector<Tensor> inputs = traced.inputs;
  // Tokens of length 6 but symbol values given for length 9.
  std::vector<int64_t> symbols = {9, 36};
  auto outputs = (*block)->run(inputs, symbols);
  ASSERT_FALSE(bool(outputs));
  EXPECT_NE(
      errorText(outputs.takeError()).find("input 0 should be int64[4, ?]"),
      std::string::npos);
}

} // namespace
