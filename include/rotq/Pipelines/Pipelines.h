//===- Pipelines.h - registered rotq pass pipelines -------------*- C++ -*-===//
#ifndef ROTQ_PIPELINES_PIPELINES_H
#define ROTQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace mlir::rotq {

/// rotq + upstream tensor IR down to the LLVM dialect for the CPU:
/// convert-rotq-to-linalg, one-shot bufferization (identity layouts at
/// function boundaries), buffer deallocation, loops, and LLVM conversion.
void buildLowerToLLVMPipeline(OpPassManager &pm);

/// Registers `rotq-lower-to-llvm` (library RotqCPUPipeline, which the JIT
/// runner uses; the other pipelines are in RotqPipelines).
void registerLowerToLLVMPipeline();

/// QuaRot with default options (see `rotq-quarot`).
void buildQuaRotPipeline(OpPassManager &pm);

/// Registers `rotq-quarot`.
void registerQuaRotPipeline();

/// Registers `rotq-quantize`.
void registerQuantizePipeline();

/// Registers `rotq-lower-to-llvm`, `rotq-quarot` and `rotq-quantize`.
void registerRotqPipelines();

} // namespace mlir::rotq

#endif
