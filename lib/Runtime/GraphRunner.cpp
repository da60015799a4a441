//===- GraphRunner.cpp - The thread that runs compiled blocks
//--------------===//

#include "terra/Runtime/GraphRunner.h"

#include <pthread.h>

namespace terra {
namespace {

void pause() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

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

void GraphRunner::submit(Task task) {
  for (int spin = 0; !queue_.tryPush(std::move(task)); ++spin) {
    if (spin < kSpins) {
      pause();
      continue;
    }
    // The Python thread is far ahead of the runner: sleep until it has
    // taken a task (yielding in a loop slowed the runner down).
    std::unique_lock<std::mutex> lock(mutex_);
    submitSleeping_.store(true);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    drained_.wait(lock, [&] { return !queue_.full(); });
    submitSleeping_.store(false);
    spin = 0;
  }
  ++submitted_;
  wakeRunner();
}

void GraphRunner::drain() {
  for (int spin = 0; spin < kSpins && completed_.load() != submitted_; ++spin)
    pause();
  if (completed_.load() != submitted_) {
    // A long wait (a compiled block taking milliseconds): sleep, leaving
    // the cores to the runner and its BLAS threads.
    std::unique_lock<std::mutex> lock(mutex_);
    drainSleeping_.store(true);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    drained_.wait(lock, [&] { return completed_.load() == submitted_; });
    drainSleeping_.store(false);
  }
  // The runner is idle: error_ is ours until the next submit.
  failed_.store(false);
  if (std::exception_ptr error = std::exchange(error_, nullptr))
    std::rethrow_exception(error);
}

void GraphRunner::waitUntil(const std::function<bool()> &done) {
  auto finished = [&] {
    return failed_.load() || completed_.load() == submitted_ || done();
  };
  for (int spin = 0; spin < kSpins && !finished(); ++spin)
    pause();
  if (!finished()) {
    std::unique_lock<std::mutex> lock(mutex_);
    drainSleeping_.store(true);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    drained_.wait(lock, finished);
    drainSleeping_.store(false);
  }
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
        pause();
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
