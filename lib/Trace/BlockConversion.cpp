//===- BlockConversion.cpp - A TraceGraph block as a BlockSpec ------------===//

#include "terra/Trace/BlockConversion.h"

#include <cstring>
#include <map>
#include <tuple>
#include <unordered_map>

namespace terra {
namespace trace {
namespace {

using compiler::ValueId;

/// Identity of an input for deduplication.
using InputKey = std::tuple<int /*kind*/, NodeId, uint32_t /*slot*/,
                            uint32_t /*passes back*/,
                            uint64_t /*variable or
  constant bits*/, int /*dtype*/, Shape>;

class BlockConverter {
public:
  BlockConverter(const TraceGraph &graph, const Block &block,
                 uint64_t minConsumerVisits)
      : graph_(graph), minConsumerVisits_(minConsumerVisits) {
    for (uint32_t i = 0; i < block.nodes.size(); ++i)
      position_[block.nodes[i]] = i;
    out_.nodes = block.nodes;
  }

  TracedBlock run(OutputPolicy policy) {
    for (uint32_t i = 0; i < out_.nodes.size(); ++i)
      convertOp(i);
    chooseOutputs(policy);
    return std::move(out_);
  }

private:
  int64_t positionOf(NodeId node) const {
    auto it = position_.find(node);
    return it == position_.end() ? int64_t(-1) : int64_t(it->second);
  }

  uint32_t passesBack(const OperandPattern &pattern, uint32_t consumer) const {
    int64_t source = positionOf(pattern.node);
    // A source later in the block last ran in the previous pass.
    return pattern.age + (source > int64_t(consumer) ? 1 : 0);
  }

  ValueId addInput(const OperandPattern &source, uint32_t passes, uint32_t op,
                   uint32_t operand) {
    auto index = static_cast<int32_t>(out_.spec.inputs.size());
    out_.spec.inputs.push_back(source.type);
    out_.inputs.push_back({source, passes, op, operand});
    return ValueId::input(index);
  }

  ValueId dedupedInput(const InputKey &key, const OperandPattern &source,
                       uint32_t passes, uint32_t op, uint32_t operand) {
    auto it = inputs_.find(key);
    if (it != inputs_.end())
      return ValueId::input(it->second);
    ValueId value = addInput(source, passes, op, operand);
    inputs_.emplace(key, value.index);
    return value;
  }

  InputKey keyOf(const OperandPattern &pattern, uint32_t passes,
                 uint64_t bits) const {
    return InputKey(int(pattern.kind), pattern.node, pattern.slot, passes, bits,
                    int(pattern.type.dtype), pattern.type.shape);
  }

  ValueId operandValue(uint32_t op, uint32_t index) {
    const OperandPattern &pattern = graph_.node(out_.nodes[op]).operands[index];
    if (pattern.varies)
      return addInput(pattern, 0, op, index);
    switch (pattern.kind) {
    case ProducerKind::Record: {
      if (pattern.node == kNoNode)
        return addInput(pattern, 0, op, index);
      uint32_t passes = passesBack(pattern, op);
      int64_t source = positionOf(pattern.node);
      if (source >= 0 && passes == 0)
        return ValueId::result(int32_t(source), int32_t(pattern.slot));
      return dedupedInput(keyOf(pattern, passes, 0), pattern, passes, op,
                          index);
    }
    case ProducerKind::Feed: {
      ValueId value;
      if (pattern.node == kNoNode) {
        value = addInput(pattern, 0, op, index);
      } else {
        uint32_t passes = passesBack(pattern, op);
        int64_t source = positionOf(pattern.node);
        auto earlier = feedInputs_.find({uint32_t(source), pattern.slot});
        if (source >= 0 && passes == 0 && earlier != feedInputs_.end())
          value = ValueId::input(earlier->second);
        else
          value = dedupedInput(keyOf(pattern, passes, 0), pattern, passes, op,
                               index);
      }
      feedInputs_[{op, index}] = value.index;
      return value;
    }
    case ProducerKind::Variable: {
      auto written = variables_.find(pattern.variable);
      if (written != variables_.end())
        return written->second;
      return dedupedInput(keyOf(pattern, 0, pattern.variable), pattern, 0, op,
                          index);
    }
    case ProducerKind::Constant: {
      uint64_t bits;
      std::memcpy(&bits, &pattern.constant, sizeof(bits));
      return dedupedInput(keyOf(pattern, 0, bits), pattern, 0, op, index);
    }
    }
    return addInput(pattern, 0, op, index);
  }

