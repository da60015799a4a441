//===- BlockConversionTest.cpp - Blocks as BlockSpecs ---------------------===//

#include "terra/Trace/BlockConversion.h"

#include "TraceBuilder.h"

#include <gtest/gtest.h>

using namespace terra;
using namespace terra::trace;
using namespace terra::trace::testing;
using compiler::ValueId;

namespace {

TracedBlock onlyBlock(const TraceGraph &graph,
                      OutputPolicy policy = OutputPolicy::ObservedUses) {
  BlockPartition partition = graph.blocks();
  EXPECT_EQ(partition.blocks.size(), 1u);
  return toBlockSpec(graph, partition.blocks.at(0), policy);
}

} // namespace

TEST(BlockConversion, InputsAreDeduplicatedBySource) {
  Recorder r;
  TraceGraph graph;
  for (int i = 0; i < 2; ++i) {
    Value x = r.feed(f32({8, 4}));
    Value w = Recorder::variable(3, f32({4, 4}));
    Value sq = r.op("mul", line(1), {x, x});    // one feed
    Value m = r.op("matmul", line(2), {sq, w}); // wired
    Value m2 = r.op("matmul", line(3), {m, w}); // same w
    Value a = r.op("mul", line(4), {m2, Recorder::constant(0.5)});
    Value b = r.op("mul", line(5), {a, Recorder::constant(0.5)}); // same 0.5
    Value loss = r.op("sum", line(6), {b}, f32({}));
    r.sync(line(7), SyncKind::Item, loss);
    graph.merge(r.finish());
  }
  TracedBlock block = onlyBlock(graph);
  const compiler::BlockSpec &spec = block.spec;
  ASSERT_EQ(spec.ops.size(), 6u);
  // Inputs: x, w, 0.5.
  ASSERT_EQ(spec.inputs.size(), 3u);
  EXPECT_EQ(spec.inputs[0], f32({8, 4}));
  EXPECT_EQ(spec.inputs[1], f32({4, 4}));
  EXPECT_EQ(spec.inputs[2], (TensorType{DType::Float64, {}}));
  EXPECT_EQ(block.inputs[0].source.kind, ProducerKind::Feed);
  EXPECT_EQ(block.inputs[1].source.variable, 3u);
  EXPECT_EQ(block.inputs[1].firstOp, 1u);
  EXPECT_EQ(block.inputs[1].firstOperand, 1u);
  EXPECT_EQ(block.inputs[2].source.constant, 0.5);

  EXPECT_EQ(spec.ops[0].name, "mul");
  EXPECT_EQ(spec.ops[0].operands,
            (std::vector<ValueId>{ValueId::input(0), ValueId::input(0)}));
  EXPECT_EQ(spec.ops[1].operands,
            (std::vector<ValueId>{ValueId::result(0), ValueId::input(1)}));
  EXPECT_EQ(spec.ops[2].operands,
            (std::vector<ValueId>{ValueId::result(1), ValueId::input(1)}));
  EXPECT_EQ(spec.ops[3].operands,
            (std::vector<ValueId>{ValueId::result(2), ValueId::input(2)}));
  EXPECT_EQ(spec.ops[4].operands,
            (std::vector<ValueId>{ValueId::result(3), ValueId::input(2)}));
  EXPECT_EQ(spec.ops[5].results, (std::vector<TensorType>{f32({})}));

  // Only the fetched loss leaves the block.
  ASSERT_EQ(spec.outputs.size(), 1u);
  EXPECT_EQ(spec.outputs[0], ValueId::result(5));
  EXPECT_TRUE(block.outputs[0].fetched);

  TracedBlock all = onlyBlock(graph, OutputPolicy::AllResults);
  EXPECT_EQ(all.spec.outputs.size(), 6u);
}

