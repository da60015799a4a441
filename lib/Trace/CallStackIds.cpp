//===- CallStackIds.cpp - Interned call-stack identities ------------------===//

#include "terra/Trace/CallStackIds.h"

namespace terra {
namespace trace {

CallStackIds::CallStackIds() : recent_(kRecent) {
  // Id 0 is the outermost frame; its entry is never looked up by key.
  entries_.push_back({kRootCallStack, Site{}});
}

CallStackId CallStackIds::child(CallStackId parent, const Site &site) {
  Key key{parent, site};
  uint64_t mixed = (site.code >> 4) ^ (uint64_t(site.offset) << 20) ^
                   (uint64_t(parent) << 40) ^ (uint64_t(site.callStack) << 8) ^
                   site.sub;
  Recent &recent = recent_[directMappedSlot(mixed, kRecentBits)];
  if (recent.key == key)
    return recent.id;
  auto it = ids_.find(key);
  CallStackId id;
  if (it != ids_.end()) {
    id = it->second;
  } else {
    id = static_cast<CallStackId>(entries_.size());
    entries_.push_back({parent, site});
    ids_.emplace(key, id);
  }
  recent = {key, id};
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
