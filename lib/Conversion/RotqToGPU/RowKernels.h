//===- RowKernels.h - one-block-per-row GPU kernels -------------*- C++ -*-===//
#ifndef ROTQ_LIB_CONVERSION_ROTQTOGPU_ROWKERNELS_H
#define ROTQ_LIB_CONVERSION_ROTQTOGPU_ROWKERNELS_H

#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir::rotq::gpukernels {

/// The attribute that marks a kernel placeholder declaration.
constexpr llvm::StringLiteral kRowKernelAttr = "rotq.row_kernel";

/// What a row kernel computes on each row of length n: optionally the
/// (block) Hadamard transform of rotq.hadamard, or DuQuant's online
/// transform (a block rotation by one b x b matrix, a gather, a second
/// block rotation: rotq.rotate, rotq.permute, rotq.rotate), then either a
/// store in the input's element type or rotq.quantize's dynamic per-row
/// quantization.
struct RowKernelSpec {
  int64_t n = 0;
  Type elementType;
  bool hadamard = false;
  int64_t blockSize = 0;
  bool transpose = false;
  std::optional<ArrayRef<int8_t>> signs;
  /// DuQuant: the block of the rotations (0: none) and which are present;
  /// the matrices are buffers in the input's element type.
  int64_t rotateBlock = 0;
  bool rotate1 = false, rotate2 = false;
  std::optional<ArrayRef<int64_t>> permutation;
  bool quantize = false;
  int64_t bits = 8;
  bool asymmetric = false;
  double clipRatio = 1.0;
};

/// The spec as attributes (for the placeholder call that carries it
/// through bufferization) and back; n and the element type come from the
/// input buffer's type.
DictionaryAttr rowKernelAttr(MLIRContext *ctx, const RowKernelSpec &spec);
FailureOr<RowKernelSpec> rowKernelSpecFrom(DictionaryAttr attr,
                                           MemRefType input);

/// Shared memory a kernel for `spec` needs, in bytes.
int64_t rowKernelSharedBytes(const RowKernelSpec &spec);

/// Largest dynamic shared memory per block for a chip ("sm_90a" -> 227 KiB).
int64_t maxSharedBytes(StringRef chip);

/// Emits, at `b`'s insertion point, a gpu.launch over the rows of the 2-D
/// memrefs: `input` [R, n] -> `output` [R, n] (element type, or i8 codes
/// when quantizing, with `scale` [R, 1] f32 and, if asymmetric, `zeroPoint`
/// [R, 1] i8). `constants` are the buffers from rowKernelConstants.
void emitRowKernel(OpBuilder &b, Location loc, const RowKernelSpec &spec,
                   Value input, Value output, Value scale, Value zeroPoint,
                   ArrayRef<Value> constants);

/// The constant tensors the kernel reads from memory (the sign vector, the
/// matrices of dense factors too large to unroll, the permutation as i32),
/// in the order emitRowKernel expects them as buffers; DuQuant's rotation
/// matrices follow them there (rotate1's, then rotate2's).
SmallVector<Value> rowKernelConstants(OpBuilder &b, Location loc,
                                      const RowKernelSpec &spec);

} // namespace mlir::rotq::gpukernels

#endif
