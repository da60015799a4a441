//===- GpuBlockTest.cpp - A terra-lower-to-nvvm block run by Terra --------===//
//
// runGpuCheck (GpuCheck.h) lowers a block with terra-lower-to-nvvm, links
// it like a CPU block and runs its host code on Terra's CUDA runtime (the
// mgpu* calls in libterra_runtime). ctest runs this with the fake driver
// (FakeCudaDriver: the kernels do not compute, so the host path is what is
// checked: every kernel launched, the intermediates freed); with a real GPU
// the values are checked too. Without any driver it is skipped.
//
//===----------------------------------------------------------------------===//

#include "terra/Compiler/GpuCheck.h"
#include "terra/Runtime/Cuda.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <dlfcn.h>

namespace {

/// The fake driver's launch counter, or null with a real driver.
int (*fakeLaunchCounter())() {
  const char *library = std::getenv("TERRA_CUDA_DRIVER");
  void *driver = library ? dlopen(library, RTLD_NOW | RTLD_NOLOAD) : nullptr;
  return driver ? reinterpret_cast<int (*)()>(dlsym(driver, "fakeCudaLaunches"))
                : nullptr;
}

TEST(GpuBlock, HostCodeRunsOnTheCudaRuntime) {
  if (!terra::cuda::available())
    GTEST_SKIP() << terra::cuda::unavailableReason();
  int (*counter)() = fakeLaunchCounter();
  int launchesBefore = counter ? counter() : 0;
  auto run = terra::compiler::runGpuCheck();
  ASSERT_TRUE(bool(run)) << llvm::toString(run.takeError());
  EXPECT_GE(run->kernelLaunches, 2);
  EXPECT_EQ(run->leakedBytes, 0);
  if (counter)
    EXPECT_EQ(counter() - launchesBefore, run->kernelLaunches);
  else
    EXPECT_LT(run->maxRelativeError(), 1e-5);
}

} // namespace
