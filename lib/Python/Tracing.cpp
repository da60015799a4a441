//===- Tracing.cpp - The imperative phase's recorder in _terra ------------===//

#include "Tracing.h"

#include "Explain.h"
#include "TensorObject.h"

#include "terra/Trace/PythonSite.h"

#include <frameobject.h>

#include <fstream>
#include <memory>
#include <unordered_set>

namespace terra {
namespace python {

trace::Recorder *activeRecorder = nullptr;

namespace {

/// Sites from the interpreter's frames. The first time a (code, offset) is
/// met, it and its callers get their file:line registered, and their code
/// objects are kept alive so that an address names one function for the
/// session's life.
class PythonSites : public trace::SiteSource {
public:
  PythonSites(trace::CallStackIds &stacks, trace::SourceLocations &locations)
      : calls_(stacks), locations_(locations) {}

  ~PythonSites() override {
    // After the interpreter has gone, so have the code objects.
    if (Py_IsInitialized())
      for (PyObject *code : codes_)
        Py_DECREF(code);
  }

  trace::Site currentSite() override {
    trace::Site site;
    if (!calls_.currentSite(site))
      return site;
    if (!locations_.contains(site.code, site.offset))
      registerFrames();
    return site;
  }

private:
  void registerFrames() {
    PyFrameObject *frame = PyEval_GetFrame(); // Borrowed.
    Py_XINCREF(frame);
    while (frame) {
      PyCodeObject *code = PyFrame_GetCode(frame); // New reference.
      auto id = reinterpret_cast<trace::CodeId>(code);
      uint32_t offset = calls_.callOffset(
          code, static_cast<uint32_t>(PyFrame_GetLasti(frame)));
      if (!locations_.contains(id, offset)) {
        trace::SourceLocation location;
        location.file = PyUnicode_AsUTF8(code->co_filename);
        location.line = PyCode_Addr2Line(code, static_cast<int>(offset));
        location.function = PyUnicode_AsUTF8(code->co_qualname);
        locations_.add(id, offset, std::move(location));
      }
      if (codes_.insert(reinterpret_cast<PyObject *>(code)).second)
        Py_INCREF(code);
      Py_DECREF(code);
      PyFrameObject *back = PyFrame_GetBack(frame); // New reference.
      Py_DECREF(frame);
      frame = back;
    }
  }

  trace::PythonCallStacks calls_;
  trace::SourceLocations &locations_;
  std::unordered_set<PyObject *> codes_;
};

/// Everything one tracing session holds.
struct Session {
  trace::CallStackIds stacks;
  trace::SourceLocations locations;
  PythonSites sites{stacks, locations};
  trace::Recorder recorder{sites};
  std::string libraryDir;
};

std::unique_ptr<Session> session;

void stopTracing() {
  if (activeRecorder)
    recording::setObserver(nullptr);
  activeRecorder = nullptr;
}

// _trace_start(library_dir): starts a session on this thread.
PyObject *fn_trace_start(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    if (argc != 1 || !PyUnicode_Check(argv[0]))
      throwError(Error::Kind::Type, "_trace_start(library_dir: str)");
    stopTracing();
    session = std::make_unique<Session>();
    session->libraryDir = PyUnicode_AsUTF8(argv[0]);
    recording::setObserver(&session->recorder);
    activeRecorder = &session->recorder;
    Py_RETURN_NONE;
  });
}

PyObject *fn_trace_stop(PyObject *, PyObject *const *, Py_ssize_t) {
  stopTracing();
  Py_RETURN_NONE;
}

// _trace_close(): stops and frees the session (while Python still runs:
// the session holds code objects).
PyObject *fn_trace_close(PyObject *, PyObject *const *, Py_ssize_t) {
  stopTracing();
  session.reset();
  Py_RETURN_NONE;
}

// _trace_report(compile: bool, dump_dir: str or None, base_dir: str) -> str
PyObject *fn_trace_report(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    if (argc != 3 || !PyUnicode_Check(argv[2]))
      throwError(Error::Kind::Type,
                 "_trace_report(compile, dump_dir, base_dir: str)");
    if (!session)
      throwError(Error::Kind::Runtime, "tracing was not started");
    ExplainOptions options;
    options.compile = PyObject_IsTrue(argv[0]) == 1;
    if (argv[1] != Py_None)
      options.dumpDir = PyUnicode_AsUTF8(argv[1]);
    options.libraryDir = session->libraryDir;
    options.baseDir = PyUnicode_AsUTF8(argv[2]);
    RunCounts counts{session->recorder.opsRecorded(),
                     session->recorder.syncsRecorded()};
    const trace::TraceGraph &graph = session->recorder.graph();
    std::string report;
    {
      // Compilation takes long and touches no Python object.
      PyThreadState *state = PyEval_SaveThread();
      report = explainReport(graph, session->locations, session->stacks, counts,
                             options);
      PyEval_RestoreThread(state);
    }
    return PyUnicode_FromStringAndSize(report.data(), report.size());
  });
}

PyMethodDef tracingFunctions[] = {
    {"_trace_start", reinterpret_cast<PyCFunction>(fn_trace_start),
     METH_FASTCALL, "_trace_start(library_dir): record every op from now."},
    {"_trace_stop", reinterpret_cast<PyCFunction>(fn_trace_stop), METH_FASTCALL,
     "_trace_stop(): stop recording."},
    {"_trace_close", reinterpret_cast<PyCFunction>(fn_trace_close),
     METH_FASTCALL, "_trace_close(): stop recording and free the trace."},
    {"_trace_report", reinterpret_cast<PyCFunction>(fn_trace_report),
     METH_FASTCALL,
     "_trace_report(compile, dump_dir, base_dir): the explain report."},
    {nullptr, nullptr, 0, nullptr},
};

} // namespace

int addTracingFunctions(PyObject *module) {
  return PyModule_AddFunctions(module, tracingFunctions);
}

} // namespace python
} // namespace terra
