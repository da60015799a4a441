//===- Blocks.cpp - Splitting the TraceGraph into straight blocks ---------===//

#include "terra/Trace/TraceGraph.h"

namespace terra {
namespace trace {

BlockPartition TraceGraph::blocks(uint64_t minEdgeCount) const {
  auto counts = [&](NodeId from, NodeId to) {
    const Edge *edge = nodes_[from].edgeTo(to);
    return edge && edge->count >= minEdgeCount;
  };
  // The one counted edge out of `id`, or kNoNode.
  auto onlySuccessor = [&](NodeId id) {
    NodeId only = kNoNode;
    for (const Edge &edge : nodes_[id].successors) {
      if (edge.count < minEdgeCount)
        continue;
      if (only != kNoNode)
        return kNoNode;
      only = edge.target;
    }
    return only;
  };
  // An op node continues its predecessor's block only when nothing can come
  // between them: one way in, and the predecessor has one way out.
  auto startsBlock = [&](NodeId id) {
    NodeId predecessor = kNoNode;
    for (NodeId candidate : nodes_[id].predecessors) {
      if (!counts(candidate, id))
        continue;
      if (predecessor != kNoNode)
        return true;
      predecessor = candidate;
    }
    return predecessor == kNoNode || !nodes_[predecessor].isOp() ||
           onlySuccessor(predecessor) != id;
  };

  BlockPartition partition;
  partition.blockOf.assign(nodes_.size(), -1);
  auto grow = [&](NodeId first) {
    auto index = static_cast<int32_t>(partition.blocks.size());
    Block block;
    NodeId current = first;
    while (true) {
      block.nodes.push_back(current);
      partition.blockOf[current] = index;
      NodeId next = onlySuccessor(current);
      if (next == kNoNode || !nodes_[next].isOp() || startsBlock(next) ||
          partition.blockOf[next] != -1)
        break;
      current = next;
    }
    partition.blocks.push_back(std::move(block));
  };
  for (NodeId first = 0; first < nodes_.size(); ++first)
    if (nodes_[first].isOp() && startsBlock(first))
      grow(first);
  // Ignoring rare edges can leave a hot loop as a cycle with no start (its
  // entries were all rare): it starts at its earliest-made node.
  for (NodeId first = 0; first < nodes_.size(); ++first)
    if (nodes_[first].isOp() && partition.blockOf[first] == -1)
      grow(first);
  return partition;
}

} // namespace trace
} // namespace terra
