//===- DiskCache.h - Compiled blocks' object code on disk -------*- C++ -*-===//
//
// The persistent compile cache: one file per compiled block, named by a key
// that hashes everything the machine code depends on (the block's MLIR, the
// pipeline options, Terra's build, LLVM's version, the host CPU). Processes
// share the directory: entries are written to a temporary file and renamed,
// so a reader sees a whole entry or none, and a crash leaves no half entry.
// Each entry carries a header (magic, format, the writer's identity, its key,
// the payload's size and checksum); one that fails a check is ignored with a
// warning, removed, and compiled again. The directory is bounded in size:
// reading an entry marks it used (its modification time) and storing one
// evicts the least recently used beyond the bound.
//
// Nothing here throws or aborts: an unwritable directory only costs the
// saving (one warning), an unreadable entry only its reuse.
//
//===----------------------------------------------------------------------===//

#ifndef TERRA_COMPILER_DISKCACHE_H
#define TERRA_COMPILER_DISKCACHE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace terra {
namespace compiler {

class DiskCache {
public:
  static constexpr uint64_t kDefaultMaxBytes = uint64_t(1) << 30;

  /// Where the environment puts the cache: TERRA_CACHE=0 disables it
  /// (`enabled` false), TERRA_CACHE_DIR names the directory, else
  /// $XDG_CACHE_HOME/terra, else $HOME/.cache/terra; TERRA_CACHE_SIZE bounds
  /// it (bytes, or with a K, M or G suffix).
  struct Settings {
    bool enabled = true;
    std::string directory;
    uint64_t maxBytes = kDefaultMaxBytes;
    /// Why the settings are what they are when something was off (an
    /// unparsable TERRA_CACHE_SIZE, no HOME): shown as a warning.
    std::string problem;
  };
  static Settings settingsFromEnvironment();

  /// The cache the environment asks for, or null when disabled or when no
  /// directory can be named.
  static std::shared_ptr<DiskCache> fromEnvironment(std::string identity);

  /// `identity` names the writer (Terra's build, LLVM, the target): an entry
  /// written under another identity is foreign and never loaded.
  DiskCache(std::string directory, std::string identity,
            uint64_t maxBytes = kDefaultMaxBytes);

  /// The object code stored under `key` (hexadecimal), or nothing when it is
  /// absent or fails a check (then removed, with a warning).
  std::optional<std::string> load(llvm::StringRef key);
  /// Stores `object` under `key`, then evicts beyond the size bound.
  void store(llvm::StringRef key, llvm::StringRef object);

  struct Usage {
    size_t entries = 0;
    uint64_t bytes = 0;
  };
  Usage usage() const;
  /// Removes every entry (and leftover temporary files); returns how many
  /// entries went.
  size_t clear();

  const std::string &directory() const { return directory_; }
  uint64_t maxBytes() const { return maxBytes_; }

  struct Counters {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t stores = 0;
    uint64_t rejected = 0;      // entries that failed a check
    uint64_t writeFailures = 0; // stores that could not be written
    uint64_t evicted = 0;
  };
  Counters counters() const;

  /// Where warnings go (default: stderr, prefixed "terra: warning: ").
  void setWarningHandler(std::function<void(const std::string &)> handler);

private:
  std::string entryPath(llvm::StringRef key) const;
  /// Warns once per `kind`: a read-only directory is said once, not per
  /// block.
  void warn(const std::string &kind, const std::string &message);
  void evict();

  std::string directory_;
  std::string identity_;
  uint64_t maxBytes_;
  mutable std::mutex mutex_;
  Counters counters_;
  std::set<std::string> warned_;
  std::function<void(const std::string &)> warningHandler_;
};

} // namespace compiler
} // namespace terra

#endif // TERRA_COMPILER_DISKCACHE_H
