//===- CallStackIds.h - Interned call-stack identities ----------*- C++ -*-===//
//
// A call-stack id stands for the chain of call sites from the outermost frame
// to the current one. It is derived incrementally: the id of a frame called
// from site S is child(S.callStack, S), interned in a hash map, so finding it
// costs one lookup when a frame is entered (or the first time an op runs in
// it), never a walk over the whole stack.
//
// Use from the Python binding (CPython 3.11): each Python frame that reaches
// an op has a cached id. For the innermost frame F with caller P:
//   id(F) = ids.enter(Site{code(P), lasti(P), id(P)})
// where code/lasti come from _PyInterpreterFrame (f_code, prev_instr) or the
// public PyEval_GetFrame / PyFrame_GetCode / PyFrame_GetLasti (slower: these
// materialise a PyFrameObject per frame). PythonSite.h keeps the ids of the
// live frames in a shadow stack so that consecutive ops from the same frame
// reuse them; see docs/co-execution.md.
//
// Backward ops get the site of their forward op under a stack derived from
// the backward() call: child(enter(backwardCall), forwardSite).
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TRACE_CALLSTACKIDS_H
#define TERRA_TRACE_CALLSTACKIDS_H

#include "terra/Trace/Site.h"

#include <unordered_map>
#include <vector>

namespace terra {
namespace trace {

class CallStackIds {
public:
  CallStackIds();

  /// The id of the stack `parent` extended by `site`; equal arguments give
  /// equal ids, and a new id is made only on the first call.
  CallStackId child(CallStackId parent, const Site &site);
  /// The stack of a frame called from `callSite` (the caller's site).
  CallStackId enter(const Site &callSite) {
    return child(callSite.callStack, callSite);
  }

  /// For describing a stack (slow path only).
  CallStackId parent(CallStackId id) const { return entries_[id].parent; }
  const Site &callerSite(CallStackId id) const { return entries_[id].site; }
  /// Frames from the root to `id`.
  size_t depth(CallStackId id) const;
  /// Ids handed out so far, the root included.
  size_t size() const { return entries_.size(); }

private:
  struct Entry {
    CallStackId parent;
    Site site;
  };
  struct Key {
    CallStackId parent;
    Site site;
    bool operator==(const Key &other) const {
      return parent == other.parent && site == other.site;
    }
  };
  struct KeyHash {
    size_t operator()(const Key &key) const {
      return hashMix(hashSite(key.site), key.parent);
    }
  };

  /// The latest answers, direct-mapped by key hash: each op asks for the
  /// stacks of the frames it entered, mostly the same few, and a probe
  /// here costs less than the hash map's node walk.
  struct Recent {
    Key key{~CallStackId(0), Site{}};
    CallStackId id = kRootCallStack;
  };
  static constexpr unsigned kRecentBits = 9;
  static constexpr size_t kRecent = size_t(1) << kRecentBits;

  std::vector<Entry> entries_;
  std::unordered_map<Key, CallStackId, KeyHash> ids_;
  std::vector<Recent> recent_;
};

} // namespace trace
} // namespace terra

#endif // TERRA_TRACE_CALLSTACKIDS_H
