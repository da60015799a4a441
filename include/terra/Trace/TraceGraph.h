//===- TraceGraph.h - Merged traces: op sites and transitions ---*- C++ -*-===//
//
// Every trace merged in becomes a walk through this graph. A node is an op
// site with one signature (name, attributes, operand types and producer
// kinds, result types, variable writes) or a sync (a fetch at a site); an
// edge counts how often one node followed another. A loop shows up as a
// back-edge, a Python branch as a node with several successors, a new shape
// as a new node at the same site.
//
// Operands are remembered as producer patterns: which node's result (and how
// many executions of that node ago), which variable, which constant. When
// traces disagree on a pattern it is marked `varies`, and compiled blocks
// take that operand as an input instead of wiring it.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TRACE_TRACEGRAPH_H
#define TERRA_TRACE_TRACEGRAPH_H

#include "terra/Trace/OpRecord.h"

#include <cstdint>
#include <deque>
#include <iosfwd>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace terra {
namespace trace {

using NodeId = uint32_t;
/// The entry node every fresh walk starts from; it has no op.
constexpr NodeId kStartNode = 0;
constexpr NodeId kNoNode = UINT32_MAX;
/// How many of the latest records the graph remembers the producing node
/// of (16 bytes each); an operand made earlier is "a value from outside".
constexpr uint64_t kRememberedRecords = uint64_t(1) << 16;

class SourceLocations;
class CallStackIds;

/// Where an operand's value comes from, as seen by every trace so far.
struct OperandPattern {
  ProducerKind kind = ProducerKind::Record;
  TensorType type;
  /// Record: the producing node (kNoNode: a value older than the graph
  /// remembers) and its result `slot`. Feed: the node and operand `slot`
  /// where the same fed value was first used (kNoNode: first use here).
  NodeId node = kNoNode;
  uint32_t slot = 0;
  /// Record/Feed: executions of `node` between the producing one and this
  /// use (0: its latest execution).
  uint32_t age = 0;
  uint64_t variable = 0;
  double constant = 0;
  /// Traces disagreed on node/slot/age/variable/constant.
  bool varies = false;
  /// Executions that agreed with this source in a row, and whether it
  /// already replaced another: a producing node seen once (the first
  /// iteration's, before optimiser state existed) gives way to the next one,
  /// once. Constants and variables that change vary at once.
  uint64_t agreed = 1;
  bool replaced = false;

  /// Same source (ignoring kind, type and `varies`).
  bool sameSource(const OperandPattern &other) const;
};

/// Where a fed value was first used: the node, the operand, and which
/// visit of the node.
struct FeedUse {
  NodeId node;
  uint32_t operand;
  uint64_t visit;
};

/// An observed use of a node's result.
struct ResultUse {
  NodeId consumer = kNoNode;
  uint32_t operand = 0;
  uint32_t age = 0;
  bool operator==(const ResultUse &other) const {
    return consumer == other.consumer && operand == other.operand &&
           age == other.age;
  }
};

struct ResultInfo {
  TensorType type;
  std::vector<ResultUse> uses;
  /// Fetched by a sync node.
  bool fetched = false;
  /// Still referenced by Python at the end of some trace.
  bool heldByPython = false;
};

struct Edge {
  NodeId target = kNoNode;
  uint64_t count = 0;
};

enum class NodeKind : uint8_t { Start, Op, Sync };

struct Node {
  NodeKind kind = NodeKind::Op;
  Site site;
  uint64_t signatureHash = 0;
  // Op nodes.
  std::string name;
  std::vector<NamedAttribute> attributes;
  std::vector<OperandPattern> operands;
  std::vector<ResultInfo> results;
  std::vector<VariableWrite> writes;
  // Sync nodes: `operands[0]` is the fetched value.
  SyncKind syncKind = SyncKind::Item;

  std::vector<Edge> successors;
  std::vector<NodeId> predecessors;
  uint64_t visits = 0;
  /// Some operand, result or integer attribute has a symbolic size.
  bool symbolic = false;
  /// The merge (TraceGraph's count) that last visited the node.
  uint64_t lastMerge = 0;

