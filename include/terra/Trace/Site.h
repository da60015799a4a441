//===- Site.h - Where in the Python program an op was called ----*- C++ -*-===//
//
// A site names one place in the program an op can come from: the code object
// and instruction offset of the call plus the call stack that led there, so
// that `layer(x)` reached from two callers gives two sites. Sites are plain
// values (24 bytes): they are built for every op on the hot path and compared
// and hashed without touching Python.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_TRACE_SITE_H
#define TERRA_TRACE_SITE_H

#include <cstddef>
#include <cstdint>
#include <functional>

namespace terra {
namespace trace {

/// Identity of a call stack, interned by CallStackIds. 0 is the outermost
/// frame (no caller recorded).
using CallStackId = uint32_t;
constexpr CallStackId kRootCallStack = 0;

/// Identity of a code object: the PyCodeObject address, opaque here. The
/// Python binding keeps every code object that appears in a TraceGraph alive,
/// so an address is never reused for another function while it is in use.
using CodeId = uint64_t;
/// The code of a call-stack level that names one iteration of a library
/// loop unrolled into straight-line code (PythonCallStacks::enterIteration);
/// the level's offset is the iteration. No code object lives at address 1.
constexpr CodeId kIterationCode = 1;

struct Site {
  CodeId code = 0;
  /// Byte offset of the calling instruction in the code object (f_lasti).
  uint32_t offset = 0;
  CallStackId callStack = kRootCallStack;
  /// Which of several ops one call emitted: a binding that records more than
  /// one eager op, or the backward ops of one forward op. 0 for most ops.
  uint32_t sub = 0;

  bool operator==(const Site &other) const {
    return code == other.code && offset == other.offset &&
           callStack == other.callStack && sub == other.sub;
  }
  bool operator!=(const Site &other) const { return !(*this == other); }
};

/// Mixes 64-bit words into a hash (splitmix64 finaliser); used for sites and
/// op signatures.
inline uint64_t hashMix(uint64_t seed, uint64_t value) {
  uint64_t x =
      seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

/// A slot of a direct-mapped table of 2^bits entries for `key` (Fibonacci
/// hashing: one multiply), for caches probed on every op where the full
/// hashMix would cost more than the probe.
inline size_t directMappedSlot(uint64_t key, unsigned bits) {
  return size_t((key * 0x9e3779b97f4a7c15ULL) >> (64 - bits));
}

inline uint64_t hashSite(const Site &site) {
  uint64_t h = hashMix(0, site.code);
  h = hashMix(h, (uint64_t(site.offset) << 32) | site.callStack);
  return hashMix(h, site.sub);
}

struct SiteHash {
  size_t operator()(const Site &site) const { return hashSite(site); }
};

} // namespace trace
} // namespace terra

#endif // TERRA_TRACE_SITE_H
