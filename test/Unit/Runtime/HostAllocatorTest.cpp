//===- HostAllocatorTest.cpp - Host blocks reused across threads ----------===//
//
// Run also under ThreadSanitizer (`make test-tsan`): co-execution's runner
// allocates the blocks the Python thread releases.
//
//===----------------------------------------------------------------------===//

#include "HostAllocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

extern "C" {
void *_mlir_memref_to_llvm_alloc(int64_t bytes);
void *_mlir_memref_to_llvm_aligned_alloc(int64_t alignment, int64_t bytes);
void _mlir_memref_to_llvm_free(void *data);
}

namespace {

using terra::detail::allocateHost;
using terra::detail::HostObjectAllocator;
using terra::detail::releaseHost;

TEST(HostAllocator, BlocksAreAlignedAndReusedBySize) {
  for (size_t bytes : {size_t(1), size_t(200), size_t(4096), size_t(1) << 20}) {
    void *first = allocateHost(bytes);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(first) % 64, 0u) << bytes;
    releaseHost(first, bytes);
    void *second = allocateHost(bytes);
    EXPECT_EQ(second, first)
        << "a released block of " << bytes << " bytes is handed out again";
    releaseHost(second, bytes);
  }
}

TEST(HostAllocator, ABlockReleasedOnAnotherThreadIsReused) {
  void *block = allocateHost(4096);
  std::thread([block] { releaseHost(block, 4096); }).join();
  void *again = allocateHost(4096);
  EXPECT_EQ(again, block);
  releaseHost(again, 4096);
}

TEST(HostAllocator, ProducerAndConsumerNeverShareABlock) {
  // The runner's pattern: one thread allocates and fills, the other checks
  // and releases. A block handed out twice would be overwritten.
  constexpr int kBlocks = 20000;
  constexpr size_t kBytes = 256;
  std::vector<std::atomic<uint8_t *>> handoff(kBlocks);
  std::thread consumer([&] {
    for (int i = 0; i < kBlocks; ++i) {
      uint8_t *block;
      while (!(block = handoff[i].load(std::memory_order_acquire)))
        std::this_thread::yield();
      for (size_t b = 0; b < kBytes; ++b)
        ASSERT_EQ(block[b], uint8_t(i)) << "block " << i << " byte " << b;
      releaseHost(block, kBytes);
    }
  });
  for (int i = 0; i < kBlocks; ++i) {
    auto *block = static_cast<uint8_t *>(allocateHost(kBytes));
    ASSERT_NE(block, nullptr);
    std::memset(block, uint8_t(i), kBytes);
    handoff[i].store(block, std::memory_order_release);
  }
  consumer.join();
}

TEST(HostAllocator, SharedObjectsLiveInHostBlocks) {
  struct Payload {
    int64_t values[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  };
  std::shared_ptr<Payload> made =
      std::allocate_shared<Payload>(HostObjectAllocator<Payload>());
  EXPECT_EQ(made->values[7], 8);
  std::thread([moved = std::move(made)]() mutable { moved.reset(); }).join();
}

TEST(HostAllocator, CompiledBlocksBuffersAreAlignedAndReused) {
  // BlockMemory.cpp: what lowered blocks call for their temporaries.
  for (int64_t alignment : {0, 16, 64, 256, 4096}) {
    void *first = alignment
                      ? _mlir_memref_to_llvm_aligned_alloc(alignment, 1000)
                      : _mlir_memref_to_llvm_alloc(1000);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(first) %
                  uintptr_t(alignment > 64 ? alignment : 64),
              0u)
        << alignment;
    std::memset(first, 0x5a, 1000);
    _mlir_memref_to_llvm_free(first);
    void *again = alignment
                      ? _mlir_memref_to_llvm_aligned_alloc(alignment, 1000)
                      : _mlir_memref_to_llvm_alloc(1000);
    EXPECT_EQ(again, first) << "the block of the freed buffer is reused";
    _mlir_memref_to_llvm_free(again);
  }
  _mlir_memref_to_llvm_free(nullptr);
  void *empty = _mlir_memref_to_llvm_alloc(0);
  EXPECT_NE(empty, nullptr);
  _mlir_memref_to_llvm_free(empty);
}

} // namespace
