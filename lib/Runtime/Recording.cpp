//===- Recording.cpp - The thread's op observer ---------------------------===//

#include "terra/Runtime/Recording.h"

namespace terra {
namespace recording {
namespace {
thread_local Observer *currentObserver = nullptr;
thread_local int currentDepth = 0;
} // namespace

Observer::~Observer() = default;

Observer *observer() { return currentObserver; }

Observer *setObserver(Observer *observer) {
  Observer *previous = currentObserver;
  currentObserver = observer;
  currentDepth = 0;
  return previous;
}

int &Scope::depth() { return currentDepth; }

} // namespace recording
} // namespace terra
