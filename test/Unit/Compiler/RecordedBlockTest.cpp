//===- RecordedBlockTest.cpp - Recorded eager ops, compiled, same values --===//
//
// The whole path below Python: eager ops announce themselves, the Recorder
// merges them into a TraceGraph, the hot loop becomes a block, the block a
// BlockSpec, and the compiled block run on the inputs of the last pass must
// give every value the eager ops gave.
//
//===----------------------------------------------------------------------===//

#include "terra/Compiler/BlockCompiler.h"
#include "terra/Runtime/EagerBlock.h"
#include "terra/Runtime/Ops.h"
#include "terra/Trace/BlockConversion.h"
#include "terra/Trace/Recorder.h"

#include "../Trace/LineSites.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace terra;
using namespace terra::trace;
using terra::trace::testing::LineSites;

namespace {

/// Forwards to the recorder and keeps each op's operands and results of
/// the current pass, in order.
class Capture : public recording::Observer {
public:
  explicit Capture(Recorder &recorder) : recorder_(recorder) {}

  void op(const char *name, recording::Attributes attributes,
          recording::Operands operands, recording::Results results) override {
    recorder_.op(name, std::move(attributes), operands, results);
    std::vector<Tensor> in, out;
    for (const Tensor *operand : operands)
      in.push_back(*operand);
    for (Tensor *result : results)
      out.push_back(*result);
    operands_.push_back(std::move(in));
    results_.push_back(std::move(out));
  }
  void inPlace(const char *, recording::Attributes, recording::Operands,
               Tensor &) override {
    FAIL() << "no in-place op expected";
  }

  void newPass() {
    operands_.clear();
    results_.clear();
  }
  const Tensor &operand(size_t op, size_t index) const {
    return operands_.at(op).at(index);
  }
  const Tensor &result(size_t op, size_t index) const {
    return results_.at(op).at(index);
  }

private:
  Recorder &recorder_;
  std::vector<std::vector<Tensor>> operands_, results_;
};

Tensor sample(const Shape &shape, int seed) {
  Tensor tensor = Tensor::empty(shape, DType::Float32);
  for (int64_t i = 0; i < tensor.numel(); ++i)
    tensor.data<float>()[i] = std::sin(0.37f * float(i) + float(seed));
  return tensor;
}

Tensor constant(double value) {
  Tensor tensor = Tensor::full({}, DType::Float32, value);
  tensor.traceTag().kind = TraceTag::Kind::Constant;
  return tensor;
}

/// Records three passes of a small loop; `capture` keeps the last one.
void recordLoop(LineSites &sites, Recorder &recorder, Capture &capture) {
  recording::setObserver(&capture);
  Tensor weight = sample({8, 5}, 100);
  for (int pass = 0; pass < 3; ++pass) {
    capture.newPass();
    Tensor x = sample({4, 8}, pass);
    sites.line = 1;
    Tensor h = ops::matmul(x, weight);
    sites.line = 2;
    Tensor a = ops::unary(ops::UnaryOp::Tanh, h);
    sites.line = 3;
    Tensor b = ops::binary(ops::BinaryOp::Mul, a, constant(0.5));
    sites.line = 4;
    Tensor s = ops::softmax(b.transpose(0, 1), 0);
    sites.line = 5;
    Tensor r = ops::sum(s, {1}, false);
    recorder.sync(SyncKind::ToList, r);
  }
  recording::setObserver(nullptr);
}

/// The loop's hot block with every result as an output.
TracedBlock hotBlock(Recorder &recorder) {
  const TraceGraph &graph = recorder.graph();
  BlockPartition partition = graph.blocks(/*minEdgeCount=*/2);
  for (const Block &block : partition.blocks)
    if (graph.node(block.nodes.front()).visits == 3)
      return toBlockSpec(graph, block, OutputPolicy::AllResults);
  return TracedBlock();
}

/// The block's op i is the pass's op i: each input is bound to the value
/// the last pass passed where the block first uses it.
std::vector<Tensor> lastPassInputs(const TracedBlock &traced,
                                   const Capture &capture) {
  std::vector<Tensor> inputs;
  for (const BlockInput &input : traced.inputs)
    inputs.push_back(capture.operand(input.firstOp, input.firstOperand));
  return inputs;
}

/// Three passes of the loop recorded, and its hot block.
class RecordedBlock : public ::testing::Test {
protected:
  void SetUp() override {
    recordLoop(sites, recorder, capture);
    traced = hotBlock(recorder);
  }

  LineSites sites;
  Recorder recorder{sites};
  Capture capture{recorder};
  TracedBlock traced;
};

} // namespace

TEST_F(RecordedBlock, CompiledHotLoopGivesTheEagerValues) {
  // matmul, tanh, mul, transpose, softmax, sum.
  ASSERT_EQ(traced.spec.ops.size(), 6u);
  EXPECT_EQ(traced.spec.ops.front().name, "matmul");

  auto compiled = compiler::CompiledBlock::compile(traced.spec);
  ASSERT_TRUE(static_cast<bool>(compiled)) << toString(compiled.takeError());

  std::vector<Tensor> inputs = lastPassInputs(traced, capture);
  auto outputs = (*compiled)->run(inputs);
  ASSERT_TRUE(static_cast<bool>(outputs)) << toString(outputs.takeError());
  ASSERT_EQ(outputs->size(), traced.outputs.size());
  for (size_t i = 0; i < traced.outputs.size(); ++i) {
    const BlockOutput &output = traced.outputs[i];
    Tensor expected = capture.result(output.op, output.result).contiguous();
    const Tensor &actual = (*outputs)[i];
    ASSERT_EQ(actual.shape(), expected.shape()) << "output " << i;
    for (int64_t k = 0; k < expected.numel(); ++k)
      EXPECT_NEAR(actual.data<float>()[k], expected.data<float>()[k], 1e-5)
          << "output " << i << " element " << k;
  }
}

TEST_F(RecordedBlock, EagerReplayGivesTheSameValuesBitForBit) {
  ASSERT_EQ(traced.spec.ops.size(), 6u);
  std::vector<Tensor> inputs = lastPassInputs(traced, capture);
  // A divergence after the third op replays just that prefix.
  for (size_t count : {size_t(3), traced.spec.ops.size()}) {
    auto results = runOpsEagerly(traced.spec, inputs, count);
    ASSERT_EQ(results.size(), count);
    for (size_t op = 0; op < count; ++op) {
      Tensor expected = capture.result(op, 0).contiguous();
      Tensor actual = results[op][0].contiguous();
      ASSERT_EQ(actual.shape(), expected.shape()) << "op " << op;
      for (int64_t k = 0; k < expected.numel(); ++k)
        ASSERT_EQ(actual.data<float>()[k], expected.data<float>()[k])
            << "op " << op << " element " << k;
    }
  }
}

TEST(EagerReplay, RejectsAnUnknownOp) {
  compiler::BlockSpec spec;
  spec.inputs.push_back({DType::Float32, {2}});
  spec.ops.push_back({"frobnicate",
                      {compiler::ValueId::input(0)},
                      {},
                      {{DType::Float32, {2}}}});
  try {
    runOpsEagerly(spec, {Tensor::full({2}, DType::Float32, 1)});
    FAIL() << "expected an error";
  } catch (const Error &error) {
    EXPECT_NE(std::string(error.what()).find("frobnicate"), std::string::npos);
  }
}
