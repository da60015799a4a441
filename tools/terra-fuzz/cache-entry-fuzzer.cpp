//===- cache-entry-fuzzer.cpp - libFuzzer target for the compile cache ---===//
//
// The compile-cache reader is the one place Terra parses bytes another
// process wrote. Each input spoils a sound entry: the first byte picks how
// (replace the whole file, overwrite bytes at an offset, truncate), the rest
// is the data. Whatever the bytes, DiskCache::load must not crash and must
// return either nothing or exactly the object that was stored: a damaged
// entry is never loaded.
//
//===----------------------------------------------------------------------===//

#include "terra/Compiler/DiskCache.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

using terra::compiler::DiskCache;

namespace {

const std::string &directory() {
  static const std::string path =
      "/tmp/terra-cache-fuzz-" + std::to_string(::getpid());
  return path;
}

std::string readAll(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3)
    return 0;
  static DiskCache *cache = [] {
    auto *instance = new DiskCache(directory(), "fuzz build");
    instance->setWarningHandler([](const std::string &) {});
    return instance;
  }();
  const std::string key = "entry";
  const std::string object = "object code \x7f" + std::string(200, 'x');
  cache->store(key, object);
  std::string path = directory() + "/" + key + ".tobj";
  std::string bytes = readAll(path);
  std::string input(reinterpret_cast<const char *>(data) + 3, size - 3);
  size_t offset = (size_t(data[1]) << 8 | data[2]) % (bytes.size() + 1);
  switch (data[0] % 3) {
  case 0:
    bytes = input;
    break;
  case 1:
    bytes.replace(offset, std::min(input.size(), bytes.size() - offset), input);
    break;
  default:
    bytes.resize(offset);
    break;
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  std::optional<std::string> loaded = cache->load(key);
  if (loaded && *loaded != object) {
    std::fprintf(stderr, "a spoiled entry loaded as other object code\n");
    std::abort();
  }
  return 0;
}
