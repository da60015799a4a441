//===- Recorder.h - Op records from the eager runtime -----------*- C++ -*-===//
//
// The imperative phase's tracer: installed as the thread's
// recording::Observer, it turns each eager op the runtime announces into an
// OpRecord and each fetch the binding reports into a SyncEvent, and merges
// them into a TraceGraph a chunk at a time (chunks continue each other, so
// the graph is the same as from one long trace).
//
// Producers come from tags the recorder keeps on tensors and their storage
// (TraceTag, Storage::TraceState):
//   - a result of a recorded op is a Record until its memory is written in
//     place through another view (the storage's version moves on);
//   - a tensor on a variable's storage is that Variable;
//   - a 0-d tensor the binding made from a Python number is a Constant;
//   - a leaf that requires grad (a parameter) becomes a Variable on first
//     use, and so does the target of an in-place write that no recorded op
//     made (optimiser state, a counter kept in a tensor);
//   - anything else (a tensor made from NumPy data, a list, a creation
//     function) is a Feed, one serial per tensor.
// An in-place write to a variable is an op with a VariableWrite; the
// variable's later reads are Variable producers again, which the block
// conversion wires to the written value.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TRACE_RECORDER_H
#define TERRA_TRACE_RECORDER_H

#include "terra/Runtime/Recording.h"
#include "terra/Trace/TraceGraph.h"

#include <cstdint>

namespace terra {
namespace trace {

/// Where the op being recorded was called from.
class SiteSource {
public:
  virtual ~SiteSource();
  virtual Site currentSite() = 0;
};

class Recorder : public recording::Observer {
public:
  explicit Recorder(SiteSource &sites, size_t chunkSize = 4096);

  void op(const char *name, recording::Attributes attributes,
          recording::Operands operands, recording::Results results) override;
  void inPlace(const char *name, recording::Attributes attributes,
               recording::Operands operands, Tensor &target) override;

  /// Python fetched `value` (item(), print, a branch on a tensor). The
  /// results recorded since the last fetch that Python still holds are
  /// noted as held (Trace::heldAtEnd): compiled blocks hand them back.
  void sync(SyncKind kind, const Tensor &value);

  /// A new call from Python starts. Ops of one call at one site (a binding
  /// that runs several eager ops, a backward() call) are told apart by
  /// Site::sub, counted from 0 at each call.
  void beginCall() { newCall_ = true; }

  /// Merges the buffered records into the graph.
  void flush();
  /// Merges what was recorded and starts the next walk at the start node
  /// (ops were skipped since: no edge leads from the last one).
  void restartWalk();
  /// The graph of everything recorded so far (flushes first).
  const TraceGraph &graph();
  /// Automatic dynamic shapes on or off (TraceGraph::setDynamicShapes).
  void setDynamicShapes(bool enabled) { graph_.setDynamicShapes(enabled); }

  uint64_t opsRecorded() const { return nextRecord_; }
  uint64_t syncsRecorded() const { return syncs_; }

  /// The site of the op or fetch being called (Site::sub counted as for a
  /// record). Co-execution asks before deciding whether to record; the
  /// next record then takes this site instead of asking again.
  Site nextSite();
  void presetNextSite(const Site &site) {
    presetSite_ = site;
    sitePreset_ = true;
  }
  /// Where `tensor`'s value comes from (tags it as a feed or a variable on
  /// first sight, as recording does).
  Producer producerOf(const Tensor &tensor);
  /// Records again after co-execution walked the graph up to `node`
  /// (`visits`, `edgeCounts`, `feedUses`: see TraceGraph::continueFrom).
  void resumeAt(NodeId node, const std::vector<uint64_t> &visits,
                const std::vector<std::vector<uint64_t>> &edgeCounts,
                const std::unordered_map<uint64_t, FeedUse> &feedUses = {});

private:
  Operand operandOf(const Tensor &tensor);
  void tagResult(Tensor &result, uint64_t record, uint32_t output);
  /// A record of the op with its site and operands, results still to add.
  OpRecord begin(const char *name, recording::Attributes attributes,
                 recording::Operands operands);
  void append(OpRecord record);

  struct RecentResult {
    Producer producer;
    std::weak_ptr<Storage> storage;
  };

  SiteSource &sites_;
  size_t chunkSize_;
  /// Results recorded since the last fetch (at most a chunk's worth).
  std::vector<RecentResult> recent_;
  TraceGraph graph_;
  Trace trace_;
  uint64_t nextRecord_ = 0;
  uint64_t nextFeed_ = 1;
  uint64_t nextVariable_ = 1;
  uint64_t syncs_ = 0;
  Site lastSite_;
  Site presetSite_;
  bool sitePreset_ = false;
  bool newCall_ = true;
};

} // namespace trace
} // namespace terra

#endif // TERRA_TRACE_RECORDER_H
