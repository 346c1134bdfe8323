//===- Gptq.h - GPTQ weight quantization (Frantar et al., 2023) -*- C++ -*-===//
//
// Quantizes a [rows, cols] weight one input column at a time and spreads
// each column's rounding error over the columns not yet quantized, weighted
// by the inverse Hessian of the layer's output error, H = X^T X over
// calibration inputs X [tokens, cols]. The result has the layout and the
// rounding rules of quant::quantize, so the same packing and dequantization
// apply. All arithmetic is float64.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_GPTQ_H
#define ROTQ_SUPPORT_GPTQ_H

#include "rotq/Support/Quantizer.h"

#include <string>
#include <vector>

namespace rotq::gptq {

struct Options {
  quant::Params params;
  /// Per-row (per-group) clip search when choosing scales, over the
  /// ratios 1, 0.99, ... down to clipMin.
  bool clipSearch = true;
  double clipMin = 0.8;
  /// When set, the search minimises the output error under this metric
  /// (quant::searchGroupClipOutput) instead of the weight error.
  const quant::OutputMetric *metric = nullptr;
  /// Columns whose errors are propagated lazily, together.
  int64_t blockSize = 128;
  /// Added to H's diagonal: damp * mean(diag H).
  double damp = 0.01;
  /// Quantize columns in order of decreasing H_ii. With groups, the group
  /// scales are then fixed from the original weights before any update
  /// ("static groups"), so groups stay contiguous in the stored layout.
  bool actOrder = false;
};

struct Result {
  quant::Quantized q;
  /// The damping finally used (raised tenfold while H + damp*I is not
  /// positive definite in float64).
  double damp = 0;
};

/// GPTQ of `w` [rows, cols] with Hessian `h` [cols, cols] (symmetric,
/// positive semi-definite). Returns false, with a reason in `error`, when
/// the damped Hessian cannot be factorized.
bool quantize(const std::vector<double> &w, int64_t rows, int64_t cols,
              const std::vector<double> &h, const Options &opts, Result &out,
              std::string &error);

/// What GPTQ needs of the Hessian alone, shared by the linears that read
/// the same input (q/k/v, gate/up): the column order, the columns no input
/// reaches, and the upper triangular U with (H + damp)^-1 = U^T U. Depends
/// on opts.actOrder and opts.damp only.
struct Factor {
  int64_t cols = 0;
  std::vector<int64_t> perm;
  std::vector<char> dead;
  std::vector<double> u;
  double damp = 0;
};
bool factor(const std::vector<double> &h, int64_t cols, const Options &opts,
            Factor &out, std::string &error);
/// GPTQ of `w` with a factor of its Hessian (false if `f` is for another
/// width); the same result as quantize(w, rows, cols, h, ...).
bool quantize(const std::vector<double> &w, int64_t rows, int64_t cols,
              const Factor &f, const Options &opts, Result &out);

/// P H P with P = I - U^T U, for `units` U [k, cols] with orthonormal rows:
/// the Hessian of the output error that is left once the error along U is
/// corrected exactly (GPTQ under protected directions).
std::vector<double> projectOut(const std::vector<double> &h, int64_t cols,
                               const std::vector<double> &units, int64_t k);

/// tr(D H D^T) / tr(W G W^T) with D = W - What and G = `hOutput` (H when
/// null): the squared output error ||X (W - What)^T||^2 relative to
/// ||X W^T||^2 over the calibration inputs that built H. With H = P H0 P
/// and G = H0, the error left after a protection's correction relative to
/// the full output.
double relativeOutputError(const std::vector<double> &w,
                           const std::vector<float> &wq, int64_t rows,
                           int64_t cols, const std::vector<double> &h,
                           const std::vector<double> *hOutput = nullptr);

} // namespace rotq::gptq

#endif
