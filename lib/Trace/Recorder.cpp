//===- Recorder.cpp - Op records from the eager runtime -------------------===//

#include "terra/Trace/Recorder.h"

#include "terra/Runtime/Autograd.h"

namespace terra {
namespace trace {

SiteSource::~SiteSource() = default;

Recorder::Recorder(SiteSource &sites, size_t chunkSize)
    : sites_(sites), chunkSize_(chunkSize ? chunkSize : 1) {}

Site Recorder::nextSite() {
  if (sitePreset_) {
    sitePreset_ = false;
    return presetSite_;
  }
  Site site = sites_.currentSite();
  bool sameCall = !newCall_ && site.code == lastSite_.code &&
                  site.offset == lastSite_.offset &&
                  site.callStack == lastSite_.callStack;
  site.sub = sameCall ? lastSite_.sub + 1 : 0;
  newCall_ = false;
  lastSite_ = site;
  return site;
}

namespace {

bool isParameter(const Tensor &tensor) {
  const auto &meta = tensor.autograd();
  return meta && meta->requiresGrad && !meta->gradFn;
}

} // namespace

Producer Recorder::producerOf(const Tensor &tensor) {
  if (!tensor.defined())
    return Producer::feed(nextFeed_++);
  Storage::TraceState &state = tensor.storage()->traceState();
  TraceTag &tag = tensor.traceTag();
  bool current = tag.version == state.version;
  // Written in place through another tensor on the same view: that
  // write's result is this tensor's value too.
  if (!current && state.written.version == state.version &&
      state.written.kind != TraceTag::Kind::None && tensor.isWrittenView()) {
    tag = state.written;
    current = true;
  }
  if (tag.kind == TraceTag::Kind::Record && current)
    return Producer::record(tag.id, tag.output);
  if (tag.kind == TraceTag::Kind::Executed && current)
    return Producer::executed(tag.node, tag.output, tag.id);
  if (state.variable)
    return Producer::variable(state.variable);
  // A constant may be an input of a block still queued: it is never
  // written, so its value is read without waiting for that block.
  if (tag.kind == TraceTag::Kind::Constant && current && tensor.numel() == 1 &&
      tensor.storage()->dataUnsynchronized())
    return Producer::constant(tensor.elementAsDoubleUnsynchronized(0));
  if (isParameter(tensor)) {
    state.variable = nextVariable_++;
    return Producer::variable(state.variable);
  }
  if (tag.kind != TraceTag::Kind::Feed || !current) {
    tag.kind = TraceTag::Kind::Feed;
    tag.id = nextFeed_++;
    tag.version = state.version;
  }
  Producer feed = Producer::feed(tag.id);
  feed.fromPython = tensor.storage()->isBorrowed();
  return feed;
}

Operand Recorder::operandOf(const Tensor &tensor) {
  Operand operand;
  operand.producer = producerOf(tensor);
  if (tensor.defined())
    operand.type = TensorType{tensor.dtype(), tensor.shape()};
  return operand;
}

void Recorder::tagResult(Tensor &result, uint64_t record, uint32_t output) {
  if (!result.defined())
    return;
  if (recent_.size() < chunkSize_)
    recent_.push_back({Producer::record(record, output), result.storage()});
  TraceTag &tag = result.traceTag();
  tag.kind = TraceTag::Kind::Record;
  tag.id = record;
  tag.output = output;
  tag.version = result.storage()->traceState().version;
}

void Recorder::append(OpRecord record) {
  if (trace_.ops.empty())
    trace_.firstRecord = nextRecord_;
  trace_.ops.push_back(std::move(record));
  ++nextRecord_;
}

OpRecord Recorder::begin(const char *name, recording::Attributes attributes,
                         recording::Operands operands) {
  OpRecord record;
  record.name = name;
  record.attributes = std::move(attributes);
  record.site = nextSite();
  for (const Tensor *operand : operands)
    record.operands.push_back(operandOf(*operand));
  return record;
}

void Recorder::op(const char *name, recording::Attributes attributes,
                  recording::Operands operands, recording::Results results) {
  OpRecord record = begin(name, std::move(attributes), operands);
  uint64_t index = nextRecord_;
  for (size_t k = 0; k < results.size; ++k) {
    Tensor &result = *results[k];
    record.results.push_back(TensorType{result.dtype(), result.shape()});
    tagResult(result, index, static_cast<uint32_t>(k));
  }
  append(std::move(record));
  if (trace_.ops.size() >= chunkSize_)
    flush();
}

void Recorder::inPlace(const char *name, recording::Attributes attributes,
                       recording::Operands operands, Tensor &target) {
  // The operands' tags still describe the values before the write.
  OpRecord record = begin(name, std::move(attributes), operands);
  record.results.push_back(TensorType{target.dtype(), target.shape()});
  Storage::TraceState &state = target.storage()->traceState();
  const Producer &old = record.operands.front().producer;
  // State that lives across iterations: a variable. A temporary written in
  // place (y = x * 2; y += 1) is just a new value.
  if (!state.variable && old.kind != ProducerKind::Record)
    state.variable = nextVariable_++;
  ++state.version;
  uint64_t index = nextRecord_;
  if (state.variable) {
    record.writes.push_back(VariableWrite{state.variable, 0});
    target.traceTag() = TraceTag{};
  } else {
    tagResult(target, index, 0);
    target.noteWrittenTag();
  }
  append(std::move(record));
  if (trace_.ops.size() >= chunkSize_)
    flush();
}

void Recorder::sync(SyncKind kind, const Tensor &value) {
  for (const RecentResult &result : recent_)
    if (!result.storage.expired())
      trace_.heldAtEnd.push_back(result.producer);
  recent_.clear();
  SyncEvent event;
  event.site = nextSite();
  event.kind = kind;
  event.value = producerOf(value);
  if (value.defined())
    event.type = TensorType{value.dtype(), value.shape()};
  event.position = static_cast<uint32_t>(trace_.ops.size());
  trace_.syncs.push_back(std::move(event));
  ++syncs_;
}

void Recorder::flush() {
  if (trace_.ops.empty() && trace_.syncs.empty())
    return;
  if (trace_.ops.empty())
    trace_.firstRecord = nextRecord_;
  graph_.merge(trace_);
  trace_ = Trace();
}

void Recorder::resumeAt(NodeId node, const std::vector<uint64_t> &visits,
                        const std::vector<std::vector<uint64_t>> &edgeCounts,
                        const std::unordered_map<uint64_t, FeedUse> &feedUses) {
  flush();
  graph_.continueFrom(node, visits, edgeCounts, feedUses);
}

void Recorder::restartWalk() {
  flush();
  graph_.continueFrom(kStartNode, {}, {});
}

const TraceGraph &Recorder::graph() {
  flush();
  return graph_;
}

} // namespace trace
} // namespace terra
