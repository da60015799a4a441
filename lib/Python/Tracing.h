//===- Tracing.h - The imperative phase's recorder in _terra ----*- C++ -*-===//
//
// When tracing is on (terra-run --explain, TERRA_EXPLAIN=1) the process has
// one tracing session: a trace::Recorder installed as the Python thread's op
// observer, sites read from the interpreter's frames, and the fetches the
// Tensor type reports. Off, each hook below is one load and a branch.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_PYTHON_TRACING_H
#define TERRA_LIB_PYTHON_TRACING_H

#include "terra/Trace/Recorder.h"

#include <Python.h>

namespace terra {
namespace python {

/// The session's recorder; null while not tracing.
extern trace::Recorder *activeRecorder;

/// Python fetched `value`.
inline void noteSync(trace::SyncKind kind, const Tensor &value) {
  if (activeRecorder)
    activeRecorder->sync(kind, value);
}

/// A call from Python into _terra starts.
inline void noteCall() {
  if (activeRecorder)
    activeRecorder->beginCall();
}

/// Adds _trace_start, _trace_stop and _trace_report to `_terra`.
int addTracingFunctions(PyObject *module);

} // namespace python
} // namespace terra

#endif // TERRA_LIB_PYTHON_TRACING_H