  bool isOp() const { return kind == NodeKind::Op; }
  bool isSync() const { return kind == NodeKind::Sync; }
  const Edge *edgeTo(NodeId target) const;
};

/// A size that became symbolic when a node was met with another one.
struct DynamicSize {
  NodeId node = kNoNode;
  /// "operand 0", "result 1" or "attribute 'shape'".
  std::string where;
  uint32_t dim = 0;
  int64_t was = 0, met = 0;
  uint32_t symbol = 0;
};

/// Whether the compiler lowers op `name` with dynamic sizes (lib/Conversion
/// and BlockToMLIR); nodes of other ops keep one node per shape.
bool takesDynamicSizes(const std::string &name);

/// A maximal straight stretch of op nodes (see TraceGraph::blocks()).
struct Block {
  std::vector<NodeId> nodes;
};

struct BlockPartition {
  std::vector<Block> blocks;
  /// Block index of each node; -1 for the start node and sync nodes.
  std::vector<int32_t> blockOf;
};

class TraceGraph {
public:
  enum class Continue {
    /// The trace follows the last merged one (the next iteration): an edge
    /// joins them, which is how loops get their back-edge.
    FromLastNode,
    /// The trace starts a new walk from the start node.
    FromStart,
  };

  TraceGraph();

  /// Merges one trace. Returns the number of nodes it created.
  ///
  /// An op that matches no node may generalise one (automatic dynamic
  /// shapes): a node at the same site with the same op, attributes, dtypes
  /// and ranks, operands from the same nodes and variables, not visited yet
  /// by this trace, whose sizes differ from the op's only where neither is
  /// 0 or 1, becomes symbolic there, if the op is one the compiler lowers
  /// with dynamic sizes and the op's operands and attributes give every
  /// symbolic result size. New symbols are born only on operands that read
  /// memory Python lent (new data: a NumPy batch); elsewhere the walk must
  /// follow the
  /// node's old path and operand and attribute sizes change as a symbol
  /// already did, so that a loop over tensors of several shapes at one site
  /// (an optimiser's parameters) keeps its nodes apart.
  size_t merge(const Trace &trace, Continue how = Continue::FromLastNode);

  /// With false, a new size is always a new node (TERRA_DYNAMIC_SHAPES=0).
  void setDynamicShapes(bool enabled) { dynamicShapes_ = enabled; }

  /// Sizes that became symbolic, in the order they did.
  const std::vector<DynamicSize> &dynamicSizes() const { return dynamicSizes_; }
  size_t numSymbols() const { return symbols_.size(); }
  /// Nodes with a symbolic size.
  size_t numSymbolicNodes() const;

  const Node &node(NodeId id) const { return nodes_[id]; }
  size_t size() const { return nodes_.size(); }
  /// The node the last merged trace ended at.
  NodeId lastNode() const { return cursor_; }

  /// Co-execution walked the graph without merging: the next trace follows
  /// `node`, each node has been visited `visits[node]` times (a vector as
  /// long as the graph), and each edge taken `edgeCounts[node][i]` more
  /// times (parallel to the successors; may be empty). `feedUses` are the
  /// first uses of fed values met on that walk, by feed id: a value fed
  /// before recording resumed is not taken for a new one.
  void continueFrom(NodeId node, const std::vector<uint64_t> &visits,
                    const std::vector<std::vector<uint64_t>> &edgeCounts,
                    const std::unordered_map<uint64_t, FeedUse> &feedUses = {});
  /// Where the fed values of the last two traces were first used: what a
  /// validator starting here knows of them.
  std::unordered_map<uint64_t, FeedUse> recentFeedUses() const;
  /// The node and visit that made record `record`, if still remembered.
  bool executionOfRecord(uint64_t record, NodeId &node, uint64_t &visit) const;

