//===- LineSites.h - Sites from a line number, for recorder tests -*- C++
//-*-===//

#ifndef TERRA_TEST_UNIT_TRACE_LINESITES_H
#define TERRA_TEST_UNIT_TRACE_LINESITES_H

#include "terra/Trace/Recorder.h"

namespace terra {
namespace trace {
namespace testing {

/// Every op is called from `line` of one code object.
class LineSites : public SiteSource {
public:
  uint32_t line = 0;
  Site currentSite() override { return Site{1, line * 2, kRootCallStack, 0}; }
};

} // namespace testing
} // namespace trace
} // namespace terra

#endif // TERRA_TEST_UNIT_TRACE_LINESITES_H
