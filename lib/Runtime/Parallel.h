//===- Parallel.h - Splitting eager kernels across cores -------*- C++ -*-===//

#ifndef TERRA_LIB_RUNTIME_PARALLEL_H
#define TERRA_LIB_RUNTIME_PARALLEL_H

#include <cstdint>
#include <type_traits>

namespace terra {
namespace detail {

/// Work below this many element operations runs on the calling thread:
/// waking the pool costs more than it saves.
constexpr int64_t kParallelGrain = 32768;

/// Threads used for large work (TERRA_NUM_THREADS, default: every core).
int numThreads();

/// A non-owning reference to a `void(int64_t, int64_t)` callable.
class RangeFn {
public:
  template <typename F>
  RangeFn(F &&fn)
      : object_(const_cast<void *>(static_cast<const void *>(&fn))),
        call_([](void *object, int64_t begin, int64_t end) {
          (*static_cast<std::remove_reference_t<F> *>(object))(begin, end);
        }) {}
  void operator()(int64_t begin, int64_t end) const {
    call_(object_, begin, end);
  }

private:
  void *object_;
  void (*call_)(void *, int64_t, int64_t);
};

/// Splits [0, count) into one contiguous chunk per thread and waits.
void parallelForChunks(int64_t count, RangeFn body);

/// Runs `body(begin, end)` over [0, count): inline when
/// `count * costPerItem` is small, else split across the thread pool.
/// `body` must not throw.
template <typename F>
void parallelFor(int64_t count, int64_t costPerItem, F &&body) {
  if (count < 2 || count * costPerItem < kParallelGrain || numThreads() == 1) {
    body(int64_t{0}, count);
    return;
  }
  parallelForChunks(count, RangeFn(body));
}

} // namespace detail
} // namespace terra

extern "C" {
/// Compiled code's parallel loop nests (terra-dispatch-parallel-nests):
/// `chunk(context, b, e)` over sub-ranges of [begin, end), split across the
/// thread pool when `(end - begin) * cost` is large enough. Exported from
/// libterra_runtime, which compiled blocks load.
void terra_rt_parallel_for(int64_t begin, int64_t end, int64_t cost,
                           void (*chunk)(void *, int64_t, int64_t),
                           void *context);
}

#endif // TERRA_LIB_RUNTIME_PARALLEL_H
