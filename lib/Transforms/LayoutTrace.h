//===- LayoutTrace.h - following data movement back to its source -*- C++ -*-===//
//
// Exporters move the same data through many reshapes: torch-mlir splits a
// projection into heads with expand_shape + transpose, repeats key/value
// heads for GQA with a broadcasting generic, and folds batch and heads
// together for batch_matmul. A LayoutTrace follows such pure data-movement
// ops from a value back to the first value computed otherwise (its base),
// and maps an element index of the value to the base element it copies, so
// that a matcher can check "this operand is head h / G of that projection"
// element by element instead of matching each exporter's op sequence.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_LIB_TRANSFORMS_LAYOUTTRACE_H
#define ROTQ_LIB_TRANSFORMS_LAYOUTTRACE_H

#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"

#include <optional>

namespace mlir::rotq::layout {

struct Trace {
  Value value;
  Value base;
  /// The data-movement ops from `value` (front) back to `base` (back).
  SmallVector<Operation *> chain;
};

/// The operand a pure data-movement op copies from, or null for any other
/// op.
Value copiedFrom(Operation *op);

/// Follows expand_shape, collapse_shape, tensor.cast, linalg.transpose,
/// linalg.broadcast and copying/broadcasting linalg.generic ops back from v.
Trace trace(Value v);

/// The element of the base a `value` index maps to, given the value's and
/// the base's concrete shapes.
using IndexMap = function_ref<SmallVector<int64_t>(
    ArrayRef<int64_t> index, ArrayRef<int64_t> valueShape,
    ArrayRef<int64_t> baseShape)>;

/// Whether value[i] == base[expected(i)] for every index i (every one for
/// small tensors, a deterministic sample of a few thousand otherwise), with
/// each dynamic dimension of the base taken as 3 and then as 5, so that a
/// coincidence of one size cannot pass. False when a shape along the chain
/// cannot be derived.
bool verify(const Trace &t, IndexMap expected);

} // namespace mlir::rotq::layout

#endif
