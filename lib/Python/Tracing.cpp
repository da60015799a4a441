//===- Tracing.cpp - The imperative phase's recorder in _terra ------------===//

#include "Tracing.h"

#include "Explain.h"
#include "TensorObject.h"

#include "terra/Compiler/BlockCompiler.h"
#include "terra/Compiler/DiskCache.h"
#include "terra/Python/Module.h"
#include "terra/Trace/PythonSite.h"

#include <frameobject.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <unordered_set>

namespace terra {
namespace python {

coexec::CoExecutor *activeExecutor = nullptr;

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
    // Known registered (most ops): no look-up in the locations' map.
    Registered &recent = registered_[trace::directMappedSlot(
        (site.code >> 4) ^ (uint64_t(site.offset) << 24), kRegisteredBits)];
    if (recent.code == site.code && recent.offset == site.offset)
      return site;
    if (!locations_.contains(site.code, site.offset))
      registerFrames();
    recent = {site.code, site.offset};
    return site;
  }

  trace::PythonCallStacks &calls() { return calls_; }

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

  struct Registered {
    trace::CodeId code = 0;
    uint32_t offset = 0;
  };
  static constexpr unsigned kRegisteredBits = 8;
  static constexpr size_t kRegistered = size_t(1) << kRegisteredBits;

  trace::PythonCallStacks calls_;
  trace::SourceLocations &locations_;
  std::unordered_set<PyObject *> codes_;
  /// Sites whose locations are registered, direct-mapped.
  std::array<Registered, kRegistered> registered_{};
};

/// An on/off environment variable: "0" is off, any other value on, and
/// unset or empty gives `otherwise`.
bool envFlag(const char *name, bool otherwise) {
  const char *value = std::getenv(name);
  if (!value || !*value)
    return otherwise;
  return std::strcmp(value, "0") != 0;
}

/// Everything one tracing session holds.
struct Session {
  explicit Session(bool coexecute) : executor(sites, options(coexecute)) {}

  coexec::Options options(bool coexecute) {
    coexec::Options options;
    options.coexecute = coexecute;
    options.waitForCompile = envFlag("TERRA_COMPILE_WAIT", false);
    options.timePasses = envFlag("TERRA_TIME_PASSES", true);
    if (const char *minOps = std::getenv("TERRA_MIN_BLOCK_OPS"))
      options.minBlockOps = std::max(1L, std::atol(minOps));
    if (const char *limit = std::getenv("TERRA_RECOMPILE_LIMIT"))
      options.recompileLimit = std::max(0L, std::atol(limit));
    options.strict = envFlag("TERRA_STRICT", false);
    options.dynamicShapes = envFlag("TERRA_DYNAMIC_SHAPES", true);
    if (const char *pause = std::getenv("TERRA_RECORDING_PAUSE"))
      options.pauseGrowth = std::max(0.0, std::atof(pause));
    options.compile.diskCache = diskCache;
    options.locations = &locations;
    options.stacks = &stacks;
    // The runner touches no Python object: waits release the GIL.
    options.beforeWait = [this] { waiting = PyEval_SaveThread(); };
    options.afterWait = [this] { PyEval_RestoreThread(waiting); };
    // Tests: the runner fails like an allocation would at pass N.
    if (const char *pass = std::getenv("TERRA_FAULT_RUNNER_PASS")) {
      long failAt = std::atol(pass);
      options.beforeRunnerPass = [failAt, count = 0L]() mutable {
        if (++count == failAt)
          throwError(Error::Kind::Memory,
                     "out of memory (injected by TERRA_FAULT_RUNNER_PASS)");
      };
    }
    return options;
  }

  trace::CallStackIds stacks;
  trace::SourceLocations locations;
  PythonSites sites{stacks, locations};
  PyThreadState *waiting = nullptr;
  std::shared_ptr<compiler::DiskCache> diskCache =
      compiler::DiskCache::fromEnvironment(compiler::cacheIdentity());
  coexec::CoExecutor executor;
  std::string libraryDir;
};

std::unique_ptr<Session> session;
bool fastExit = false;
bool leftCompiling = false;

/// Finishes what the runner has queued; the values stay readable.
void stopTracing() {
  if (activeExecutor)
    activeExecutor->finish();
  activeExecutor = nullptr;
}

// _trace_start(library_dir, coexecute): starts a session on this thread.
PyObject *fn_trace_start(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  return guarded([&]() -> PyObject * {
    if (argc != 2 || !PyUnicode_Check(argv[0]))
      throwError(Error::Kind::Type,
                 "_trace_start(library_dir: str, coexecute: bool)");
    stopTracing();
    session = std::make_unique<Session>(PyObject_IsTrue(argv[1]) == 1);
    session->libraryDir = PyUnicode_AsUTF8(argv[0]);
    session->executor.install();
    activeExecutor = &session->executor;
    Py_RETURN_NONE;
  });
}

PyObject *fn_trace_stop(PyObject *, PyObject *const *, Py_ssize_t) {
  return guarded([&]() -> PyObject * {
    stopTracing();
    Py_RETURN_NONE;
  });
}

