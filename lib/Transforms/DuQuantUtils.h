//===- DuQuantUtils.h - shared by the rotq-duquant-* passes -----*- C++ -*-===//
#ifndef ROTQ_LIB_TRANSFORMS_DUQUANTUTILS_H
#define ROTQ_LIB_TRANSFORMS_DUQUANTUTILS_H

#include "rotq/Dialect/Rotq/IR/RotqOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <vector>

namespace mlir::rotq::duquant {

/// The linears that read one value.
struct Group {
  Value input;
  SmallVector<LinearOp> linears;
};

/// The groups of `func` in which some linear carries one of `attrs`;
/// errors (on the linear) when the linears of a group do not carry the
/// same value of each attribute.
FailureOr<std::vector<Group>> groupsWith(func::FuncOp func,
                                         ArrayRef<StringRef> attrs);

/// The float64 values of an f64 tensor attribute (dense or blob); failure
/// when it is not one.
FailureOr<std::vector<double>> readF64(Attribute attr);

/// An f64 constant of `shape` holding `data` (a blob named `name` when
/// large).
Value f64Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  ArrayRef<double> data, StringRef name);

/// `f` applied to `w` in float64 and rounded once to w's type. When `w` is
/// already such a rounding (arith.truncf of an f64 value used only here),
/// `f` continues that chain instead of rounding twice.
Value inFloat64Chain(OpBuilder &b, Location loc, Value w,
                     function_ref<Value(OpBuilder &, Location, Value)> f);

/// Makes `use` read `v`; the value it read before is erased when that
/// leaves it an unused op (an arith.truncf that inFloat64Chain extended).
void replaceUse(OpOperand &use, Value v);

} // namespace mlir::rotq::duquant

#endif
