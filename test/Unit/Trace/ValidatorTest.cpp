//===- ValidatorTest.cpp - Matching ops against the TraceGraph ------------===//

#include "terra/Trace/Validator.h"

#include "TraceBuilder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

using namespace terra;
using namespace terra::trace;
using namespace terra::trace::testing;

// Counts heap allocations so that the hot path can be checked to make none.
// ThreadSanitizer replaces operator new itself (make test-tsan-full): there
// the count is not kept and the check is skipped.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TERRA_NO_ALLOCATION_COUNT 1
#endif
#endif
static std::atomic<uint64_t> allocations{0};
#ifndef TERRA_NO_ALLOCATION_COUNT
void *operator new(size_t size) {
  ++allocations;
  if (void *p = std::malloc(size ? size : 1))
    return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, size_t) noexcept { std::free(p); }
#endif

namespace {

const Shape kBatch{64, 10}, kBias{10};

/// Per iteration: y = add(x, b) at line 12; z = relu(y) at line 13, then,
/// on odd iterations, mul(z, z) at line 15 else neg(z) at line 17.
TraceGraph branchyGraph() {
  Recorder r;
  TraceGraph graph;
  for (int i = 0; i < 4; ++i) {
    Value x = r.feed(f32(kBatch));
    Value y = r.op("add", line(12), {x, Recorder::variable(2, f32(kBias))});
    Value z = r.op("relu", line(13), {y});
    if (i % 2)
      r.op("mul", line(15), {z, z});
    else
      r.op("neg", line(17), {z});
    graph.merge(r.finish());
  }
  return graph; // add 1, relu 2, neg 3, mul 4
}

IncomingOperand fed(const Shape &shape) {
  IncomingOperand operand;
  operand.kind = ProducerKind::Feed;
  operand.shape = shape.data();
  operand.rank = uint32_t(shape.size());
  return operand;
}

IncomingOperand variable(uint64_t id, const Shape &shape) {
  IncomingOperand operand;
  operand.kind = ProducerKind::Variable;
  operand.variable = id;
  operand.shape = shape.data();
  operand.rank = uint32_t(shape.size());
  return operand;
}

IncomingOperand lazy(const MatchResult &producer, const Shape &shape) {
  IncomingOperand operand;
  operand.node = producer.node;
  operand.visit = producer.visit;
  operand.shape = shape.data();
  operand.rank = uint32_t(shape.size());
  return operand;
}

IncomingOp call(Site site, const char *name,
                const std::vector<IncomingOperand> &operands) {
  IncomingOp op;
  op.site = site;
  op.name = name;
  op.operands = operands.data();
  op.numOperands = operands.size();
  return op;
}

} // namespace

TEST(Validator, FollowsBranchesAndReportsBlockEnds) {
  TraceGraph graph = branchyGraph();
  BlockPartition blocks = graph.blocks();
  Validator validator(graph, blocks);
  for (int i = 0; i < 3; ++i) {
    std::vector<IncomingOperand> addIn{fed(kBatch), variable(2, kBias)};
    MatchResult add = validator.matchOp(call(line(12), "add", addIn));
    ASSERT_TRUE(add.matched());
    EXPECT_EQ(add.node, 1u);
    EXPECT_EQ(add.visit, uint64_t(i));
    EXPECT_FALSE(add.endsBlock);
    std::vector<IncomingOperand> reluIn{lazy(add, kBatch)};
    MatchResult relu = validator.matchOp(call(line(13), "relu", reluIn));
    ASSERT_TRUE(relu.matched());
    EXPECT_TRUE(relu.endsBlock);
    EXPECT_EQ(relu.block, add.block);
    std::vector<IncomingOperand> zz{lazy(relu, kBatch), lazy(relu, kBatch)};
    MatchResult last =
        i == 1 ? validator.matchOp(call(line(15), "mul", zz))
               : validator.matchOp(call(line(17), "neg", {lazy(relu, kBatch)}));
    ASSERT_TRUE(last.matched()) << int(last.reason);
    EXPECT_EQ(last.node, i == 1 ? 4u : 3u);
    EXPECT_TRUE(last.endsBlock);
  }
}

TEST(Validator, ExplainsAnotherOp) {
  TraceGraph graph = branchyGraph();
  BlockPartition blocks = graph.blocks();
  SourceLocations locations = trainPyLocations();
  Validator validator(graph, blocks);
  std::vector<IncomingOperand> in{fed(kBatch), variable(2, kBias)};
  IncomingOp op = call(line(13), "mul", in);
  MatchResult result = validator.matchOp(op);
  ASSERT_FALSE(result.matched());
  EXPECT_EQ(result.reason, Mismatch::Site);
  EXPECT_EQ(validator.position(), kStartNode);
  EXPECT_EQ(validator.explain(result, op, &locations),
            "expected add at train.py:12 with (float32[64, 10], "
            "float32[10]), met mul at train.py:13 with (float32[64, 10], "
            "float32[10]): called from another place");
}

TEST(Validator, ExplainsAShapeChange) {
  TraceGraph graph = branchyGraph();
  BlockPartition blocks = graph.blocks();
  SourceLocations locations = trainPyLocations();
  Validator validator(graph, blocks);
  Shape small{32, 10};
  std::vector<IncomingOperand> in{fed(small), variable(2, kBias)};
  IncomingOp op = call(line(12), "add", in);
  MatchResult result = validator.matchOp(op);
  EXPECT_EQ(result.reason, Mismatch::OperandType);
  EXPECT_EQ(result.operand, 0u);
  std::string text = validator.explain(result, op, &locations);
  EXPECT_NE(text.find(": operand 0 is float32[32, 10], traced as "
                      "float32[64, 10]"),
            std::string::npos)
      << text;
}

