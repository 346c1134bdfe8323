//===- RuntimeTest.cpp - the mgpu* runtime without a GPU ------------------===//
//
// Where no CUDA driver (or no GPU) is, every entry point of the runtime must
// fail softly: null handles and allocations, no crash, and the first error
// kept for the caller with the reason. Where a GPU is, these tests are
// skipped (test/GPU covers that side).
//
//===----------------------------------------------------------------------===//
#include "rotq/Runtime/CudaDriver.h"
#include "rotq/Runtime/GpuRuntime.h"

#include "gtest/gtest.h"

#include <cstring>

using namespace rotq::cuda;

extern "C" {
CUmodule mgpuModuleLoad(void *data, size_t size);
CUfunction mgpuModuleGetFunction(CUmodule module, const char *name);
void mgpuLaunchKernel(CUfunction f, intptr_t, intptr_t, intptr_t, intptr_t,
                      intptr_t, intptr_t, int32_t, CUstream, void **, void **,
                      size_t);
CUstream mgpuStreamCreate();
void mgpuStreamSynchronize(CUstream);
void mgpuStreamDestroy(CUstream);
void *mgpuMemAlloc(uint64_t size, CUstream stream, bool isHostShared);
void mgpuMemFree(void *ptr, CUstream stream);
void mgpuMemcpy(void *dst, void *src, size_t size, CUstream stream);
int rotqGpuTakeError(char *buffer, size_t size);
}

namespace {

bool haveGpu() {
  std::string why;
  return load(&why) != nullptr;
}

TEST(Runtime, LoadSaysWhyThereIsNoGpu) {
  if (haveGpu())
    GTEST_SKIP() << "a GPU is present";
  std::string why;
  EXPECT_EQ(load(&why), nullptr);
  EXPECT_FALSE(why.empty());
  EXPECT_EQ(deviceChip(), "");
  EXPECT_EQ(describeDevice(), why);
}

TEST(Runtime, EntryPointsFailSoftlyAndKeepTheFirstError) {
  if (haveGpu())
    GTEST_SKIP() << "a GPU is present";
  takeRuntimeError();
  char ptx[] = ".version 8.0\n";
  CUmodule m = mgpuModuleLoad(ptx, sizeof(ptx));
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(mgpuModuleGetFunction(m, "k"), nullptr);
  mgpuLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  CUstream s = mgpuStreamCreate();
  EXPECT_EQ(s, nullptr);
  mgpuStreamSynchronize(s);
  mgpuStreamDestroy(s);
  EXPECT_EQ(mgpuMemAlloc(1024, nullptr, false), nullptr);
  EXPECT_EQ(mgpuMemAlloc(1024, nullptr, true), nullptr);
  mgpuMemFree(nullptr, nullptr);
  char a[4] = {1, 2, 3, 4}, b[4] = {0};
  mgpuMemcpy(b, a, 4, nullptr);
  EXPECT_EQ(std::memcmp(b, "\0\0\0\0", 4), 0);

  char msg[256];
  ASSERT_EQ(rotqGpuTakeError(msg, sizeof(msg)), 1);
  std::string why;
  load(&why);
  EXPECT_EQ(std::string(msg), why);
  // Taken: the next call finds none until something fails again.
  EXPECT_EQ(rotqGpuTakeError(msg, sizeof(msg)), 0);
  EXPECT_EQ(takeRuntimeError(), "");
}

TEST(Runtime, KernelTimingWithoutLaunchesIsEmpty) {
  setKernelTiming(true);
  EXPECT_TRUE(takeKernelTimes().empty());
  setKernelTiming(false);
  releasePooledMemory();
  takeRuntimeError();
}

} // namespace
