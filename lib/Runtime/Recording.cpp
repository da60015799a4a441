//===- Recording.cpp - The thread's op observer ---------------------------===//

#include "terra/Runtime/Recording.h"

namespace terra {
namespace recording {
namespace {
thread_local Observer *currentObserver = nullptr;
thread_local int currentDepth = 0;
} // namespace

Observer::~Observer() = default;

bool Observer::deferOp(const char *, const Attributes &, Operands, Results) {
  return false;
}

bool Observer::deferInPlace(const char *, const Attributes &, Operands,
                            Tensor &) {
  return false;
}

Observer *observer() { return currentObserver; }

Observer *setObserver(Observer *observer) {
  Observer *previous = currentObserver;
  currentObserver = observer;
  currentDepth = 0;
  return previous;
}

Pause::Pause() : saved_(currentObserver) { currentObserver = nullptr; }

Pause::~Pause() { currentObserver = saved_; }

int &Scope::depth() { return currentDepth; }

} // namespace recording
} // namespace terra
