//===- PythonSite.h - The current op's site, read from CPython --*- C++ -*-===//
//
// Finds the site of the op being called without materialising Python frame
// objects: it reads the thread's _PyInterpreterFrame chain (CPython 3.11),
// whose f_code and prev_instr give each frame's code object and current
// instruction. Call with the GIL held, from a C function called by Python.
//
// The call-stack id is kept in a shadow stack of (code, instruction) pairs
// with their interned ids. Per op, the frame chain is compared with the
// shadow from the root down: an id depends only on the chain of callers'
// (code, instruction) pairs, so where they agree the cached id is right, and
// only frames below the first difference are interned again (one hash
// lookup each). The comparison reads three words per frame and does no
// hashing; see docs/co-execution.md for the costs measured and for the
// alternative (a PEP 523 frame-evaluation hook that pushes ids as frames
// start, O(1) per op but a cost on every Python call).
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TRACE_PYTHONSITE_H
#define TERRA_TRACE_PYTHONSITE_H

#include "terra/Trace/CallStackIds.h"

#include <array>
#include <cstdint>
#include <vector>

namespace terra {
namespace trace {

/// The innermost Python frame's code object and instruction byte offset.
/// False if no Python code is running.
bool currentFrameSite(CodeId &code, uint32_t &offset);

/// Same through the public API (PyEval_GetFrame, PyFrame_GetCode,
/// PyFrame_GetLasti), which creates a PyFrameObject for the frame the first
/// time; kept as a reference for tests and measurements.
bool currentFrameSitePublicApi(CodeId &code, uint32_t &offset);

class PythonCallStacks {
public:
  explicit PythonCallStacks(CallStackIds &ids) : ids_(ids) {}

  /// The site of an op called now (innermost frame, its instruction, the
  /// call-stack id of the frames around it). False if no Python code runs.
  bool currentSite(Site &site);

  /// The offset that names the call at byte `raw` of `code` (a
  /// PyCodeObject): 3.11's specialising interpreter leaves a frame's last
  /// instruction on a call's PRECALL, its CALL or the CALL's last inline
  /// cache entry depending on how far the call site is specialised; all
  /// three give the CALL's offset, so a site keeps its identity when the
  /// interpreter warms up. Cached; the first lookup copies the bytecode.
  uint32_t callOffset(const void *code, uint32_t raw);

  /// Ops called until the matching leaveIteration() belong to iteration
  /// `index` of a loop (nested loops nest): their call stacks get a level
  /// naming it. A library loop over parameters (an optimiser's step) so
  /// becomes straight-line code in the TraceGraph, one node per parameter
  /// and op, instead of a self-loop whose node meets every parameter's
  /// shape.
  void enterIteration(uint32_t index) { iterations_.push_back(index); }
  void leaveIteration() { iterations_.pop_back(); }

private:
  static constexpr uint32_t kUnknownOffset = UINT32_MAX;

  struct Level {
    CodeId code;
    /// The frame's last instruction as the interpreter has it.
    uint32_t raw;
    /// This frame's call into the next level (callOffset of `raw`).
    uint32_t offset;
    CallStackId id;
  };
  struct OffsetEntry {
    CodeId code = 0;
    uint32_t raw = 0;
    uint32_t offset = 0;
  };

  CallStackIds &ids_;
  std::vector<Level> shadow_;
  /// Frames of the current walk, innermost first (reused, no allocation in
  /// steady state).
  std::vector<const void *> frames_;
  /// The iterations entered, outermost first.
  std::vector<uint32_t> iterations_;
  /// callOffset's cache, direct-mapped.
  std::array<OffsetEntry, 1024> offsets_{};
};

} // namespace trace
} // namespace terra

#endif // TERRA_TRACE_PYTHONSITE_H
