//===- ModelUtils.h - helpers shared by the model passes --------*- C++ -*-===//
#ifndef ROTQ_TRANSFORMS_MODELUTILS_H
#define ROTQ_TRANSFORMS_MODELUTILS_H

#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
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

/// The attention block between v_proj and o_proj: v_proj -> head split ->
/// rotq.attention (values) -> head merge -> o_proj, each value used once
/// on the way. Attention output head h is a convex combination of the rows
/// of value head h / (heads / kvHeads), so a per-head transform of v_proj's
/// output reaches o_proj's input unchanged.
struct ValueChain {
  LinearOp vproj;
  AttentionOp attention;
  LinearOp oproj;
  int64_t heads = 0, kvHeads = 0, headDim = 0;
};
/// The chain ending in `oproj`'s input (oproj == nullptr: starting from the
/// attention `att`); failure with `why` set when the IR is not that chain.
FailureOr<ValueChain> valueChainOf(AttentionOp att, std::string &why);
FailureOr<ValueChain> valueChainInto(LinearOp oproj, std::string &why);

/// The linear whose output the gated activation `v` (an element-wise
/// generic) multiplies by a factor that does not depend on it, e.g. up_proj
/// in silu(gate) * up: `v` is linear in that linear's output, so scaling its
/// rows scales `v`'s channels. Null when there is none, or when that output
/// has other users.
LinearOp linearFactorOf(Value v);

//===----------------------------------------------------------------------===//
// Weight-side transforms, as IR on the weight value (a rotq.param, a
// constant or any value): no pass reads or writes weight data; the chains
// are evaluated by rotq-materialize (or before a module runs).
//===----------------------------------------------------------------------===//

/// rotq.hadamard of the last dimension (block_size `block` when > 0).
Value hadamardOf(OpBuilder &b, Location loc, Value x,
                 ArrayRef<int8_t> signs = {}, int64_t block = 0,
                 bool transpose = false);

/// f applied along the first dimension of a 2-D `w`: f(w^T)^T. For a
/// [out, in] weight, a last-dimension transform M gives M^T-on-the-left:
/// f(W^T)^T = (W^T M)^T = M^T W, the output side of the layer.
Value alongFirstDim(OpBuilder &b, Location loc, Value w,
                    function_ref<Value(OpBuilder &, Location, Value)> f);

/// f applied to the `outer` axis of the last dimension viewed as
/// [outer, inner]: [..., outer*inner] -> [..., inner, outer], f, back.
Value alongOuterFactor(OpBuilder &b, Location loc, Value x, int64_t outer,
                       int64_t inner,
                       function_ref<Value(OpBuilder &, Location, Value)> f);

/// An f64 [n, n] constant holding `m` (a dense_resource named `name`).
Value f64Matrix(OpBuilder &b, Location loc, ArrayRef<double> m, int64_t n,
                StringRef name);

/// f applied to x widened to f64, the result narrowed back to x's type: a
/// weight transform of several ops rounded once.
Value inFloat64(OpBuilder &b, Location loc, Value x,
                function_ref<Value(OpBuilder &, Location, Value)> f);

/// x R along the last dimension for an f64 matrix R, computed in f64.
Value rotateDense(OpBuilder &b, Location loc, Value x, Value matrix);

/// "640 = 20 (Paley II, q=19) x 2^5", with a note when the order has no
/// Hadamard matrix and the library's fallback is used.
std::string hadamardNote(int64_t n);

/// Data as an attribute: small ones inline (readable), large ones (over
/// 1024 values) as dense_resource blobs named `blobName`.
template <typename T>
ElementsAttr dataAttr(RankedTensorType type, ArrayRef<T> data,
                      StringRef blobName) {
  if (type.getNumElements() <= 1024)
    return DenseElementsAttr::get(type, data);
  return DenseResourceElementsAttr::get(
      type, blobName, HeapAsmResourceBlob::allocateAndCopyInferAlign(data));
}

} // namespace mlir::rotq::model

#endif
