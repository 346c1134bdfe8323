//===- Evaluate.cpp - next-token metrics of a model against a reference ---===//
#include "rotq/Runner/Evaluate.h"

#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace rotq::eval {

static Error err(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

void logSoftmax(const double *x, int64_t n, std::vector<double> &out) {
  double mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i)
    mx = std::max(mx, x[i]);
  double s = 0;
  for (int64_t i = 0; i < n; ++i)
    s += std::exp(x[i] - mx);
  double lse = mx + std::log(s);
  out.resize(n);
  for (int64_t i = 0; i < n; ++i)
    out[i] = x[i] - lse;
}

Error Metrics::add(ArrayRef<int64_t> tokens, ArrayRef<double> ref,
                   ArrayRef<double> logits, int64_t vocab) {
  int64_t n = int64_t(tokens.size());
  if (vocab <= 0 || int64_t(ref.size()) != n * vocab ||
      int64_t(logits.size()) != n * vocab)
    return err("expected reference and model logits of " + Twine(n) + " x " +
               Twine(vocab) + " values, got " + Twine(ref.size()) + " and " +
               Twine(logits.size()));
  std::vector<double> lpRef, lp;
  for (int64_t p = 0; p < n; ++p) {
    const double *r = &ref[p * vocab];
    const double *x = &logits[p * vocab];
    logSoftmax(r, vocab, lpRef);
    logSoftmax(x, vocab, lp);
    int64_t topRef = std::max_element(r, r + vocab) - r;
    double k = 0;
    for (int64_t i = 0; i < vocab; ++i) {
      errSq += (x[i] - r[i]) * (x[i] - r[i]);
      refSq += r[i] * r[i];
      k += std::exp(lpRef[i]) * (lpRef[i] - lp[i]);
    }
    kl += k;
    positions += 1;
    agree += (std::max_element(x, x + vocab) - x) == topRef;
    if (p + 1 < n) {
      int64_t next = tokens[p + 1];
      if (next < 0 || next >= vocab)
        return err("token id " + Twine(next) + " is outside the " +
                   Twine(vocab) + "-token vocabulary");
      nll -= lp[next];
      predicted += 1;
    }
  }
  return Error::success();
}

double Metrics::relLogitError() const { return std::sqrt(errSq / refSq); }
double Metrics::meanKL() const { return kl / double(positions); }
double Metrics::top1Agreement() const {
  return double(agree) / double(positions);
}
double Metrics::perplexity() const {
  return predicted ? std::exp(nll / double(predicted)) : NAN;
}

Expected<npy::Array> logits(run::Compiled &model, const run::Signature &sig,
                            const std::vector<int64_t> &tokens,
                            const std::string &name) {
  // An imported model clamps an id outside its vocabulary: never run one.
  if (!sig.results.empty() && sig.results[0].getRank() == 2 &&
      !sig.results[0].isDynamicDim(1))
    if (Error e = npy::checkTokenRange({tokens}, sig.results[0].getDimSize(1),
                                       "tokens"))
      return std::move(e);
  auto in = run::prepareInput(sig, 0, npy::fromInt64(tokens), name);
  if (!in)
    return in.takeError();
  auto out = model.run({*in});
  if (!out)
    return out.takeError();
  npy::Array &r = (*out)[0].array;
  if (!r.isFloat() || r.shape.size() != 2 ||
      r.shape[0] != int64_t(tokens.size()))
    return err(name + ": logits must be [tokens, vocab] of f16, f32 or f64");
  return std::move(r);
}

std::vector<double> toDoubles(const npy::Array &a) {
  std::vector<double> v(a.numElements());
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = a.getDouble(i);
  return v;
}

} // namespace rotq::eval
