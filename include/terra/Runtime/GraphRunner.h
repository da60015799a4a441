//===- GraphRunner.h - The thread that runs compiled blocks -----*- C++ -*-===//
//
// In co-execution the Python thread only validates ops and enqueues work; the
// GraphRunner thread runs it, in order. Work is a task (run a compiled block
// with its input bindings, store a feed, ...). The Python thread waits for the
// runner only when it needs a value (a fetch) or at a divergence, through
// drain(). A task that throws stops the runner from running later tasks
// (they may depend on the failed one's results); the error surfaces from the
// next drain() in the Python thread.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_RUNTIME_GRAPHRUNNER_H
#define TERRA_RUNTIME_GRAPHRUNNER_H

#include "terra/Runtime/SpscQueue.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace terra {

class GraphRunner {
public:
  using Task = std::function<void()>;

  /// Starts the runner thread with room for `capacity` queued tasks.
  explicit GraphRunner(size_t capacity = 4096);
  /// Runs what is queued, then stops the thread. Errors are dropped.
  ~GraphRunner();

  GraphRunner(const GraphRunner &) = delete;
  GraphRunner &operator=(const GraphRunner &) = delete;

  /// Producer (one thread only): queues `task`, waiting for room if the
  /// queue is full.
  void submit(Task task);

  /// Producer: waits until every submitted task has run. Rethrows the error
  /// of the first task that failed since the last drain (the runner skipped
  /// the tasks after it), then accepts work again.
  void drain();

  /// Producer: waits until `done()` holds (checked after each task the
  /// runner finishes; it must read only what tasks publish) or every
  /// submitted task has run; a failed task makes it drain (and rethrow).
  /// A fetch waits this way for its value alone, the runner going on.
  void waitUntil(const std::function<bool()> &done);

  /// Tasks submitted and completed so far (completed includes skipped).
  uint64_t submitted() const { return submitted_; }
  uint64_t completed() const { return completed_.load(); }

private:
  void run();
  void wakeRunner();
  /// Producer: spins, then sleeps until `ready()`, with `sleeping` set so
  /// that the runner wakes it after each task.
  void waitFor(std::atomic<bool> &sleeping, const std::function<bool()> &ready);

  // Each thread's fields on cache lines of their own: the runner writes
  // `completed_` after every task, the producer `submitted_` after every
  // submit, and a shared line would bounce between the cores each time.
  static constexpr size_t kCacheLine = 64;

  SpscQueue<Task> queue_;
  alignas(kCacheLine) uint64_t submitted_ = 0; // Producer only.
  alignas(kCacheLine) std::atomic<uint64_t> completed_{0};
  std::exception_ptr error_; // Written by the runner before `completed_`.
  std::atomic<bool> failed_{false};
  // Rarely written.
  alignas(kCacheLine) std::atomic<bool> stopping_{false};
  std::atomic<bool> runnerSleeping_{false};
  std::atomic<bool> drainSleeping_{false};
  std::atomic<bool> submitSleeping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::thread thread_;
};

} // namespace terra

#endif // TERRA_RUNTIME_GRAPHRUNNER_H
