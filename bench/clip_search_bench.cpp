//===- clip_search_bench.cpp - clip search: reference vs library ----------===//
//
//   rotq-clip-search-bench [rows cols bits group asym minRatio reps]
//
// Times rotq::quant::searchClip against the plain search it falls back to
// (detail::plainSearchClip: std::pow, one value at a time, as the search
// was before it was vectorized), on one
// thread, over a Gaussian matrix (default 4096 x 4096, 4 bits, symmetric,
// per row, grid 100, minimum ratio 0.8), and prints both times, their ratio
// and whether the chosen ratios are identical. Times are the best of `reps`
// runs (default 3) for the library, one run for the reference. Then the
// output-error objective (a rank-4 metric) on the same weights, as a ratio
// to the weight objective's time.
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
/// The reference: the library's plain search (std::pow, one value at a
/// time, as the search was before it was vectorized) over every group.
std::vector<double> referenceClips(const std::vector<double> &w, int64_t rows,
                                   int64_t cols, const Params &params,
                                   double minRatio) {
  int64_t g = params.groupSize > 0 ? params.groupSize : cols;
  std::vector<double> out;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < cols / g; ++k)
      out.push_back(detail::plainSearchClip(&w[r * cols + k * g], g, params, 1,
                                            100, minRatio, 2.4));
  return out;
}

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
  std::vector<double> want = referenceClips(w, rows, cols, params, minRatio);
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
  // The output objective (what rotq-quantize-weights objective=output
  // runs) on the same weights, against the weight objective's default
  // kernels: a metric of rank 4 (dense directions of a rotated massive
  // channel's energy over a unit diagonal).
  detail::setClipSearchIsa(best);
  double tWeight = INFINITY, tOutput = INFINITY;
  OutputMetric metric;
  metric.cols = cols;
  metric.rank = 4;
  metric.diag.assign(cols, 1.0);
  metric.dirs.resize(4 * cols);
  for (double &v : metric.dirs)
    v = 30.0 * rng.normal() / std::sqrt(double(cols));
  for (int r = 0; r < reps; ++r) {
    t0 = std::chrono::steady_clock::now();
    searchClip(w, rows, cols, params, 100, minRatio, 2.4);
    tWeight = std::min(tWeight, seconds(t0));
    t0 = std::chrono::steady_clock::now();
    searchClip(w, rows, cols, params, metric, 100, minRatio);
    tOutput = std::min(tOutput, seconds(t0));
  }
  std::printf("  output objective, rank 4: %6.3f s (best of %d) = %.2fx "
              "the weight objective's %.3f s\n",
              tOutput, reps, tOutput / tWeight, tWeight);
  return differ != 0;
}
