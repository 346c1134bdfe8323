//===- GpuRuntimeABI.cpp - the mgpu* host ABI over the CUDA driver --------===//
//
// The host code that gpu-to-llvm and the GPU module translation emit calls
// these C functions (module load, launch, streams, events, allocation,
// copies, host registration). They run on the driver API loaded with dlopen
// (CudaDriver.h). A failing call does not abort the process: the first
// error is kept (takeRuntimeError hands it to the caller that drives the
// run), later calls still try to do their part, and allocations that fail
// return null.
//
// Lowered code allocates its buffers and streams on every call and frees
// them before returning; both are pooled here (freed blocks are kept by
// size for the next request, streams are reused), so a model run many times
// does not pay cuMemAlloc / cuStreamCreate each time.
//
//===----------------------------------------------------------------------===//
#include "rotq/Runtime/CudaDriver.h"
#include "rotq/Runtime/GpuRuntime.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

using namespace rotq::cuda;

namespace {

std::mutex errorMutex;
std::string firstError;

void record(const std::string &what) {
  std::lock_guard<std::mutex> lock(errorMutex);
  if (firstError.empty())
    firstError = what;
}

/// The driver, or null after recording why there is none.
const Driver *driver() {
  std::string why;
  const Driver *d = load(&why);
  if (!d)
    record(why);
  return d;
}

bool check(CUresult r, const char *call) {
  if (r == CUDA_SUCCESS)
    return true;
  record(std::string(call) + " failed: " + errorString(r));
  return false;
}

/// Kernels may ask for more than the 48 KiB of dynamic shared memory that is
/// allowed without opting in.
constexpr unsigned kDefaultSharedLimit = 48 * 1024;

/// Allocations: what each live block is, and the free blocks by kind/size.
struct Pool {
  std::mutex mutex;
  struct Block {
    size_t bytes;
    bool managed;
  };
  std::unordered_map<void *, Block> live;
  std::multimap<std::pair<bool, size_t>, void *> free;
  std::vector<CUstream> streams;
} pool;

/// Kernel timing.
struct Profile {
  std::mutex mutex;
  bool enabled = false;
  std::unordered_map<CUfunction, std::string> names;
  struct Pending {
    std::string kernel;
    CUevent start, end;
  };
  std::vector<Pending> pending;
} profile;

} // namespace

namespace rotq::cuda {

std::string takeRuntimeError() {
  std::lock_guard<std::mutex> lock(errorMutex);
  std::string e;
  std::swap(e, firstError);
  return e;
}

void setKernelTiming(bool enabled) {
  std::lock_guard<std::mutex> lock(profile.mutex);
  profile.enabled = enabled;
}

std::vector<KernelTime> takeKernelTimes() {
  std::vector<Profile::Pending> pending;
  {
    std::lock_guard<std::mutex> lock(profile.mutex);
    std::swap(pending, profile.pending);
  }
  std::vector<KernelTime> times;
  const Driver *d = driver();
  if (!d)
    return times;
  for (Profile::Pending &p : pending) {
    float ms = 0;
    if (check(d->cuEventSynchronize(p.end), "cuEventSynchronize") &&
        check(d->cuEventElapsedTime(&ms, p.start, p.end), "cuEventElapsedTime"))
      times.push_back({p.kernel, ms});
    d->cuEventDestroy(p.start);
    d->cuEventDestroy(p.end);
  }
  return times;
}

void releasePooledMemory() {
  const Driver *d = driver();
  std::lock_guard<std::mutex> lock(pool.mutex);
  if (d)
    for (auto &[key, ptr] : pool.free)
      d->cuMemFree(reinterpret_cast<CUdeviceptr>(ptr));
  pool.free.clear();
}

} // namespace rotq::cuda

#define ROTQ_EXPORT extern "C" __attribute__((visibility("default")))

/// takeRuntimeError for C callers (e.g. Python's ctypes): copies the first
/// error into `buffer` and returns 1, or returns 0 if there was none.
ROTQ_EXPORT int rotqGpuTakeError(char *buffer, size_t size) {
  std::string e = rotq::cuda::takeRuntimeError();
  if (e.empty())
    return 0;
  if (buffer && size) {
    std::strncpy(buffer, e.c_str(), size - 1);
    buffer[size - 1] = 0;
  }
  return 1;
}

/// Kernel timing for C callers: rotqGpuSetKernelTiming(1) starts recording;
/// rotqGpuTakeKernelTimes fills up to `max` entries (names as one string of
/// '\n'-terminated lines, at most `namesSize` bytes) and returns how many.
ROTQ_EXPORT void rotqGpuSetKernelTiming(int enabled) {
  rotq::cuda::setKernelTiming(enabled != 0);
}

