//===- Calibration.h - activation statistics from CPU runs ------*- C++ -*-===//
//
// Calibration runs the model itself: a clone of the module takes every f32
// linear weight as a run-time argument and returns every linear's input as
// an extra result; it is lowered to LLVM and JIT-compiled once, and each
// collection runs it over the calibration sequences on the CPU with the
// weights as the module holds them at that moment (GPTQ's sequential
// steps change them between runs, not the compiled program). The
// statistics accumulate in float64.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_CALIBRATION_CALIBRATION_H
#define ROTQ_CALIBRATION_CALIBRATION_H

#include "rotq/Dialect/Rotq/IR/RotqOps.h"
#include "rotq/Support/Quantizer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "mlir/IR/OwningOpRef.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::rotq::calib {

struct Options {
  /// An .npy of int token ids, [tokens] or [sequences, tokens]; when empty,
  /// `samples` seeded random sequences of `length` tokens.
  std::string file;
  int64_t samples = 8;
  int64_t length = 128;
  uint64_t seed = 0;
  /// Random sequences start with the function's rotq.bos_token_id (when it
  /// has one).
  bool bos = true;
};

/// The calibration sequences for `func` (which must take one integer
/// token tensor); random tokens are drawn below the vocabulary size read
/// from the first rotq.embedding. Errors are reported on `func`.
FailureOr<std::vector<std::vector<int64_t>>>
loadTokens(func::FuncOp func, const Options &opts);

/// Statistics of one activation over all calibration tokens, over its last
/// dimension (channels).
struct Stats {
  int64_t channels = 0;
  int64_t tokens = 0;
  std::vector<double> hessian; // X^T X, [channels, channels] (if asked)
  std::vector<double> absMax;  // max |x| per channel
  /// With `sampleMean`: the activation averaged over the calibration
  /// sequences, position by position, [meanRows, channels] (the rows of the
  /// shortest sequence), as DuQuant fits its rotations.
  std::vector<double> sampleMean;
  int64_t meanRows = 0;
  /// Values that were NaN or infinite (absMax skips NaN).
  int64_t nonFinite = 0;
};

/// `func` compiled once for calibration (from a clone of its module, which
/// is left untouched). Given calibration groups, the model is cut before
/// the first linear of each group into segments, each compiled as its own
/// function of the values it reads (tokens, weights, activations of earlier
/// segments); a collection then runs only the segments whose weights or
/// inputs changed since they last ran, from cached activations. GPTQ's step
/// k thus runs one segment instead of the whole model. Without groups the
/// whole model is one segment, run anew for every collection.
class Program {
public:
  static FailureOr<std::unique_ptr<Program>>
  build(func::FuncOp func, ArrayRef<std::vector<LinearOp>> groups = {});
  ~Program();

  /// Runs the program over `tokens` and returns the statistics of the
  /// input of each of `linears` (ops in `func`'s body), in order; linears
  /// that read the same value (q/k/v, gate/up) share one Stats, measured
  /// once. The weights are those the linears read now (constants, or
  /// chains evaluated in float64). Activations cached for later runs are
  /// those read by segments at or after the first segment holding one of
  /// `linears` (calibration proceeds forward; an activation dropped and
  /// needed again is recomputed).
  FailureOr<std::vector<std::shared_ptr<const Stats>>>
  collect(ArrayRef<LinearOp> linears,
          const std::vector<std::vector<int64_t>> &tokens, bool hessian,
          bool sampleMean = false);

  /// Number of compiled segments, and how many of them reuse the code of
  /// an identical segment (the same layer structure with other weights).
  size_t numSegments() const;
  size_t numReusedSegments() const;
  /// Segment runs (one per sequence) since the program was built.
  int64_t segmentRuns() const;
  /// Seconds spent compiling the segments, and running them.
  double compileSeconds() const;
  double runSeconds() const;

  struct Impl;

private:
  Program();
  std::unique_ptr<Impl> impl;
};

/// The output-error metric (quant::OutputMetric) of the second moments
/// X^T X / tokens in `s` (collected with `hessian`), with `rank` leading
/// directions; an error on `lin` when the input had NaN or infinite values.
FailureOr<::rotq::quant::OutputMetric>
outputMetric(LinearOp lin, const Stats &s, int64_t rank);

/// Program::build(func)->collect(...), for one collection.
FailureOr<std::vector<std::shared_ptr<const Stats>>>
collect(func::FuncOp func, ArrayRef<LinearOp> linears,
        const std::vector<std::vector<int64_t>> &tokens, bool hessian,
        bool sampleMean = false);

/// The linears of `func` grouped for sequential calibration: group s holds
/// the linears with s linears on the longest path before their input
/// (q/k/v of the first layer, then o_proj, gate/up, down_proj, q/k/v of
/// the second layer, ...), so each group can be calibrated on a model in
/// which all earlier groups are already quantized.
std::vector<std::vector<LinearOp>> sequentialGroups(func::FuncOp func);

} // namespace mlir::rotq::calib

#endif
