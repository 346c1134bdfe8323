//===- clip_search_bench.cpp - clip search: reference vs library ----------===//
//
//   rotq-clip-search-bench [rows cols bits group asym minRatio reps]
//
// Times rotq::quant::searchClip against a verbatim copy of the search as it
// was before it was vectorized (std::pow, one value at a time), on one
// thread, over a Gaussian matrix (default 4096 x 4096, 4 bits, symmetric,
// per row, grid 100, minimum ratio 0.8), and prints both times, their ratio
// and whether the chosen ratios are identical. Times are the best of `reps`
// runs (default 3) for the library, one run for the reference.
//
//===----------------------------------------------------------------------===//
#include "rotq/Support/Quantizer.h"
#include "rotq/Support/Random.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace rotq::quant;

namespace {
/// The clip search before vectorization (std::pow), as QuantizerTest.cpp
/// copies it.
namespace ref {
Scale chooseScale(const double *x, int64_t n, const Params &p, double clip,
                  int64_t stride = 1) {
  double qmax = double((int64_t(1) << (p.bits - 1)) - 1);
  double lo = 0, hi = 0, amax = 0;
  for (int64_t i = 0; i < n; ++i) {
    double v = x[i * stride];
    if (!std::isfinite(v))
      continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    amax = std::max(amax, std::fabs(v));
  }
  double s = p.symmetric
                 ? clip * amax / qmax
                 : (clip * hi - clip * lo) / double((int64_t(1) << p.bits) - 1);
  Scale r;
  r.scale = float(s);
  if (!(r.scale > 0) || !std::isfinite(r.scale))
    r.scale = 1.0f;
  if (!p.symmetric) {
    double z = std::nearbyint(-(clip * lo) / double(r.scale)) -
               double(int64_t(1) << (p.bits - 1));
    r.zeroPoint = int8_t(std::clamp(z, -qmax - 1, qmax));
  }
  return r;
}

int8_t quantizeValue(double x, Scale s, int bits) {
  double qmax = double((int64_t(1) << (bits - 1)) - 1);
  if (std::isnan(x))
    return s.zeroPoint;
  double q = std::nearbyint(x / double(s.scale)) + double(s.zeroPoint);
  return int8_t(std::clamp(q, -qmax - 1, qmax));
}

double dequantizeValue(int8_t q, Scale s) {
  return double(s.scale * float(int(q) - int(s.zeroPoint)));
}

double searchGroupClip(const double *x, int64_t n, const Params &params,
                       int64_t stride = 1, int grid = 100,
                       double minRatio = 0.8, double p = 2.4) {
  // The ratios tried: 1, 1 - 1/grid, ... down to minRatio.
  int count = 0;
  while (count < grid &&
         1.0 - double(count) / double(grid) >= minRatio - 1e-12)
    ++count;
  // The error of ratio i, or +inf as soon as its partial sum exceeds
  // `bound`: a sum of non-negative terms only grows, so such a ratio cannot
  // win, and skipping the rest changes no choice.
  auto error = [&](int i, double bound) {
    double c = 1.0 - double(i) / double(grid);
    Scale s = ref::chooseScale(x, n, params, c, stride);
    double err = 0;
    for (int64_t j0 = 0; j0 < n; j0 += 64) {
      for (int64_t j = j0, e = std::min(n, j0 + 64); j < e; ++j) {
        double v = x[j * stride];
        double d =
            ref::dequantizeValue(ref::quantizeValue(v, s, params.bits), s);
        err += std::pow(std::fabs(d - v), p);
      }
      if (err > bound)
        return double(INFINITY);
    }
    return err;
  };
  // Exactly the first ratio with the smallest error; a good guess first
  // (the ratio a coarse pass finds) lets most others stop early.
  std::vector<double> errs(count, INFINITY);
  int guess = 0;
  double guessErr = INFINITY;
  for (int i = 0; i < count; i += 4) {
    double e = error(i, guessErr);
    if (e < guessErr) {
      guessErr = e;
      guess = i;
    }
    errs[i] = e;
  }
  double best = errs[guess];
  for (int i = 0; i < count; ++i)
    if (i % 4 != 0)
      errs[i] = error(i, best), best = std::min(best, errs[i]);
  // The coarse pass stopped some of its own ratios early against a bound
  // that was not yet the final one: those lost to a smaller error anyway.
  int chosen = 0;
  for (int i = 1; i < count; ++i)
    if (errs[i] < errs[chosen])
      chosen = i;
  return 1.0 - double(chosen) / double(grid);
}

std::vector<double> searchClip(const std::vector<double> &w, int64_t rows,
                               int64_t cols, const Params &params,
                               int grid = 100, double minRatio = 0.8,
                               double p = 2.4) {
  int64_t g = params.groupSize > 0 ? params.groupSize : cols;
  int64_t groups = cols / g;
  std::vector<double> best(rows * groups, 1.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < groups; ++k)
      best[r * groups + k] = ref::searchGroupClip(&w[r * cols + k * g], g,
                                                  params, 1, grid, minRatio, p);
  return best;
}

} // namespace ref

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}
} // namespace

int main(int argc, char **argv) {
  auto arg = [&](int i, double d) {
    return argc > i ? std::atof(argv[i]) : d;
  };
  int64_t rows = int64_t(arg(1, 4096)), cols = int64_t(arg(2, 4096));
  Params params;
  params.bits = int(arg(3, 4));
  params.groupSize = int64_t(arg(4, 0));
  params.symmetric = arg(5, 0) == 0;
  double minRatio = arg(6, 0.8);
  int reps = std::max(1, int(arg(7, 3)));

  rotq::Random rng(1);
  std::vector<double> w(rows * cols);
  for (double &v : w)
    v = 0.02 * rng.normal();

  auto t0 = std::chrono::steady_clock::now();
  std::vector<double> want =
      ref::searchClip(w, rows, cols, params, 100, minRatio, 2.4);
  double tRef = seconds(t0);
  std::printf("clip search, %lld x %lld Gaussian, %d bits, %s, group %lld, "
              "grid 100, min ratio %g, p 2.4, 1 thread\n",
              (long long)rows, (long long)cols, params.bits,
              params.symmetric ? "symmetric" : "asymmetric",
              (long long)params.groupSize, minRatio);
  std::printf("  reference (std::pow):   %8.3f s\n", tRef);
  // searchClip with the kernels of every instruction set this CPU has (the
  // one it uses by default marked).
  using detail::Isa;
  Isa best = detail::clipSearchIsa();
  int64_t differ = 0;
  for (Isa isa : {Isa::Baseline, Isa::Avx2, Isa::Avx512}) {
    if (!detail::setClipSearchIsa(isa))
      continue;
    const char *name = isa == Isa::Avx512 ? "AVX-512"
                       : isa == Isa::Avx2 ? "AVX2"
                                          : "x86-64 baseline";
    double tNew = INFINITY;
    std::vector<double> got;
    for (int r = 0; r < reps; ++r) {
      t0 = std::chrono::steady_clock::now();
      got = searchClip(w, rows, cols, params, 100, minRatio, 2.4);
      tNew = std::min(tNew, seconds(t0));
    }
    int64_t d = 0;
    for (size_t i = 0; i < got.size(); ++i)
      d += got[i] != want[i];
    differ += d;
    std::printf("  searchClip, %-16s %6.3f s (best of %d): %6.2fx faster, "
                "%lld of %lld ratios differ%s\n",
                (std::string(name) + ":").c_str(), tNew, reps, tRef / tNew,
                (long long)d, (long long)got.size(),
                isa == best ? " (default)" : "");
  }
  return differ != 0;
}
