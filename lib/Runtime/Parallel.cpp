//===- Parallel.cpp - A small pool for eager kernels ----------------------===//
//
// One persistent worker per extra core. A parallel region hands each worker
// one chunk and runs the first chunk on the caller; regions do not nest (a
// region started from a worker runs inline).
//
//===----------------------------------------------------------------------===//

#include "Parallel.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace terra {
namespace detail {
namespace {

thread_local bool insideRegion = false;

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
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = &body;
      count_ = count;
      chunkSize_ = chunkSize;
      pending_ = chunks - 1;
      ++generation_;
    }
    wake_.notify_all();
    insideRegion = true;
    body(0, std::min(chunkSize, count));
    insideRegion = false;
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
  }

private:
  void work(int index) {
    insideRegion = true;
    uint64_t seen = 0;
    for (;;) {
      RangeFn *body;
      int64_t begin, end;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_)
          return;
        seen = generation_;
        begin = (index + 1) * chunkSize_;
        end = std::min(begin + chunkSize_, count_);
        body = body_;
        if (begin >= count_)
          continue; // No chunk for this worker in this region.
      }
      (*body)(begin, end);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        --pending_;
      }
      done_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex regionMutex_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  RangeFn *body_ = nullptr;
  int64_t count_ = 0, chunkSize_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
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
