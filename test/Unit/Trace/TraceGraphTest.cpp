//===- TraceGraphTest.cpp - Merging synthetic traces ----------------------===//

#include "terra/Trace/TraceGraph.h"
#include "terra/Trace/CallStackIds.h"

#include "TraceBuilder.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace terra;
using namespace terra::trace;
using namespace terra::trace::testing;

namespace {

/// One step of `h = relu(x @ W); loss = sum(h)` on a fed batch.
Value mlpStep(Recorder &r, int64_t batch = 64) {
  Value x = r.feed(f32({batch, 32}));
  Value w = Recorder::variable(1, f32({32, 10}));
  Value m = r.op("matmul", line(10), {x, w}, f32({batch, 10}));
  Value h = r.op("relu", line(11), {m});
  return r.op("sum", line(12), {h}, f32({}),
              {{"axes", std::vector<int64_t>{0, 1}}, {"keepdim", false}});
}

std::vector<std::vector<NodeId>> blockNodes(const TraceGraph &graph) {
  std::vector<std::vector<NodeId>> nodes;
  for (const Block &block : graph.blocks().blocks)
    nodes.push_back(block.nodes);
  return nodes;
}

} // namespace

TEST(TraceGraph, StraightLoopIsOneBlockWithBackEdge) {
  Recorder r;
  TraceGraph graph;
  EXPECT_EQ(graph.merge((mlpStep(r), r.finish())), 3u);
  EXPECT_EQ(graph.merge((mlpStep(r), r.finish())), 0u);
  EXPECT_EQ(graph.merge((mlpStep(r), r.finish())), 0u);
  ASSERT_EQ(graph.size(), 4u); // start + 3 ops
  EXPECT_EQ(graph.node(kStartNode).successors.size(), 1u);
  // sum -> matmul: the loop's back-edge, taken between iterations.
  const Edge *back = graph.node(3).edgeTo(1);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->count, 2u);
  EXPECT_EQ(graph.node(1).edgeTo(2)->count, 3u);
  EXPECT_EQ(graph.node(1).visits, 3u);
  EXPECT_EQ(blockNodes(graph), (std::vector<std::vector<NodeId>>{{1, 2, 3}}));
  EXPECT_EQ(graph.lastNode(), 3u);
}

TEST(TraceGraph, FromStartGivesNoBackEdge) {
  Recorder r;
  TraceGraph graph;
  graph.merge((mlpStep(r), r.finish()), TraceGraph::Continue::FromStart);
  graph.merge((mlpStep(r), r.finish()), TraceGraph::Continue::FromStart);
  EXPECT_EQ(graph.node(3).successors.size(), 0u);
  EXPECT_EQ(graph.node(kStartNode).edgeTo(1)->count, 2u);
}

TEST(TraceGraph, BranchSplitsBlocks) {
  Recorder r;
  TraceGraph graph;
  for (int i = 0; i < 4; ++i) {
    Value x = r.feed(f32({8}));
    Value a = r.op("exp", line(1), {x});
    Value b = r.op("add", line(2), {a, a}); // same block as exp
    Value c = i % 2 ? r.op("neg", line(4), {b}) : r.op("abs", line(6), {b});
    r.op("tanh", line(8), {c});
    graph.merge(r.finish());
  }
  // Nodes: exp 1, add 2, abs 3, tanh 4, neg 5.
  ASSERT_EQ(graph.size(), 6u);
  const Node &add = graph.node(2);
  ASSERT_EQ(add.successors.size(), 2u);
  EXPECT_EQ(add.edgeTo(3)->count, 2u);
  EXPECT_EQ(add.edgeTo(5)->count, 2u);
  EXPECT_EQ(graph.node(4).predecessors.size(), 2u);
  EXPECT_EQ(blockNodes(graph),
            (std::vector<std::vector<NodeId>>{{1, 2}, {3}, {4}, {5}}));
  BlockPartition partition = graph.blocks();
  EXPECT_EQ(partition.blockOf[kStartNode], -1);
  EXPECT_EQ(partition.blockOf[2], 0);
  EXPECT_EQ(partition.blockOf[5], 3);
}

