//===- Dump.cpp - TraceGraph as text and Graphviz -------------------------===//
//
// The text form reads like MLIR (one op per line, %nN#R for results, ^nN for
// nodes) so that it sits next to the block dumps of --dump-ir; it is not
// parsed back.
//
//===----------------------------------------------------------------------===//

#include "terra/Trace/Format.h"
#include "terra/Trace/SourceLocations.h"
#include "terra/Trace/TraceGraph.h"

#include <ostream>

namespace terra {
namespace trace {
namespace {

void printSource(std::ostream &os, const OperandPattern &operand) {
  switch (operand.kind) {
  case ProducerKind::Record:
    if (operand.node == kNoNode)
      os << "%outside";
    else
      os << "%n" << operand.node << "#" << operand.slot;
    break;
  case ProducerKind::Feed:
    if (operand.node == kNoNode)
      os << "feed";
    else
      os << "feed(^n" << operand.node << " operand " << operand.slot << ")";
    break;
  case ProducerKind::Variable:
    os << "@var" << operand.variable;
    break;
  case ProducerKind::Constant:
    os << "const(" << operand.constant << ")";
    break;
  }
  if (operand.age)
    os << " age " << operand.age;
  if (operand.varies)
    os << " varies";
}

std::string siteText(const Site &site, const SourceLocations *locations,
                     const CallStackIds *stacks) {
  SourceLocations none;
  return (locations ? *locations : none).describe(site, stacks);
}

} // namespace

void TraceGraph::dump(std::ostream &os, const SourceLocations *locations,
                      const CallStackIds *stacks) const {
  BlockPartition partition = blocks();
  os << "// TraceGraph: " << nodes_.size() - 1 << " nodes, "
     << partition.blocks.size() << " blocks\n";
  for (NodeId id = 0; id < nodes_.size(); ++id) {
    const Node &node = nodes_[id];
    os << "^n" << id;
    if (partition.blockOf[id] >= 0)
      os << " [block " << partition.blockOf[id] << "]";
    os << ": ";
    if (node.kind == NodeKind::Start) {
      os << "start";
    } else if (node.isSync()) {
      os << "sync " << syncKindName(node.syncKind) << "(";
      printSource(os, node.operands[0]);
      os << ") : " << formatType(node.operands[0].type);
    } else {
      for (size_t r = 0; r < node.results.size(); ++r)
        os << (r ? ", " : "") << "%n" << id << "#" << r;
      os << (node.results.empty() ? "" : " = ") << "terra." << node.name << "(";
      for (size_t i = 0; i < node.operands.size(); ++i) {
        os << (i ? ", " : "");
        printSource(os, node.operands[i]);
      }
      os << ")";
      if (!node.attributes.empty())
        os << " " << formatAttributes(node.attributes);
      os << " : (";
      for (size_t i = 0; i < node.operands.size(); ++i)
        os << (i ? ", " : "") << formatType(node.operands[i].type);
      os << ") -> (";
      for (size_t r = 0; r < node.results.size(); ++r)
        os << (r ? ", " : "") << formatType(node.results[r].type);
      os << ")";
      for (const VariableWrite &write : node.writes)
        os << " writes @var" << write.variable << " = #" << write.result;
    }
    if (node.kind != NodeKind::Start)
      os << "  // " << siteText(node.site, locations, stacks) << ", "
         << node.visits << " visits";
    os << "\n";
    if (!node.successors.empty()) {
      os << "    -> ";
      for (size_t i = 0; i < node.successors.size(); ++i)
        os << (i ? ", " : "") << "^n" << node.successors[i].target << " ("
           << node.successors[i].count << ")";
      os << "\n";
    }
  }
}

void TraceGraph::dumpDot(std::ostream &os,
                         const SourceLocations *locations) const {
  BlockPartition partition = blocks();
  os << "digraph TraceGraph {\n  node [shape=box, fontname=monospace];\n";
  auto label = [&](NodeId id) {
    const Node &node = nodes_[id];
    if (node.kind == NodeKind::Start)
      return std::string("start");
    std::string name = node.isSync()
                           ? std::string("sync ") + syncKindName(node.syncKind)
                           : node.name;
    return name + "\\n" + siteText(node.site, locations, nullptr);
  };
  for (size_t b = 0; b < partition.blocks.size(); ++b) {
    os << "  subgraph cluster_" << b << " {\n    label=\"block " << b
       << "\";\n";
    for (NodeId id : partition.blocks[b].nodes)
      os << "    n" << id << " [label=\"" << label(id) << "\"];\n";
    os << "  }\n";
  }
  for (NodeId id = 0; id < nodes_.size(); ++id) {
    if (partition.blockOf[id] < 0)
      os << "  n" << id << " [label=\"" << label(id) << "\""
         << (nodes_[id].isSync() ? ", shape=octagon" : ", shape=oval")
         << "];\n";
    for (const Edge &edge : nodes_[id].successors)
      os << "  n" << id << " -> n" << edge.target << " [label=\"" << edge.count
         << "\"];\n";
  }
  os << "}\n";
}

} // namespace trace
} // namespace terra
