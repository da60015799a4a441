//===- SourceLocations.cpp - file:line for sites --------------------------===//

#include "terra/Trace/SourceLocations.h"

#include <cstdio>

namespace terra {
namespace trace {

void SourceLocations::add(CodeId code, uint32_t offset,
                          SourceLocation location) {
  locations_[{code, offset}] = std::move(location);
}

bool SourceLocations::contains(CodeId code, uint32_t offset) const {
  return locations_.count({code, offset}) != 0;
}

const SourceLocation *SourceLocations::find(CodeId code,
                                            uint32_t offset) const {
  auto it = locations_.find({code, offset});
  return it == locations_.end() ? nullptr : &it->second;
}

std::string SourceLocations::describe(CodeId code, uint32_t offset) const {
  if (code == kIterationCode)
    return "iteration " + std::to_string(offset);
  if (const SourceLocation *location = find(code, offset))
    return location->file + ":" + std::to_string(location->line);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "code 0x%llx+%u",
                static_cast<unsigned long long>(code), offset);
  return buffer;
}

std::string SourceLocations::describe(const Site &site,
                                      const CallStackIds *stacks) const {
  std::string text = describe(site.code, site.offset);
  if (site.sub != 0)
    text += " #" + std::to_string(site.sub);
  if (!stacks || site.callStack == kRootCallStack)
    return text;
  text += " (from ";
  for (CallStackId id = site.callStack; id != kRootCallStack;
       id = stacks->parent(id)) {
    const Site &caller = stacks->callerSite(id);
    if (id != site.callStack)
      text += " <- ";
    text += describe(caller.code, caller.offset);
  }
  return text + ")";
}

} // namespace trace
} // namespace terra
