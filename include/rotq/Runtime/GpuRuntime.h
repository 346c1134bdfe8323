//===- GpuRuntime.h - what the mgpu* runtime offers besides the ABI -*- C++ -*-===//
//
// The lowered host code calls the mgpu* C functions (GpuRuntimeABI.cpp);
// tools and benchmarks use these to inspect a run.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_RUNTIME_GPURUNTIME_H
#define ROTQ_RUNTIME_GPURUNTIME_H

#include <cstdint>
#include <string>
#include <vector>

namespace rotq::cuda {

/// The first error a mgpu* call met since the last call (cleared), or "".
std::string takeRuntimeError();

/// While enabled, every kernel launched through the ABI is bracketed by
/// CUDA events on its stream.
void setKernelTiming(bool enabled);

struct KernelTime {
  std::string kernel;
  float milliseconds;
};

/// Waits for the timed launches and returns their device times in launch
/// order (and forgets them).
std::vector<KernelTime> takeKernelTimes();

/// Frees the blocks the allocator keeps for reuse.
void releasePooledMemory();

/// For a ranked memref descriptor {allocated, aligned, offset, sizes[rank],
/// strides[rank]}: the address of its first element and, in `bytes`, the
/// span from there to one past its last element (0 when empty).
void *memrefSpan(int64_t rank, const int64_t *descriptor, int64_t elementSize,
                 uint64_t &bytes);

} // namespace rotq::cuda

#endif