TEST(BlockConversion, OptimiserWritesAreOutputsAndLaterReadsSeeThem) {
  Recorder r;
  TraceGraph graph;
  for (int i = 0; i < 2; ++i) {
    Value w = Recorder::variable(1, f32({4}));
    Value g = r.op("exp", line(1), {r.feed(f32({4}))});
    Value step = r.op("mul", line(2), {g, r.feed(f32({}))}); // lr varies
    // w.sub_(step), then w used again in the same step.
    r.op("sub", line(3), {w, step}, std::nullopt, {}, {VariableWrite{1, 0}});
    Value after = r.op("add", line(4), {w, g});
    r.hold(after);
    graph.merge(r.finish());
  }
  TracedBlock block = onlyBlock(graph);
  const compiler::BlockSpec &spec = block.spec;
  // Inputs: feed, lr feed, w (read once before its write).
  ASSERT_EQ(spec.inputs.size(), 3u);
  EXPECT_EQ(spec.ops[2].operands[0], ValueId::input(2));
  // After the write, w is the sub's result.
  EXPECT_EQ(spec.ops[3].operands,
            (std::vector<ValueId>{ValueId::result(2), ValueId::result(0)}));
  ASSERT_EQ(spec.outputs.size(), 2u);
  EXPECT_EQ(spec.outputs[0], ValueId::result(2));
  EXPECT_TRUE(block.outputs[0].writesVariable);
  EXPECT_EQ(block.outputs[0].variable, 1u);
  EXPECT_EQ(spec.outputs[1], ValueId::result(3));
  EXPECT_TRUE(block.outputs[1].heldByPython);
}

TEST(BlockConversion, LoopCarriedValuesComeFromThePreviousPass) {
  Recorder r;
  TraceGraph graph;
  Value h = r.op("exp", line(1), {r.feed(f32({4}))});
  graph.merge(r.finish());
  for (int i = 0; i < 3; ++i) {
    // RNN step: s = h + x; h = tanh(s); the old h is also reused.
    Value x = r.feed(f32({4}));
    Value s = r.op("add", line(2), {h, x});
    Value nh = r.op("tanh", line(3), {s});
    r.op("mul", line(4), {nh, h});
    h = nh;
    graph.merge(r.finish());
  }
  BlockPartition partition = graph.blocks();
  ASSERT_EQ(partition.blocks.size(), 2u); // [exp], [add, tanh, mul]
  TracedBlock block = toBlockSpec(graph, partition.blocks[1]);
  const compiler::BlockSpec &spec = block.spec;
  ASSERT_EQ(spec.ops.size(), 3u);
  EXPECT_EQ(spec.ops[1].operands[0], ValueId::result(0));
  EXPECT_EQ(spec.ops[2].operands[0], ValueId::result(1));
  // add.h saw exp once (pass 1), then tanh of the previous pass: the source
  // seen once gives way, and h is a loop-carried input. mul's old h is the
  // same value: one input for both, next to the fed x.
  EXPECT_FALSE(graph.node(partition.blocks[1].nodes[0]).operands[0].varies);
  ASSERT_EQ(spec.inputs.size(), 2u);
  EXPECT_EQ(block.inputs[0].passesBack, 1u);
  EXPECT_EQ(spec.ops[0].operands[0], ValueId::input(0));
  EXPECT_EQ(spec.ops[2].operands[1], ValueId::input(0));
  // tanh's result is used by the next pass: an output.
  ASSERT_EQ(spec.outputs.size(), 1u);
  EXPECT_EQ(spec.outputs[0], ValueId::result(1));
  EXPECT_TRUE(block.outputs[0].usedOutside);
}

