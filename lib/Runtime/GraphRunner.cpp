//===- GraphRunner.cpp - The thread that runs compiled blocks
//--------------===//

#include "terra/Runtime/GraphRunner.h"

#include "SpinLock.h"

#include <pthread.h>

namespace terra {
namespace {

/// Spins before sleeping or yielding: in a training loop the next task, or
/// the end of the current one, is usually microseconds away.
constexpr int kSpins = 1 << 12;

} // namespace

GraphRunner::GraphRunner(size_t capacity)
    : queue_(capacity), thread_([this] { run(); }) {}

GraphRunner::~GraphRunner() {
  stopping_.store(true);
  wakeRunner();
  thread_.join();
}

void GraphRunner::wakeRunner() {
  // Pairs with the fence in run(): either the runner sees the new task (or
  // `stopping_`) before sleeping, or this sees it asleep and notifies.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (runnerSleeping_.load()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
    }
    wake_.notify_one();
  }
}

void GraphRunner::waitFor(std::atomic<bool> &sleeping,
                          const std::function<bool()> &ready) {
  for (int spin = 0; spin < kSpins && !ready(); ++spin)
    detail::cpuRelax();
  if (ready())
    return;
  // A long wait (a compiled block taking milliseconds, the Python thread
  // far ahead of the runner): sleep, leaving the cores to the runner and
  // its BLAS threads. Pairs with the fences in run(): either the runner
  // sees `sleeping` and wakes this thread, or this sees `ready()`.
  std::unique_lock<std::mutex> lock(mutex_);
  sleeping.store(true);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  drained_.wait(lock, ready);
  sleeping.store(false);
}

void GraphRunner::submit(Task task) {
  while (!queue_.tryPush(std::move(task)))
    waitFor(submitSleeping_, [&] { return !queue_.full(); });
  ++submitted_;
  wakeRunner();
}

void GraphRunner::drain() {
  waitFor(drainSleeping_, [&] { return completed_.load() == submitted_; });
  // The runner is idle: error_ is ours until the next submit.
  failed_.store(false);
  if (std::exception_ptr error = std::exchange(error_, nullptr))
    std::rethrow_exception(error);
}

void GraphRunner::waitUntil(const std::function<bool()> &done) {
  waitFor(drainSleeping_, [&] {
    return failed_.load() || completed_.load() == submitted_ || done();
  });
  if (failed_.load() || completed_.load() == submitted_)
    drain(); // Reports a failure; otherwise returns at once.
}

void GraphRunner::run() {
  // Named for profilers and debuggers (perf, gdb, top -H).
  pthread_setname_np(pthread_self(), "terra-runner");
  for (;;) {
    std::optional<Task> task = queue_.tryPop();
    if (!task) {
      if (stopping_.load())
        return;
      for (int spin = 0; spin < kSpins && queue_.empty() && !stopping_.load();
           ++spin)
        detail::cpuRelax();
      if (queue_.empty() && !stopping_.load()) {
        std::unique_lock<std::mutex> lock(mutex_);
        runnerSleeping_.store(true);
        std::atomic_thread_fence(std::memory_order_seq_cst);
        wake_.wait(lock, [&] { return !queue_.empty() || stopping_.load(); });
        runnerSleeping_.store(false);
      }
      continue;
    }
    // Pairs with the fence in submit(): a producer waiting for room wakes.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (submitSleeping_.load()) {
      std::lock_guard<std::mutex> lock(mutex_);
      drained_.notify_one();
    }
    // After a failure later tasks are skipped: they may read its results.
    if (!error_) {
      try {
        (*task)();
      } catch (...) {
        error_ = std::current_exception();
        failed_.store(true);
      }
    }
    task.reset();
    completed_.fetch_add(1);
    // Pairs with the fence in drain(): either the producer sees the count
    // before sleeping, or this sees it asleep and wakes it.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (drainSleeping_.load()) {
      std::lock_guard<std::mutex> lock(mutex_);
      drained_.notify_one();
    }
  }
}

} // namespace terra