  void convertOp(uint32_t op) {
    const Node &node = graph_.node(out_.nodes[op]);
    compiler::OpSpec spec;
    spec.name = node.name;
    spec.attributes = node.attributes;
    for (uint32_t i = 0; i < node.operands.size(); ++i)
      spec.operands.push_back(operandValue(op, i));
    for (const ResultInfo &result : node.results)
      spec.results.push_back(result.type);
    out_.spec.ops.push_back(std::move(spec));
    for (const VariableWrite &write : node.writes)
      variables_[write.variable] =
          ValueId::result(int32_t(op), int32_t(write.result));
  }

  /// A use is served by wiring only if the consumer is later in the block,
  /// in the same pass, and took the operand as a stable pattern.
  bool usedOutside(uint32_t op, const ResultInfo &result) const {
    for (const ResultUse &use : result.uses) {
      int64_t consumer = positionOf(use.consumer);
      if (consumer < 0 && graph_.node(use.consumer).visits < minConsumerVisits_)
        continue; // A rare path: replayed eagerly if Python takes it.
      bool wired = consumer > int64_t(op) && use.age == 0 &&
                   !graph_.node(use.consumer).operands[use.operand].varies;
      if (!wired)
        return true;
    }
    return false;
  }

  void chooseOutputs(OutputPolicy policy) {
    std::map<std::pair<int32_t, int32_t>, uint64_t> finalWrites;
    for (const auto &[variable, value] : variables_)
      if (!value.isInput())
        finalWrites[{value.op, value.index}] = variable;
    for (uint32_t op = 0; op < out_.nodes.size(); ++op) {
      const Node &node = graph_.node(out_.nodes[op]);
      for (uint32_t r = 0; r < node.results.size(); ++r) {
        const ResultInfo &result = node.results[r];
        BlockOutput output;
        output.op = op;
        output.result = r;
        output.usedOutside = usedOutside(op, result);
        output.fetched = result.fetched;
        output.heldByPython = result.heldByPython;
        auto write = finalWrites.find({int32_t(op), int32_t(r)});
        if (write != finalWrites.end()) {
          output.writesVariable = true;
          output.variable = write->second;
        }
        bool keep = policy == OutputPolicy::AllResults || output.usedOutside ||
                    output.fetched || output.heldByPython ||
                    output.writesVariable;
        if (!keep)
          continue;
        out_.spec.outputs.push_back(ValueId::result(int32_t(op), int32_t(r)));
        out_.outputs.push_back(output);
      }
    }
    // No trace used a result (a loop computing a value it only returns,
    // reassigned each pass): the last op's results are the ones Python is
    // likeliest to hold, and a block must hand something back.
    if (out_.spec.outputs.empty() && !out_.nodes.empty()) {
      uint32_t last = uint32_t(out_.nodes.size() - 1);
      for (uint32_t r = 0; r < graph_.node(out_.nodes[last]).results.size();
           ++r) {
        BlockOutput output;
        output.op = last;
        output.result = r;
        output.heldByPython = true;
        out_.spec.outputs.push_back(ValueId::result(int32_t(last), int32_t(r)));
        out_.outputs.push_back(output);
      }
    }
  }

  const TraceGraph &graph_;
  uint64_t minConsumerVisits_ = 0;
  std::unordered_map<NodeId, uint32_t> position_;
  std::map<InputKey, int32_t> inputs_;
  /// (op, operand) of each feed operand -> its input index.
  std::map<std::pair<uint32_t, uint32_t>, int32_t> feedInputs_;
  /// Variables written so far in the block -> their current value.
  std::map<uint64_t, ValueId> variables_;
  TracedBlock out_;
};

} // namespace

TracedBlock toBlockSpec(const TraceGraph &graph, const Block &block,
                        OutputPolicy policy, uint64_t minConsumerVisits) {
  return BlockConverter(graph, block, minConsumerVisits).run(policy);
}

} // namespace trace
} // namespace terra