TEST(TraceGraph, SameLineThroughTwoCallersIsTwoSites) {
  CallStackIds ids;
  CallStackId viaEncoder = ids.enter(line(20));
  CallStackId viaDecoder = ids.enter(line(21));
  Recorder r;
  TraceGraph graph;
  for (int i = 0; i < 2; ++i) {
    Value x = r.feed(f32({4}));
    // def layer(x): return tanh(x)   (line 5), called from lines 20 and 21.
    Value y = r.op("tanh", line(5, viaEncoder), {x});
    r.op("tanh", line(5, viaDecoder), {y});
    graph.merge(r.finish());
  }
  ASSERT_EQ(graph.size(), 3u);
  EXPECT_NE(graph.node(1).site, graph.node(2).site);
  EXPECT_EQ(graph.node(1).site.offset, graph.node(2).site.offset);
  EXPECT_EQ(blockNodes(graph), (std::vector<std::vector<NodeId>>{{1, 2}}));
  // The second tanh consumes the first one's result of the same pass.
  EXPECT_EQ(graph.node(2).operands[0].node, 1u);
  EXPECT_EQ(graph.node(2).operands[0].age, 0u);
  EXPECT_FALSE(graph.node(2).operands[0].varies);
}

TEST(TraceGraph, DataDependentTripCountIsASelfLoop) {
  Recorder r;
  TraceGraph graph;
  int tanhs = 0;
  for (int trips : {2, 3, 1}) {
    Value h = r.op("exp", line(1), {r.feed(f32({4}))});
    for (int k = 0; k < trips; ++k, ++tanhs)
      h = r.op("tanh", line(3), {h}); // while cond(h): h = tanh(h)
    r.op("sum", line(5), {h}, f32({}));
    graph.merge(r.finish());
  }
  // exp 1, tanh 2, sum 3.
  ASSERT_EQ(graph.size(), 4u);
  const Node &tanh = graph.node(2);
  EXPECT_EQ(tanh.visits, uint64_t(tanhs));
  EXPECT_EQ(tanh.edgeTo(2)->count, uint64_t(tanhs - 3));
  EXPECT_EQ(tanh.edgeTo(3)->count, 3u);
  // Fed from exp on the first trip and from itself after: not wirable.
  EXPECT_TRUE(tanh.operands[0].varies);
  EXPECT_EQ(blockNodes(graph),
            (std::vector<std::vector<NodeId>>{{1}, {2}, {3}}));
}

TEST(TraceGraph, SyncInTheMiddleOfALoopSplitsTheBlock) {
  Recorder r;
  TraceGraph graph;
  for (int i = 0; i < 3; ++i) {
    Value a = r.op("exp", line(1), {r.feed(f32({4}))});
    Value loss = r.op("sum", line(2), {a}, f32({}));
    r.sync(line(3), SyncKind::Item, loss); // print(loss.item())
    Value c = r.op("mul", line(4), {a, Recorder::constant(2.0)});
    r.op("neg", line(5), {c});
    graph.merge(r.finish());
  }
  // exp 1, sum 2, sync 3, mul 4, neg 5.
  ASSERT_EQ(graph.size(), 6u);
  EXPECT_TRUE(graph.node(3).isSync());
  EXPECT_EQ(graph.node(3).visits, 3u);
  EXPECT_EQ(graph.node(3).operands[0].node, 2u);
  EXPECT_TRUE(graph.node(2).results[0].fetched);
  EXPECT_EQ(graph.node(5).edgeTo(1)->count, 2u);
  BlockPartition partition = graph.blocks();
  EXPECT_EQ(blockNodes(graph),
            (std::vector<std::vector<NodeId>>{{1, 2}, {4, 5}}));
  EXPECT_EQ(partition.blockOf[3], -1);
}

/// mlpStep, then loss.item().
void fetchedStep(Recorder &r, int64_t batch) {
  r.sync(line(13), SyncKind::Item, mlpStep(r, batch));
}

