//===- SpscQueueTest.cpp - The producer/consumer queue
//---------------------===//
//
// Run also under ThreadSanitizer (`make test-tsan`): the contention cases
// are what it checks.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/SpscQueue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace {

TEST(SpscQueue, FifoAndFull) {
  terra::SpscQueue<int> queue(3);
  EXPECT_EQ(queue.capacity(), 3u);
  EXPECT_TRUE(queue.empty());
  EXPECT_TRUE(queue.tryPush(1));
  EXPECT_TRUE(queue.tryPush(2));
  EXPECT_TRUE(queue.tryPush(3));
  EXPECT_FALSE(queue.tryPush(4)) << "a full queue must refuse";
  EXPECT_EQ(queue.tryPop(), 1);
  EXPECT_TRUE(queue.tryPush(4));
  EXPECT_EQ(queue.tryPop(), 2);
  EXPECT_EQ(queue.tryPop(), 3);
  EXPECT_EQ(queue.tryPop(), 4);
  EXPECT_FALSE(queue.tryPop().has_value());
}

TEST(SpscQueue, MoveOnlyElementsAndDrainOnDestruction) {
  auto counter = std::make_shared<int>(0);
  {
    terra::SpscQueue<std::shared_ptr<int>> queue(8);
    for (int i = 0; i < 5; ++i)
      queue.tryPush(counter);
    EXPECT_EQ(counter.use_count(), 6);
    auto popped = queue.tryPop();
    EXPECT_EQ(popped->get(), counter.get());
  }
  EXPECT_EQ(counter.use_count(), 1) << "elements left in the queue leaked";

  terra::SpscQueue<std::unique_ptr<int>> owners(2);
  owners.tryPush(std::make_unique<int>(7));
  EXPECT_EQ(**owners.tryPop(), 7);
}

/// One thread pushes 0..count-1, the other pops: every value arrives once,
/// in order, with its payload intact.
template <typename Make, typename Check>
void runContention(size_t capacity, int count, Make make, Check check) {
  terra::SpscQueue<decltype(make(0))> queue(capacity);
  std::thread producer([&] {
    for (int i = 0; i < count; ++i)
      while (!queue.tryPush(make(i)))
        std::this_thread::yield();
  });
  int expected = 0;
  while (expected < count) {
    if (auto value = queue.tryPop()) {
      check(*value, expected);
      ++expected;
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
  EXPECT_TRUE(queue.empty());
}

TEST(SpscQueue, ContentionKeepsOrder) {
  runContention(
      64, 200000, [](int i) { return i; },
      [](int value, int expected) { ASSERT_EQ(value, expected); });
}

TEST(SpscQueue, ContentionWithHeapPayloads) {
  // Strings own heap memory: a slot read before it is fully written shows
  // up as a wrong payload (or as a race under ThreadSanitizer).
  runContention(
      4, 50000, [](int i) { return std::to_string(i) + std::string(40, 'x'); },
      [](const std::string &value, int expected) {
        ASSERT_EQ(value, std::to_string(expected) + std::string(40, 'x'));
      });
}

} // namespace
