//===- RecorderTest.cpp - Eager ops recorded into the TraceGraph ----------===//

#include "terra/Trace/Recorder.h"
#include "terra/Trace/BlockConversion.h"

#include "terra/Runtime/Ops.h"

#include "LineSites.h"

#include <gtest/gtest.h>

using namespace terra;
using namespace terra::trace;
using terra::trace::testing::LineSites;

namespace {

/// Installs a recorder for the test's scope.
struct Recording {
  LineSites sites;
  Recorder recorder{sites};
  Recording() { recording::setObserver(&recorder); }
  ~Recording() { recording::setObserver(nullptr); }
  void at(uint32_t line) {
    sites.line = line;
    recorder.beginCall();
  }
};

Tensor constant(double value) {
  Tensor tensor = Tensor::full({}, DType::Float32, value);
  tensor.traceTag().kind = TraceTag::Kind::Constant;
  return tensor;
}

const Node *findOp(const TraceGraph &graph, const std::string &name) {
  for (NodeId id = 0; id < graph.size(); ++id)
    if (graph.node(id).isOp() && graph.node(id).name == name)
      return &graph.node(id);
  return nullptr;
}

} // namespace

TEST(Recorder, OutermostOpsOnlyWithProducersAndAttributes) {
  Recording r;
  Tensor x = Tensor::full({4, 3}, DType::Float32, 1);
  Tensor w = Tensor::full({4, 3}, DType::Float32, 2);
  r.at(10);
  // matmul transposes and reshapes internally: one record.
  Tensor y = ops::matmul(x, w.transpose(0, 1));
  r.at(11);
  Tensor z =
      ops::sum(ops::binary(ops::BinaryOp::Mul, y, constant(0.5)), {1}, false);
  EXPECT_EQ(r.recorder.opsRecorded(), 4u); // transpose, matmul, mul, sum
  const TraceGraph &graph = r.recorder.graph();
  ASSERT_EQ(graph.size(), 5u);
  const Node &transpose = graph.node(1);
  EXPECT_EQ(transpose.name, "transpose");
  EXPECT_EQ(transpose.operands[0].kind, ProducerKind::Feed);
  const Node &matmul = graph.node(2);
  EXPECT_EQ(matmul.name, "matmul");
  EXPECT_EQ(matmul.operands[0].kind, ProducerKind::Feed);
  EXPECT_EQ(matmul.operands[1].kind, ProducerKind::Record);
  EXPECT_EQ(matmul.operands[1].node, 1u);
  // Ops of one call at one site are told apart by `sub`.
  EXPECT_EQ(transpose.site.sub, 0u);
  EXPECT_EQ(matmul.site.sub, 1u);
  const Node &mul = graph.node(3);
  EXPECT_EQ(mul.operands[1].kind, ProducerKind::Constant);
  EXPECT_EQ(mul.operands[1].constant, 0.5);
  const Node &sum = graph.node(4);
  ASSERT_EQ(sum.attributes.size(), 2u);
  EXPECT_EQ(sum.attributes[0].name, "axes");
  EXPECT_EQ(std::get<std::vector<int64_t>>(sum.attributes[0].value),
            (std::vector<int64_t>{1}));
  EXPECT_EQ(sum.results[0].type.shape, (Shape{4}));
  (void)z;
}

TEST(Recorder, InPlaceUpdatesMakeVariables) {
  Recording r;
  Tensor w = Tensor::full({3}, DType::Float32, 1);
  for (int step = 0; step < 4; ++step) {
    Tensor x = Tensor::full({3}, DType::Float32, step);
    r.at(20);
    Tensor g = ops::binary(ops::BinaryOp::Mul, x, w);
    r.at(21);
    ops::binaryInPlace(ops::BinaryOp::Sub, w, g);
  }
  EXPECT_EQ(w.data<float>()[0], 0.0f); // 1, 1, 0, 0: eager values
  const TraceGraph &graph = r.recorder.graph();
  // The first pass reads w before anything wrote it (a feed); later passes
  // read the variable: two nodes for the mul, one block in the hot loop.
  const Node *sub = findOp(graph, "sub");
  ASSERT_NE(sub, nullptr);
  ASSERT_EQ(sub->writes.size(), 1u);
  uint64_t variable = sub->writes[0].variable;
  NodeId hotMul = kNoNode;
  for (NodeId id = 0; id < graph.size(); ++id) {
    const Node &node = graph.node(id);
    if (node.isOp() && node.name == "mul" &&
        node.operands[1].kind == ProducerKind::Variable) {
      EXPECT_EQ(node.operands[1].variable, variable);
      EXPECT_EQ(node.visits, 3u);
      hotMul = id;
    }
  }
  ASSERT_NE(hotMul, kNoNode);
  BlockPartition hot = graph.blocks(/*minEdgeCount=*/2);
  int32_t block = hot.blockOf[hotMul];
  ASSERT_GE(block, 0);
  EXPECT_EQ(hot.blocks[block].nodes.size(), 2u);
}

