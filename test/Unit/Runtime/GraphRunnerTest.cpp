//===- GraphRunnerTest.cpp - Ordered execution, drain and errors
//-----------===//
//
// Also run under ThreadSanitizer by `make test-tsan`.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/GraphRunner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

TEST(GraphRunner, RunsTasksInOrderAndDrains) {
  terra::GraphRunner runner(8);
  std::vector<int> seen; // Written by the runner only, read after drain().
  for (int i = 0; i < 10000; ++i)
    runner.submit([&seen, i] { seen.push_back(i); });
  runner.drain();
  ASSERT_EQ(seen.size(), 10000u);
  for (int i = 0; i < 10000; ++i)
    ASSERT_EQ(seen[i], i);
  EXPECT_EQ(runner.completed(), runner.submitted());
}

TEST(GraphRunner, ErrorSurfacesAtDrainAndSkipsLaterTasks) {
  terra::GraphRunner runner;
  int ran = 0;
  runner.submit([&] { ++ran; });
  runner.submit([] { throw std::runtime_error("out of memory in block 3"); });
  runner.submit([&] { ++ran; }); // Skipped: it may depend on the failure.
  EXPECT_THROW(
      {
        try {
          runner.drain();
        } catch (const std::runtime_error &error) {
          EXPECT_STREQ(error.what(), "out of memory in block 3");
          throw;
        }
      },
      std::runtime_error);
  EXPECT_EQ(ran, 1);
  // After the error is reported the runner accepts work again.
  runner.submit([&] { ++ran; });
  runner.drain();
  EXPECT_EQ(ran, 2);
}

TEST(GraphRunner, WakesAfterSleeping) {
  terra::GraphRunner runner;
  int value = 0;
  // Long enough for the runner to stop spinning and sleep.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  runner.submit([&] { value = 42; });
  runner.drain();
  EXPECT_EQ(value, 42);
}

TEST(GraphRunner, DestructorRunsQueuedWork) {
  int ran = 0;
  {
    terra::GraphRunner runner;
    for (int i = 0; i < 100; ++i)
      runner.submit([&] { ++ran; });
  }
  EXPECT_EQ(ran, 100);
}

} // namespace

TEST(GraphRunner, WaitUntilReturnsOnceItsValueExists) {
  terra::GraphRunner runner(8);
  std::atomic<bool> first{false}, release{false};
  runner.submit([&] { first.store(true); });
  // A later task still running (held until released) does not delay the
  // wait for the first one's value.
  runner.submit([&] {
    while (!release.load())
      std::this_thread::sleep_for(std::chrono::microseconds(100));
  });
  runner.waitUntil([&] { return first.load(); });
  EXPECT_TRUE(first.load());
  EXPECT_LT(runner.completed(), runner.submitted());
  release.store(true);
  runner.drain();
  EXPECT_EQ(runner.completed(), runner.submitted());
}

TEST(GraphRunner, WaitUntilReportsAFailedTask) {
  terra::GraphRunner runner(8);
  runner.submit([] { throw std::runtime_error("compiled block failed"); });
  EXPECT_THROW(runner.waitUntil([] { return false; }), std::runtime_error);
  // Reported once; the runner accepts work again.
  bool ran = false;
  runner.submit([&] { ran = true; });
  runner.waitUntil([&] { return false; });
  EXPECT_TRUE(ran);
}
