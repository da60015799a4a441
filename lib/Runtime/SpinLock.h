//===- SpinLock.h - Waiting a few instructions without sleeping -*- C++ -*-===//
//
// Internal to lib/Runtime: the runner and the Python thread hand work and
// memory to each other every few microseconds, where sleeping on a futex
// costs more than the wait itself.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_LIB_RUNTIME_SPINLOCK_H
#define TERRA_LIB_RUNTIME_SPINLOCK_H

#include <atomic>
#include <thread>

namespace terra {
namespace detail {

/// Tells the core this thread is spinning (frees its pipeline for a
/// sibling hardware thread).
inline void cpuRelax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

/// A lock for critical sections of a few instructions. After a while it
/// yields the core, so a holder that was preempted can finish.
class SpinLock {
public:
  void lock() {
    int spins = 0;
    while (held_.exchange(true, std::memory_order_acquire))
      while (held_.load(std::memory_order_relaxed)) {
        if (++spins < kSpinsBeforeYield)
          cpuRelax();
        else
          std::this_thread::yield();
      }
  }
  void unlock() { held_.store(false, std::memory_order_release); }

private:
  static constexpr int kSpinsBeforeYield = 256;
  std::atomic<bool> held_{false};
};

} // namespace detail
} // namespace terra

#endif // TERRA_LIB_RUNTIME_SPINLOCK_H
