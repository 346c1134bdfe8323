//===- Pipelines.h - registered rotq pass pipelines -------------*- C++ -*-===//
#ifndef ROTQ_PIPELINES_PIPELINES_H
#define ROTQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

#include <string>

namespace mlir::rotq {

/// The front both lowerings share: convert-rotq-to-linalg, elementwise
/// fusion, one-shot bufferization (identity layouts at function
/// boundaries), buffer deallocation.
void buildTensorToBuffersPipeline(OpPassManager &pm);

/// rotq + upstream tensor IR down to the LLVM dialect for the CPU:
/// convert-rotq-to-linalg, one-shot bufferization (identity layouts at
/// function boundaries), buffer deallocation, matmuls to CPU microkernel
/// calls (`ukernels`; the code then needs librotq_cpu_runtime), loops, and
/// LLVM conversion.
/// Operations per function rotq-outline-segments makes in the CPU lowering.
constexpr int64_t kDefaultOutlineOps = 200;

/// `outlineOps`: rotq-outline-segments' segment size (0: one function).
void buildLowerToLLVMPipeline(OpPassManager &pm, bool ukernels = true,
                              int64_t outlineOps = kDefaultOutlineOps);

/// Registers `rotq-lower-to-llvm` (library RotqCPUPipeline, which the JIT
/// runner uses; the other pipelines are in RotqPipelines).
void registerLowerToLLVMPipeline();

/// Where and how rotq-lower-to-nvvm compiles device code.
struct NVVMTarget {
  std::string chip = "sm_90a";
  /// PTX features; empty means defaultPtxFeatures(chip).
  std::string features;
  /// isa (PTX text), bin (cubin, needs ptxas) or fatbin.
  std::string format = "fatbin";
  int optLevel = 3;
  /// Use rotq's own kernels for Hadamard / quantize (else all via linalg).
  bool kernels = true;
  /// Threads per block of the kernels made from linalg.
  int64_t blockSize = 256;
  /// CUDA toolkit whose ptxas makes bin/fatbin; empty: cudaToolkitPath().
  std::string toolkit;
  /// Where buffers live: auto, device or managed (rotq-gpu-device-memory).
  std::string memory = "auto";
  /// rotq.qmatmul's tensor-core instruction: mma.sync or wgmma (sm_90a).
  std::string mma = "mma.sync";
};

/// $CUDA_ROOT, $CUDA_HOME or $CUDA_PATH, else /usr/local/cuda if it has
/// ptxas, else "" (ptxas from PATH).
std::string cudaToolkitPath();

/// The PTX version a chip needs ("+ptx80" for sm_90a); "" if `chip` is not
/// of the form sm_XY.
std::string defaultPtxFeatures(llvm::StringRef chip);

/// Checks chip, format, memory and mma; `error` says what is wrong.
LogicalResult checkNVVMTarget(const NVVMTarget &t, std::string &error);

/// rotq + upstream tensor IR down to a host LLVM-dialect module with the
/// kernels in gpu.binary ops: rotq's GPU kernels, the rest through linalg,
/// parallel loops and gpu.launch, buffers in managed memory, then upstream's
/// gpu-lower-to-nvvm-pipeline.
void buildLowerToNVVMPipeline(OpPassManager &pm, const NVVMTarget &target);

/// Registers `rotq-lower-to-nvvm` (library RotqGPUPipeline).
void registerLowerToNVVMPipeline();

/// QuaRot with default options (see `rotq-quarot`).
void buildQuaRotPipeline(OpPassManager &pm);

/// Registers `rotq-quarot`.
void registerQuaRotPipeline();

/// Registers `rotq-duquant`.
void registerDuQuantPipeline();

/// Registers `rotq-quantize`.
void registerQuantizePipeline();

/// Registers `rotq-lower-to-llvm`, `rotq-lower-to-nvvm`, `rotq-quarot`,
/// `rotq-duquant` and `rotq-quantize`.
void registerRotqPipelines();

} // namespace mlir::rotq

#endif