TEST(BlockConversion, LoopBlockStartsWhereTheFirstPassJoins) {
  Recorder r;
  TraceGraph graph;
  // h = x0 (fed); loop: t = tanh(h); u = add(t, h); h = neg(u). The first
  // pass reads a fed h (other producer kinds: other nodes); from the second
  // pass on, tanh and add read neg's result.
  Value h = r.feed(f32({4}));
  for (int i = 0; i < 3; ++i) {
    Value t = r.op("tanh", line(2), {h});
    Value u = r.op("add", line(3), {t, h});
    h = r.op("neg", line(4), {u});
    graph.merge(r.finish());
  }
  // tanh(fed) 1, add(_, fed) 2, neg 3, tanh 4, add 5; the loop block is the
  // rotation [neg, tanh, add] that starts at the join, after [tanh, add] of
  // the first pass.
  BlockPartition partition = graph.blocks();
  ASSERT_EQ(partition.blocks.size(), 2u);
  EXPECT_EQ(partition.blocks[0].nodes, (std::vector<NodeId>{1, 2}));
  EXPECT_EQ(partition.blocks[1].nodes, (std::vector<NodeId>{3, 4, 5}));
  TracedBlock block = toBlockSpec(graph, partition.blocks[1]);
  const compiler::BlockSpec &spec = block.spec;
  // neg's operand came from add(_, fed) once, then from the loop's add: the
  // source seen once gives way, and it is the previous pass's add.
  ASSERT_EQ(spec.inputs.size(), 1u);
  EXPECT_FALSE(block.inputs[0].source.varies);
  EXPECT_EQ(block.inputs[0].source.node, 5u);
  EXPECT_EQ(block.inputs[0].passesBack, 1u);
  EXPECT_EQ(spec.ops[0].operands, (std::vector<ValueId>{ValueId::input(0)}));
  EXPECT_EQ(spec.ops[1].operands, (std::vector<ValueId>{ValueId::result(0)}));
  EXPECT_EQ(spec.ops[2].operands,
            (std::vector<ValueId>{ValueId::result(1), ValueId::result(0)}));
  // add's result feeds the next pass's neg: the only output. neg's result
  // is also used only inside the pass.
  ASSERT_EQ(spec.outputs.size(), 1u);
  EXPECT_EQ(spec.outputs[0], ValueId::result(2));
  EXPECT_TRUE(block.outputs[0].usedOutside);
}

TEST(BlockConversion, ValuesFromOtherBlocksAreInputsAndOutputs) {
  Recorder r;
  TraceGraph graph;
  for (int i = 0; i < 2; ++i) {
    Value a = r.op("exp", line(1), {r.feed(f32({4}))});
    Value loss = r.op("sum", line(2), {a}, f32({}));
    r.sync(line(3), SyncKind::Bool, loss); // if loss > ...:
    Value b = r.op("mul", line(4), {a, a});
    r.op("add", line(5), {b, a});
    graph.merge(r.finish());
  }
  BlockPartition partition = graph.blocks();
  ASSERT_EQ(partition.blocks.size(), 2u);
  TracedBlock first = toBlockSpec(graph, partition.blocks[0]);
  TracedBlock second = toBlockSpec(graph, partition.blocks[1]);
  // exp's result is used after the sync: an output of the first block...
  ASSERT_EQ(first.spec.outputs.size(), 2u);
  EXPECT_EQ(first.spec.outputs[0], ValueId::result(0));
  EXPECT_TRUE(first.outputs[0].usedOutside);
  EXPECT_TRUE(first.outputs[1].fetched);
  // ...and one deduplicated input of the second.
  ASSERT_EQ(second.spec.inputs.size(), 1u);
  EXPECT_EQ(second.inputs[0].source.node, partition.blocks[0].nodes[0]);
  EXPECT_EQ(second.spec.ops[0].operands,
            (std::vector<ValueId>{ValueId::input(0), ValueId::input(0)}));
  EXPECT_EQ(second.spec.ops[1].operands,
            (std::vector<ValueId>{ValueId::result(0), ValueId::input(0)}));
  // No trace uses the add: the block hands back its last op's result, the
  // value Python is likeliest to hold.
  ASSERT_EQ(second.spec.outputs.size(), 1u);
  EXPECT_EQ(second.spec.outputs[0], ValueId::result(1));
  EXPECT_TRUE(second.outputs[0].heldByPython);
}
