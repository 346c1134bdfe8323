//===- GPUPipeline.cpp - rotq-lower-to-nvvm -------------------------------===//
//
// rotq + upstream tensor IR (a whole rotated, quantized model included) to
// a host module in the LLVM dialect whose kernels are embedded as PTX or
// cubin/fatbin (gpu.binary), ready for the JIT or mlir-translate:
//
//   convert-rotq-to-gpu           rotq's own kernels (FWHT, quantize, fused),
//                                 as calls until buffers are final
//   buildTensorToBuffersPipeline  everything else to linalg, bufferization
//                                 and deallocation, as on the CPU
//   rotq-gpu-materialize-kernels  the calls become gpu.launch
//   rotq-gpu-device-memory        buffers and constants in GPU memory
//   convert-linalg-to-parallel-loops, rotq-gpu-map-parallel-loops,
//   convert-parallel-loops-to-gpu  every linalg op becomes a kernel
//   gpu-kernel-outlining, host bf16 conversions expanded
//   then the steps of upstream's gpu-lower-to-nvvm-pipeline (NVVM, host
//   LLVM, gpu-module-to-binary), with the CUDA toolkit located so that
//   `bin`/`fatbin` find ptxas without any environment set up, and host
//   math to LLVM / libm last
//
//===----------------------------------------------------------------------===//
#include "rotq/Pipelines/Pipelines.h"
#include "rotq/Materialize/Materialize.h"
#include "rotq/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"

#include <cstdlib>

using namespace mlir;

namespace {
struct LowerToNVVMOptions : PassPipelineOptions<LowerToNVVMOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("Target GPU: sm_80, sm_90a, ..."),
                           llvm::cl::init("sm_90a")};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features (default: the PTX version the chip needs)"),
      llvm::cl::init("")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Device code: isa (PTX), bin (cubin) or fatbin"),
      llvm::cl::init("fatbin")};
  Option<int> optLevel{*this, "opt-level",
                       llvm::cl::desc("Device code optimization level"),
                       llvm::cl::init(3)};
  Option<bool> kernels{
      *this, "kernels",
      llvm::cl::desc("Use rotq's GPU kernels (off: everything via linalg)"),
      llvm::cl::init(true)};
  Option<int64_t> blockSize{
      *this, "block-size",
      llvm::cl::desc("Threads per block for linalg-derived kernels"),
      llvm::cl::init(256)};
  Option<std::string> memory{
      *this, "memory",
      llvm::cl::desc("Buffers: auto (device memory unless host code reads "
                     "them), device or managed"),
      llvm::cl::init("auto")};
  Option<std::string> mma{
      *this, "mma",
      llvm::cl::desc("Tensor-core instruction for rotq.qmatmul: mma.sync "
                     "(default) or wgmma (sm_90a)"),
      llvm::cl::init("mma.sync")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit for bin/fatbin (default: $CUDA_ROOT, "
                     "$CUDA_HOME, $CUDA_PATH or /usr/local/cuda)"),
      llvm::cl::init("")};
};
} // namespace

