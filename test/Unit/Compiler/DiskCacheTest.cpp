//===- DiskCacheTest.cpp - The persistent compile cache -------------------===//

#include "BlockTestUtils.h"

#include "terra/Compiler/DiskCache.h"
#include "terra/Runtime/Ops.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace terra;
using namespace terra::testing;
using compiler::DiskCache;

namespace {

namespace fs = std::filesystem;

/// A fresh directory per test, removed at the end.
class DiskCacheTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("terra-cache-test-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  /// A cache that collects its warnings in `warnings`.
  std::unique_ptr<DiskCache> open(const std::string &identity = "build A",
                                  uint64_t maxBytes = 1 << 20) {
    auto cache = std::make_unique<DiskCache>(dir.string(), identity, maxBytes);
    cache->setWarningHandler(
        [this](const std::string &message) { warnings.push_back(message); });
    return cache;
  }

  fs::path entry(const std::string &key) { return dir / (key + ".tobj"); }

  std::string readFile(const fs::path &path) {
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }
  void writeFile(const fs::path &path, const std::string &bytes) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << bytes;
  }

  /// The single warning so far contains `text`.
  void expectWarning(const std::string &text) {
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find(text), std::string::npos) << warnings[0];
  }

  fs::path dir;
  std::vector<std::string> warnings;
};

const std::string kObject(3000, 'x');

TEST_F(DiskCacheTest, StoredEntriesLoadBack) {
  auto cache = open();
  EXPECT_FALSE(cache->load("aa").has_value());
  cache->store("aa", kObject);
  auto loaded = cache->load("aa");
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, kObject);
  DiskCache::Counters counters = cache->counters();
  EXPECT_EQ(counters.hits, 1u);
  EXPECT_EQ(counters.misses, 1u);
  EXPECT_EQ(counters.stores, 1u);
  EXPECT_EQ(cache->usage().entries, 1u);
  EXPECT_TRUE(warnings.empty());
  // Another process (a new cache object) sees the entry.
  EXPECT_EQ(open()->load("aa").value_or(""), kObject);
}

TEST_F(DiskCacheTest, DamagedEntriesAreIgnoredWithAWarningAndRemoved) {
  auto cache = open();
  cache->store("aa", kObject);
  std::string bytes = readFile(entry("aa"));
  bytes[bytes.size() / 2] ^= 1;
  writeFile(entry("aa"), bytes);
  EXPECT_FALSE(cache->load("aa").has_value());
  expectWarning("checksum mismatch");
  EXPECT_FALSE(fs::exists(entry("aa")));
  EXPECT_EQ(cache->counters().rejected, 1u);
  // Compiling again stores a sound entry in its place.
  cache->store("aa", kObject);
  EXPECT_EQ(cache->load("aa").value_or(""), kObject);
}

TEST_F(DiskCacheTest, TruncatedEntriesAreIgnored) {
  auto cache = open();
  cache->store("aa", kObject);
  cache->store("bb", kObject);
  std::string bytes = readFile(entry("aa"));
  writeFile(entry("aa"), bytes.substr(0, bytes.size() - 100));
  EXPECT_FALSE(cache->load("aa").has_value());
  expectWarning("truncated: 2900 of 3000 bytes");
  // Cut inside the header, or empty.
  writeFile(entry("bb"), bytes.substr(0, 20));
  warnings.clear();
  EXPECT_FALSE(cache->load("bb").has_value());
  expectWarning("truncated header");
  writeFile(entry("bb"), "");
  warnings.clear();
  EXPECT_FALSE(cache->load("bb").has_value());
  expectWarning("not a Terra cache entry");
}

TEST_F(DiskCacheTest, EntriesOfAnotherBuildAreNeverLoaded) {
  open("build A")->store("aa", kObject);
  auto other = open("build B");
  EXPECT_FALSE(other->load("aa").has_value());
  expectWarning("written by another build (build A)");
}

TEST_F(DiskCacheTest, AnEntryUnderAnotherKeysNameIsRejected) {
  auto cache = open();
  cache->store("aa", kObject);
  fs::copy_file(entry("aa"), entry("bb"));
  EXPECT_FALSE(cache->load("bb").has_value());
  expectWarning("holds another block's code");
  EXPECT_TRUE(cache->load("aa").has_value());
}

