//===- PythonSite.cpp - The current op's site, read from CPython ----------===//
//
// CPython 3.11 only: _PyInterpreterFrame is internal, and its layout changes
// between minor versions (3.12 renames prev_instr's neighbours, 3.13 moves
// f_code to f_executable). The static_assert below pins the version.
//
//===----------------------------------------------------------------------===//

#include "terra/Trace/PythonSite.h"

#include <Python.h>
#include <frameobject.h>

#include <algorithm>

#define Py_BUILD_CORE 1
#include <internal/pycore_frame.h>
#include <opcode.h>
#undef Py_BUILD_CORE

static_assert(PY_MAJOR_VERSION == 3 && PY_MINOR_VERSION == 11,
              "PythonSite.cpp reads CPython 3.11's _PyInterpreterFrame");

namespace terra {
namespace trace {
namespace {

/// The innermost frame that has started running (PyEval_GetFrame skips the
/// same incomplete frames: they are still being set up).
_PyInterpreterFrame *completeFrame(_PyInterpreterFrame *frame) {
  while (frame && _PyFrame_IsIncomplete(frame))
    frame = frame->previous;
  return frame;
}

_PyInterpreterFrame *innermostFrame() {
  PyThreadState *state = _PyThreadState_UncheckedGet();
  if (!state || !state->cframe)
    return nullptr;
  return completeFrame(state->cframe->current_frame);
}

uint32_t byteOffset(_PyInterpreterFrame *frame) {
  return uint32_t(_PyInterpreterFrame_LASTI(frame)) * sizeof(_Py_CODEUNIT);
}

/// The call instruction that `raw` stands for, from the code's deoptimised
/// bytes (inline caches are CACHE there).
uint32_t computeCallOffset(PyCodeObject *code, uint32_t raw) {
  PyObject *bytes = PyCode_GetCode(code);
  if (!bytes) {
    PyErr_Clear();
    return raw;
  }
  const auto *units =
      reinterpret_cast<const uint8_t *>(PyBytes_AS_STRING(bytes));
  auto size = static_cast<uint32_t>(PyBytes_GET_SIZE(bytes));
  uint32_t offset = std::min(raw, size >= 2 ? size - 2 : 0);
  // An inlined Python call leaves prev_instr on the CALL's last cache entry.
  while (offset >= 2 && units[offset] == CACHE)
    offset -= 2;
  // A specialised PRECALL makes builtin calls itself: name its CALL.
  if (units[offset] == PRECALL) {
    uint32_t next = offset + 2;
    while (next < size && units[next] == CACHE)
      next += 2;
    if (next < size && units[next] == CALL)
      offset = next;
  }
  Py_DECREF(bytes);
  return offset;
}

} // namespace

uint32_t PythonCallStacks::callOffset(const void *codeObject, uint32_t raw) {
  auto code = reinterpret_cast<CodeId>(codeObject);
  OffsetEntry &entry = offsets_[hashMix(code, raw) % offsets_.size()];
  if (entry.code != code || entry.raw != raw)
    entry = {
        code, raw,
        computeCallOffset(
            static_cast<PyCodeObject *>(const_cast<void *>(codeObject)), raw)};
  return entry.offset;
}

bool currentFrameSite(CodeId &code, uint32_t &offset) {
  _PyInterpreterFrame *frame = innermostFrame();
  if (!frame)
    return false;
  code = reinterpret_cast<CodeId>(frame->f_code);
  offset = byteOffset(frame);
  return true;
}

bool currentFrameSitePublicApi(CodeId &code, uint32_t &offset) {
  PyFrameObject *frame = PyEval_GetFrame(); // Borrowed.
  if (!frame)
    return false;
  PyCodeObject *object = PyFrame_GetCode(frame); // New reference.
  code = reinterpret_cast<CodeId>(object);
  Py_DECREF(object);
  offset = uint32_t(PyFrame_GetLasti(frame));
  return true;
}

bool PythonCallStacks::currentSite(Site &site) {
  frames_.clear();
  // Only the innermost frame is skipped when incomplete (still being set
  // up). A caller can be incomplete only if its setup ran Python code (a
  // finaliser during MAKE_CELL); its offset is then meaningless but stable,
  // which only gives that rare op an unusual site. Checking every level
  // would cost a code-object load per frame.
  for (_PyInterpreterFrame *frame = innermostFrame(); frame;
       frame = frame->previous)
    frames_.push_back(frame);
  if (frames_.empty())
    return false;

  // Levels are numbered from the root; frames_ is innermost first.
  size_t depth = frames_.size();
  auto frameAt = [&](size_t level) {
    return static_cast<_PyInterpreterFrame *>(
        const_cast<void *>(frames_[depth - 1 - level]));
  };
  // Agreement on every caller's (code, instruction) means the same ids.
  size_t same = 0;
  while (same < depth && same < shadow_.size()) {
    _PyInterpreterFrame *frame = frameAt(same);
    if (shadow_[same].code != reinterpret_cast<CodeId>(frame->f_code))
      break;
    bool innermost = same + 1 == depth;
    if (!innermost && shadow_[same].raw != byteOffset(frame))
      break;
    ++same;
  }
  shadow_.resize(depth);
  auto refresh = [&](Level &level, _PyInterpreterFrame *frame) {
    uint32_t raw = byteOffset(frame);
    if (level.raw != raw || level.offset == kUnknownOffset) {
      level.raw = raw;
      level.offset = callOffset(frame->f_code, raw);
    }
  };
  for (size_t level = same; level < depth; ++level) {
    _PyInterpreterFrame *frame = frameAt(level);
    CallStackId id = kRootCallStack;
    if (level > 0) {
      const Level &caller = shadow_[level - 1];
      id = ids_.enter(Site{caller.code, caller.offset, caller.id, 0});
    }
    shadow_[level] = {reinterpret_cast<CodeId>(frame->f_code), 0,
                      kUnknownOffset, id};
    refresh(shadow_[level], frame);
  }
  // The innermost level's instruction moves with every op; refresh it.
  Level &innermost = shadow_[depth - 1];
  refresh(innermost, frameAt(depth - 1));
  CallStackId id = innermost.id;
  for (uint32_t index : iterations_)
    id = ids_.enter(Site{kIterationCode, index, id, 0});
  site = Site{innermost.code, innermost.offset, id, 0};
  return true;
}

} // namespace trace
} // namespace terra