TEST(Validator, ChecksProducersVariablesAndConstants) {
  TraceGraph graph = branchyGraph();
  BlockPartition blocks = graph.blocks();
  SourceLocations locations = trainPyLocations();
  Validator validator(graph, blocks);
  std::vector<IncomingOperand> wrongVar{fed(kBatch), variable(3, kBias)};
  IncomingOp op = call(line(12), "add", wrongVar);
  MatchResult result = validator.matchOp(op);
  EXPECT_EQ(result.reason, Mismatch::Variable);
  EXPECT_NE(validator.explain(result, op, &locations)
                .find("operand 1 is variable 3, traced as variable 2"),
            std::string::npos);

  std::vector<IncomingOperand> in{fed(kBatch), variable(2, kBias)};
  MatchResult add = validator.matchOp(call(line(12), "add", in));
  ASSERT_TRUE(add.matched());
  // relu's operand is wired to add inside the block: a value of unknown
  // origin (or an older add) cannot stand in for it.
  IncomingOperand unknown = fed(kBatch);
  unknown.kind = ProducerKind::Record;
  std::vector<IncomingOperand> reluIn{unknown};
  result = validator.matchOp(call(line(13), "relu", reluIn));
  EXPECT_EQ(result.reason, Mismatch::Producer);
  IncomingOperand stale = lazy(add, kBatch);
  stale.visit = add.visit + 1; // not made yet
  reluIn = {stale};
  EXPECT_EQ(validator.matchOp(call(line(13), "relu", reluIn)).reason,
            Mismatch::Producer);
  reluIn = {lazy(add, kBatch)};
  EXPECT_TRUE(validator.matchOp(call(line(13), "relu", reluIn)).matched());
}

TEST(Validator, UnknownOriginIsAcceptedWhereTheBlockTakesAnInput) {
  Recorder r;
  TraceGraph graph;
  for (int i = 0; i < 2; ++i) {
    Value a = r.op("exp", line(1), {r.feed(f32({4}))});
    r.sync(line(2), SyncKind::Print, a);
    r.op("neg", line(3), {a}); // a crosses the sync: a block input
    graph.merge(r.finish());
  }
  BlockPartition blocks = graph.blocks();
  Validator validator(graph, blocks);
  Shape shape{4};
  std::vector<IncomingOperand> expIn{fed(shape)};
  MatchResult exp = validator.matchOp(call(line(1), "exp", expIn));
  ASSERT_TRUE(exp.matched());
  MatchResult sync =
      validator.matchSync(line(2), SyncKind::Print, lazy(exp, shape));
  ASSERT_TRUE(sync.matched());
  EXPECT_EQ(sync.block, -1);
  IncomingOperand unknown = fed(shape);
  unknown.kind = ProducerKind::Record;
  std::vector<IncomingOperand> negIn{unknown};
  EXPECT_TRUE(validator.matchOp(call(line(3), "neg", negIn)).matched());
}

TEST(Validator, ExplainsAnUnexpectedFetch) {
  TraceGraph graph = branchyGraph();
  BlockPartition blocks = graph.blocks();
  SourceLocations locations = trainPyLocations();
  Validator validator(graph, blocks);
  std::vector<IncomingOperand> in{fed(kBatch), variable(2, kBias)};
  MatchResult add = validator.matchOp(call(line(12), "add", in));
  IncomingOperand value = lazy(add, kBatch);
  MatchResult result = validator.matchSync(line(20), SyncKind::Item, value);
  EXPECT_EQ(result.reason, Mismatch::EventKind);
  EXPECT_EQ(validator.explainSync(result, line(20), SyncKind::Item, value,
                                  &locations),
            "expected relu at train.py:13 with (float32[64, 10]), met fetch "
            "(item) at train.py:20 of float32[64, 10]: an op where a fetch "
            "was traced, or a fetch where an op was");
}

TEST(Validator, EndOfGraphIsADivergence) {
  Recorder r;
  TraceGraph graph;
  r.op("exp", line(1), {r.feed(f32({4}))});
  graph.merge(r.finish(), TraceGraph::Continue::FromStart);
  BlockPartition blocks = graph.blocks();
  Validator validator(graph, blocks);
  Shape shape{4};
  std::vector<IncomingOperand> in{fed(shape)};
  ASSERT_TRUE(validator.matchOp(call(line(1), "exp", in)).matched());
  IncomingOp again = call(line(1), "exp", in);
  MatchResult result = validator.matchOp(again);
  EXPECT_EQ(result.reason, Mismatch::EndOfGraph);
  EXPECT_EQ(validator.explain(result, again)
                .rfind("expected the end of the traced path, met exp at ", 0),
            0u);
}

TEST(Validator, MatchingAllocatesNothing) {
#ifdef TERRA_NO_ALLOCATION_COUNT
  GTEST_SKIP() << "allocations are not counted under ThreadSanitizer";
#endif
  TraceGraph graph = branchyGraph();
  BlockPartition blocks = graph.blocks();
  Validator validator(graph, blocks);
  std::vector<IncomingOperand> addIn{fed(kBatch), variable(2, kBias)};
  std::vector<IncomingOperand> reluIn(1), mulIn(2);
  IncomingOp add = call(line(12), "add", addIn);
  uint64_t before = allocations.load();
  for (int i = 0; i < 100; ++i) {
    MatchResult a = validator.matchOp(add);
    reluIn[0] = lazy(a, kBatch);
    IncomingOp relu = call(line(13), "relu", reluIn);
    MatchResult z = validator.matchOp(relu);
    mulIn[0] = mulIn[1] = lazy(z, kBatch);
    IncomingOp mul = call(line(15), "mul", mulIn);
    ASSERT_TRUE(validator.matchOp(mul).matched());
  }
  EXPECT_EQ(allocations.load(), before);
}