// _trace_close(): stops and frees the session (while Python still runs:
// the session holds code objects).
PyObject *fn_trace_close(PyObject *, PyObject *const *, Py_ssize_t) {
  return guarded([&]() -> PyObject * {
    if (activeExecutor && fastExit) {
      activeExecutor->finish(/*waitForCompiler=*/false);
      activeExecutor = nullptr;
      if (session && session->executor.compilingDetached()) {
        // The compile thread still uses the executor: it lives until the
        // process ends (terra-run ends it without destructors).
        session.release();
        leftCompiling = true;
        Py_RETURN_NONE;
      }
    }
    stopTracing();
    session.reset();
    Py_RETURN_NONE;
  });
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
    options.diskCache = session->diskCache;
    coexec::Stats stats = session->executor.stats();
    trace::Recorder &recorder = session->executor.recorder();
    RunCounts counts{stats.opCalls(), stats.syncs};
    const trace::TraceGraph &graph = recorder.graph();
    std::string report;
    {
      // Compilation takes long and touches no Python object.
      PyThreadState *state = PyEval_SaveThread();
      report = explainReport(graph, session->locations, session->stacks, counts,
                             options);
      report += coExecutionReport(session->executor, session->locations,
                                  session->stacks, options);
      PyEval_RestoreThread(state);
    }
    return PyUnicode_FromStringAndSize(report.data(), report.size());
  });
}

// _trace_stats() -> dict: what the session's executor did so far.
PyObject *fn_trace_stats(PyObject *, PyObject *const *, Py_ssize_t) {
  return guarded([&]() -> PyObject * {
    if (!session)
      throwError(Error::Kind::Runtime, "tracing was not started");
    coexec::Stats stats = session->executor.stats();
    uint64_t calls = stats.opCalls();
    uint64_t recompilations = 0;
    for (const coexec::RecompileReport &report : session->executor.recompiles())
      recompilations += report.recompilations;
    // Nodes whose sizes became symbolic (automatic dynamic shapes).
    const trace::TraceGraph &graph = session->executor.recorder().graph();
    return Py_BuildValue(
        "{s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,"
        "s:K,s:K,s:K,s:d}",
        "op_calls", (unsigned long long)calls, "ops_recorded",
        (unsigned long long)stats.opsRecorded, "ops_unrecorded",
        (unsigned long long)stats.opsUnrecorded, "recording_pauses",
        (unsigned long long)stats.recordingPauses, "ops_validated_eager",
        (unsigned long long)stats.opsValidatedEager, "ops_deferred",
        (unsigned long long)stats.opsDeferred, "ops_deferred_eager",
        (unsigned long long)stats.opsDeferredEager, "fetches",
        (unsigned long long)stats.syncs, "passes_compiled",
        (unsigned long long)stats.passesCompiled, "passes_eager",
        (unsigned long long)stats.passesEager, "passes_eager_faster",
        (unsigned long long)stats.passesEagerFaster, "prefixes_replayed",
        (unsigned long long)stats.prefixesReplayed, "divergences",
        (unsigned long long)stats.divergences, "repartitions",
        (unsigned long long)stats.repartitions, "compilations",
        (unsigned long long)stats.compilations, "cache_loads",
        (unsigned long long)stats.cacheLoads, "recompilations",
        (unsigned long long)recompilations, "waits",
        (unsigned long long)stats.waits, "dynamic_nodes",
        (unsigned long long)graph.numSymbolicNodes(), "symbols",
        (unsigned long long)graph.numSymbols(), "compile_seconds",
        stats.compileSeconds);
  });
}

// _call_unrolled(index, fn, *args) -> fn(*args), its ops recorded as
// iteration `index` of an unrolled loop.
PyObject *fn_call_unrolled(PyObject *, PyObject *const *argv, Py_ssize_t argc) {
  if (argc < 2 || !PyLong_Check(argv[0])) {
    PyErr_SetString(PyExc_TypeError, "_call_unrolled(index: int, fn, *args)");
    return nullptr;
  }
  UnrolledIteration iteration(uint32_t(PyLong_AsUnsignedLongMask(argv[0])));
  return PyObject_Vectorcall(argv[1], argv + 2, argc - 2, nullptr);
}

} // namespace

UnrolledIteration::UnrolledIteration(uint32_t index) : session_(session.get()) {
  if (session)
    session->sites.calls().enterIteration(index);
}

UnrolledIteration::~UnrolledIteration() {
  if (session_ && session.get() == session_)
    session->sites.calls().leaveIteration();
}

namespace {

PyMethodDef tracingFunctions[] = {
    {"_trace_start", reinterpret_cast<PyCFunction>(fn_trace_start),
     METH_FASTCALL,
     "_trace_start(library_dir, coexecute): record (and co-execute) every op "
     "from now."},
    {"_trace_stop", reinterpret_cast<PyCFunction>(fn_trace_stop), METH_FASTCALL,
     "_trace_stop(): finish queued work and stop recording."},
    {"_trace_close", reinterpret_cast<PyCFunction>(fn_trace_close),
     METH_FASTCALL, "_trace_close(): stop recording and free the trace."},
    {"_trace_stats", reinterpret_cast<PyCFunction>(fn_trace_stats),
     METH_FASTCALL, "_trace_stats() -> dict: op calls, passes, divergences."},
    {"_call_unrolled", reinterpret_cast<PyCFunction>(fn_call_unrolled),
     METH_FASTCALL,
     "_call_unrolled(index, fn, *args): fn(*args), traced as iteration "
     "index of an unrolled loop."},
    {"_trace_report", reinterpret_cast<PyCFunction>(fn_trace_report),
     METH_FASTCALL,
     "_trace_report(compile, dump_dir, base_dir): the explain report."},
    {nullptr, nullptr, 0, nullptr},
};

} // namespace

void setFastExit(bool value) { fastExit = value; }

bool exitNow() { return leftCompiling; }

int addTracingFunctions(PyObject *module) {
  return PyModule_AddFunctions(module, tracingFunctions);
}

} // namespace python
} // namespace terra
