//===- Blocks.cpp - Splitting the TraceGraph into straight blocks ---------===//

#include "terra/Trace/TraceGraph.h"

namespace terra {
namespace trace {

BlockPartition TraceGraph::blocks() const {
  // An op node continues its predecessor's block only when nothing can come
  // between them: one way in, and the predecessor has one way out.
  auto startsBlock = [&](const Node &node) {
    if (node.predecessors.size() != 1)
      return true;
    const Node &predecessor = nodes_[node.predecessors[0]];
    return !predecessor.isOp() || predecessor.successors.size() != 1;
  };

  BlockPartition partition;
  partition.blockOf.assign(nodes_.size(), -1);
  for (NodeId first = 0; first < nodes_.size(); ++first) {
    if (!nodes_[first].isOp() || !startsBlock(nodes_[first]))
      continue;
    auto index = static_cast<int32_t>(partition.blocks.size());
    Block block;
    NodeId current = first;
    while (true) {
      block.nodes.push_back(current);
      partition.blockOf[current] = index;
      const Node &node = nodes_[current];
      if (node.successors.size() != 1)
        break;
      NodeId next = node.successors[0].target;
      if (!nodes_[next].isOp() || startsBlock(nodes_[next]) ||
          partition.blockOf[next] != -1)
        break;
      current = next;
    }
    partition.blocks.push_back(std::move(block));
  }
  return partition;
}

} // namespace trace
} // namespace terra