ROTQ_EXPORT int rotqGpuTakeKernelTimes(char *names, size_t namesSize,
                                       float *milliseconds, int max) {
  std::vector<rotq::cuda::KernelTime> times = rotq::cuda::takeKernelTimes();
  std::string text;
  int n = 0;
  for (const rotq::cuda::KernelTime &t : times) {
    if (n == max || text.size() + t.kernel.size() + 2 > namesSize)
      break;
    text += t.kernel + "\n";
    milliseconds[n++] = t.milliseconds;
  }
  if (namesSize)
    std::memcpy(names, text.c_str(), text.size() + 1);
  return n;
}

ROTQ_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  const Driver *d = driver();
  CUmodule m = nullptr;
  if (d)
    check(d->cuModuleLoadData(&m, data), "cuModuleLoadData");
  return m;
}

ROTQ_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  const Driver *d = driver();
  CUmodule m = nullptr;
  if (!d)
    return m;
  char log[8192] = {0};
  int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                   CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {log, reinterpret_cast<void *>(sizeof(log)),
                    reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  CUresult r = d->cuModuleLoadDataEx(&m, data, 3, options, values);
  if (r != CUDA_SUCCESS)
    record("JIT compilation of the PTX failed: " + errorString(r) +
           (log[0] ? std::string("\n") + log : ""));
  return m;
}

ROTQ_EXPORT void mgpuModuleUnload(CUmodule module) {
  if (const Driver *d = driver(); d && module)
    check(d->cuModuleUnload(module), "cuModuleUnload");
}

ROTQ_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                             const char *name) {
  const Driver *d = driver();
  CUfunction f = nullptr;
  if (d && module &&
      check(d->cuModuleGetFunction(&f, module, name), "cuModuleGetFunction")) {
    std::lock_guard<std::mutex> lock(profile.mutex);
    profile.names[f] = name;
  }
  return f;
}

ROTQ_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                  intptr_t gridY, intptr_t gridZ,
                                  intptr_t blockX, intptr_t blockY,
                                  intptr_t blockZ, int32_t smem,
                                  CUstream stream, void **params,
                                  void **extra, size_t /*paramsCount*/) {
  const Driver *d = driver();
  if (!d || !function)
    return;
  if (unsigned(smem) > kDefaultSharedLimit &&
      !check(d->cuFuncSetAttribute(
                 function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                 smem),
             "cuFuncSetAttribute(dynamic shared memory)"))
    return;
  Profile::Pending timed;
  bool timing;
  {
    std::lock_guard<std::mutex> lock(profile.mutex);
    timing = profile.enabled;
    if (timing)
      timed.kernel = profile.names[function];
  }
  if (timing) {
    d->cuEventCreate(&timed.start, 0);
    d->cuEventCreate(&timed.end, 0);
    d->cuEventRecord(timed.start, stream);
  }
  check(d->cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                          blockZ, smem, stream, params, extra),
        "cuLaunchKernel");
  if (timing) {
    d->cuEventRecord(timed.end, stream);
    std::lock_guard<std::mutex> lock(profile.mutex);
    profile.pending.push_back(timed);
  }
}

ROTQ_EXPORT CUstream mgpuStreamCreate() {
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    if (!pool.streams.empty()) {
      CUstream s = pool.streams.back();
      pool.streams.pop_back();
      return s;
    }
  }
  const Driver *d = driver();
  CUstream s = nullptr;
  if (d)
    check(d->cuStreamCreate(&s, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
  return s;
}

/// The stream is kept for reuse once its work is done.
ROTQ_EXPORT void mgpuStreamDestroy(CUstream stream) {
  const Driver *d = driver();
  if (!d || !stream)
    return;
  check(d->cuStreamSynchronize(stream), "cuStreamSynchronize");
  std::lock_guard<std::mutex> lock(pool.mutex);
  pool.streams.push_back(stream);
}

ROTQ_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  if (const Driver *d = driver())
    check(d->cuStreamSynchronize(stream), "cuStreamSynchronize");
}

ROTQ_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  if (const Driver *d = driver(); d && event)
    check(d->cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
}

ROTQ_EXPORT CUevent mgpuEventCreate() {
  const Driver *d = driver();
  CUevent e = nullptr;
  // CU_EVENT_DISABLE_TIMING (2): these events only order work.
  if (d)
    check(d->cuEventCreate(&e, 2), "cuEventCreate");
  return e;
}

ROTQ_EXPORT void mgpuEventDestroy(CUevent event) {
  if (const Driver *d = driver(); d && event)
    check(d->cuEventDestroy(event), "cuEventDestroy");
}

ROTQ_EXPORT void mgpuEventSynchronize(CUevent event) {
  if (const Driver *d = driver(); d && event)
    check(d->cuEventSynchronize(event), "cuEventSynchronize");
}

ROTQ_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  if (const Driver *d = driver(); d && event)
    check(d->cuEventRecord(event, stream), "cuEventRecord");
}