TEST(TraceGraph, ShapeChangeMakesSizesSymbolic) {
  Recorder r;
  TraceGraph graph;
  for (int64_t batch : {64, 64, 32}) // the last, smaller batch
    graph.merge((fetchedStep(r, batch), r.finish()));
  // The nodes are generalised in place: the batch size is a symbol.
  ASSERT_EQ(graph.size(), 5u);
  for (NodeId id : {1u, 2u, 3u})
    EXPECT_TRUE(graph.node(id).symbolic) << id;
  const Shape &batched = graph.node(1).operands[0].type.shape;
  ASSERT_TRUE(isSymbolicSize(batched[0]));
  EXPECT_EQ(batched[1], 32);
  EXPECT_EQ(graph.node(1).results[0].type.shape[0], batched[0]);
  EXPECT_EQ(graph.node(2).operands[0].type.shape[0], batched[0]);
  EXPECT_EQ(graph.node(1).operands[1].type, f32({32, 10}));
  EXPECT_EQ(graph.numSymbols(), 1u);
  ASSERT_FALSE(graph.dynamicSizes().empty());
  const DynamicSize &first = graph.dynamicSizes().front();
  EXPECT_EQ(first.node, 1u);
  EXPECT_EQ(first.where, "operand 0");
  EXPECT_EQ(first.dim, 0u);
  EXPECT_EQ(first.was, 64);
  EXPECT_EQ(first.met, 32);
  EXPECT_EQ(blockNodes(graph), (std::vector<std::vector<NodeId>>{{1, 2, 3}}));
  // Any other batch size fits the symbolic nodes.
  EXPECT_EQ(graph.merge((fetchedStep(r, 48), r.finish())), 0u);
  EXPECT_EQ(graph.numSymbols(), 1u);
}

TEST(TraceGraph, NewSizesAreBornWhereDataEnters) {
  Recorder r;
  TraceGraph graph;
  // A tensor that is not Python's data (a gradient an optimiser reads, as
  // an untagged value) with a new shape: a loop over tensors of several
  // shapes may be what met it, so it is a new node.
  for (int64_t rows : {32, 16}) {
    Value grad = r.feed(f32({rows, 8}), /*fromPython=*/false);
    r.sync(line(2), SyncKind::Item, r.op("mul", line(1), {grad, grad}));
    graph.merge(r.finish());
  }
  EXPECT_EQ(graph.numSymbols(), 0u);
  EXPECT_EQ(graph.size(), 5u); // start, a mul and a fetch per shape
}

TEST(TraceGraph, SlicesAlongAChangingDimensionStayApart) {
  Recorder r;
  TraceGraph graph;
  // x[:, :5] clamps to the length, x[1:3] does not touch it.
  for (int64_t length : {10, 12}) {
    Value x = r.feed(f32({4, length}));
    Value head = r.op("slice", line(1), {x}, f32({4, 5}),
                      {{"axis", int64_t(1)},
                       {"start", int64_t(0)},
                       {"stop", int64_t(5)},
                       {"step", int64_t(1)}});
    Value rows = r.op("slice", line(2), {x}, f32({2, length}),
                      {{"axis", int64_t(0)},
                       {"start", int64_t(1)},
                       {"stop", int64_t(3)},
                       {"step", int64_t(1)}});
    r.sync(line(3), SyncKind::Item, r.op("add", line(4), {head, head}));
    r.sync(line(5), SyncKind::Item, rows);
    graph.merge(r.finish());
  }
  int sliceNodes = 0, symbolicSlices = 0;
  for (NodeId id = 0; id < graph.size(); ++id)
    if (graph.node(id).isOp() && graph.node(id).name == "slice") {
      ++sliceNodes;
      symbolicSlices += graph.node(id).symbolic;
    }
  EXPECT_EQ(sliceNodes, 3);     // x[:, :5] twice, x[1:3] once
  EXPECT_EQ(symbolicSlices, 1); // x[1:3], over a symbolic length
}

TEST(TraceGraph, SizesZeroAndOneStayStatic) {
  Recorder r;
  TraceGraph graph;
  graph.merge((fetchedStep(r, 64), r.finish()));
  // A batch of 1 broadcasts differently: new nodes, not a symbol.
  EXPECT_EQ(graph.merge((fetchedStep(r, 1), r.finish())), 3u);
  EXPECT_EQ(graph.numSymbols(), 0u);
}

TEST(TraceGraph, OneTraceMeetingTwoShapesKeepsTwoNodes) {
  Recorder r;
  TraceGraph graph;
  // An optimiser's loop over parameters of two shapes at one site: the
  // nodes stay apart, so the step stays one straight path.
  for (int64_t rows : {32, 16}) {
    Value p = Recorder::variable(uint64_t(rows), f32({rows, 8}));
    r.op("mul", line(1), {p, Recorder::constant(0.9)});
  }
  EXPECT_EQ(graph.merge(r.finish()), 2u);
  EXPECT_EQ(graph.numSymbols(), 0u);
}

