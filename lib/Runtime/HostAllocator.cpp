//===- HostAllocator.cpp - Reusing host blocks ----------------------------===//

#include "HostAllocator.h"
#include "SpinLock.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

namespace terra {
namespace detail {
namespace {

constexpr size_t kAlignment = 64;
/// Blocks below this are kept by size class (64-byte steps) under a spin
/// lock; larger ones by exact size, rounded to pages.
constexpr size_t kSmallLimit = 64 * 1024;
constexpr size_t kSmallClasses = kSmallLimit / kAlignment;
/// The most memory kept for reuse, small and large blocks; beyond it
/// blocks go back to the system.
constexpr size_t kSmallCacheLimit = size_t(64) << 20;
constexpr size_t kLargeCacheLimit = size_t(1) << 30;

size_t roundedSize(size_t bytes) {
  bytes = bytes < 1 ? 1 : bytes;
  size_t granule = bytes >= kSmallLimit ? 4096 : kAlignment;
  return (bytes + granule - 1) / granule * granule;
}

struct Cache {
  /// Small blocks change threads on every pass of co-execution: the runner
  /// allocates a block's outputs, the Python thread frees them. glibc's
  /// malloc serialises that on the allocating thread's arena lock (a futex
  /// call on most frees, measured); this lock is held for a push or a pop.
  SpinLock smallLock;
  std::vector<void *> small[kSmallClasses]; // By rounded size / 64.
  size_t smallBytes = 0;

  std::mutex largeMutex;
  std::multimap<size_t, void *> large; // By rounded size.
  size_t largeBytes = 0;

  /// Gives every cached block back to the system (out of memory).
  void trim() {
    {
      std::lock_guard<SpinLock> lock(smallLock);
      for (std::vector<void *> &blocks : small) {
        for (void *block : blocks)
          std::free(block);
        blocks.clear();
      }
      smallBytes = 0;
    }
    std::lock_guard<std::mutex> lock(largeMutex);
    for (auto &[size, block] : large)
      std::free(block);
    large.clear();
    largeBytes = 0;
  }
};

Cache &cache() {
  // Leaked: blocks may be released by tensors destroyed at exit.
  static Cache *instance = new Cache;
  return *instance;
}

void *takeCached(Cache &c, size_t size) {
  if (size < kSmallLimit) {
    std::lock_guard<SpinLock> lock(c.smallLock);
    std::vector<void *> &blocks = c.small[size / kAlignment];
    if (blocks.empty())
      return nullptr;
    void *data = blocks.back();
    blocks.pop_back();
    c.smallBytes -= size;
    return data;
  }
  std::lock_guard<std::mutex> lock(c.largeMutex);
  auto found = c.large.find(size);
  if (found == c.large.end())
    return nullptr;
  void *data = found->second;
  c.large.erase(found);
  c.largeBytes -= size;
  return data;
}

bool keepCached(Cache &c, void *data, size_t size) {
  if (size < kSmallLimit) {
    std::lock_guard<SpinLock> lock(c.smallLock);
    if (c.smallBytes + size > kSmallCacheLimit)
      return false;
    c.small[size / kAlignment].push_back(data);
    c.smallBytes += size;
    return true;
  }
  std::lock_guard<std::mutex> lock(c.largeMutex);
  if (c.largeBytes + size > kLargeCacheLimit)
    return false;
  c.large.emplace(size, data);
  c.largeBytes += size;
  return true;
}

} // namespace

void *allocateHost(size_t bytes) {
  size_t size = roundedSize(bytes);
  Cache &c = cache();
  if (void *data = takeCached(c, size))
    return data;
  void *data = std::aligned_alloc(kAlignment, size);
  if (!data) {
    // Out of memory: give the cached blocks back and try once more.
    c.trim();
    data = std::aligned_alloc(kAlignment, size);
  }
  return data;
}

void releaseHost(void *data, size_t bytes) {
  if (!keepCached(cache(), data, roundedSize(bytes)))
    std::free(data);
}

} // namespace detail
} // namespace terra
