//===- Tracing.h - The imperative phase's recorder in _terra ----*- C++ -*-===//
//
// Under terra-run (co-execution) or with tracing on (--explain,
// TERRA_EXPLAIN=1) the process has one session: a coexec::CoExecutor
// installed as the Python thread's op observer (recording only, under
// --imperative), sites read from the interpreter's frames, and the fetches
// the Tensor type reports. Off, each hook below is one load and a branch.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_PYTHON_TRACING_H
#define TERRA_LIB_PYTHON_TRACING_H

#include "terra/CoExecution/CoExecutor.h"

#include <Python.h>

namespace terra {
namespace python {

/// The session's executor; null while not tracing.
extern coexec::CoExecutor *activeExecutor;

/// Python is about to read `value`.
inline void noteSync(trace::SyncKind kind, const Tensor &value) {
  if (activeExecutor)
    activeExecutor->sync(kind, value);
}

/// Raises (as terra::Error) the recompilation TERRA_STRICT=1 forbids, if
/// the last call made one.
inline void checkStrict() {
  if (activeExecutor && activeExecutor->hasStrictViolation())
    throwError(Error::Kind::Runtime, activeExecutor->takeStrictViolation());
}

/// A call from Python into _terra starts.
inline void noteCall() {
  if (activeExecutor)
    activeExecutor->beginCall();
}

/// While it lives, ops are traced as iteration `index` of a library loop
/// unrolled into straight-line code (PythonCallStacks::enterIteration);
/// does nothing without a tracing session.
class UnrolledIteration {
public:
  explicit UnrolledIteration(uint32_t index);
  ~UnrolledIteration();
  UnrolledIteration(const UnrolledIteration &) = delete;
  UnrolledIteration &operator=(const UnrolledIteration &) = delete;

private:
  /// The session entered, if any (a call inside may close it).
  const void *session_;
};

/// Adds _trace_start, _trace_stop, _trace_close and _trace_report to
/// `_terra`.
int addTracingFunctions(PyObject *module);

} // namespace python
} // namespace terra

#endif // TERRA_LIB_PYTHON_TRACING_H
