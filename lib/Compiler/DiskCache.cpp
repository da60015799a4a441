//===- DiskCache.cpp - Compiled blocks' object code on disk ---------------===//

#include "terra/Compiler/DiskCache.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/EndianStream.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace terra {
namespace compiler {

namespace {

constexpr char kMagic[8] = {'T', 'E', 'R', 'R', 'A', 'O', 'B', 'J'};
constexpr uint32_t kFormatVersion = 1;
constexpr llvm::StringLiteral kEntrySuffix = ".tobj";
constexpr llvm::StringLiteral kTemporarySuffix = ".tmp";
/// A temporary file this old is a crashed writer's leftover.
constexpr auto kStaleTemporary = std::chrono::hours(1);

/// Parses "1073741824", "512M", "2G"; nothing on a malformed value.
std::optional<uint64_t> parseSize(llvm::StringRef text) {
  uint64_t scale = 1;
  if (!text.empty()) {
    switch (text.back()) {
    case 'K':
    case 'k':
      scale = uint64_t(1) << 10;
      break;
    case 'M':
    case 'm':
      scale = uint64_t(1) << 20;
      break;
    case 'G':
    case 'g':
      scale = uint64_t(1) << 30;
      break;
    }
    if (scale != 1)
      text = text.drop_back();
  }
  uint64_t value;
  if (text.getAsInteger(10, value))
    return std::nullopt;
  return value * scale;
}

/// Header fields, in file order: magic, format version, identity length and
/// identity, key length and key, payload size, payload checksum (xxh3-64).
/// Integers are little-endian.
std::string encodeEntry(llvm::StringRef identity, llvm::StringRef key,
                        llvm::StringRef object) {
  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  auto write = [&](auto value) {
    llvm::support::endian::write(os, value, llvm::endianness::little);
  };
  os.write(kMagic, sizeof(kMagic));
  write(kFormatVersion);
  write(static_cast<uint32_t>(identity.size()));
  os << identity;
  write(static_cast<uint32_t>(key.size()));
  os << key;
  write(static_cast<uint64_t>(object.size()));
  write(llvm::xxh3_64bits(object));
  os << object;
  return bytes;
}

/// The payload of a whole, matching entry, or why the entry is rejected.
std::optional<std::string> decodeEntry(llvm::StringRef bytes,
                                       llvm::StringRef identity,
                                       llvm::StringRef key,
                                       std::string &problem) {
  auto take = [&](size_t size, llvm::StringRef &field) {
    if (bytes.size() < size)
      return false;
    field = bytes.take_front(size);
    bytes = bytes.drop_front(size);
    return true;
  };
  auto takeInteger = [&](auto &value) {
    using Integer = std::remove_reference_t<decltype(value)>;
    llvm::StringRef field;
    if (!take(sizeof(Integer), field))
      return false;
    value = llvm::support::endian::read<Integer, llvm::endianness::little>(
        field.data());
    return true;
  };
  llvm::StringRef magic, entryIdentity, entryKey;
  uint32_t format, identitySize, keySize;
  uint64_t size, checksum;
  if (!take(sizeof(kMagic), magic) ||
      std::memcmp(magic.data(), kMagic, sizeof(kMagic)) != 0) {
    problem = "not a Terra cache entry";
    return std::nullopt;
  }
  if (!takeInteger(format) || format != kFormatVersion) {
    problem = "entry format " + std::to_string(format) + ", expected " +
              std::to_string(kFormatVersion);
    return std::nullopt;
  }
  if (!takeInteger(identitySize) || !take(identitySize, entryIdentity) ||
      !takeInteger(keySize) || !take(keySize, entryKey) || !takeInteger(size) ||
      !takeInteger(checksum)) {
    problem = "truncated header";
    return std::nullopt;
  }
  if (entryIdentity != identity) {
    problem = "written by another build (" + entryIdentity.str() + ")";
    return std::nullopt;
  }
  if (entryKey != key) {
    problem = "holds another block's code";
    return std::nullopt;
  }
  if (bytes.size() != size) {
    problem = "truncated: " + std::to_string(bytes.size()) + " of " +
              std::to_string(size) + " bytes";
    return std::nullopt;
  }
  if (llvm::xxh3_64bits(bytes) != checksum) {
    problem = "checksum mismatch (damaged)";
    return std::nullopt;
  }
  return bytes.str();
}

struct FileEntry {
  std::string path;
  uint64_t bytes;
  llvm::sys::TimePoint<> lastUsed;
};

/// The entries in `directory`; removes temporary files left by crashed
/// writers on the way.
std::vector<FileEntry> listEntries(const std::string &directory,
                                   bool removeTemporaries) {
  std::vector<FileEntry> entries;
  std::error_code error;
  auto now = std::chrono::system_clock::now();
  for (llvm::sys::fs::directory_iterator it(directory, error), end;
       !error && it != end; it.increment(error)) {
    llvm::StringRef path = it->path();
    auto status = it->status();
    if (!status || status->type() != llvm::sys::fs::file_type::regular_file)
      continue;
    if (path.ends_with(kEntrySuffix)) {
      entries.push_back(
          {path.str(), status->getSize(), status->getLastModificationTime()});
    } else if (removeTemporaries && path.ends_with(kTemporarySuffix) &&
               now - status->getLastModificationTime() > kStaleTemporary) {
      llvm::sys::fs::remove(path);
    }
  }
  return entries;
}

} // namespace

DiskCache::Settings DiskCache::settingsFromEnvironment() {
  Settings settings;
  const char *enabled = std::getenv("TERRA_CACHE");
  if (enabled && (std::strcmp(enabled, "0") == 0 ||
                  llvm::StringRef(enabled).equals_insensitive("off") ||
                  llvm::StringRef(enabled).equals_insensitive("false")))
    settings.enabled = false;
  if (const char *size = std::getenv("TERRA_CACHE_SIZE")) {
    if (auto bytes = parseSize(size))
      settings.maxBytes = *bytes;
    else
      settings.problem = std::string("TERRA_CACHE_SIZE='") + size +
                         "' is not a size (bytes, or a number with K, M or "
                         "G); using 1G";
  }
  const char *directory = std::getenv("TERRA_CACHE_DIR");
  if (directory && *directory) {
    settings.directory = directory;
    return settings;
  }
  llvm::SmallString<256> path;
  const char *xdg = std::getenv("XDG_CACHE_HOME");
  const char *home = std::getenv("HOME");
  // XDG: a relative XDG_CACHE_HOME is invalid and ignored.
  if (xdg && llvm::sys::path::is_absolute(xdg)) {
    path = xdg;
  } else if (home && *home) {
    path = home;
    llvm::sys::path::append(path, ".cache");
  } else {
    settings.enabled = false;
    settings.problem = "neither TERRA_CACHE_DIR, XDG_CACHE_HOME nor HOME is "
                       "set: compiled blocks are not saved";
    return settings;
  }
  llvm::sys::path::append(path, "terra");
  settings.directory = path.str().str();
  return settings;
}

std::shared_ptr<DiskCache> DiskCache::fromEnvironment(std::string identity) {
  Settings settings = settingsFromEnvironment();
  if (!settings.problem.empty())
    std::fprintf(stderr, "terra: warning: compile cache: %s\n",
                 settings.problem.c_str());
  if (!settings.enabled)
    return nullptr;
  return std::make_shared<DiskCache>(settings.directory, std::move(identity),
                                     settings.maxBytes);
}

DiskCache::DiskCache(std::string directory, std::string identity,
                     uint64_t maxBytes)
    : directory_(std::move(directory)), identity_(std::move(identity)),
      maxBytes_(maxBytes) {}

std::string DiskCache::entryPath(llvm::StringRef key) const {
  llvm::SmallString<256> path(directory_);
  llvm::sys::path::append(path, key + kEntrySuffix);
  return path.str().str();
}

void DiskCache::setWarningHandler(
    std::function<void(const std::string &)> handler) {
  std::lock_guard<std::mutex> lock(mutex_);
  warningHandler_ = std::move(handler);
}

void DiskCache::warn(const std::string &kind, const std::string &message) {
  // mutex_ is held.
  if (!warned_.insert(kind).second)
    return;
  if (warningHandler_)
    warningHandler_(message);
  else
    std::fprintf(stderr, "terra: warning: compile cache: %s\n",
                 message.c_str());
}

std::optional<std::string> DiskCache::load(llvm::StringRef key) {
  std::string path = entryPath(key);
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!buffer) {
    std::error_code error = buffer.getError();
    // Absent, or the directory is (the write side warns about that).
    if (error != std::errc::no_such_file_or_directory &&
        error != std::errc::not_a_directory)
      warn("read", "cannot read " + path + ": " + error.message() +
                       "; compiling the blocks instead");
    ++counters_.misses;
    return std::nullopt;
  }
  std::string problem;
  std::optional<std::string> object =
      decodeEntry((*buffer)->getBuffer(), identity_, key, problem);
  if (!object) {
    ++counters_.rejected;
    ++counters_.misses;
    warn("reject " + path + problem,
         "ignoring " + path + ": " + problem + "; compiling the block again");
    // Out of the way, so the fresh entry replaces it.
    llvm::sys::fs::remove(path);
    return std::nullopt;
  }
  ++counters_.hits;
  // Recently used: eviction goes by modification time.
  llvm::sys::fs::file_t file;
  if (!llvm::sys::fs::openNativeFileForReadWrite(
           path, llvm::sys::fs::CD_OpenExisting, llvm::sys::fs::OF_None)
           .moveInto(file)) {
    llvm::sys::fs::setLastAccessAndModificationTime(
        file, std::chrono::system_clock::now());
    llvm::sys::fs::closeFile(file);
  }
  return object;
}

