//===- SpscQueue.h - Lock-free one-producer one-consumer queue --*- C++ -*-===//
//
// The Python thread (producer) hands events to the GraphRunner (consumer):
// compiled blocks to run with their input bindings, feeds, branch choices,
// fetch requests. A bounded ring: the producer owns `tail_`, the consumer
// `head_`; each reads the other's index with acquire and publishes its own
// with release, so a slot's contents are visible before its index moves.
// Each side caches the other's index and rereads it only when the ring looks
// full (producer) or empty (consumer), so the common push and pop touch no
// cache line the other thread is writing.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_RUNTIME_SPSCQUEUE_H
#define TERRA_RUNTIME_SPSCQUEUE_H

#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace terra {

template <typename T> class SpscQueue {
public:
  /// A queue holding up to `capacity` elements (rounded up to a power of 2).
  explicit SpscQueue(size_t capacity) {
    size_t size = 2;
    while (size < capacity + 1)
      size *= 2;
    mask_ = size - 1;
    slots_ = std::allocator<Slot>().allocate(size);
  }

  SpscQueue(const SpscQueue &) = delete;
  SpscQueue &operator=(const SpscQueue &) = delete;

  ~SpscQueue() {
    while (tryPop())
      ;
    std::allocator<Slot>().deallocate(slots_, mask_ + 1);
  }

  size_t capacity() const { return mask_; }

  /// Producer only. Returns false when the queue is full.
  template <typename... Args> bool tryPush(Args &&...args) {
    size_t tail = tail_.load(std::memory_order_relaxed);
    size_t next = (tail + 1) & mask_;
    if (next == cachedHead_) {
      cachedHead_ = head_.load(std::memory_order_acquire);
      if (next == cachedHead_)
        return false;
    }
    new (&slots_[tail].storage) T(std::forward<Args>(args)...);
    tail_.store(next, std::memory_order_release);
    return true;
  }

  /// Consumer only. Returns the oldest element, or nothing when empty.
  std::optional<T> tryPop() {
    size_t head = head_.load(std::memory_order_relaxed);
    if (head == cachedTail_) {
      cachedTail_ = tail_.load(std::memory_order_acquire);
      if (head == cachedTail_)
        return std::nullopt;
    }
    T *element = std::launder(reinterpret_cast<T *>(&slots_[head].storage));
    std::optional<T> result(std::move(*element));
    element->~T();
    head_.store((head + 1) & mask_, std::memory_order_release);
    return result;
  }

  /// Producer only: whether the queue is full (the consumer may free a
  /// slot at any time).
  bool full() const {
    return ((tail_.load(std::memory_order_relaxed) + 1) & mask_) ==
           head_.load(std::memory_order_acquire);
  }

  /// Either side: whether the queue looked empty at some recent instant.
  bool empty() const {
    return head_.load(std::memory_order_acquire) ==
           tail_.load(std::memory_order_acquire);
  }

private:
  struct Slot {
    std::aligned_storage_t<sizeof(T), alignof(T)> storage;
  };
  static constexpr size_t kCacheLine = 64;

  Slot *slots_ = nullptr;
  size_t mask_ = 0;
  // Consumer side.
  alignas(kCacheLine) std::atomic<size_t> head_{0};
  size_t cachedTail_ = 0;
  // Producer side.
  alignas(kCacheLine) std::atomic<size_t> tail_{0};
  size_t cachedHead_ = 0;
};

} // namespace terra

#endif // TERRA_RUNTIME_SPSCQUEUE_H
