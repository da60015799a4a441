//===- Parallel.cpp - A small pool for eager kernels ----------------------===//
//
// One persistent worker per extra core. A parallel region hands each worker
// one chunk and runs the first chunk on the caller; regions do not nest (a
// region started from a worker runs inline). Workers spin briefly between
// regions, then sleep on a condition variable.
//
//===----------------------------------------------------------------------===//

#include "Parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace terra {
namespace detail {
namespace {

thread_local bool insideRegion = false;

/// Spins before sleeping: eager ops come back to back, and waking a thread
/// from a condition variable costs more than a small op.
void pause() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

class ThreadPool {
public:
  explicit ThreadPool(int workers) {
    for (int i = 0; i < workers; ++i)
      threads_.emplace_back([this, i] { work(i); });
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread &thread : threads_)
      thread.join();
  }

  int workers() const { return static_cast<int>(threads_.size()); }

  void run(int64_t count, RangeFn body) {
    // One region at a time: a second caller thread waits its turn.
    std::lock_guard<std::mutex> region(regionMutex_);
    int64_t chunkSize = (count + workers()) / (workers() + 1);
    // Chunks that are not empty; workers past them skip this region.
    int chunks = static_cast<int>((count + chunkSize - 1) / chunkSize);
    body_ = &body;
    count_ = count;
    chunkSize_ = chunkSize;
    pending_.store(chunks - 1);
    generation_.fetch_add(1);
    if (sleepers_.load() > 0) {
      // Taking the mutex orders this notify after a sleeper's predicate
      // check, so the wake-up cannot be lost.
      {
        std::lock_guard<std::mutex> lock(mutex_);
      }
      wake_.notify_all();
    }
    insideRegion = true;
    body(0, std::min(chunkSize, count));
    insideRegion = false;
    while (pending_.load() != 0)
      pause();
  }

private:
  static constexpr int kSpins = 1 << 11;

  void work(int index) {
    insideRegion = true;
    uint64_t seen = 0;
    for (;;) {
      for (int spin = 0; generation_.load() == seen && spin < kSpins; ++spin)
        pause();
      if (generation_.load() == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        ++sleepers_;
        wake_.wait(lock,
                   [&] { return stopping_ || generation_.load() != seen; });
        --sleepers_;
        if (stopping_)
          return;
      }
      seen = generation_.load();
      int64_t begin = (index + 1) * chunkSize_;
      if (begin >= count_)
        continue; // No chunk for this worker in this region.
      (*body_)(begin, std::min(begin + chunkSize_, count_));
      pending_.fetch_sub(1);
    }
  }

  std::vector<std::thread> threads_;
  std::mutex regionMutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  // Written before `generation_` is bumped, read after seeing it change.
  RangeFn *body_ = nullptr;
  int64_t count_ = 0, chunkSize_ = 0;
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> sleepers_{0};
  bool stopping_ = false;
};

int configuredThreads() {
  if (const char *value = std::getenv("TERRA_NUM_THREADS")) {
    int threads = std::atoi(value);
    if (threads >= 1)
      return threads;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool &pool() {
  // Leaked on purpose: workers must not be joined during static destruction
  // of a process that is exiting from another thread.
  static ThreadPool *instance = new ThreadPool(configuredThreads() - 1);
  return *instance;
}

} // namespace

int numThreads() {
  static const int threads = configuredThreads();
  return threads;
}

void parallelForChunks(int64_t count, RangeFn body) {
  if (insideRegion || pool().workers() == 0) {
    body(0, count);
    return;
  }
  pool().run(count, body);
}

} // namespace detail
} // namespace terra

extern "C" __attribute__((visibility("default"))) void
terra_rt_parallel_for(int64_t begin, int64_t end, int64_t cost,
                      void (*chunk)(void *, int64_t, int64_t), void *context) {
  terra::detail::parallelFor(end - begin, cost, [&](int64_t from, int64_t to) {
    chunk(context, begin + from, begin + to);
  });
}