TEST(TraceGraph, OpsWithoutDynamicLoweringKeepANodePerShape) {
  Recorder r;
  TraceGraph graph;
  for (int64_t size : {8, 12}) {
    Value x = r.feed(f32({1, 3, size, size}));
    r.op("max_pool2d", line(1), {x}, f32({1, 3, size / 2, size / 2}),
         {{"kernel", std::vector<int64_t>{2, 2}}});
    graph.merge(r.finish());
  }
  EXPECT_EQ(graph.size(), 3u);
  EXPECT_EQ(graph.numSymbols(), 0u);
}

TEST(TraceGraph, AttributesArePartOfTheSignature) {
  Recorder r;
  TraceGraph graph;
  Value x = r.feed(f32({4, 4}));
  r.op("sum", line(1), {x}, f32({4}), {{"axes", std::vector<int64_t>{0}}});
  graph.merge(r.finish());
  x = r.feed(f32({4, 4}));
  r.op("sum", line(1), {x}, f32({4}), {{"axes", std::vector<int64_t>{1}}});
  EXPECT_EQ(graph.merge(r.finish()), 1u);
}

TEST(TraceGraph, ProducersAcrossIterationsHaveAges) {
  Recorder r;
  TraceGraph graph;
  // h = tanh(h + x) carried across iterations (an RNN over steps).
  Value h = r.feed(f32({4}));
  for (int i = 0; i < 3; ++i) {
    Value s = r.op("add", line(1), {h, r.feed(f32({4}))});
    h = r.op("tanh", line(2), {s});
    graph.merge(r.finish());
  }
  const OperandPattern &carried = graph.node(1).operands[0];
  // First iteration: a fed value; the operand kind differs, so iteration 2
  // and 3 made a second add node whose operand is tanh's latest result.
  ASSERT_EQ(graph.size(), 4u);
  EXPECT_EQ(carried.kind, ProducerKind::Feed);
  const OperandPattern &loop = graph.node(3).operands[0];
  EXPECT_EQ(loop.kind, ProducerKind::Record);
  EXPECT_EQ(loop.node, 2u);
  EXPECT_EQ(loop.age, 0u);
  EXPECT_FALSE(loop.varies);
  EXPECT_EQ(graph.node(2).results[0].uses.size(), 1u);
}

TEST(TraceGraph, ProducersAreRememberedAcrossManySmallTraces) {
  // Co-execution flushes the recorder every few hundred ops, while an
  // optimiser reads a gradient thousands of records after backward made
  // it: the producer is still known, as validation will know it.
  Recorder r;
  TraceGraph graph;
  Value gradient = r.op("exp", line(1), {r.feed(f32({4}))});
  graph.merge(r.finish());
  for (int i = 0; i < 50; ++i) {
    r.op("neg", line(2), {r.feed(f32({4}))});
    graph.merge(r.finish());
  }
  r.op("mul", line(3), {gradient, gradient});
  graph.merge(r.finish());
  ASSERT_EQ(graph.size(), 4u);
  EXPECT_EQ(graph.node(3).operands[0].node, 1u);
  EXPECT_EQ(graph.node(3).operands[0].age, 0u);

  // Older than kRememberedRecords: a value from outside.
  Value old = r.op("exp", line(4), {r.feed(f32({4}))});
  graph.merge(r.finish());
  for (uint64_t i = 0; i < kRememberedRecords; ++i)
    r.op("neg", line(2), {r.feed(f32({4}))});
  graph.merge(r.finish());
  r.op("mul", line(5), {old, old});
  graph.merge(r.finish());
  EXPECT_EQ(graph.node(graph.size() - 1).operands[0].node, kNoNode);
}

TEST(TraceGraph, RecentFeedUsesAreWhatAValidatorStartsWith) {
  // Validation may start in the middle of a step: a fed value the
  // recording already saw in use is not new to it.
  Recorder r;
  TraceGraph graph;
  Value x = r.feed(f32({4}));
  r.op("exp", line(1), {x});
  graph.merge(r.finish());
  std::unordered_map<uint64_t, FeedUse> uses = graph.recentFeedUses();
  ASSERT_EQ(uses.count(x.producer.id), 1u);
  EXPECT_EQ(uses.at(x.producer.id).node, 1u);
  EXPECT_EQ(uses.at(x.producer.id).operand, 0u);
  // Two traces later it is forgotten, as the recording forgets it.
  r.op("neg", line(2), {r.feed(f32({4}))});
  graph.merge(r.finish());
  r.op("neg", line(2), {r.feed(f32({4}))});
  graph.merge(r.finish());
  EXPECT_EQ(graph.recentFeedUses().count(x.producer.id), 0u);
}

