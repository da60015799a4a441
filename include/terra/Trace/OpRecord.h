//===- OpRecord.h - What the imperative phase records per op ----*- C++ -*-===//
//
// A trace is what one stretch of imperative execution (typically one
// iteration) did: the DL ops in program order, the fetches Python made, and
// the values Python still held at its end. Records name where each operand
// came from, so that merged traces know which values flow inside a block and
// which come from Python.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TRACE_OPRECORD_H
#define TERRA_TRACE_OPRECORD_H

#include "terra/Compiler/BlockSpec.h"
#include "terra/Trace/Site.h"

#include <cstdint>
#include <string>
#include <vector>

namespace terra {
namespace trace {

using compiler::NamedAttribute;
using compiler::TensorType;

enum class ProducerKind : uint8_t {
  /// A result of an earlier op record (this trace or an earlier one).
  Record,
  /// New data from Python: a tensor made from a NumPy batch or a list, or a
  /// Python scalar that changes between iterations.
  Feed,
  /// A parameter, optimiser state or RNG state: lives across iterations and
  /// is named by a stable id.
  Variable,
  /// A Python scalar the binding considers fixed (a literal); the TraceGraph
  /// demotes it to a varying input if a later trace sees another value.
  Constant,
};

/// Where an operand's value came from.
struct Producer {
  ProducerKind kind = ProducerKind::Record;
  /// Record: result index.
  uint32_t output = 0;
  /// Record: global record index (Trace::firstRecord + position). Feed: the
  /// feed's serial number (one fed tensor used twice has one serial).
  /// Variable: the variable id.
  uint64_t id = 0;
  /// Constant: the value.
  double value = 0;
  /// Record made by co-execution: the TraceGraph node that made it (`id` is
  /// then the node's visit, not a record index); UINT32_MAX otherwise.
  uint32_t node = UINT32_MAX;
  /// Feed: the tensor reads memory Python lent (a NumPy array): new data,
  /// where automatic dynamic shapes let new sizes in.
  bool fromPython = false;

  static Producer record(uint64_t index, uint32_t output = 0) {
    return {ProducerKind::Record, output, index, 0};
  }
  /// Result `output` of visit `visit` of node `node`.
  static Producer executed(uint32_t node, uint32_t output, uint64_t visit) {
    return {ProducerKind::Record, output, visit, 0, node};
  }
  bool isExecuted() const { return node != UINT32_MAX; }
  static Producer feed(uint64_t serial) {
    return {ProducerKind::Feed, 0, serial, 0};
  }
  static Producer variable(uint64_t id) {
    return {ProducerKind::Variable, 0, id, 0};
  }
  static Producer constant(double value) {
    return {ProducerKind::Constant, 0, 0, value};
  }
};

struct Operand {
  Producer producer;
  TensorType type;
};

/// An in-place update of a variable: result `result` of the op becomes the
/// variable's new value (p.sub_(...) in an optimiser step).
struct VariableWrite {
  uint64_t variable = 0;
  uint32_t result = 0;
  bool operator==(const VariableWrite &other) const {
    return variable == other.variable && result == other.result;
  }
};

struct OpRecord {
  std::string name;
  std::vector<NamedAttribute> attributes;
  Site site;
  std::vector<Operand> operands;
  std::vector<TensorType> results;
  std::vector<VariableWrite> writes;
};

/// Why Python needed a value.
enum class SyncKind : uint8_t {
  Item,
  ToList,
  Numpy,
  Bool,
  Float,
  Index,
  Print,
  Array,
  DLPack,
  /// Reading a variable from Python (p.data, state_dict()).
  VariableRead,
};

/// A fetch: Python needed `value` at `site`, after the first `position` op
/// records of the trace had run.
struct SyncEvent {
  Site site;
  SyncKind kind = SyncKind::Item;
  Producer value;
  TensorType type;
  uint32_t position = 0;
};

struct Trace {
  /// Global index of ops[0]: records are numbered across traces so that an
  /// operand can name a value made in an earlier iteration.
  uint64_t firstRecord = 0;
  std::vector<OpRecord> ops;
  /// In order of position.
  std::vector<SyncEvent> syncs;
  /// Results Python still referenced when the trace ended (the binding knows
  /// from the tensors' reference counts); they must survive compilation.
  std::vector<Producer> heldAtEnd;
};

} // namespace trace
} // namespace terra

#endif // TERRA_TRACE_OPRECORD_H
