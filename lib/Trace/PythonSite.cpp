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

#define Py_BUILD_CORE 1
#include <internal/pycore_frame.h>
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

} // namespace

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
    if (!innermost && shadow_[same].offset != byteOffset(frame))
      break;
    ++same;
  }
  shadow_.resize(depth);
  for (size_t level = same; level < depth; ++level) {
    _PyInterpreterFrame *frame = frameAt(level);
    CallStackId id = kRootCallStack;
    if (level > 0) {
      const Level &caller = shadow_[level - 1];
      id = ids_.enter(Site{caller.code, caller.offset, caller.id, 0});
    }
    shadow_[level] = {reinterpret_cast<CodeId>(frame->f_code),
                      byteOffset(frame), id};
  }
  // The innermost level's instruction moves with every op; refresh it.
  _PyInterpreterFrame *innermost = frameAt(depth - 1);
  shadow_[depth - 1].offset = byteOffset(innermost);
  site = Site{shadow_[depth - 1].code, shadow_[depth - 1].offset,
              shadow_[depth - 1].id, 0};
  return true;
}

} // namespace trace
} // namespace terra
