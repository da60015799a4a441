//===- SourceLocations.h - file:line for sites ------------------*- C++ -*-===//
//
// Sites are opaque numbers on the hot path; messages and dumps need Python
// file:line. The binding registers a location the first time it records a
// (code, offset) pair (PyCode_Addr2Line while the code object is alive), so
// describing a site later never touches Python.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TRACE_SOURCELOCATIONS_H
#define TERRA_TRACE_SOURCELOCATIONS_H

#include "terra/Trace/CallStackIds.h"

#include <string>
#include <unordered_map>

namespace terra {
namespace trace {

struct SourceLocation {
  std::string file;
  int line = 0;
  std::string function;
};

class SourceLocations {
public:
  void add(CodeId code, uint32_t offset, SourceLocation location);
  bool contains(CodeId code, uint32_t offset) const;
  const SourceLocation *find(CodeId code, uint32_t offset) const;

  /// "train.py:12", or "code 0x1234+40" if never registered.
  std::string describe(CodeId code, uint32_t offset) const;
  /// The site's own location, then its callers innermost first when `stacks`
  /// is given: "model.py:7 (from train.py:12 <- train.py:30)".
  std::string describe(const Site &site,
                       const CallStackIds *stacks = nullptr) const;

private:
  struct KeyHash {
    size_t operator()(const std::pair<CodeId, uint32_t> &key) const {
      return hashMix(key.first, key.second);
    }
  };
  std::unordered_map<std::pair<CodeId, uint32_t>, SourceLocation, KeyHash>
      locations_;
};

} // namespace trace
} // namespace terra

#endif // TERRA_TRACE_SOURCELOCATIONS_H
