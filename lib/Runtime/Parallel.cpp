//===- Parallel.cpp - A small pool for eager kernels ----------------------===//
//
// One persistent worker per extra core. A parallel region is cut into one
// chunk per thread; the caller and the workers claim chunks until none is
// left, so a worker that is slow to start costs the caller nothing but its
// share of the work. Regions do not nest (a region started from a worker
// runs inline). Workers spin briefly between regions, then sleep on a
// condition variable.
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
      threads_.emplace_back([this] { work(); });
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
    body_ = &body;
    count_ = count;
    chunkSize_ = chunkSize;
    auto chunks = static_cast<uint32_t>((count + chunkSize - 1) / chunkSize);
    done_.store(0, std::memory_order_relaxed);
    uint64_t generation = (claims_.load(std::memory_order_relaxed) >> 32) + 1;
    claims_.store(generation << 32 | uint64_t(chunks) << 16,
                  std::memory_order_release);
    if (sleepers_.load() > 0) {
      // Taking the mutex orders this notify after a sleeper's predicate
      // check, so the wake-up cannot be lost.
      {
        std::lock_guard<std::mutex> lock(mutex_);
      }
      wake_.notify_all();
    }
    insideRegion = true;
    runChunks(generation);
    insideRegion = false;
    // Only chunks a worker has claimed (it was running then) are waited
    // for: those no worker took in time ran above, on this thread.
    while (done_.load(std::memory_order_acquire) != chunks)
      pause();
  }

private:
  static constexpr int kSpins = 1 << 11;

  /// Claims and runs chunks of region `generation` until none is left.
  /// Chunks are claimed, not assigned: a worker that is asleep or has lost
  /// its core (the runner, the Python thread and a compiler share two
  /// cores) leaves its chunk to the caller instead of making it wait.
  void runChunks(uint64_t generation) {
    uint64_t claims = claims_.load(std::memory_order_acquire);
    for (;;) {
      // Everything this test reads is in the one atomic word: a late
      // worker must not read the next region's fields being written.
      uint32_t next = uint32_t(claims & 0xffff);
      uint32_t chunks = uint32_t((claims >> 16) & 0xffff);
      if ((claims >> 32) != generation || next >= chunks)
        return;
      if (!claims_.compare_exchange_weak(claims, claims + 1,
                                         std::memory_order_acq_rel))
        continue;
      // The region cannot finish (nor its fields change) before this
      // chunk is counted done.
      int64_t begin = int64_t(next) * chunkSize_;
      (*body_)(begin, std::min(begin + chunkSize_, count_));
      done_.fetch_add(1, std::memory_order_release);
      claims = claims_.load(std::memory_order_acquire);
    }
  }

  void work() {
    insideRegion = true;
    uint64_t seen = 0;
    auto generation = [&] {
      return claims_.load(std::memory_order_acquire) >> 32;
    };
    for (;;) {
      for (int spin = 0; generation() == seen && spin < kSpins; ++spin)
        pause();
      if (generation() == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        ++sleepers_;
        wake_.wait(lock, [&] { return stopping_ || generation() != seen; });
        --sleepers_;
        if (stopping_)
          return;
      }
      seen = generation();
      runChunks(seen);
    }
  }

  std::vector<std::thread> threads_;
  std::mutex regionMutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  // Written before the region's generation is published in `claims_`, read
  // after claiming one of its chunks.
  RangeFn *body_ = nullptr;
  int64_t count_ = 0, chunkSize_ = 0;
  /// The region's generation (bits 32-63), its number of chunks (16-31)
  /// and the next chunk to claim (0-15).
  std::atomic<uint64_t> claims_{0};
  std::atomic<uint32_t> done_{0};
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
