//===- ValidatorExplain.cpp - Divergence reasons in words -----------------===//
//
// Only runs after a divergence, so it may build strings freely.
//
//===----------------------------------------------------------------------===//

#include "terra/Trace/Format.h"
#include "terra/Trace/SourceLocations.h"
#include "terra/Trace/Validator.h"

namespace terra {
namespace trace {
namespace {

std::string describeSite(const Site &site, const SourceLocations *locations,
                         const CallStackIds *stacks) {
  SourceLocations none;
  return (locations ? *locations : none).describe(site, stacks);
}

std::string typeList(const std::vector<OperandPattern> &operands) {
  std::string text = "(";
  for (size_t i = 0; i < operands.size(); ++i)
    text += (i ? ", " : "") + formatType(operands[i].type);
  return text + ")";
}

std::string incomingType(const IncomingOperand &operand) {
  return formatType(operand.dtype, operand.shape, operand.rank);
}

std::string typeList(const IncomingOperand *operands, size_t count) {
  std::string text = "(";
  for (size_t i = 0; i < count; ++i)
    text += (i ? ", " : "") + incomingType(operands[i]);
  return text + ")";
}

std::string describeSource(const OperandPattern &pattern) {
  switch (pattern.kind) {
  case ProducerKind::Variable:
    return "variable " + std::to_string(pattern.variable);
  case ProducerKind::Constant:
    return "constant " + std::to_string(pattern.constant);
  case ProducerKind::Record:
  case ProducerKind::Feed:
    break;
  }
  if (pattern.node == kNoNode)
    return pattern.kind == ProducerKind::Feed ? "a new fed value"
                                              : "a value from outside";
  std::string what =
      pattern.kind == ProducerKind::Feed
          ? "the fed value of operand " + std::to_string(pattern.slot) +
                " of node "
          : "result " + std::to_string(pattern.slot) + " of node ";
  return what + std::to_string(pattern.node) +
         (pattern.age
              ? " from " + std::to_string(pattern.age) + " executions earlier"
              : "");
}

std::string describeSource(const IncomingOperand &operand) {
  switch (operand.kind) {
  case ProducerKind::Variable:
    return "variable " + std::to_string(operand.variable);
  case ProducerKind::Constant:
    return "constant " + std::to_string(operand.constant);
  case ProducerKind::Record:
  case ProducerKind::Feed:
    break;
  }
  if (operand.node == kNoNode)
    return operand.kind == ProducerKind::Feed ? "a new fed value"
                                              : "a value of unknown origin";
  if (operand.node == kThisOp)
    return "the fed value of operand " + std::to_string(operand.slot);
  return (operand.kind == ProducerKind::Feed ? "a fed value first used by "
                                             : "a result of ") +
         std::string("node ") + std::to_string(operand.node) + " (visit " +
         std::to_string(operand.visit) + ")";
}

std::string reasonText(Mismatch reason, uint32_t index,
                       const OperandPattern *expected,
                       const IncomingOperand *met) {
  std::string operand = "operand " + std::to_string(index);
  bool aboutOperand =
      reason == Mismatch::ProducerKind || reason == Mismatch::OperandType ||
      reason == Mismatch::Producer || reason == Mismatch::Variable ||
      reason == Mismatch::Constant;
  if (aboutOperand && (!expected || !met))
    return operand + " differs";
  switch (reason) {
  case Mismatch::None:
    return "matches";
  case Mismatch::EndOfGraph:
    return "no traced path continues here";
  case Mismatch::EventKind:
    return "an op where a fetch was traced, or a fetch where an op was";
  case Mismatch::Site:
    return "called from another place";
  case Mismatch::Name:
    return "another op";
  case Mismatch::Attributes:
    return "attributes differ";
  case Mismatch::OperandCount:
    return "operand count differs";
  case Mismatch::ProducerKind:
    return operand + " is a " + producerKindName(met->kind) + ", traced as a " +
           producerKindName(expected->kind);
  case Mismatch::OperandType:
    return operand + " is " + incomingType(*met) + ", traced as " +
           formatType(expected->type);
  case Mismatch::Producer:
  case Mismatch::Variable:
  case Mismatch::Constant:
    return operand + " is " + describeSource(*met) + ", traced as " +
           describeSource(*expected);
  case Mismatch::Writes:
    return "writes other variables";
  case Mismatch::SyncKind:
    return "another kind of fetch";
  }
  return "?";
}

} // namespace

std::string Validator::describeExpected(NodeId id,
                                        const SourceLocations *locations,
                                        const CallStackIds *stacks) const {
  if (id == kNoNode)
    return "the end of the traced path";
  const Node &node = graph_.node(id);
  if (node.isSync())
    return std::string("fetch (") + syncKindName(node.syncKind) + ") at " +
           describeSite(node.site, locations, stacks) + " of " +
           formatType(node.operands[0].type);
  return node.name + formatAttributes(node.attributes) + " at " +
         describeSite(node.site, locations, stacks) + " with " +
         typeList(node.operands);
}

std::string Validator::explain(const MatchResult &result, const IncomingOp &op,
                               const SourceLocations *locations,
                               const CallStackIds *stacks) const {
  const OperandPattern *expected = nullptr;
  const IncomingOperand *met = nullptr;
  if (result.node != kNoNode &&
      result.operand < graph_.node(result.node).operands.size() &&
      result.operand < op.numOperands) {
    expected = &graph_.node(result.node).operands[result.operand];
    met = &op.operands[result.operand];
  }
  return "expected " + describeExpected(result.node, locations, stacks) +
         ", met " + std::string(op.name) +
         formatAttributes(op.attributes, op.numAttributes) + " at " +
         describeSite(op.site, locations, stacks) + " with " +
         typeList(op.operands, op.numOperands) + ": " +
         reasonText(result.reason, result.operand, expected, met);
}

std::string Validator::explainSync(const MatchResult &result, const Site &site,
                                   SyncKind kind, const IncomingOperand &value,
                                   const SourceLocations *locations,
                                   const CallStackIds *stacks) const {
  const OperandPattern *expected = nullptr;
  if (result.node != kNoNode && graph_.node(result.node).isSync())
    expected = &graph_.node(result.node).operands[0];
  return "expected " + describeExpected(result.node, locations, stacks) +
         ", met fetch (" + syncKindName(kind) + ") at " +
         describeSite(site, locations, stacks) + " of " + incomingType(value) +
         ": " +
         reasonText(result.reason, 0, expected, expected ? &value : nullptr);
}

} // namespace trace
} // namespace terra