TEST(Recorder, StaleViewsAndFetches) {
  Recording r;
  Tensor a = Tensor::full({2, 2}, DType::Float32, 1);
  r.at(30);
  Tensor b = ops::unary(ops::UnaryOp::Exp, a);
  Tensor row = b.select(0, 0);
  // A write through another view of b's memory makes `row` stale: it can
  // no longer stand for the select's result.
  r.at(31);
  Tensor alias = b;
  ops::binaryInPlace(ops::BinaryOp::Add, alias, constant(1));
  r.at(32);
  Tensor c = ops::unary(ops::UnaryOp::Neg, row);
  r.recorder.sync(SyncKind::Item, ops::sum(c, {}, false));
  const TraceGraph &graph = r.recorder.graph();
  const Node *neg = findOp(graph, "neg");
  ASSERT_NE(neg, nullptr);
  EXPECT_NE(neg->operands[0].kind, ProducerKind::Record);
  bool sawSync = false;
  for (NodeId id = 0; id < graph.size(); ++id)
    if (graph.node(id).isSync()) {
      sawSync = true;
      EXPECT_EQ(graph.node(id).syncKind, SyncKind::Item);
    }
  EXPECT_TRUE(sawSync);
  EXPECT_EQ(r.recorder.syncsRecorded(), 1u);
}

TEST(Recorder, NothingRecordedWithoutObserver) {
  LineSites sites;
  Recorder recorder(sites);
  Tensor x = Tensor::full({2}, DType::Float32, 1);
  Tensor y = ops::unary(ops::UnaryOp::Exp, x);
  EXPECT_EQ(recorder.opsRecorded(), 0u);
  EXPECT_EQ(y.traceTag().kind, TraceTag::Kind::None);
}

TEST(Recorder, UsesOnARarePathMakeNoOutputs) {
  Recording r;
  for (int pass = 0; pass < 4; ++pass) {
    Tensor x = Tensor::full({3}, DType::Float32, pass);
    r.at(40);
    Tensor a = ops::unary(ops::UnaryOp::Exp, x);
    r.at(41);
    Tensor b = ops::unary(ops::UnaryOp::Neg, a);
    if (pass == 0) { // only the first pass reads `a` again
      r.at(42);
      ops::unary(ops::UnaryOp::Abs, a);
    }
  }
  const TraceGraph &graph = r.recorder.graph();
  BlockPartition partition = graph.blocks(/*minEdgeCount=*/2);
  const Node *exp = findOp(graph, "exp");
  ASSERT_NE(exp, nullptr);
  const Block *loop = nullptr;
  for (const Block &block : partition.blocks)
    if (&graph.node(block.nodes.front()) == exp)
      loop = &block;
  ASSERT_NE(loop, nullptr);
  ASSERT_EQ(loop->nodes.size(), 2u); // exp, neg: abs is off the hot path
  auto outputsOfExp = [](const TracedBlock &traced) {
    size_t count = 0;
    for (const BlockOutput &output : traced.outputs)
      count += output.op == 0;
    return count;
  };
  EXPECT_EQ(outputsOfExp(toBlockSpec(graph, *loop)), 1u);
  EXPECT_EQ(outputsOfExp(toBlockSpec(graph, *loop, OutputPolicy::ObservedUses,
                                     /*minConsumerVisits=*/2)),
            0u);
}

TEST(Recorder, ResultsHeldAtAFetchAreMarkedHeld) {
  Recording r;
  Tensor x = Tensor::full({4}, DType::Float32, 1);
  r.at(40);
  Tensor kept = ops::unary(ops::UnaryOp::Exp, x);
  r.at(41);
  Tensor dropped = ops::unary(ops::UnaryOp::Neg, kept);
  r.at(42);
  Tensor loss = ops::sum(dropped, {}, false);
  dropped = Tensor();
  r.recorder.sync(SyncKind::Item, loss);
  const TraceGraph &graph = r.recorder.graph();
  // Python still holds exp's result (and the fetched sum): compiled blocks
  // must hand them back; neg's result is gone.
  EXPECT_TRUE(findOp(graph, "exp")->results[0].heldByPython);
  EXPECT_TRUE(findOp(graph, "sum")->results[0].heldByPython);
  EXPECT_FALSE(findOp(graph, "neg")->results[0].heldByPython);
}
