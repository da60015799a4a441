//===- CudaTest.cpp - The CUDA runtime with no driver and a fake one ------===//
//
// ctest runs this binary twice: with TERRA_CUDA_DRIVER naming a library
// that does not exist (NoDriver.*), as on a machine without an NVIDIA
// driver, and naming FakeCudaDriver (FakeDriver.*), whose "device" is host
// memory, so the allocator, copies and module paths run without a GPU.
//
//===----------------------------------------------------------------------===//

#include "terra/Runtime/Cuda.h"
#include "terra/Runtime/Tensor.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <dlfcn.h>
#include <numeric>

using namespace terra;

namespace {

TEST(NoDriver, IsUnavailableAndSaysWhy) {
  EXPECT_FALSE(cuda::available());
  EXPECT_EQ(cuda::deviceCount(), 0);
  EXPECT_NE(cuda::unavailableReason().find("found no NVIDIA driver"),
            std::string::npos)
      << cuda::unavailableReason();
}

TEST(NoDriver, EveryEntryPointThrowsTheReason) {
  try {
    cuda::allocate(0, 16);
    FAIL() << "allocate succeeded without a driver";
  } catch (const Error &error) {
    EXPECT_EQ(error.kind(), Error::Kind::Runtime);
    EXPECT_NE(std::string(error.what())
                  .find("CUDA is not available: found no NVIDIA driver"),
              std::string::npos)
        << error.what();
  }
  EXPECT_THROW(cuda::deviceProperties(0), Error);
  EXPECT_THROW(cuda::synchronize(0), Error);
  EXPECT_THROW(cuda::Module::loadPtx(0, ".entry k()"), Error);
}

TEST(FakeDriver, ReportsTheDevice) {
  ASSERT_TRUE(cuda::available()) << cuda::unavailableReason();
  EXPECT_EQ(cuda::unavailableReason(), "");
  EXPECT_EQ(cuda::deviceCount(), 1);
  cuda::DeviceProperties properties = cuda::deviceProperties(0);
  EXPECT_EQ(properties.name, "Terra Fake GPU");
  EXPECT_EQ(properties.major, 9);
  EXPECT_EQ(properties.minor, 0);
  EXPECT_EQ(properties.multiProcessors, 132);
  EXPECT_THROW(cuda::deviceProperties(1), Error);
}

TEST(FakeDriver, CopiesRoundTripThroughDeviceMemory) {
  // Larger than the 16 MiB staging buffer, so copies go in chunks.
  std::vector<float> host(5 << 20), back(host.size());
  std::iota(host.begin(), host.end(), 0.5f);
  size_t bytes = host.size() * sizeof(float);
  void *first = cuda::allocate(0, bytes);
  void *second = cuda::allocate(0, bytes);
  cuda::copyToDevice(0, first, host.data(), bytes);
  cuda::copyOnDevice(0, second, first, bytes);
  cuda::copyToHost(0, back.data(), second, bytes);
  cuda::synchronize(0);
  EXPECT_EQ(back, host);
  cuda::release(0, first);
  cuda::release(0, second);
  cuda::emptyCache(0);
}

TEST(FakeDriver, FreedBlocksServeTheNextRequestOfTheirSizeClass) {
  cuda::emptyCache(0);
  void *block = cuda::allocate(0, 1000);
  cuda::MemoryStats stats = cuda::memoryStats(0);
  EXPECT_EQ(stats.allocated, 1024u); // 512-byte size classes.
  EXPECT_EQ(stats.reserved, 1024u);
  cuda::release(0, block);
  EXPECT_EQ(cuda::memoryStats(0).allocated, 0u);
  EXPECT_EQ(cuda::memoryStats(0).reserved, 1024u);
  EXPECT_EQ(cuda::allocate(0, 1020), block);
  EXPECT_EQ(cuda::memoryStats(0).reserved, 1024u);
  cuda::release(0, block);
  cuda::emptyCache(0);
  EXPECT_EQ(cuda::memoryStats(0).reserved, 0u);
  EXPECT_THROW(cuda::release(0, &stats), Error);
}

TEST(FakeDriver, OutOfMemoryFreesTheCacheThenRaisesMemoryError) {
  cuda::emptyCache(0);
  // The fake device has 64 MiB: a cached 40 MiB block is given back to make
  // room for 48 MiB; 80 MiB cannot fit at all.
  void *cached = cuda::allocate(0, size_t(40) << 20);
  cuda::release(0, cached);
  void *big = cuda::allocate(0, size_t(48) << 20);
  EXPECT_EQ(cuda::memoryStats(0).reserved, size_t(48) << 20);
  cuda::release(0, big);
  try {
    cuda::allocate(0, size_t(80) << 20);
    FAIL() << "80 MiB fit in 64";
  } catch (const Error &error) {
    EXPECT_EQ(error.kind(), Error::Kind::Memory);
    EXPECT_NE(std::string(error.what()).find("CUDA_ERROR_OUT_OF_MEMORY"),
              std::string::npos)
        << error.what();
  }
  cuda::emptyCache(0);
}

TEST(FakeDriver, RejectedPtxThrowsWithTheJitLog) {
  try {
    cuda::Module::loadPtx(0, "garbage");
    FAIL() << "garbage PTX loaded";
  } catch (const Error &error) {
    std::string message = error.what();
    EXPECT_NE(message.find("cuModuleLoadDataEx: CUDA_ERROR_INVALID_PTX"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("Parsing error near 'garbage'"), std::string::npos)
        << message;
  }
}

TEST(FakeDriver, KernelsLaunchByName) {
  auto module = cuda::Module::loadPtx(
      0, ".version 8.0\n.target sm_90\n.visible .entry scale(\n) { ret; }\n");
  void *driver = dlopen(std::getenv("TERRA_CUDA_DRIVER"), RTLD_NOW);
  ASSERT_NE(driver, nullptr);
  auto launches =
      reinterpret_cast<int (*)()>(dlsym(driver, "fakeCudaLaunches"));
  ASSERT_NE(launches, nullptr);
  unsigned grid[3] = {4, 1, 1}, block[3] = {256, 1, 1};
  float factor = 2;
  std::vector<void *> arguments = {&factor};
  int before = launches();
  module->launch("scale", grid, block, 0, arguments);
  EXPECT_EQ(launches(), before + 1);
  try {
    module->launch("missing", grid, block, 0, arguments);
    FAIL() << "launched a kernel the module does not have";
  } catch (const Error &error) {
    EXPECT_NE(std::string(error.what()).find("no kernel 'missing'"),
              std::string::npos);
  }
}

} // namespace
