//===- LoweringUtils.h - helpers shared by the rotq lowerings ---*- C++ -*-===//
#ifndef ROTQ_LIB_CONVERSION_ROTQTOLINALG_LOWERINGUTILS_H
#define ROTQ_LIB_CONVERSION_ROTQTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

#include <functional>

namespace mlir::rotq::lowering {

using BodyFn = std::function<void(OpBuilder &, Location, ValueRange)>;

/// A linalg.generic with one result; `init` is the output operand.
Value buildGeneric(OpBuilder &b, Location loc, ValueRange inputs, Value init,
                   ArrayRef<AffineMap> maps,
                   ArrayRef<utils::IteratorType> iterators, BodyFn body);

/// An empty tensor of `shape` (with the dynamic sizes taken from `like`'s
/// leading dimensions where `shape` has them) filled with `value`, or left
/// uninitialized when `value` is null.
Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType, Attribute fill = {});

/// Sizes of `v` as OpFoldResults (static attributes or tensor.dim values).
SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value v);

/// [d0, ..., d_{r-2}, n] -> [d0*...*d_{r-2}, n] (rank 1 becomes [1, n]).
Value collapseToRows(OpBuilder &b, Location loc, Value v);

/// Inverse of collapseToRows: [R, n] -> `leading` sizes followed by n.
Value expandFromRows(OpBuilder &b, Location loc, Value rows,
                     ArrayRef<OpFoldResult> leading);

/// Splits the last dimension [..., n] -> [..., n/inner, inner].
Value splitLastDim(OpBuilder &b, Location loc, Value v, int64_t inner);

/// Merges the last two dimensions [..., a, b] -> [..., a*b].
Value mergeLastDims(OpBuilder &b, Location loc, Value v);

/// f32 for f16/bf16/f32 data, f64 for f64.
Type computeType(Type elementType);

/// A float scalar extended or truncated to `to` (identity if equal).
Value convertFloat(OpBuilder &b, Location loc, Value v, Type to);

/// Element-wise conversion between float types (identity if equal).
Value convertFloatTensor(OpBuilder &b, Location loc, Value v, Type to);

/// A dense constant tensor of float64 `values` in element type `type`.
Value floatConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                    ArrayRef<double> values, Type type);

/// Element-wise op over `data` [..., K] with a keepdims `scale` (and
/// optional `zeroPoint`) broadcast by the dialect's scale-shape rule. The
/// body gets (data element, scale element[, zero point element]) and returns
/// the result element of type `outElement`.
using ScaledBodyFn =
    std::function<Value(OpBuilder &, Location, Value, Value, Value)>;
Value scaledElementwise(OpBuilder &b, Location loc, Value data, Value scale,
                        Value zeroPoint, Type outElement, ScaledBodyFn body);

} // namespace mlir::rotq::lowering

#endif
