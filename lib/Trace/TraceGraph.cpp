//===- TraceGraph.cpp - Merging traces into the graph ---------------------===//

#include "terra/Trace/TraceGraph.h"

#include "OpSignature.h"

#include "terra/Trace/Symbols.h"

#include <algorithm>

namespace terra {
namespace trace {

bool OperandPattern::sameSource(const OperandPattern &other) const {
  return node == other.node && slot == other.slot && age == other.age &&
         variable == other.variable && constant == other.constant;
}

const Edge *Node::edgeTo(NodeId target) const {
  for (const Edge &edge : successors)
    if (edge.target == target)
      return &edge;
  return nullptr;
}

TraceGraph::TraceGraph() {
  Node start;
  start.kind = NodeKind::Start;
  nodes_.push_back(std::move(start));
}

NodeId TraceGraph::addNode(Node node) {
  auto id = static_cast<NodeId>(nodes_.size());
  index_.emplace(node.signatureHash, id);
  if (node.isOp())
    bySiteAndName_[hashSiteAndName(node.site, node.name)].all.push_back(id);
  nodes_.push_back(std::move(node));
  return id;
}

bool takesDynamicSizes(const std::string &name) {
  static const char *const names[] = {
      "neg",       "abs",          "exp",         "log",         "sqrt",
      "rsqrt",     "tanh",         "sigmoid",     "relu",        "gelu",
      "gelu_tanh", "erf",          "logical_not", "add",         "sub",
      "mul",       "div",          "pow",         "maximum",     "minimum",
      "eq",        "ne",           "lt",          "le",          "gt",
      "ge",        "where",        "clamp",       "to",          "copy",
      "reshape",   "permute",      "transpose",   "expand",      "unsqueeze",
      "squeeze",   "contiguous",   "clone",       "sum",         "mean",
      "slice",     "select",       "var",         "amax",        "amin",
      "argmax",    "argmin",       "softmax",     "log_softmax", "index_select",
      "index_add", "sum_to_shape", "matmul"};
  for (const char *known : names)
    if (name == known)
      return true;
  return false;
}

size_t TraceGraph::numSymbolicNodes() const {
  return size_t(std::count_if(nodes_.begin(), nodes_.end(),
                              [](const Node &node) { return node.symbolic; }));
}

NodeId TraceGraph::producerNode(const Producer &producer) const {
  if (producer.isExecuted())
    return producer.node;
  const Execution *execution = executionOf(producer.id);
  return execution ? execution->node : kNoNode;
}

bool TraceGraph::generalize(NodeId id, const OpRecord &op) {
  const Node &node = nodes_[id];
  if (!dynamicShapes_ || !takesDynamicSizes(op.name) || node.name != op.name ||
      node.site != op.site || node.lastMerge == merges_ ||
      node.attributes.size() != op.attributes.size() ||
      node.operands.size() != op.operands.size() ||
      node.results.size() != op.results.size() || node.writes != op.writes)
    return false;
  // The same computation at another size, not a loop over tensors of
  // several shapes at one site (an optimiser's parameters), whose nodes
  // must stay apart. New sizes enter with new data: only an op reading
  // memory Python lent (a NumPy batch) may make an operand size a symbol of
  // its own. Elsewhere the walk must follow the node's old path (a
  // predecessor at the site it comes from), and operand and attribute sizes
  // may only change as a symbol already did.
  bool entry = false;
  for (const Operand &operand : op.operands)
    entry = entry || operand.producer.fromPython;
  const Node &from = nodes_[cursor_];
  bool samePath = entry || !from.isOp();
  for (NodeId predecessor : node.predecessors)
    samePath = samePath || (nodes_[predecessor].kind == from.kind &&
                            nodes_[predecessor].site == from.site);
  if (!samePath)
    return false;
  std::map<std::pair<int64_t, int64_t>, uint32_t> born;
  Node general = node;
  std::vector<DynamicSize> changes;
  // The values the symbols take in `op`: those the node has must keep one,
  // and a size that changes like one of them is that symbol.
  SymbolBindings kept;
  bool ok = true;
  // `producer`: the symbolic sizes of the value an operand reads, whose
  // symbols it takes.
  auto generalizeSizes = [&](int64_t *sizes, const int64_t *met, size_t rank,
                             const std::string &where, bool mayBeNew,
                             const int64_t *producer = nullptr) {
    for (size_t d = 0; ok && d < rank; ++d) {
      if (isSymbolicSize(sizes[d])) {
        ok = kept.bind(symbolOf(sizes[d]), met[d]);
        continue;
      }
      if (sizes[d] == met[d])
        continue;
      ok = sizes[d] >= 2 && met[d] >= 2;
      if (!ok)
        break;
      std::pair<int64_t, int64_t> pair(sizes[d], met[d]);
      auto known = symbols_.find(pair);
      uint32_t symbol = 0;
      if (producer && isSymbolicSize(producer[d]))
        symbol = symbolOf(producer[d]);
      else if (kept.symbolWithValue(met[d], symbol))
        ;
      else if (known != symbols_.end())
        symbol = known->second;
      else if (mayBeNew)
        symbol = born.emplace(pair, uint32_t(symbols_.size() + born.size()))
                     .first->second;
      else
        ok = false;
      ok = ok && kept.bind(symbol, met[d]);
      if (!ok)
        break;
      changes.push_back({id, where, uint32_t(d), sizes[d], met[d], symbol});
      sizes[d] = symbolicSize(symbol);
    }
  };
  auto generalizeType = [&](TensorType &type, const TensorType &met,
                            const std::string &where, bool mayBeNew,
                            const Shape *producer = nullptr) {
    ok = ok && type.dtype == met.dtype && type.shape.size() == met.shape.size();
    if (ok)
      generalizeSizes(type.shape.data(), met.shape.data(), met.shape.size(),
                      where, mayBeNew,
                      producer && producer->size() == met.shape.size()
                          ? producer->data()
                          : nullptr);
  };
  // The same computation at another size, not another one that shares the
  // site (an optimiser's loop over parameters): each operand comes from the
  // same node or variable as before.
  for (size_t i = 0; ok && i < op.operands.size(); ++i) {
    const OperandPattern &known = general.operands[i];
    const Producer &producer = op.operands[i].producer;
    NodeId maker = producer.kind == ProducerKind::Record
                       ? producerNode(producer)
                       : kNoNode;
    ok = known.kind == producer.kind;
    if (ok && !known.varies && producer.kind == ProducerKind::Record)
      ok = known.node == maker;
    if (ok && !known.varies && producer.kind == ProducerKind::Variable)
      ok = known.variable == producer.id;
    const Shape *made = nullptr;
    if (maker != kNoNode && producer.output < nodes_[maker].results.size())
      made = &nodes_[maker].results[producer.output].type.shape;
    generalizeType(general.operands[i].type, op.operands[i].type,
                   "operand " + std::to_string(i), entry, made);
  }
  // Python clamps a slice to its dimension's size: indexing along a
  // symbolic dimension would give sizes the node cannot say.
  if (ok && (op.name == "slice" || op.name == "select") &&
      !general.operands.empty()) {
    const Shape &shape = general.operands[0].type.shape;
    for (const compiler::NamedAttribute &attribute : general.attributes)
      if (attribute.name == "axis")
        if (auto *axis = std::get_if<int64_t>(&attribute.value)) {
          int64_t rank = int64_t(shape.size());
          int64_t dim = *axis < 0 ? *axis + rank : *axis;
          ok = dim >= 0 && dim < rank && !isSymbolicSize(shape[dim]);
        }
  }
  // Sizes computed from symbolic operands (a flattened length) may be new.
  bool derived = false;
  for (const OperandPattern &operand : general.operands)
    derived = derived || hasSymbolicSizes(operand.type.shape);
  for (size_t i = 0; ok && i < op.attributes.size(); ++i) {
    compiler::NamedAttribute &attribute = general.attributes[i];
    const compiler::Attribute &met = op.attributes[i].value;
    std::string where = "attribute '" + attribute.name + "'";
    ok = attribute.name == op.attributes[i].name &&
         attribute.value.index() == met.index();
    if (!ok)
      break;
    // Only shapes (reshape, expand, index_add, sum_to_shape) hold sizes;
    // axes, dtypes and the like must agree.
    auto *list = std::get_if<std::vector<int64_t>>(&attribute.value);
    if (list && attribute.name == "shape") {
      const auto &values = std::get<std::vector<int64_t>>(met);
      ok = values.size() == list->size();
      if (ok)
        generalizeSizes(list->data(), values.data(), values.size(), where,
                        entry || derived);
    } else {
      ok = attribute.value == met;
    }
  }
  for (size_t i = 0; ok && i < op.results.size(); ++i)
    generalizeType(general.results[i].type, op.results[i],
                   "result " + std::to_string(i), /*mayBeNew=*/true);
  if (!ok || changes.empty())
    return false;
  // The lazy results' shapes come from the op's operands and attributes.
  auto given = [&](uint32_t symbol) {
    auto in = [&](const Shape &sizes) {
      return std::find(sizes.begin(), sizes.end(), symbolicSize(symbol)) !=
             sizes.end();
    };
    for (const OperandPattern &operand : general.operands)
      if (in(operand.type.shape))
        return true;
    for (const compiler::NamedAttribute &attribute : general.attributes)
      if (auto *list = std::get_if<std::vector<int64_t>>(&attribute.value))
        if (in(*list))
          return true;
    return false;
  };
  for (const ResultInfo &result : general.results)
    for (int64_t size : result.type.shape)
      if (isSymbolicSize(size) && !given(symbolOf(size)))
        return false;
  if (!node.symbolic)
    bySiteAndName_[hashSiteAndName(node.site, node.name)].symbolic.push_back(
        id);
  general.symbolic = true;
  nodes_[id] = std::move(general);
  symbols_.insert(born.begin(), born.end());
  dynamicSizes_.insert(dynamicSizes_.end(), changes.begin(), changes.end());
  return true;
}

/// Nodes at a site an op with new sizes tries to generalise.
constexpr size_t kGeneralizeCandidates = 8;

NodeId TraceGraph::findOrAddOp(const OpRecord &op,
                               const std::vector<OperandPattern> &patterns,
                               bool &created) {
  uint64_t hash = hashOpSignature(op);
  auto range = index_.equal_range(hash);
  for (auto it = range.first; it != range.second; ++it)
    if (!nodes_[it->second].symbolic &&
        sameOpSignature(nodes_[it->second], op)) {
      created = false;
      return it->second;
    }
  created = false;
  const SiteNodes &sameSite = bySiteAndName_[hashSiteAndName(op.site, op.name)];
  for (NodeId symbolic : sameSite.symbolic)
    if (fitsOpSignature(nodes_[symbolic], op))
      return symbolic;
  // A size that changes generalises the node it had last time: the latest
  // few nodes are tried, not every shape a site ever had (a program whose
  // shapes never repeat would make each new op search all of them).
  size_t tried = 0;
  for (auto it = sameSite.all.rbegin();
       it != sameSite.all.rend() && tried < kGeneralizeCandidates; ++it)
    if (nodes_[*it].site == op.site && ++tried && generalize(*it, op))
      return *it;
  created = true;
  Node node;
  node.kind = NodeKind::Op;
  node.site = op.site;
  node.signatureHash = hash;
  node.name = op.name;
  node.attributes = op.attributes;
  node.operands = patterns;
  for (const TensorType &type : op.results)
    node.results.push_back({type, {}, false, false});
  node.writes = op.writes;
  return addNode(std::move(node));
}

NodeId TraceGraph::findOrAddSync(const SyncEvent &sync,
                                 const OperandPattern &pattern, bool &created) {
  uint64_t hash = hashSyncSignature(sync);
  auto range = index_.equal_range(hash);
  for (auto it = range.first; it != range.second; ++it)
    if (sameSyncSignature(nodes_[it->second], sync)) {
      created = false;
      return it->second;
    }
  created = true;
  Node node;
  node.kind = NodeKind::Sync;
  node.site = sync.site;
  node.signatureHash = hash;
  node.syncKind = sync.kind;
  node.operands.push_back(pattern);
  return addNode(std::move(node));
}

void TraceGraph::step(NodeId next) {
  Node &from = nodes_[cursor_];
  auto edge = std::find_if(from.successors.begin(), from.successors.end(),
                           [&](const Edge &e) { return e.target == next; });
  if (edge == from.successors.end()) {
    from.successors.push_back({next, 1});
    nodes_[next].predecessors.push_back(cursor_);
  } else {
    ++edge->count;
  }
  cursor_ = next;
}

const TraceGraph::Execution *TraceGraph::executionOf(uint64_t record) const {
  if (record < firstExecution_ ||
      record - firstExecution_ >= executions_.size())
    return nullptr;
  const Execution &execution = executions_[record - firstExecution_];
  return execution.node == kNoNode ? nullptr : &execution;
}

void TraceGraph::rememberFrom(uint64_t firstRecord, size_t count) {
  uint64_t end = firstExecution_ + executions_.size();
  // Records are numbered on across traces; those in a gap (not merged)
  // stay unknown.
  if (executions_.empty() || firstRecord < end ||
      firstRecord - end >= kRememberedRecords) {
    executions_.clear();
    firstExecution_ = firstRecord;
  } else {
    executions_.resize(executions_.size() + (firstRecord - end));
  }
  executions_.resize(executions_.size() + count);
  if (executions_.size() > kRememberedRecords) {
    size_t forgotten = executions_.size() - kRememberedRecords;
    executions_.erase(executions_.begin(),
                      executions_.begin() + std::ptrdiff_t(forgotten));
    firstExecution_ += forgotten;
  }
  previousFeeds_ = std::move(feeds_);
  feeds_.clear();
}

// `age` counts executions of the producing node started after the one that
// made the value, the consumer's own execution included (visits are counted
// when an execution starts).
void TraceGraph::continueFrom(
    NodeId node, const std::vector<uint64_t> &visits,
    const std::vector<std::vector<uint64_t>> &edgeCounts,
    const std::unordered_map<uint64_t, FeedUse> &feedUses) {
  cursor_ = node;
  feeds_.insert(feedUses.begin(), feedUses.end());
  for (size_t i = 0; i < nodes_.size() && i < visits.size(); ++i)
    nodes_[i].visits = std::max(nodes_[i].visits, visits[i]);
  for (size_t i = 0; i < nodes_.size() && i < edgeCounts.size(); ++i)
    for (size_t e = 0;
         e < edgeCounts[i].size() && e < nodes_[i].successors.size(); ++e)
      nodes_[i].successors[e].count += edgeCounts[i][e];
}

std::unordered_map<uint64_t, FeedUse> TraceGraph::recentFeedUses() const {
  std::unordered_map<uint64_t, FeedUse> uses = feeds_;
  uses.insert(previousFeeds_.begin(), previousFeeds_.end());
  return uses;
}

bool TraceGraph::executionOfRecord(uint64_t record, NodeId &node,
                                   uint64_t &visit) const {
  const Execution *execution = executionOf(record);
  if (!execution)
    return false;
  node = execution->node;
  visit = execution->visit;
  return true;
}

OperandPattern TraceGraph::patternOf(const Producer &producer,
                                     const TensorType &type) {
  OperandPattern pattern;
  pattern.kind = producer.kind;
  pattern.type = type;
  switch (producer.kind) {
  case ProducerKind::Record:
    if (producer.isExecuted()) {
      if (producer.node < nodes_.size() &&
          producer.output < nodes_[producer.node].results.size() &&
          producer.id < nodes_[producer.node].visits) {
        pattern.node = producer.node;
        pattern.slot = producer.output;
        pattern.age = uint32_t(nodes_[producer.node].visits - 1 - producer.id);
      }
    } else if (const Execution *execution = executionOf(producer.id)) {
      const Node &node = nodes_[execution->node];
      if (producer.output < node.results.size()) {
        pattern.node = execution->node;
        pattern.slot = producer.output;
        pattern.age = uint32_t(node.visits - 1 - execution->visit);
      }
    }
    break;
  case ProducerKind::Feed:
    break; // Resolved by noteFeedUses once the consumer is known.
  case ProducerKind::Variable:
    pattern.variable = producer.id;
    break;
  case ProducerKind::Constant:
    pattern.constant = producer.value;
    break;
  }
  return pattern;
}

void TraceGraph::noteFeedUses(const OpRecord &op, NodeId consumer,
                              std::vector<OperandPattern> &patterns) {
  for (uint32_t i = 0; i < op.operands.size(); ++i) {
    const Producer &producer = op.operands[i].producer;
    if (producer.kind != ProducerKind::Feed)
      continue;
    const FeedUse *first = nullptr;
    for (const auto *feeds : {&feeds_, &previousFeeds_}) {
      auto it = feeds->find(producer.id);
      if (it != feeds->end()) {
        first = &it->second;
        break;
      }
    }
    if (!first) {
      feeds_.emplace(producer.id,
                     FeedUse{consumer, i, nodes_[consumer].visits - 1});
      continue;
    }
    patterns[i].node = first->node;
    patterns[i].slot = first->operand;
    patterns[i].age = uint32_t(nodes_[first->node].visits - 1 - first->visit);
  }
}

void TraceGraph::mergePatterns(Node &node,
                               const std::vector<OperandPattern> &seen) {
  for (size_t i = 0; i < seen.size(); ++i) {
    OperandPattern &known = node.operands[i];
    if (known.varies)
      continue;
    if (known.sameSource(seen[i])) {
      ++known.agreed;
    } else if (known.agreed < 2 && !known.replaced &&
               known.kind == ProducerKind::Record) {
      // The source changes; the type (maybe symbolic) stays the node's.
      TensorType type = std::move(known.type);
      known = seen[i];
      known.type = std::move(type);
      known.replaced = true;
    } else {
      known.varies = true;
    }
  }
}

void TraceGraph::noteUses(NodeId consumer,
                          const std::vector<OperandPattern> &operands) {
  for (uint32_t i = 0; i < operands.size(); ++i) {
    const OperandPattern &operand = operands[i];
    if (operand.kind != ProducerKind::Record || operand.node == kNoNode)
      continue;
    std::vector<ResultUse> &uses =
        nodes_[operand.node].results[operand.slot].uses;
    ResultUse use{consumer, i, operand.age};
    if (std::find(uses.begin(), uses.end(), use) == uses.end())
      uses.push_back(use);
  }
}

size_t TraceGraph::merge(const Trace &trace, Continue how) {
  ++merges_;
  if (how == Continue::FromStart)
    cursor_ = kStartNode;
  rememberFrom(trace.firstRecord, trace.ops.size());

  size_t created = 0, nextSync = 0;
  std::vector<OperandPattern> patterns;
  auto mergeSync = [&](const SyncEvent &sync) {
    // The fetched value is resolved before the sync node counts a visit.
    OperandPattern pattern = patternOf(sync.value, sync.type);
    bool isNew;
    NodeId id = findOrAddSync(sync, pattern, isNew);
    created += isNew;
    step(id);
    ++nodes_[id].visits;
    if (!isNew)
      mergePatterns(nodes_[id], {pattern});
    if (pattern.kind == ProducerKind::Record && pattern.node != kNoNode)
      nodes_[pattern.node].results[pattern.slot].fetched = true;
  };

  for (size_t i = 0; i < trace.ops.size(); ++i) {
    while (nextSync < trace.syncs.size() && trace.syncs[nextSync].position <= i)
      mergeSync(trace.syncs[nextSync++]);
    const OpRecord &op = trace.ops[i];
    // The node is found by signature alone, so that its visit can start
    // before the producers' ages are measured.
    patterns.clear();
    for (const Operand &operand : op.operands) {
      OperandPattern pattern;
      pattern.kind = operand.producer.kind;
      pattern.type = operand.type;
      patterns.push_back(pattern);
    }
    bool isNew;
    NodeId id = findOrAddOp(op, patterns, isNew);
    created += isNew;
    step(id);
    nodes_[id].lastMerge = merges_;
    uint64_t visit = nodes_[id].visits++;
    for (size_t j = 0; j < op.operands.size(); ++j)
      patterns[j] = patternOf(op.operands[j].producer, op.operands[j].type);
    noteFeedUses(op, id, patterns);
    if (isNew)
      nodes_[id].operands = patterns;
    else
      mergePatterns(nodes_[id], patterns);
    noteUses(id, patterns);
    uint64_t record = trace.firstRecord + i;
    if (record >= firstExecution_)
      executions_[record - firstExecution_] = {id, visit};
  }
  while (nextSync < trace.syncs.size())
    mergeSync(trace.syncs[nextSync++]);

  for (const Producer &held : trace.heldAtEnd) {
    if (held.kind != ProducerKind::Record)
      continue;
    const Execution *execution = executionOf(held.id);
    if (execution && held.output < nodes_[execution->node].results.size())
      nodes_[execution->node].results[held.output].heldByPython = true;
  }
  return created;
}

} // namespace trace
} // namespace terra