/// Device memory, or managed memory (reachable from the host too) when
/// `isHostShared`. Zero-byte requests get a small block so that every
/// allocation has a distinct, freeable address.
ROTQ_EXPORT void *mgpuMemAlloc(uint64_t size, CUstream /*stream*/,
                               bool isHostShared) {
  const Driver *d = driver();
  if (!d)
    return nullptr;
  // Rounded up to 256 bytes (the driver's alignment) so that pooled blocks
  // match more requests.
  size_t bytes = std::max<size_t>((size + 255) / 256 * 256, 256);
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    auto it = pool.free.find({isHostShared, bytes});
    if (it != pool.free.end()) {
      void *p = it->second;
      pool.free.erase(it);
      pool.live[p] = {bytes, isHostShared};
      return p;
    }
  }
  CUdeviceptr p = 0;
  bool ok = isHostShared ? check(d->cuMemAllocManaged(&p, bytes,
                                                      CU_MEM_ATTACH_GLOBAL),
                                 "cuMemAllocManaged")
                         : check(d->cuMemAlloc(&p, bytes), "cuMemAlloc");
  if (!ok)
    return nullptr;
  std::lock_guard<std::mutex> lock(pool.mutex);
  pool.live[reinterpret_cast<void *>(p)] = {bytes, isHostShared};
  return reinterpret_cast<void *>(p);
}

/// Blocks from mgpuMemAlloc go back to the pool once `stream` (if any) has
/// finished with them; other pointers are freed.
ROTQ_EXPORT void mgpuMemFree(void *ptr, CUstream stream) {
  const Driver *d = driver();
  if (!d || !ptr)
    return;
  if (stream)
    check(d->cuStreamSynchronize(stream), "cuStreamSynchronize");
  std::lock_guard<std::mutex> lock(pool.mutex);
  auto it = pool.live.find(ptr);
  if (it == pool.live.end()) {
    check(d->cuMemFree(reinterpret_cast<CUdeviceptr>(ptr)), "cuMemFree");
    return;
  }
  pool.free.insert({{it->second.managed, it->second.bytes}, ptr});
  pool.live.erase(it);
}

ROTQ_EXPORT void mgpuMemcpy(void *dst, void *src, size_t size,
                            CUstream stream) {
  if (const Driver *d = driver(); d && size)
    check(d->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                           reinterpret_cast<CUdeviceptr>(src), size, stream),
          "cuMemcpyAsync");
}

ROTQ_EXPORT void mgpuMemset32(void *dst, unsigned value, size_t count,
                              CUstream stream) {
  if (const Driver *d = driver(); d && count)
    check(d->cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                              stream),
          "cuMemsetD32Async");
}

ROTQ_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                              CUstream stream) {
  if (const Driver *d = driver(); d && count)
    check(d->cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                              stream),
          "cuMemsetD16Async");
}

/// Page-locks host memory and maps it for the device; registering twice is
/// not an error.
ROTQ_EXPORT void mgpuMemHostRegister(void *ptr, uint64_t size) {
  const Driver *d = driver();
  if (!d || !size)
    return;
  CUresult r = d->cuMemHostRegister(ptr, size, /*PORTABLE*/ 1);
  if (r != CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED)
    check(r, "cuMemHostRegister");
}

ROTQ_EXPORT void mgpuMemHostUnregister(void *ptr) {
  if (const Driver *d = driver(); d && ptr)
    d->cuMemHostUnregister(ptr);
}

void *rotq::cuda::memrefSpan(int64_t rank, const int64_t *words,
                             int64_t elementSize, uint64_t &bytes) {
  char *aligned = reinterpret_cast<char *>(words[1]);
  int64_t offset = words[2];
  int64_t extent = 1;
  for (int64_t i = 0; i < rank; ++i) {
    if (words[3 + i] == 0)
      extent = 0;
    else if (extent)
      extent += (words[3 + i] - 1) * words[3 + rank + i];
  }
  bytes = uint64_t(extent) * elementSize;
  return aligned + offset * elementSize;
}

ROTQ_EXPORT void mgpuMemHostRegisterMemRef(int64_t rank, void *desc,
                                           int64_t elementSize) {
  uint64_t bytes;
  void *p = rotq::cuda::memrefSpan(rank, static_cast<int64_t *>(desc),
                                   elementSize, bytes);
  mgpuMemHostRegister(p, bytes);
}

ROTQ_EXPORT void mgpuMemHostUnregisterMemRef(int64_t rank, void *desc,
                                             int64_t elementSize) {
  uint64_t bytes;
  mgpuMemHostUnregister(rotq::cuda::memrefSpan(
      rank, static_cast<int64_t *>(desc), elementSize, bytes));
}

/// One GPU (device 0) is used; the call exists for the ABI.
ROTQ_EXPORT void mgpuSetDefaultDevice(int32_t) {}
