//===- CallStackIds.cpp - Interned call-stack identities ------------------===//

#include "terra/Trace/CallStackIds.h"

namespace terra {
namespace trace {

CallStackIds::CallStackIds() {
  // Id 0 is the outermost frame; its entry is never looked up by key.
  entries_.push_back({kRootCallStack, Site{}});
}

CallStackId CallStackIds::child(CallStackId parent, const Site &site) {
  Key key{parent, site};
  auto it = ids_.find(key);
  if (it != ids_.end())
    return it->second;
  auto id = static_cast<CallStackId>(entries_.size());
  entries_.push_back({parent, site});
  ids_.emplace(key, id);
  return id;
}

size_t CallStackIds::depth(CallStackId id) const {
  size_t depth = 0;
  for (; id != kRootCallStack; id = entries_[id].parent)
    ++depth;
  return depth;
}

} // namespace trace
} // namespace terra