TEST_F(DiskCacheTest, AnUnwritableDirectoryWarnsOnceAndLosesOnlyTheSaving) {
  // A directory that cannot be created: its parent is a file (permissions
  // would not stop root).
  fs::create_directories(dir);
  writeFile(dir / "file", "");
  DiskCache cache((dir / "file" / "cache").string(), "build A");
  cache.setWarningHandler(
      [this](const std::string &message) { warnings.push_back(message); });
  cache.store("aa", kObject);
  cache.store("bb", kObject);
  expectWarning("compiled blocks are not saved");
  EXPECT_EQ(cache.counters().writeFailures, 2u);
  EXPECT_FALSE(cache.load("aa").has_value());
  if (::geteuid() != 0) {
    fs::create_directories(dir / "readonly");
    fs::permissions(dir / "readonly",
                    fs::perms::owner_read | fs::perms::owner_exec);
    DiskCache readOnly((dir / "readonly").string(), "build A");
    readOnly.setWarningHandler([](const std::string &) {});
    readOnly.store("aa", kObject);
    EXPECT_EQ(readOnly.counters().writeFailures, 1u);
    fs::permissions(dir / "readonly", fs::perms::owner_all);
  }
}

TEST_F(DiskCacheTest, TheLeastRecentlyUsedEntriesAreEvicted) {
  // Room for two entries of about 3 KiB.
  auto cache = open("build A", 7000);
  cache->store("aa", kObject);
  cache->store("bb", kObject);
  auto now = fs::file_time_type::clock::now();
  fs::last_write_time(entry("aa"), now - std::chrono::seconds(30));
  fs::last_write_time(entry("bb"), now - std::chrono::seconds(20));
  ASSERT_TRUE(cache->load("aa").has_value()); // Used: now the newest.
  cache->store("cc", kObject);
  EXPECT_TRUE(fs::exists(entry("aa")));
  EXPECT_FALSE(fs::exists(entry("bb")));
  EXPECT_TRUE(fs::exists(entry("cc")));
  EXPECT_EQ(cache->counters().evicted, 1u);
  EXPECT_EQ(cache->usage().entries, 2u);
  EXPECT_EQ(cache->clear(), 2u);
  EXPECT_EQ(cache->usage().entries, 0u);
}

TEST_F(DiskCacheTest, ConcurrentWritersOfOneKeyLeaveAWholeEntry) {
  // Writers and readers race on one key: a reader sees all or nothing.
  std::vector<std::thread> threads;
  std::atomic<int> torn{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      auto cache = open();
      std::string object(50000 + t, char('a' + t));
      for (int i = 0; i < 20; ++i) {
        cache->store("aa", object);
        auto loaded = cache->load("aa");
        if (loaded &&
            (loaded->size() < 50000 || loaded->size() > 50003 ||
             loaded->find_first_not_of((*loaded)[0]) != std::string::npos))
          ++torn;
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_TRUE(open()->load("aa").has_value());
  // No temporary file is left behind.
  size_t files = 0;
  for (const auto &item : fs::directory_iterator(dir)) {
    (void)item;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(DiskCacheTest, CompiledBlocksAreSavedAndLoadedBack) {
  Tracer t = squarePlusOne();
  compiler::CompileOptions options;
  options.diskCache = open(compiler::cacheIdentity());
  auto missing = compiler::CompiledBlock::loadCached(t.spec, options);
  ASSERT_TRUE(bool(missing));
  EXPECT_EQ(missing->get(), nullptr);

  auto compiled = expectCompiledMatchesEager(t, 0, options);
  ASSERT_TRUE(compiled);
  EXPECT_FALSE(compiled->stats().fromDiskCache);
  EXPECT_EQ(options.diskCache->usage().entries, 1u);

  auto loaded = expectCompiledMatchesEager(t, 0, options);
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->stats().fromDiskCache);
  EXPECT_EQ(loaded->stats().lowerSeconds, 0);
  auto cached = compiler::CompiledBlock::loadCached(t.spec, options);
  ASSERT_TRUE(bool(cached));
  EXPECT_NE(cached->get(), nullptr);

  // Another optimisation level is another entry.
  options.optLevel = 0;
  auto quick = compiler::CompiledBlock::loadCached(t.spec, options);
  ASSERT_TRUE(bool(quick));
  EXPECT_EQ(quick->get(), nullptr);
  EXPECT_TRUE(warnings.empty());
}

} // namespace
