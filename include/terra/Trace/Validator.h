//===- Validator.h - Checking ops against the TraceGraph --------*- C++ -*-===//
//
// In co-execution the Python thread does not run DL ops; for each op call it
// asks the validator whether the op is the one the graph expects next. A
// match advances the position (at a branch, the matching successor is the
// way Python went); a mismatch is a divergence, and explain() says why in
// words for the explain report.
//
// The hot path (matchOp / matchSync) reads the caller's buffers in place and
// allocates nothing: strings are built only by explain(), after a
// divergence.
//
// What must hold for a match: same site, op name, attributes, operand count,
// producer kinds, operand dtypes and shapes, variable writes; and each
// operand's source must be the one compiled code will use. An operand wired
// inside its block must be that op's result from this pass through the
// block; variables and constants must be the same ones (unless traces showed
// them varying); any operand whose origin Python reports must match the
// merged pattern. A value of unknown origin (an eager tensor made before
// co-execution started) is accepted only where the block takes an input.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TRACE_VALIDATOR_H
#define TERRA_TRACE_VALIDATOR_H

#include "terra/Trace/Symbols.h"
#include "terra/Trace/TraceGraph.h"

#include <string>
#include <string_view>
#include <vector>

namespace terra {
namespace trace {

class SourceLocations;
class CallStackIds;

/// IncomingOperand::node for a fed value first used earlier in this call.
constexpr NodeId kThisOp = UINT32_MAX - 1;

/// An operand as the binding sees it at call time.
struct IncomingOperand {
  ProducerKind kind = ProducerKind::Record;
  DType dtype = DType::Float32;
  const int64_t *shape = nullptr;
  uint32_t rank = 0;
  /// Record: the lazy value's node, result and visit (MatchResult::visit of
  /// the op that made it); kNoNode for a value of unknown origin. Feed: the
  /// node, operand and visit of the fed value's first use, kNoNode if this
  /// is its first use, kThisOp (and slot = the earlier operand) if it was
  /// first used by an earlier operand of this same call.
  NodeId node = kNoNode;
  uint32_t slot = 0;
  uint64_t visit = 0;
  uint64_t variable = 0;
  double constant = 0;
};

/// An op call as the binding sees it. Arrays are borrowed for the call.
struct IncomingOp {
  Site site;
  std::string_view name;
  const NamedAttribute *attributes = nullptr;
  size_t numAttributes = 0;
  const IncomingOperand *operands = nullptr;
  size_t numOperands = 0;
  const VariableWrite *writes = nullptr;
  size_t numWrites = 0;
};

enum class Mismatch : uint8_t {
  None,
  /// The graph has no successor here (a path never traced).
  EndOfGraph,
  /// An op where a sync was expected, or the reverse.
  EventKind,
  Site,
  Name,
  Attributes,
  OperandCount,
  ProducerKind,
  OperandType,
  /// Operand `operand` comes from another value than the graph's.
  Producer,
  Variable,
  Constant,
  Writes,
  SyncKind,
};

struct MatchResult {
  Mismatch reason = Mismatch::None;
  /// The matched node, or the successor the divergence is reported against
  /// (kNoNode if there is none).
  NodeId node = kNoNode;
  /// Matched: which execution of `node` this is (for lazy values).
  uint64_t visit = 0;
  /// The operand a Producer/Variable/Constant/Type mismatch is about.
  uint32_t operand = 0;
  /// Matched: the node's block, and whether Python has now passed its last
  /// op (time to hand the block to the runner).
  int32_t block = -1;
  bool endsBlock = false;

  bool matched() const { return reason == Mismatch::None; }
};

class Validator {
public:
  /// With `continueVisits`, visits are numbered on from the graph's counts
  /// (co-execution hands them back to the graph when it records again).
  Validator(const TraceGraph &graph, const BlockPartition &blocks,
            bool continueVisits = false);

  /// Visits of each node so far.
  const std::vector<uint64_t> &visits() const { return visits_; }
  /// How often each edge was taken since the validator was made, parallel
  /// to each node's successors.
  const std::vector<std::vector<uint64_t>> &edgeCounts() const {
    return edgeCounts_;
  }
  /// `node`'s index in its block (UINT32_MAX for nodes in no block).
  uint32_t positionInBlock(NodeId node) const { return positionInBlock_[node]; }

  NodeId position() const { return position_; }
  /// Continues from `node` (after a divergence was merged, or a new run).
  void reset(NodeId node = kStartNode) { position_ = node; }

  /// Checks `op` against the successors of the current position; advances
  /// on a match.
  MatchResult matchOp(const IncomingOp &op);
  /// The values the symbols of the last matched op took (empty unless its
  /// node is symbolic): they give its results' shapes.
  const SymbolBindings &bindings() const { return bindings_; }
  /// Same for a fetch of `value` at `site`.
  MatchResult matchSync(const Site &site, SyncKind kind,
                        const IncomingOperand &value);

  /// "expected add at train.py:12 with (float32[64, 10], float32[10]), met
  /// mul at train.py:13 with (...): op name differs".
  std::string explain(const MatchResult &result, const IncomingOp &op,
                      const SourceLocations *locations = nullptr,
                      const CallStackIds *stacks = nullptr) const;
  std::string explainSync(const MatchResult &result, const Site &site,
                          SyncKind kind, const IncomingOperand &value,
                          const SourceLocations *locations = nullptr,
                          const CallStackIds *stacks = nullptr) const;

private:
  Mismatch compareOp(const Node &node, NodeId id, const IncomingOp &op,
                     uint32_t &operand) const;
  /// `symbols` binds the symbolic sizes of a symbolic node's operand
  /// (null: the pattern is static).
  Mismatch compareOperand(const OperandPattern &pattern, NodeId consumer,
                          const IncomingOperand &operand,
                          SymbolBindings *symbols = nullptr) const;
  /// Whether compiled code computes this operand inside the block instead
  /// of taking it from Python.
  bool wiredInBlock(const OperandPattern &pattern, NodeId consumer) const;
  MatchResult accept(size_t edge);
  std::string describeExpected(NodeId node, const SourceLocations *locations,
                               const CallStackIds *stacks) const;

  const TraceGraph &graph_;
  const BlockPartition &blocks_;
  std::vector<uint32_t> positionInBlock_;
  std::vector<uint64_t> visits_;
  std::vector<std::vector<uint64_t>> edgeCounts_;
  NodeId position_ = kStartNode;
  /// Filled while comparing an op with a symbolic node; kept on a match.
  mutable SymbolBindings matching_;
  SymbolBindings bindings_;
};

} // namespace trace
} // namespace terra

#endif // TERRA_TRACE_VALIDATOR_H
