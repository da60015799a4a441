//===- Format.h - Text for types, attributes and producers ------*- C++ -*-===//
//
// Shared by dumps and divergence messages; only used off the hot path.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TRACE_FORMAT_H
#define TERRA_TRACE_FORMAT_H

#include "terra/Trace/OpRecord.h"

#include <string>

namespace terra {
namespace trace {

/// "float32[64, 10]"; a 0-d tensor is "float32[]".
std::string formatType(DType dtype, const int64_t *shape, size_t rank);
std::string formatType(const TensorType &type);
/// "{alpha = 1, axes = [0, 1]}"; empty for no attributes.
std::string formatAttributes(const NamedAttribute *attributes, size_t count);
std::string formatAttributes(const std::vector<NamedAttribute> &attributes);
const char *producerKindName(ProducerKind kind);
const char *syncKindName(SyncKind kind);

} // namespace trace
} // namespace terra

#endif // TERRA_TRACE_FORMAT_H