TEST(TraceGraph, HeldValuesAndVariableWritesAreKept) {
  Recorder r;
  TraceGraph graph;
  Value w = Recorder::variable(7, f32({4}));
  Value g = r.op("exp", line(1), {r.feed(f32({4}))});
  Value step = r.op("mul", line(2), {g, Recorder::constant(0.1)});
  Value updated =
      r.op("sub", line(3), {w, step}, std::nullopt, {}, {VariableWrite{7, 0}});
  r.hold(g);
  (void)updated;
  graph.merge(r.finish());
  EXPECT_TRUE(graph.node(1).results[0].heldByPython);
  EXPECT_EQ(graph.node(3).writes.size(), 1u);
  EXPECT_EQ(graph.node(2).operands[1].constant, 0.1);
  // Another constant at the same site: demoted to a varying operand.
  g = r.op("exp", line(1), {r.feed(f32({4}))});
  r.op("mul", line(2), {g, Recorder::constant(0.05)});
  graph.merge(r.finish(), TraceGraph::Continue::FromStart);
  EXPECT_TRUE(graph.node(2).operands[1].varies);
}

TEST(TraceGraph, DumpShowsNodesBlocksAndEdges) {
  Recorder r;
  TraceGraph graph;
  for (int i = 0; i < 2; ++i) {
    Value loss = mlpStep(r);
    r.sync(line(13), SyncKind::Item, loss);
    graph.merge(r.finish());
  }
  SourceLocations locations = trainPyLocations();
  std::ostringstream text;
  graph.dump(text, &locations);
  std::string dump = text.str();
  EXPECT_NE(dump.find("// TraceGraph: 4 nodes, 1 blocks"), std::string::npos)
      << dump;
  EXPECT_NE(dump.find("^n1 [block 0]: %n1#0 = terra.matmul(feed, @var1) : "
                      "(float32[64, 32], float32[32, 10]) -> "
                      "(float32[64, 10])  // train.py:10, 2 visits"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("terra.sum(%n2#0) {axes = [0, 1], keepdim = false}"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("^n4: sync item(%n3#0) : float32[]"), std::string::npos)
      << dump;
  EXPECT_NE(dump.find("-> ^n1 (1)"), std::string::npos) << dump;

  std::ostringstream dot;
  graph.dumpDot(dot, &locations);
  EXPECT_NE(dot.str().find("subgraph cluster_0"), std::string::npos);
  EXPECT_NE(dot.str().find("n4 -> n1 [label=\"1\"]"), std::string::npos)
      << dot.str();
}

TEST(TraceGraph, FeedsMetBeforeRecordingResumesAreNotNew) {
  Recorder r;
  TraceGraph graph;
  // exp(x) then, later, mul(x, ...): the second use of x names the first.
  Value x = r.feed(f32({4}));
  Value e = r.op("exp", line(1), {x});
  r.op("mul", line(2), {e, x});
  graph.merge(r.finish());
  EXPECT_EQ(graph.node(2).operands[1].node, 1u);
  // Co-execution validated exp with a new fed value y and stops validating
  // before mul: recording resumes, told where y was first used.
  Value y = r.feed(f32({4}));
  Value e2 = r.op("exp", line(1), {y});
  Trace validated = r.finish();
  (void)validated; // walked by the validator, not merged
  std::vector<uint64_t> visits(graph.size(), 0);
  visits[1] = 2;
  visits[2] = 1;
  graph.continueFrom(1, visits, {},
                     {{y.producer.id, FeedUse{1, 0, /*visit=*/1}}});
  r.op("mul", line(2), {e2, y});
  graph.merge(r.finish());
  const OperandPattern &second = graph.node(2).operands[1];
  EXPECT_EQ(second.kind, ProducerKind::Feed);
  EXPECT_EQ(second.node, 1u);
  EXPECT_FALSE(second.varies);
}
