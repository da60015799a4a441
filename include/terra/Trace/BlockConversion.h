//===- BlockConversion.h - A TraceGraph block as a BlockSpec ----*- C++ -*-===//
//
// Turns a block of the TraceGraph into the compiler's input, plus what the
// runtime needs to call it: where each input comes from and what each output
// is for.
//
// Inputs. An operand is wired to an op of the block (ValueId::result) when
// its pattern is stable (not `varies`), it names a Record produced earlier
// in the block, and it is that op's execution in the same pass through the
// block. Everything else is an input, deduplicated by source: the same
// variable (unless written earlier in the block: then the written value is
// used), the same result of a node outside the block or of an earlier pass
// of this block (a loop-carried value), the same fed value (one feed used by
// several ops), the same constant. Operands whose pattern varies, and values
// older than the graph remembers, get an input each.
//
// Outputs (OutputPolicy::ObservedUses, the default): a result is an output
// if any trace used it other than by wiring inside the block (an op outside
// the block, a later pass, a varying operand), a sync fetched it, Python
// still held it at the end of a trace, or it is the last value written to a
// variable in the block; a block none of whose results qualifies hands back
// its last op's. A result Python later uses in a way no trace showed
// is not kept: the validator reports that use as a divergence and the block
// prefix is replayed eagerly. OutputPolicy::AllResults keeps every result
// (for debugging, or for a runner that cannot replay).
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TRACE_BLOCKCONVERSION_H
#define TERRA_TRACE_BLOCKCONVERSION_H

#include "terra/Compiler/BlockSpec.h"
#include "terra/Trace/TraceGraph.h"

namespace terra {
namespace trace {

enum class OutputPolicy { ObservedUses, AllResults };

struct BlockInput {
  /// What the value is: a variable, a constant, a fed value, a result of a
  /// node outside the block or of an earlier pass (`passesBack` > 0).
  OperandPattern source;
  uint32_t passesBack = 0;
  /// The first operand bound to it: the Python thread binds the input from
  /// the value it passed there.
  uint32_t firstOp = 0;
  uint32_t firstOperand = 0;
};

struct BlockOutput {
  uint32_t op = 0;
  uint32_t result = 0;
  bool usedOutside = false;
  bool fetched = false;
  bool heldByPython = false;
  /// The block's final value of a variable.
  bool writesVariable = false;
  uint64_t variable = 0;
};

struct TracedBlock {
  compiler::BlockSpec spec;
  /// spec.ops[i] is nodes[i].
  std::vector<NodeId> nodes;
  /// Parallel to spec.inputs / spec.outputs.
  std::vector<BlockInput> inputs;
  std::vector<BlockOutput> outputs;
};

/// With `minConsumerVisits`, uses by nodes outside the block that ran fewer
/// times (the first iteration's path) do not make outputs: if Python takes
/// that path again, it diverges and the block prefix is replayed eagerly.
TracedBlock toBlockSpec(const TraceGraph &graph, const Block &block,
                        OutputPolicy policy = OutputPolicy::ObservedUses,
                        uint64_t minConsumerVisits = 0);

} // namespace trace
} // namespace terra

#endif // TERRA_TRACE_BLOCKCONVERSION_H
