//===- HostAllocator.cpp - Reusing host blocks ----------------------------===//

#include "HostAllocator.h"
#include "SpinLock.h"

#include <algorithm>
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

using SizeClasses = std::vector<void *>[kSmallClasses];

/// Gives the blocks of every size class back to the system.
void freeAll(SizeClasses &classes) {
  for (std::vector<void *> &blocks : classes) {
    for (void *block : blocks)
      std::free(block);
    blocks.clear();
  }
}

struct Cache {
  /// Small blocks change threads on every pass of co-execution: the runner
  /// allocates a block's outputs, the Python thread frees them. glibc's
  /// malloc serialises that on the allocating thread's arena lock (a futex
  /// call on most frees, measured); this lock is held for a push or a pop.
  SpinLock smallLock;
  SizeClasses small; // By rounded size / 64.
  size_t smallBytes = 0;

  std::mutex largeMutex;
  std::multimap<size_t, void *> large; // By rounded size.
  size_t largeBytes = 0;

  /// Gives every cached block back to the system (out of memory).
  void trim() {
    {
      std::lock_guard<SpinLock> lock(smallLock);
      freeAll(small);
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

/// A small block of `size` from the shared cache, or null.
void *takeShared(Cache &c, size_t size) {
  std::lock_guard<SpinLock> lock(c.smallLock);
  std::vector<void *> &blocks = c.small[size / kAlignment];
  if (blocks.empty())
    return nullptr;
  void *data = blocks.back();
  blocks.pop_back();
  c.smallBytes -= size;
  return data;
}

/// Keeps small block `data` in the shared cache, unless it is full.
bool keepShared(Cache &c, void *data, size_t size) {
  std::lock_guard<SpinLock> lock(c.smallLock);
  if (c.smallBytes + size > kSmallCacheLimit)
    return false;
  c.small[size / kAlignment].push_back(data);
  c.smallBytes += size;
  return true;
}

/// Moves up to `count` small blocks of `size` from `from` to `to`.
void moveBlocks(std::vector<void *> &from, std::vector<void *> &to,
                size_t count) {
  count = std::min(count, from.size());
  to.insert(to.end(), from.end() - count, from.end());
  from.resize(from.size() - count);
}

/// A thread's own small blocks, in front of the shared cache: most
/// allocations and releases take no lock and touch no memory another core
/// writes. A size class that fills up hands a batch to the shared cache; an
/// empty one takes a batch from it.
struct ThreadCache {
  static constexpr size_t kBlocksPerClass = 32;
  static constexpr size_t kBatch = kBlocksPerClass / 2;
  static constexpr size_t kByteLimit = size_t(4) << 20;

  SizeClasses small;
  size_t bytes = 0;

  void *take(Cache &c, size_t size) {
    std::vector<void *> &blocks = small[size / kAlignment];
    if (blocks.empty()) {
      std::lock_guard<SpinLock> lock(c.smallLock);
      std::vector<void *> &shared = c.small[size / kAlignment];
      size_t moved = std::min(kBatch, shared.size());
      moveBlocks(shared, blocks, moved);
      c.smallBytes -= moved * size;
      bytes += moved * size;
    }
    if (blocks.empty())
      return nullptr;
    void *data = blocks.back();
    blocks.pop_back();
    bytes -= size;
    return data;
  }

  bool keep(Cache &c, void *data, size_t size) {
    std::vector<void *> &blocks = small[size / kAlignment];
    if (blocks.size() >= kBlocksPerClass || bytes + size > kByteLimit) {
      std::lock_guard<SpinLock> lock(c.smallLock);
      std::vector<void *> &shared = c.small[size / kAlignment];
      size_t moved = std::min(blocks.size(), kBatch);
      if (c.smallBytes + (moved + 1) * size > kSmallCacheLimit)
        return false;
      moveBlocks(blocks, shared, moved);
      shared.push_back(data);
      c.smallBytes += (moved + 1) * size;
      bytes -= moved * size;
      return true;
    }
    blocks.push_back(data);
    bytes += size;
    return true;
  }

  /// Gives this thread's blocks back to the system (out of memory).
  void trim() {
    freeAll(small);
    bytes = 0;
  }

  /// At thread exit the blocks go to the shared cache (or back to the
  /// system beyond its limit).
  ~ThreadCache() {
    Cache &c = cache();
    for (size_t index = 0; index < kSmallClasses; ++index)
      for (void *block : small[index])
        if (!keepShared(c, block, index * kAlignment))
          std::free(block);
    gone = true;
  }

  /// The calling thread's cache; null while its thread exits (tensors
  /// released by thread-local destructors use the shared cache).
  static ThreadCache *get() {
    if (gone)
      return nullptr;
    thread_local ThreadCache instance;
    return &instance;
  }

private:
  static thread_local bool gone;
};

thread_local bool ThreadCache::gone = false;

void *takeCached(Cache &c, size_t size) {
  if (size < kSmallLimit) {
    if (ThreadCache *local = ThreadCache::get())
      return local->take(c, size);
    return takeShared(c, size);
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
    if (ThreadCache *local = ThreadCache::get())
      return local->keep(c, data, size);
    return keepShared(c, data, size);
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
    if (ThreadCache *local = ThreadCache::get())
      local->trim();
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
