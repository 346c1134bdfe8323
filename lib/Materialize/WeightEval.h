//===- WeightEval.h - float64 evaluation of weight chains -------*- C++ -*-===//
#ifndef ROTQ_LIB_MATERIALIZE_WEIGHTEVAL_H
#define ROTQ_LIB_MATERIALIZE_WEIGHTEVAL_H

#include "rotq/Support/Safetensors.h"

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace rotq::materialize {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<double> data;
};
using TensorRef = std::shared_ptr<const Tensor>;

/// The checkpoint files rotq.param ops name, each opened (mapped) once.
class ParamFiles {
public:
  explicit ParamFiles(std::string baseDir) : baseDir(std::move(baseDir)) {}
  /// The path `file` names (relative to the base directory).
  std::string resolve(llvm::StringRef file) const;
  /// The tensor `name` of `file`, checked against the op's type.
  llvm::Expected<const safetensors::TensorInfo *> find(mlir::Operation *param);
  /// Every file opened so far.
  std::vector<std::string> openedFiles() const;

private:
  std::string baseDir;
  llvm::StringMap<std::unique_ptr<safetensors::Checkpoint>> files;
};

/// Ops the evaluator computes: rotq.param, arith.constant, tensor.empty,
/// arith.extf/truncf, linalg.transpose, tensor.expand_shape/collapse_shape,
/// rotq.hadamard/rotate/permute/scale, dynamic rotq.quantize (row or
/// group), rotq.pack/unpack/dequantize, rotq.error_projection; all on
/// static shapes.
bool isEvaluable(mlir::Operation *op);

/// Evaluates values whose whole backward slice is evaluable. Results are
/// cached until release() drops them.
class Evaluator {
public:
  explicit Evaluator(ParamFiles &files) : files(files) {}
  llvm::Expected<TensorRef> evaluate(mlir::Value v);
  void release(mlir::Value v) { cache.erase(v); }

private:
  llvm::Error evaluateOp(mlir::Operation *op);
  ParamFiles &files;
  llvm::DenseMap<mlir::Value, TensorRef> cache;
};

/// `v` rounded to what `type` (a float or integer element type) stores.
double roundTo(mlir::Type type, double v);

} // namespace rotq::materialize

#endif
