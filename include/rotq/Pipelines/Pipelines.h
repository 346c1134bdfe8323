//===- Pipelines.h - registered rotq pass pipelines -------------*- C++ -*-===//
#ifndef ROTQ_PIPELINES_PIPELINES_H
#define ROTQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace mlir::rotq {

/// rotq + upstream tensor IR down to the LLVM dialect for the CPU:
/// convert-rotq-to-linalg, one-shot bufferization (identity layouts at
/// function boundaries), buffer deallocation, loops, and LLVM conversion.
void buildLowerToLLVMPipeline(OpPassManager &pm);

/// Registers `rotq-lower-to-llvm`.
void registerRotqPipelines();

} // namespace mlir::rotq

#endif
