//===- Validator.cpp - Checking ops against the TraceGraph ----------------===//

#include "terra/Trace/Validator.h"

#include <algorithm>
#include <cstring>

namespace terra {
namespace trace {

Validator::Validator(const TraceGraph &graph, const BlockPartition &blocks,
                     bool continueVisits)
    : graph_(graph), blocks_(blocks),
      positionInBlock_(graph.size(), UINT32_MAX), visits_(graph.size(), 0),
      edgeCounts_(graph.size()) {
  if (continueVisits)
    for (NodeId id = 0; id < graph.size(); ++id)
      visits_[id] = graph.node(id).visits;
  // Sized here: matching allocates nothing.
  for (NodeId id = 0; id < graph.size(); ++id)
    edgeCounts_[id].resize(graph.node(id).successors.size());
  for (const Block &block : blocks.blocks)
    for (uint32_t i = 0; i < block.nodes.size(); ++i)
      positionInBlock_[block.nodes[i]] = i;
}

bool Validator::wiredInBlock(const OperandPattern &pattern,
                             NodeId consumer) const {
  if (pattern.kind != ProducerKind::Record || pattern.varies ||
      pattern.node == kNoNode || pattern.age != 0)
    return false;
  int32_t block = blocks_.blockOf[consumer];
  return block >= 0 && blocks_.blockOf[pattern.node] == block &&
         positionInBlock_[pattern.node] < positionInBlock_[consumer];
}

Mismatch Validator::compareOperand(const OperandPattern &pattern,
                                   NodeId consumer,
                                   const IncomingOperand &operand,
                                   SymbolBindings *symbols) const {
  if (operand.kind != pattern.kind)
    return Mismatch::ProducerKind;
  if (operand.dtype != pattern.type.dtype ||
      operand.rank != pattern.type.shape.size() ||
      (operand.rank != 0 &&
       std::memcmp(operand.shape, pattern.type.shape.data(),
                   operand.rank * sizeof(int64_t)) != 0 &&
       !(symbols && matchSizes(pattern.type.shape.data(), operand.shape,
                               operand.rank, *symbols))))
    return Mismatch::OperandType;
  if (pattern.varies)
    return Mismatch::None;
  switch (pattern.kind) {
  case ProducerKind::Variable:
    return operand.variable == pattern.variable ? Mismatch::None
                                                : Mismatch::Variable;
  case ProducerKind::Constant:
    return operand.constant == pattern.constant ? Mismatch::None
                                                : Mismatch::Constant;
  case ProducerKind::Record:
  case ProducerKind::Feed:
    break;
  }
  if (operand.node == kNoNode) {
    // Unknown origin (Record) or a first use (Feed).
    if (pattern.kind == ProducerKind::Feed)
      return pattern.node == kNoNode ? Mismatch::None : Mismatch::Producer;
    return wiredInBlock(pattern, consumer) ? Mismatch::Producer
                                           : Mismatch::None;
  }
  if (operand.node == kThisOp)
    return pattern.node == consumer && pattern.slot == operand.slot &&
                   pattern.age == 0
               ? Mismatch::None
               : Mismatch::Producer;
  if (operand.node != pattern.node || operand.slot != pattern.slot ||
      operand.node >= visits_.size())
    return Mismatch::Producer;
  // Ages count executions started after the source one, the consumer's own
  // (about to start) included, as TraceGraph::merge measures them.
  uint64_t started = visits_[operand.node] + (operand.node == consumer);
  if (operand.visit >= started)
    return Mismatch::Producer;
  return started - 1 - operand.visit == pattern.age ? Mismatch::None
                                                    : Mismatch::Producer;
}

Mismatch Validator::compareOp(const Node &node, NodeId id, const IncomingOp &op,
                              uint32_t &operand) const {
  if (!node.isOp())
    return Mismatch::EventKind;
  if (node.site != op.site)
    return Mismatch::Site;
  if (op.name != node.name)
    return Mismatch::Name;
  if (op.numAttributes != node.attributes.size())
    return Mismatch::Attributes;
  SymbolBindings *symbols = nullptr;
  if (node.symbolic) {
    matching_.clear();
    symbols = &matching_;
  }
  for (size_t i = 0; i < op.numAttributes; ++i)
    if (op.attributes[i].name != node.attributes[i].name ||
        (symbols ? !matchAttribute(node.attributes[i].value,
                                   op.attributes[i].value, *symbols)
                 : op.attributes[i].value != node.attributes[i].value))
      return Mismatch::Attributes;
  if (op.numOperands != node.operands.size())
    return Mismatch::OperandCount;
  for (uint32_t i = 0; i < op.numOperands; ++i) {
    Mismatch reason =
        compareOperand(node.operands[i], id, op.operands[i], symbols);
    if (reason != Mismatch::None) {
      operand = i;
      return reason;
    }
  }
  if (op.numWrites != node.writes.size() ||
      !std::equal(node.writes.begin(), node.writes.end(), op.writes))
    return Mismatch::Writes;
  return Mismatch::None;
}

MatchResult Validator::accept(size_t edge) {
  ++edgeCounts_[position_][edge];
  NodeId node = graph_.node(position_).successors[edge].target;
  if (graph_.node(node).symbolic)
    bindings_ = matching_;
  else
    bindings_.clear();
  MatchResult result;
  result.node = node;
  result.visit = visits_[node]++;
  result.block = blocks_.blockOf[node];
  if (result.block >= 0)
    result.endsBlock = blocks_.blocks[result.block].nodes.back() == node;
  position_ = node;
  return result;
}

// Mismatches are ranked so that the report names the most similar successor:
// a later check failing means more of the op agreed.
static int closeness(Mismatch reason) {
  return reason == Mismatch::EventKind ? 0
         : reason == Mismatch::Site    ? 1
                                       : 2 + int(reason);
}

MatchResult Validator::matchOp(const IncomingOp &op) {
  const Node &here = graph_.node(position_);
  MatchResult best;
  best.reason = Mismatch::EndOfGraph;
  for (size_t i = 0; i < here.successors.size(); ++i) {
    const Edge &edge = here.successors[i];
    uint32_t operand = 0;
    Mismatch reason =
        compareOp(graph_.node(edge.target), edge.target, op, operand);
    if (reason == Mismatch::None)
      return accept(i);
    if (best.node == kNoNode || closeness(reason) > closeness(best.reason)) {
      best.reason = reason;
      best.node = edge.target;
      best.operand = operand;
    }
  }
  return best;
}

MatchResult Validator::matchSync(const Site &site, SyncKind kind,
                                 const IncomingOperand &value) {
  const Node &here = graph_.node(position_);
  MatchResult best;
  best.reason = Mismatch::EndOfGraph;
  for (size_t i = 0; i < here.successors.size(); ++i) {
    const Edge &edge = here.successors[i];
    const Node &node = graph_.node(edge.target);
    Mismatch reason =
        !node.isSync()      ? Mismatch::EventKind
        : node.site != site ? Mismatch::Site
        : node.syncKind != kind
            ? Mismatch::SyncKind
            : compareOperand(node.operands[0], edge.target, value);
    if (reason == Mismatch::None)
      return accept(i);
    if (best.node == kNoNode || closeness(reason) > closeness(best.reason)) {
      best.reason = reason;
      best.node = edge.target;
    }
  }
  return best;
}

} // namespace trace
} // namespace terra
