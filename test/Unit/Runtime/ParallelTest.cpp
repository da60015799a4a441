//===- ParallelTest.cpp - The thread pool's regions -----------------------===//
//
// Each index of a region runs exactly once whoever claims its chunk, over
// many back-to-back regions (workers arrive late, or claim chunks of the
// next region's generation) and with two calling threads taking turns.
// Also run under ThreadSanitizer (make test-tsan).
//
//===----------------------------------------------------------------------===//

#include "Parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

using namespace terra::detail;

namespace {

/// Runs `regions` regions of random sizes; returns the number of indices
/// that did not run exactly once.
int64_t runRegions(int regions, unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<int64_t> size(1, 3000);
  std::vector<std::atomic<int>> hits(3000);
  int64_t wrong = 0;
  for (int region = 0; region < regions; ++region) {
    int64_t count = size(random);
    for (int64_t i = 0; i < count; ++i)
      hits[size_t(i)].store(0, std::memory_order_relaxed);
    parallelForChunks(count, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        hits[size_t(i)].fetch_add(1, std::memory_order_relaxed);
    });
    for (int64_t i = 0; i < count; ++i)
      wrong += hits[size_t(i)].load(std::memory_order_relaxed) != 1;
  }
  return wrong;
}

TEST(Parallel, EveryIndexRunsOnceAcrossManyRegions) {
  EXPECT_EQ(runRegions(3000, 1), 0);
}

TEST(Parallel, TwoCallingThreadsTakeTurns) {
  int64_t wrong[2] = {-1, -1};
  std::thread other([&] { wrong[1] = runRegions(1000, 2); });
  wrong[0] = runRegions(1000, 3);
  other.join();
  EXPECT_EQ(wrong[0], 0);
  EXPECT_EQ(wrong[1], 0);
}

TEST(Parallel, ChunksAreContiguousAndCoverTheRange) {
  for (int64_t count : {int64_t(1), int64_t(2), int64_t(3), int64_t(1001)}) {
    std::atomic<int64_t> covered{0};
    std::atomic<int> pieces{0};
    parallelForChunks(count, [&](int64_t begin, int64_t end) {
      EXPECT_LT(begin, end);
      covered += end - begin;
      ++pieces;
    });
    EXPECT_EQ(covered.load(), count);
    EXPECT_LE(pieces.load(), numThreads());
  }
}

} // namespace
