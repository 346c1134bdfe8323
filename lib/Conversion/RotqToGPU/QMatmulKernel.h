//===- QMatmulKernel.h - rotq.qmatmul on int8 tensor cores ------*- C++ -*-===//
#ifndef ROTQ_LIB_CONVERSION_ROTQTOGPU_QMATMULKERNEL_H
#define ROTQ_LIB_CONVERSION_ROTQTOGPU_QMATMULKERNEL_H

#include "mlir/IR/Builders.h"

namespace mlir::rotq::gpukernels {

/// The attribute that marks a qmatmul kernel placeholder declaration.
constexpr llvm::StringLiteral kQMatmulKernelAttr = "rotq.qmatmul_kernel";

/// A rotq.qmatmul without zero points: y = bias + sum_g (ls * rs) * acc_g.
struct QMatmulSpec {
  int64_t k = 0;
  int64_t groups = 1;
  /// 4: the weights arrive packed two per byte ([N, K/2], low nibble first)
  /// and are unpacked in registers; 8: plain i8 codes [N, K].
  int64_t rhsBits = 8;
  /// A scale with one row broadcasts over M (lhs) or N (rhs).
  bool lhsScaleBroadcast = false, rhsScaleBroadcast = false;
  bool bias = false;
  /// Hopper's warpgroup MMA (wgmma.mma_async s8, sm_90a) instead of
  /// mma.sync: one scale group only.
  bool wgmma = false;
};

/// Whether the kernel handles `spec` (K and group sizes it tiles exactly).
bool qmatmulSupported(const QMatmulSpec &spec);

DictionaryAttr qmatmulKernelAttr(MLIRContext *ctx, const QMatmulSpec &spec);
FailureOr<QMatmulSpec> qmatmulSpecFrom(DictionaryAttr attr);

/// Emits the kernel on 2-D buffers: lhs [M, K] i8, lhsScale [M|1, G] f32,
/// rhs [N, K] i8 (or [N, K/2] packed), rhsScale [N|1, G] f32, bias [N]
/// (or null), out [M, N] f32. Uses nvgpu.mma.sync m16n8k32 (s8, sm_80+),
/// or nvvm.wgmma.mma_async m64n64k32 (s8, sm_90a) with `spec.wgmma`.
void emitQMatmulKernel(OpBuilder &b, Location loc, const QMatmulSpec &spec,
                       Value lhs, Value lhsScale, Value rhs, Value rhsScale,
                       Value bias, Value out);

} // namespace mlir::rotq::gpukernels

#endif
