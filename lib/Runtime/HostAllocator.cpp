//===- HostAllocator.cpp - Reusing large host blocks ----------------------===//

#include "HostAllocator.h"

#include <cstdlib>
#include <map>
#include <mutex>

namespace terra {
namespace detail {
namespace {

constexpr size_t kAlignment = 64;
/// Blocks below this come from malloc directly (its own bins reuse them).
constexpr size_t kCachedMinimum = 64 * 1024;
/// The most memory kept for reuse; beyond it blocks go back to the system.
constexpr size_t kCacheLimit = size_t(1) << 30;

size_t roundedSize(size_t bytes) {
  bytes = bytes < 1 ? 1 : bytes;
  size_t granule = bytes >= kCachedMinimum ? 4096 : kAlignment;
  return (bytes + granule - 1) / granule * granule;
}

struct Cache {
  std::mutex mutex;
  std::multimap<size_t, void *> free; // By rounded size.
  size_t cachedBytes = 0;
};

Cache &cache() {
  // Leaked: blocks may be released by tensors destroyed at exit.
  static Cache *instance = new Cache;
  return *instance;
}

} // namespace

void *allocateHost(size_t bytes) {
  size_t size = roundedSize(bytes);
  if (size >= kCachedMinimum) {
    Cache &c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    auto found = c.free.find(size);
    if (found != c.free.end()) {
      void *data = found->second;
      c.free.erase(found);
      c.cachedBytes -= size;
      return data;
    }
  }
  void *data = std::aligned_alloc(kAlignment, size);
  if (!data && size >= kCachedMinimum) {
    // Out of memory: give the cached blocks back and try once more.
    Cache &c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    for (auto &[blockSize, block] : c.free)
      std::free(block);
    c.free.clear();
    c.cachedBytes = 0;
    data = std::aligned_alloc(kAlignment, size);
  }
  return data;
}

void releaseHost(void *data, size_t bytes) {
  size_t size = roundedSize(bytes);
  if (size >= kCachedMinimum) {
    Cache &c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cachedBytes + size <= kCacheLimit) {
      c.free.emplace(size, data);
      c.cachedBytes += size;
      return;
    }
  }
  std::free(data);
}

} // namespace detail
} // namespace terra