void DiskCache::store(llvm::StringRef key, llvm::StringRef object) {
  std::string bytes = encodeEntry(identity_, key, object);
  std::string path = entryPath(key);
  auto failed = [&](const std::string &what, std::error_code error) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counters_.writeFailures;
    warn("write", "cannot " + what + ": " + error.message() +
                      "; compiled blocks are not saved");
  };
  if (std::error_code error = llvm::sys::fs::create_directories(directory_))
    return failed("create " + directory_, error);
  // Write then rename: readers in other processes see all of it or none.
  llvm::SmallString<256> temporary;
  int fd;
  if (std::error_code error = llvm::sys::fs::createUniqueFile(
          directory_ + "/" + key + "-%%%%%%%%" + kTemporarySuffix, fd,
          temporary))
    return failed("write to " + directory_, error);
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << bytes;
    os.close();
    if (os.has_error()) {
      std::error_code error = os.error();
      os.clear_error();
      llvm::sys::fs::remove(temporary);
      return failed("write " + temporary.str().str(), error);
    }
  }
  if (std::error_code error = llvm::sys::fs::rename(temporary, path)) {
    llvm::sys::fs::remove(temporary);
    return failed("rename " + temporary.str().str(), error);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counters_.stores;
  }
  evict();
}

void DiskCache::evict() {
  std::vector<FileEntry> entries =
      listEntries(directory_, /*removeTemporaries=*/true);
  uint64_t total = 0;
  for (const FileEntry &entry : entries)
    total += entry.bytes;
  if (total <= maxBytes_)
    return;
  std::sort(entries.begin(), entries.end(),
            [](const FileEntry &a, const FileEntry &b) {
              return a.lastUsed < b.lastUsed;
            });
  uint64_t evicted = 0;
  for (const FileEntry &entry : entries) {
    if (total <= maxBytes_)
      break;
    // Another process may have evicted it first: count only ours.
    if (!llvm::sys::fs::remove(entry.path, /*IgnoreNonExisting=*/false))
      ++evicted;
    total -= entry.bytes;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  counters_.evicted += evicted;
}

DiskCache::Usage DiskCache::usage() const {
  Usage usage;
  for (const FileEntry &entry :
       listEntries(directory_, /*removeTemporaries=*/false)) {
    ++usage.entries;
    usage.bytes += entry.bytes;
  }
  return usage;
}

size_t DiskCache::clear() {
  size_t removed = 0;
  for (const FileEntry &entry :
       listEntries(directory_, /*removeTemporaries=*/true))
    if (!llvm::sys::fs::remove(entry.path, /*IgnoreNonExisting=*/false))
      ++removed;
  return removed;
}

DiskCache::Counters DiskCache::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

} // namespace compiler
} // namespace terra
