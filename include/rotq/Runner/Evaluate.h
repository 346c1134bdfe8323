//===- Evaluate.h - next-token metrics of a model against a reference -*- C++ -*-===//
//
// The numbers rotq-eval prints and the Python package returns, computed in
// one place so that both agree to the last bit: per model, the relative
// logit error ||L - L_ref|| / ||L_ref||, the mean KL(p_ref || p) of the
// next-token distributions, the top-1 agreement and the perplexity on the
// sequences' own next tokens. Logits are accumulated in float64, one
// sequence at a time, in token order.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_RUNNER_EVALUATE_H
#define ROTQ_RUNNER_EVALUATE_H

#include "rotq/Runner/Runner.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace rotq::eval {

/// log softmax of one row of n logits.
void logSoftmax(const double *x, int64_t n, std::vector<double> &out);

/// Running sums over the positions of all sequences seen so far.
struct Metrics {
  double errSq = 0, refSq = 0, kl = 0, nll = 0;
  int64_t positions = 0, agree = 0, predicted = 0;

  /// Adds one sequence: `tokens` [n], the reference's logits and the
  /// model's, both [n, vocab] row-major. Errors on a shape mismatch or a
  /// next token outside the vocabulary.
  llvm::Error add(llvm::ArrayRef<int64_t> tokens, llvm::ArrayRef<double> ref,
                  llvm::ArrayRef<double> logits, int64_t vocab);

  double relLogitError() const;
  double meanKL() const;
  double top1Agreement() const;
  /// exp(mean negative log-likelihood of each next token); NaN without one.
  double perplexity() const;
};

/// Runs a compiled @forward (token ids [S] -> logits [S, V]) on `tokens`
/// and returns its logits as the function returns them (f16, f32 or f64,
/// [S, V]); an error for an id outside [0, V). `name` is used in messages.
llvm::Expected<npy::Array> logits(run::Compiled &model,
                                  const run::Signature &sig,
                                  const std::vector<int64_t> &tokens,
                                  const std::string &name);

/// The elements of a float array in float64 (exact).
std::vector<double> toDoubles(const npy::Array &a);

} // namespace rotq::eval

#endif
