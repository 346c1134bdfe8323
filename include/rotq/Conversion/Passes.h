//===- Passes.h - rotq conversion passes ------------------------*- C++ -*-===//
#ifndef ROTQ_CONVERSION_PASSES_H
#define ROTQ_CONVERSION_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace rotq {

#define GEN_PASS_DECL
#include "rotq/Conversion/Passes.h.inc"

/// Whether `chip` has Hopper's warpgroup MMA (wgmma): sm_90a only (the
/// arch-specific target; sm_100a and later replaced it).
bool supportsWgmma(llvm::StringRef chip);

/// Patterns lowering every rotq op to linalg/tensor/arith/math.
void populateRotqToLinalgPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "rotq/Conversion/Passes.h.inc"

} // namespace rotq
} // namespace mlir

#endif