  /// Blocks: maximal chains of op nodes a -> b where a has exactly one
  /// successor and b exactly one predecessor. Precisely, an op node n starts
  /// a block unless it has exactly one predecessor p, p is an op node (not
  /// the start node, not a sync) and p has exactly one successor; a block
  /// extends from its start along unique successors until the next node
  /// starts a block or is a sync. Sync nodes belong to no block. Every op
  /// node is in exactly one block, in execution order.
  ///
  /// Edges taken fewer than `minEdgeCount` times are ignored: with 2, a
  /// path seen once (the first iteration, before optimiser state exists)
  /// does not cut the hot loop into pieces where it joins it. Python then
  /// enters that block in the middle, which co-execution handles like a
  /// divergence (the rest of that pass runs imperatively).
  BlockPartition blocks(uint64_t minEdgeCount = 1) const;

  /// MLIR-like text: one line per node with its signature, producers,
  /// visits, block and successors.
  void dump(std::ostream &os, const SourceLocations *locations = nullptr,
            const CallStackIds *stacks = nullptr) const;
  /// Graphviz: nodes clustered by block, edges labelled with counts.
  void dumpDot(std::ostream &os,
               const SourceLocations *locations = nullptr) const;

private:
  struct Execution {
    NodeId node = kNoNode;
    uint64_t visit = 0;
  };

  NodeId findOrAddOp(const OpRecord &op,
                     const std::vector<OperandPattern> &patterns,
                     bool &created);
  /// Makes `node` symbolic where `op`'s sizes differ; false (and `node`
  /// unchanged) when it cannot be.
  bool generalize(NodeId node, const OpRecord &op);
  /// The node that made a Record operand, if remembered.
  NodeId producerNode(const Producer &producer) const;
  NodeId findOrAddSync(const SyncEvent &sync, const OperandPattern &pattern,
                       bool &created);
  NodeId addNode(Node node);
  void step(NodeId next);
  OperandPattern patternOf(const Producer &producer, const TensorType &type);
  /// Feed patterns need the consumer (first use) to be remembered.
  void noteFeedUses(const OpRecord &op, NodeId node,
                    std::vector<OperandPattern> &patterns);
  const Execution *executionOf(uint64_t record) const;
  /// Makes room for `count` records from `firstRecord` on, forgetting those
  /// older than the window.
  void rememberFrom(uint64_t firstRecord, size_t count);
  void mergePatterns(Node &node, const std::vector<OperandPattern> &seen);
  /// Records on each producer that `consumer` used its result as seen now.
  void noteUses(NodeId consumer, const std::vector<OperandPattern> &operands);

  std::vector<Node> nodes_;
  /// Signature hash -> nodes with it.
  std::unordered_multimap<uint64_t, NodeId> index_;
  /// Site and op name -> its op nodes in creation order, and those of them
  /// that are symbolic: where an op with new sizes looks for a node to fit
  /// or to generalise.
  struct SiteNodes {
    std::vector<NodeId> all, symbolic;
  };
  std::unordered_map<uint64_t, SiteNodes> bySiteAndName_;
  /// (size a node had, size met) -> symbol.
  std::map<std::pair<int64_t, int64_t>, uint32_t> symbols_;
  std::vector<DynamicSize> dynamicSizes_;
  uint64_t merges_ = 0;
  bool dynamicShapes_ = true;
  NodeId cursor_ = kStartNode;
  /// Which node and visit made each of the last kRememberedRecords
  /// records, whatever the traces they came in: a recorder flushes as often
  /// as co-execution looks at the graph (every few hundred ops), while a
  /// gradient made early in a backward pass is read thousands of records
  /// later by the optimiser.
  std::deque<Execution> executions_;
  uint64_t firstExecution_ = 0;
  /// First uses of fed values in the current and the previous trace: as
  /// short a memory as co-execution's, which starts afresh each time it
  /// starts validating.
  std::unordered_map<uint64_t, FeedUse> feeds_, previousFeeds_;
};

} // namespace trace
} // namespace terra

#endif // TERRA_TRACE_TRACEGRAPH_H