namespace mlir::rotq {

std::string defaultPtxFeatures(StringRef chip) {
  unsigned sm = 0;
  if (!chip.starts_with("sm_") ||
      chip.drop_front(3).take_while(llvm::isDigit).getAsInteger(10, sm))
    return "";
  if (sm >= 100)
    return "+ptx86";
  if (sm >= 90)
    return "+ptx80";
  return "+ptx70";
}

/// The chips NVPTX in LLVM 22 knows (anything else aborts in instruction
/// selection), and which take the architecture-specific 'a' / family 'f'
/// suffixes.
static bool isKnownChip(StringRef chip) {
  static const unsigned kChips[] = {50, 52, 53, 60, 61, 62, 70, 72, 75, 80,
                                    86, 87, 88, 89, 90, 100, 101, 103, 110,
                                    120, 121};
  unsigned sm = 0;
  if (!chip.starts_with("sm_"))
    return false;
  StringRef digits = chip.drop_front(3).take_while(llvm::isDigit);
  StringRef rest = chip.drop_front(3 + digits.size());
  if (digits.getAsInteger(10, sm) || !llvm::is_contained(kChips, sm))
    return false;
  if (rest.empty())
    return true;
  if (rest == "a")
    return sm >= 90;
  if (rest == "f")
    return sm >= 100;
  return false;
}

LogicalResult checkNVVMTarget(const NVVMTarget &t, std::string &error) {
  if (defaultPtxFeatures(t.chip).empty() || !isKnownChip(t.chip)) {
    error = "unknown chip '" + t.chip + "' (expected sm_XY, e.g. sm_80, sm_90a)";
    return failure();
  }
  if (t.memory != "auto" && t.memory != "device" && t.memory != "managed") {
    error = "unknown memory '" + t.memory + "' (expected auto, device or managed)";
    return failure();
  }
  if (t.mma != "mma.sync" && t.mma != "wgmma") {
    error = "unknown mma '" + t.mma + "' (expected mma.sync or wgmma)";
    return failure();
  }
  if (t.mma == "wgmma" && !supportsWgmma(t.chip)) {
    error = "mma=wgmma needs chip=sm_90a";
    return failure();
  }
  if (t.format != "isa" && t.format != "bin" && t.format != "fatbin") {
    error = "unknown format '" + t.format + "' (expected isa, bin or fatbin)";
    return failure();
  }
  return success();
}

void buildLowerToNVVMPipeline(OpPassManager &pm, const NVVMTarget &t) {
  pm.addPass(::rotq::materialize::createInlineParametersPass());
  if (t.kernels) {
    ConvertRotqToGPUOptions k;
    k.chip = t.chip;
    k.mma = t.mma;
    pm.addPass(createConvertRotqToGPU(k));
  }
  buildTensorToBuffersPipeline(pm);
  if (t.kernels)
    pm.addPass(createRotqGpuMaterializeKernels());
  RotqGpuDeviceMemoryOptions memory;
  memory.memory = t.memory;
  pm.addNestedPass<func::FuncOp>(createRotqGpuDeviceMemory(memory));

  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createCanonicalizerPass());
  RotqGpuMapParallelLoopsOptions map;
  map.blockSize = t.blockSize;
  pm.addNestedPass<func::FuncOp>(createRotqGpuMapParallelLoops(map));
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createGpuKernelOutliningPass());
  // Host bf16 conversions as integer arithmetic (see CPUPipeline.cpp); the
  // kernels keep the GPU's own.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addNestedPass<func::FuncOp>(arith::createArithExpandOpsPass(expand));

  // Upstream's gpu-lower-to-nvvm-pipeline, step by step.
  pm.addPass(createConvertNVGPUToNVVMPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = t.chip;
  target.features = t.features.empty() ? defaultPtxFeatures(t.chip) : t.features;
  target.optLevel = t.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createStripDebugInfoPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());
  pm.addPass(createGpuToLLVMConversionPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = t.format;
  binary.toolkitPath = t.toolkit.empty() ? cudaToolkitPath() : t.toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  // Host math last, once the kernels (whose math goes to libdevice) are
  // binaries: LLVM intrinsics, then libm for the rest (as on the CPU).
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

std::string cudaToolkitPath() {
  for (const char *var : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
    if (const char *v = std::getenv(var); v && *v)
      return v;
  // Where the CUDA toolkit installs itself; otherwise ptxas is looked up on
  // PATH.
  if (llvm::sys::fs::can_execute("/usr/local/cuda/bin/ptxas"))
    return "/usr/local/cuda";
  return "";
}

void registerLowerToNVVMPipeline() {
  // registerPassPipeline rather than PassPipelineRegistration: a bad chip
  // or format is reported when the pipeline is parsed.
  registerPassPipeline(
      "rotq-lower-to-nvvm",
      "Lower rotq and upstream tensor IR to host LLVM IR with embedded "
      "NVIDIA GPU kernels (PTX, cubin or fatbin)",
      [](OpPassManager &pm, StringRef optionsStr,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        LowerToNVVMOptions o;
        if (failed(o.parseFromString(optionsStr)))
          return failure();
        NVVMTarget t;
        t.chip = o.chip;
        t.features = o.features;
        t.format = o.format;
        t.optLevel = o.optLevel;
        t.kernels = o.kernels;
        t.blockSize = o.blockSize;
        t.toolkit = o.toolkit;
        t.memory = o.memory;
        t.mma = o.mma;
        std::string error;
        if (failed(checkNVVMTarget(t, error)))
          return errorHandler("rotq-lower-to-nvvm: " + error);
        buildLowerToNVVMPipeline(pm, t);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(LowerToNVVMOptions());
      });
}

} // namespace mlir::rotq
