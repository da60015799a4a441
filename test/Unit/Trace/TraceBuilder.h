//===- TraceBuilder.h - Synthetic traces for TraceGraph tests ---*- C++ -*-===//
//
// Records ops the way the Python binding will: global record indices across
// traces, feed serials, variables by id. Sites are (code 0x1000, offset
// 2*line), so a line number names a site in the tests.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TEST_UNIT_TRACE_TRACEBUILDER_H
#define TERRA_TEST_UNIT_TRACE_TRACEBUILDER_H

#include "terra/Trace/OpRecord.h"
#include "terra/Trace/SourceLocations.h"

#include <optional>

namespace terra {
namespace trace {
namespace testing {

constexpr CodeId kTrainPy = 0x1000;

inline Site line(int line, CallStackId stack = kRootCallStack) {
  return Site{kTrainPy, uint32_t(line * 2), stack, 0};
}

inline TensorType f32(Shape shape) { return {DType::Float32, shape}; }

/// "train.py:N" for every site made by line(N), N < 200.
inline SourceLocations trainPyLocations() {
  SourceLocations locations;
  for (int n = 1; n < 200; ++n)
    locations.add(kTrainPy, uint32_t(n * 2), {"train.py", n, "step"});
  return locations;
}

/// A value in a trace: its producer and type.
struct Value {
  Producer producer;
  TensorType type;
};

class Recorder {
public:
  /// New data; `fromPython`: in memory Python lent (a NumPy batch).
  Value feed(TensorType type, bool fromPython = true) {
    Producer producer = Producer::feed(nextFeed_++);
    producer.fromPython = fromPython;
    return {producer, type};
  }
  static Value variable(uint64_t id, TensorType type) {
    return {Producer::variable(id), type};
  }
  static Value constant(double value) {
    return {Producer::constant(value), TensorType{DType::Float64, {}}};
  }

  /// Records an op with one result of `result` type (the first operand's
  /// type if not given).
  Value op(const std::string &name, Site site, std::vector<Value> operands,
           std::optional<TensorType> result = std::nullopt,
           std::vector<NamedAttribute> attributes = {},
           std::vector<VariableWrite> writes = {}) {
    OpRecord record;
    record.name = name;
    record.site = site;
    record.attributes = std::move(attributes);
    for (const Value &operand : operands)
      record.operands.push_back({operand.producer, operand.type});
    TensorType type = result ? *result : operands.at(0).type;
    record.results.push_back(type);
    record.writes = std::move(writes);
    trace_.ops.push_back(std::move(record));
    return {Producer::record(nextRecord_++), type};
  }

  void sync(Site site, SyncKind kind, const Value &value) {
    trace_.syncs.push_back(
        {site, kind, value.producer, value.type, uint32_t(trace_.ops.size())});
  }

  void hold(const Value &value) { trace_.heldAtEnd.push_back(value.producer); }

  /// The trace so far; the next one continues the record numbering.
  Trace finish() {
    Trace done = std::move(trace_);
    trace_ = Trace();
    trace_.firstRecord = nextRecord_;
    return done;
  }

private:
  uint64_t nextRecord_ = 0, nextFeed_ = 0;
  Trace trace_;
};

} // namespace testing
} // namespace trace
} // namespace terra

#endif // TERRA_TEST_UNIT_TRACE_TRACEBUILDER_H
