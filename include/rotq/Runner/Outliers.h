//===- Outliers.h - activation statistics at the inputs of linears -*- C++ -*-===//
//
// What rotq-outliers prints and the Python package plots: the input of every
// distinct linear layer of a model, captured by running it on the CPU with
// those inputs made extra results (after rotq-raise-model), and per input
// max|x|, the median |x|, the kurtosis and DuQuant's between-block variance.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_RUNNER_OUTLIERS_H
#define ROTQ_RUNNER_OUTLIERS_H

#include "rotq/Support/Npy.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <cmath>
#include <string>
#include <vector>

namespace rotq::outliers {

struct Stats {
  double maxAbs = 0, median = 0, kurtosis = 0;
  int64_t block = 0;      // 0: no block size divides the channels
  double blockVar = 0;    // variance of the per-block mean |x|
  double blockVarRel = 0; // ... over the squared mean of those means
  double ratio() const { return median > 0 ? maxAbs / median : INFINITY; }
};

/// Statistics of one captured input (channels last); blocks of
/// `blockSize` channels, adjusted as rotq-duquant adjusts it.
Stats measure(const npy::Array &a, int64_t blockSize);

/// One distinct linear input.
struct LinearInput {
  /// "model.layers.0.self_attn.q_proj,k_proj,v_proj": the linears reading
  /// it (the module names the IR carries, else "linear#N").
  std::string name;
  npy::Array values;
};

/// Runs @func (token ids -> ...) of a copy of `module` on `tokens` ([S],
/// ids checked against the vocabulary) and returns the input of every
/// distinct linear, in program order. `paramDir`: what relative parameter
/// files are relative to; `name` and `tokensName` (the model and the
/// tokens) are used in messages.
llvm::Expected<std::vector<LinearInput>>
captureLinearInputs(mlir::ModuleOp module, const std::string &func,
                    const npy::Array &tokens, const std::string &paramDir,
                    const std::string &name, const std::string &tokensName);

} // namespace rotq::outliers

#endif
