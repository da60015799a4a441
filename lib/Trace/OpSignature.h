//===- OpSignature.h - Hash and equality of node signatures -----*- C++ -*-===//
//
// A node is found by (site, signature). The signature holds what must be
// equal for two executions to run the same compiled code: op name,
// attributes, operand types and producer kinds, result types and variable
// writes. Exact producers are not part of it; they are merged as patterns.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_TRACE_OPSIGNATURE_H
#define TERRA_LIB_TRACE_OPSIGNATURE_H

#include "terra/Trace/TraceGraph.h"

namespace terra {
namespace trace {

uint64_t hashType(uint64_t seed, const TensorType &type);
uint64_t hashOpSignature(const OpRecord &op);
uint64_t hashSyncSignature(const SyncEvent &sync);
bool sameOpSignature(const Node &node, const OpRecord &op);
/// Site, op name and call stack: what the nodes one op may generalise share.
uint64_t hashSiteAndName(const Site &site, const std::string &name);
/// Whether `op` fits symbolic `node`: its signature with each symbol taking
/// one value (neither 0 nor 1) throughout.
bool fitsOpSignature(const Node &node, const OpRecord &op);
bool sameSyncSignature(const Node &node, const SyncEvent &sync);

} // namespace trace
} // namespace terra

#endif // TERRA_LIB_TRACE_OPSIGNATURE_H
