//===- BlockMemory.cpp - Buffers of compiled blocks -----------------------===//
//
// The allocation functions lowered blocks call for their temporaries
// (finalize-memref-to-llvm with use-generic-functions): the host allocator
// instead of malloc, so that a training step's buffers are reused from one
// pass to the next. With malloc, GPT-2's step block unmapped and faulted in
// its large temporaries on every pass.
//
//===----------------------------------------------------------------------===//

#include "HostAllocator.h"

#include <cstdint>

namespace {

/// Host blocks are 64-byte aligned; the words before the data record where
/// its block starts and how large it is, for free(), which gets only the
/// pointer.
constexpr uintptr_t kBlockAlignment = 64;

void *allocate(int64_t bytes, int64_t alignment) {
  uintptr_t align = alignment > int64_t(kBlockAlignment) ? uintptr_t(alignment)
                                                         : kBlockAlignment;
  size_t total = size_t(bytes < 0 ? 0 : bytes) + align + kBlockAlignment;
  auto base = reinterpret_cast<uintptr_t>(terra::detail::allocateHost(total));
  if (!base)
    return nullptr;
  uintptr_t data = (base + kBlockAlignment + align - 1) & ~(align - 1);
  reinterpret_cast<size_t *>(data)[-1] = total;
  reinterpret_cast<size_t *>(data)[-2] = data - base;
  return reinterpret_cast<void *>(data);
}

} // namespace

extern "C" {

__attribute__((visibility("default"))) void *
_mlir_memref_to_llvm_alloc(int64_t bytes) {
  return allocate(bytes, 0);
}

__attribute__((visibility("default"))) void *
_mlir_memref_to_llvm_aligned_alloc(int64_t alignment, int64_t bytes) {
  return allocate(bytes, alignment);
}

__attribute__((visibility("default"))) void
_mlir_memref_to_llvm_free(void *data) {
  if (!data)
    return;
  size_t total = static_cast<size_t *>(data)[-1];
  size_t offset = static_cast<size_t *>(data)[-2];
  terra::detail::releaseHost(static_cast<char *>(data) - offset, total);
}

} // extern "C"
