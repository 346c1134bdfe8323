//===- ModelUtils.h - helpers shared by the model passes --------*- C++ -*-===//
#ifndef ROTQ_LIB_TRANSFORMS_MODELUTILS_H
#define ROTQ_LIB_TRANSFORMS_MODELUTILS_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

#include <string>
#include <vector>

namespace mlir::rotq::model {

/// The elements of a float constant (arith.constant with dense or
/// dense_resource elements) in float64, row-major; failure otherwise.
FailureOr<std::vector<double>> readConstant(Value v);

/// Whether readConstant(v) would succeed, without converting the data.
bool isFloatConstant(Value v);

/// Makes `use` read a new constant holding `values` (same type as the
/// current value), written as a dense_resource blob named after the old
/// one plus `suffix`. The old constant is erased once unused; a constant
/// shared with other uses (a tied embedding) stays for them.
void setConstant(OpOperand &use, ArrayRef<double> values, StringRef suffix);

/// The module name an op carries in its location (rotq-import names ops
/// after checkpoint modules), or "" when there is none.
std::string nameOf(Operation *op);
/// nameOf, or the op name and its position when there is no name.
std::string describe(Operation *op);

/// A residual add: linalg.add, or an all-parallel linalg.generic adding its
/// two identity-mapped inputs.
bool isResidualAdd(Operation *op);

/// An all-parallel linalg.generic that only converts its one input's
/// element type (or copies it).
bool isElementwiseCast(Operation *op);

/// Contractions (matmuls, contraction generics) in `root` with an operand
/// computed from a constant alone (a weight, maybe transposed, reshaped or
/// cast): the linears rotq-raise-model left unrecognised.
SmallVector<Operation *> unraisedContractions(Operation *root);

/// For a pass that rewrites every `OpT` (rotq.attention): when `root` has
/// none but is a model (it has rotq.linear ops), warns that `what` were not
/// rotated because rotq-raise-model recognised none, and returns true.
/// Whether `root` is a model: it holds rotq.linear (or rotq.qmatmul) ops.
bool hasLinears(Operation *root);

template <typename OpT>
bool warnIfNoneRaised(Operation *root, StringRef pass, StringRef what) {
  bool any = false;
  root->walk([&](OpT) { any = true; });
  if (any || !hasLinears(root))
    return !any;
  root->emitWarning() << pass << ": no " << OpT::getOperationName()
                      << " (rotq-raise-model recognised none): " << what
                      << " are not rotated";
  return true;
}

/// "640 = 20 (Paley II, q=19) x 2^5", with a note when the order has no
/// Hadamard matrix and the library's fallback is used.
std::string hadamardNote(int64_t n);

} // namespace mlir::rotq::model

#endif
