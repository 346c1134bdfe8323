//===- CudaDriver.cpp - open libcuda.so.1 and pick the device -------------===//
#include "rotq/Runtime/CudaDriver.h"

#include <dlfcn.h>
#include <mutex>

namespace rotq::cuda {
namespace {

struct State {
  Driver driver{};
  bool ok = false;
  std::string error;
  CUcontext context = nullptr;
  CUdevice device = 0;
};

/// Looks `names` up in order (versioned entry points first) and stores the
/// first one found in `slot`.
template <typename Fn>
bool bind(void *lib, Fn &slot, std::initializer_list<const char *> names,
          std::string &error) {
  for (const char *n : names)
    if (void *p = dlsym(lib, n)) {
      slot = reinterpret_cast<Fn>(p);
      return true;
    }
  error = std::string("libcuda.so.1 has no ") + *names.begin();
  return false;
}

State &state() {
  static State s;
  static std::once_flag once;
  std::call_once(once, [] {
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
      const char *why = dlerror();
      s.error = std::string("no CUDA driver: cannot open libcuda.so.1 (") +
                (why ? why : "not found") + ")";
      return;
    }
    Driver &d = s.driver;
    std::string &e = s.error;
    bool ok =
        bind(lib, d.cuInit, {"cuInit"}, e) &&
        bind(lib, d.cuGetErrorString, {"cuGetErrorString"}, e) &&
        bind(lib, d.cuDeviceGetCount, {"cuDeviceGetCount"}, e) &&
        bind(lib, d.cuDeviceGet, {"cuDeviceGet"}, e) &&
        bind(lib, d.cuDeviceGetName, {"cuDeviceGetName"}, e) &&
        bind(lib, d.cuDeviceGetAttribute, {"cuDeviceGetAttribute"}, e) &&
        bind(lib, d.cuDevicePrimaryCtxRetain, {"cuDevicePrimaryCtxRetain"}, e) &&
        bind(lib, d.cuCtxSetCurrent, {"cuCtxSetCurrent"}, e) &&
        bind(lib, d.cuCtxSynchronize, {"cuCtxSynchronize"}, e) &&
        bind(lib, d.cuModuleLoadData, {"cuModuleLoadData"}, e) &&
        bind(lib, d.cuModuleLoadDataEx, {"cuModuleLoadDataEx"}, e) &&
        bind(lib, d.cuModuleUnload, {"cuModuleUnload"}, e) &&
        bind(lib, d.cuModuleGetFunction, {"cuModuleGetFunction"}, e) &&
        bind(lib, d.cuFuncSetAttribute, {"cuFuncSetAttribute"}, e) &&
        bind(lib, d.cuLaunchKernel, {"cuLaunchKernel"}, e) &&
        bind(lib, d.cuStreamCreate, {"cuStreamCreate"}, e) &&
        bind(lib, d.cuStreamSynchronize, {"cuStreamSynchronize"}, e) &&
        bind(lib, d.cuStreamDestroy, {"cuStreamDestroy_v2", "cuStreamDestroy"}, e) &&
        bind(lib, d.cuStreamWaitEvent, {"cuStreamWaitEvent"}, e) &&
        bind(lib, d.cuEventCreate, {"cuEventCreate"}, e) &&
        bind(lib, d.cuEventDestroy, {"cuEventDestroy_v2", "cuEventDestroy"}, e) &&
        bind(lib, d.cuEventRecord, {"cuEventRecord"}, e) &&
        bind(lib, d.cuEventSynchronize, {"cuEventSynchronize"}, e) &&
        bind(lib, d.cuEventElapsedTime,
             {"cuEventElapsedTime_v2", "cuEventElapsedTime"}, e) &&
        bind(lib, d.cuMemAlloc, {"cuMemAlloc_v2"}, e) &&
        bind(lib, d.cuMemAllocManaged, {"cuMemAllocManaged"}, e) &&
        bind(lib, d.cuMemFree, {"cuMemFree_v2"}, e) &&
        bind(lib, d.cuMemcpyAsync, {"cuMemcpyAsync"}, e) &&
        bind(lib, d.cuMemsetD32Async, {"cuMemsetD32Async"}, e) &&
        bind(lib, d.cuMemsetD16Async, {"cuMemsetD16Async"}, e) &&
        bind(lib, d.cuMemHostRegister, {"cuMemHostRegister_v2", "cuMemHostRegister"}, e) &&
        bind(lib, d.cuMemHostUnregister, {"cuMemHostUnregister"}, e);
    if (!ok)
      return;
    if (CUresult r = d.cuInit(0)) {
      s.error = "the CUDA driver failed to initialize: " + errorString(r);
      return;
    }
    int count = 0;
    if (d.cuDeviceGetCount(&count) || count == 0) {
      s.error = "the CUDA driver sees no GPU";
      return;
    }
    if (CUresult r = d.cuDeviceGet(&s.device, 0)) {
      s.error = "cannot open GPU 0: " + errorString(r);
      return;
    }
    if (CUresult r = d.cuDevicePrimaryCtxRetain(&s.context, s.device)) {
      s.error = "cannot create a CUDA context: " + errorString(r);
      return;
    }
    s.ok = true;
  });
  return s;
}

} // namespace

const Driver *load(std::string *error) {
  State &s = state();
  if (!s.ok) {
    if (error)
      *error = s.error;
    return nullptr;
  }
  // Cheap, and needed on every thread that calls into the driver.
  s.driver.cuCtxSetCurrent(s.context);
  return &s.driver;
}

std::string deviceChip() {
  const Driver *d = load();
  if (!d)
    return "";
  int major = 0, minor = 0;
  d->cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                          state().device);
  d->cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                          state().device);
  return "sm_" + std::to_string(major) + std::to_string(minor);
}

std::string describeDevice() {
  std::string error;
  const Driver *d = load(&error);
  if (!d)
    return error;
  char name[256] = {0};
  d->cuDeviceGetName(name, sizeof(name) - 1, state().device);
  int sms = 0;
  d->cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                          state().device);
  return std::string(name) + " (" + deviceChip() + ", " + std::to_string(sms) +
         " SMs)";
}

std::string errorString(CUresult r) {
  const char *text = nullptr;
  State &s = state();
  if (s.driver.cuGetErrorString)
    s.driver.cuGetErrorString(r, &text);
  return "CUDA error " + std::to_string(r) + (text ? std::string(": ") + text : "");
}

} // namespace rotq::cuda
