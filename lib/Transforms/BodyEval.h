//===- BodyEval.h - evaluating a linalg.generic body on numbers --*- C++ -*-===//
//
// Exporters spell the same scalar function many ways (a causal mask as
// compares of positions, as a constant tensor added or selected, with
// nan_to_num guards, ...). Rather than matching each spelling, a matcher can
// evaluate a generic's body on chosen inputs and loop indices and check the
// function it computes. BodyEval interprets the arith / math ops such
// bodies use, reading inputs that are constant tensors from their data.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_LIB_TRANSFORMS_BODYEVAL_H
#define ROTQ_LIB_TRANSFORMS_BODYEVAL_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>
#include <vector>

namespace mlir::rotq {

class BodyEval {
public:
  /// Fails (returns nullopt from operator()) if an input that is not given
  /// a value is not a constant tensor.
  explicit BodyEval(linalg::GenericOp g);

  /// Sets the value of block argument `i` (an input or an init).
  void set(unsigned i, double v) { given[i] = v; }

  /// The value yielded as result `result` at loop indices `loops`, or
  /// nullopt when the body uses an op or an input it cannot evaluate.
  std::optional<double> operator()(ArrayRef<int64_t> loops,
                                   unsigned result = 0);

private:
  std::optional<double> eval(Value v, ArrayRef<int64_t> loops, int depth);

  linalg::GenericOp g;
  llvm::DenseMap<unsigned, double> given;
  /// Constant inputs' data (row-major) and shapes.
  llvm::DenseMap<unsigned, std::vector<double>> data;
  llvm::DenseMap<unsigned, SmallVector<int64_t>> shapes;
};

} // namespace mlir::rotq

#endif
