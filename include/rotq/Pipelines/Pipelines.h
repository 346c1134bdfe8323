//===- Pipelines.h - registered rotq pass pipelines -------------*- C++ -*-===//
#ifndef ROTQ_PIPELINES_PIPELINES_H
#define ROTQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace mlir::rotq {

/// rotq + upstream tensor IR down to the LLVM dialect for the CPU:
/// convert-rotq-to-linalg, one-shot bufferization (identity layouts at
/// function boundaries), buffer deallocation, loops, and LLVM conversion.
void buildLowerToLLVMPipeline(OpPassManager &pm);

/// QuaRot with default options (see `rotq-quarot`).
void buildQuaRotPipeline(OpPassManager &pm);

/// Registers `rotq-quarot`.
void registerQuaRotPipeline();

/// Registers `rotq-lower-to-llvm` and `rotq-quarot`.
void registerRotqPipelines();

} // namespace mlir::rotq

#endif
