//===- QuantizerTest.cpp - offline weight quantizer, hand-worked cases ----===//
#include "rotq/Support/Quantizer.h"
#include "rotq/Support/Random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

using namespace rotq::quant;

namespace {
/// The clip search as it was before it was vectorized (std::pow, one value
/// at a time), copied (calls qualified with ref::) as an independent
/// reference: the library's search must choose exactly the same ratios.
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

/// The error of ratio i of the reference search, summed to the end.
double groupError(const double *x, int64_t n, const Params &params,
                  int64_t stride, int grid, double p, int i) {
  double c = 1.0 - double(i) / double(grid);
  Scale s = ref::chooseScale(x, n, params, c, stride);
  double err = 0;
  for (int64_t j = 0; j < n; ++j) {
    double v = x[j * stride];
    double d =
        ref::dequantizeValue(ref::quantizeValue(v, s, params.bits), s);
    err += std::pow(std::fabs(d - v), p);
  }
  return err;
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

Quantized quantize(const std::vector<double> &w, int64_t rows, int64_t cols,
                   const Params &params, const std::vector<double> &clip) {
  int64_t g = params.groupSize > 0 ? params.groupSize : cols;
  Quantized q;
  q.rows = rows;
  q.cols = cols;
  q.groups = cols / g;
  q.codes.resize(rows * cols);
  q.scales.resize(rows * q.groups);
  if (!params.symmetric)
    q.zeroPoints.resize(rows * q.groups);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < q.groups; ++k) {
      const double *x = &w[r * cols + k * g];
      double c = clip.empty() ? params.clipRatio : clip[r * q.groups + k];
      Scale s = ref::chooseScale(x, g, params, c);
      q.scales[r * q.groups + k] = s.scale;
      if (!params.symmetric)
        q.zeroPoints[r * q.groups + k] = s.zeroPoint;
      for (int64_t i = 0; i < g; ++i)
        q.codes[r * cols + k * g + i] =
            ref::quantizeValue(x[i], s, params.bits);
    }
  return q;
}
} // namespace ref

TEST(Quantizer, SymmetricRowTiesToEvenAndClamps) {
  // max|x| = 7, qmax = 7: scale 1; 3.5 rounds to 4 (even), 2.5 to 2.
  Quantized q = quantize({1, -2, 3.5, 7, -7, 2.5}, 1, 6, {4, true, 0, 1.0});
  EXPECT_EQ(q.scales[0], 1.0f);
  EXPECT_EQ(q.codes, (std::vector<int8_t>{1, -2, 4, 7, -7, 2}));
  // clip 0.5: scale 0.5; 7 / 0.5 = 14 clamps to 7 and -14 to -8.
  Quantized c = quantize({1, -2, 3.5, 7, -7, 2.5}, 1, 6, {4, true, 0, 0.5});
  EXPECT_EQ(c.scales[0], 0.5f);
  EXPECT_EQ(c.codes, (std::vector<int8_t>{2, -4, 7, 7, -8, 5}));
}

TEST(Quantizer, AsymmetricZeroPointAndGroups) {
  // lo = 0, hi = 3, 2 bits: scale 1, zero point 0 - 2 = -2.
  Quantized q = quantize({0, 1, 2, 3}, 1, 4, {2, false, 0, 1.0});
  EXPECT_EQ(q.scales[0], 1.0f);
  EXPECT_EQ(q.zeroPoints[0], -2);
  EXPECT_EQ(q.codes, (std::vector<int8_t>{-2, -1, 0, 1}));
  EXPECT_EQ(dequantize(q), (std::vector<float>{0, 1, 2, 3}));
  // Two groups of 2 in each of two rows, 8-bit symmetric.
  Quantized g = quantize({1, 2, 10, 20, 0, 0, -4, 2}, 2, 4, {8, true, 2, 1.0});
  ASSERT_EQ(g.groups, 2);
  EXPECT_EQ(g.scales, (std::vector<float>{2.0f / 127, 20.0f / 127, 1.0f,
                                          4.0f / 127}));
  EXPECT_EQ(g.codes, (std::vector<int8_t>{64, 127, 64, 127, 0, 0, -127, 64}));
}

TEST(Quantizer, NonFiniteValues) {
  Quantized q = quantize({NAN, INFINITY, -INFINITY, 1.0}, 1, 4,
                         {4, true, 0, 1.0});
  EXPECT_EQ(q.scales[0], float(1.0 / 7));
  EXPECT_EQ(q.codes, (std::vector<int8_t>{0, 7, -8, 7}));
}

TEST(Quantizer, PackLowBitsFirst) {
  EXPECT_EQ(pack({1, -1, -8, 7}, 1, 4, 4),
            (std::vector<int8_t>{int8_t(0xF1), int8_t(0x78)}));
  EXPECT_EQ(pack({1, -1, -2, 0}, 1, 4, 2),
            (std::vector<int8_t>{int8_t(0x01 | 0x0C | 0x20)}));
}

TEST(Quantizer, ClipSearchNeverWorseAndShrinksGaussianRows) {
  rotq::Random rng(3);
  const int64_t rows = 16, cols = 128;
  std::vector<double> w(rows * cols);
  for (double &v : w)
    v = rng.normal();
  Params p{3, true, 0, 1.0};
  std::vector<double> clip = searchClip(w, rows, cols, p);
  auto err = [&](const Quantized &q) {
    std::vector<float> d = dequantize(q);
    double e = 0;
    for (size_t i = 0; i < w.size(); ++i)
      e += (d[i] - w[i]) * (d[i] - w[i]);
    return e;
  };
  double plain = err(quantize(w, rows, cols, p));
  double searched = err(quantize(w, rows, cols, p, clip));
  EXPECT_LT(searched, plain);
  int shrunk = 0;
  for (double c : clip) {
    EXPECT_GE(c, 0.8 - 1e-12);
    EXPECT_LE(c, 1.0);
    shrunk += c < 1.0;
  }
  EXPECT_GT(shrunk, rows / 2); // 3-bit Gaussian rows prefer clipping
}
} // namespace

namespace {
/// Rows of one kind each: what the clip search sees in models and the
/// corners around it.
enum Kind {
  Gaussian,
  StudentT,  // 3 degrees of freedom: heavy tails
  Outliers,  // Gaussian with a few values 20x-1000x larger
  Zeros,
  Constant,
  Tiny,      // Gaussian times 1e-30
  WithNaN,   // Gaussian with a few NaN
  WithInf,   // Gaussian with a few +-inf
  OnGrid,    // multiples of 1/4 in [-7/4, 7/4]: exact codes, error ties
  Sparse,    // mostly zeros
  Uniform,
  Huge,      // 1e35 or 1e200 times Gaussian (the plain search's path)
  Subnormal, // 1e-42 (float-subnormal scales: many equal ratios) or 1e-310
  Mixed,     // every row of a random kind above
  KindCount
};

void fillRow(rotq::Random &rng, int kind, double *x, int64_t n) {
  double sigma = std::pow(10.0, -3 + 4 * rng.uniform());
  auto t3 = [&] {
    double z = rng.normal(), a = rng.normal(), b = rng.normal(),
           c = rng.normal();
    return z / std::sqrt((a * a + b * b + c * c) / 3);
  };
  for (int64_t j = 0; j < n; ++j)
    x[j] = sigma * rng.normal();
  switch (kind) {
  case Gaussian:
    break;
  case StudentT:
    for (int64_t j = 0; j < n; ++j)
      x[j] = sigma * t3();
    break;
  case Outliers:
    for (int k = 0, m = 1 + int(rng.below(4)); k < m; ++k)
      x[rng.below(n)] *= 20 + 980 * rng.uniform();
    break;
  case Zeros:
    std::fill(x, x + n, 0.0);
    break;
  case Constant:
    std::fill(x, x + n, sigma * rng.sign());
    break;
  case Tiny:
    for (int64_t j = 0; j < n; ++j)
      x[j] = 1e-30 * rng.normal();
    break;
  case WithNaN:
    for (int k = 0, m = 1 + int(rng.below(3)); k < m; ++k)
      x[rng.below(n)] = NAN;
    break;
  case WithInf:
    for (int k = 0, m = 1 + int(rng.below(3)); k < m; ++k)
      x[rng.below(n)] = rng.sign() * INFINITY;
    break;
  case OnGrid:
    for (int64_t j = 0; j < n; ++j)
      x[j] = double(int(rng.below(15)) - 7) / 4;
    break;
  case Sparse:
    for (int64_t j = 0; j < n; ++j)
      if (rng.below(8) != 0)
        x[j] = 0;
    break;
  case Uniform:
    for (int64_t j = 0; j < n; ++j)
      x[j] = sigma * (2 * rng.uniform() - 1);
    break;
  case Huge: {
    double big = rng.below(2) ? 1e35 : 1e200;
    for (int64_t j = 0; j < n; ++j)
      x[j] = big * rng.normal();
    break;
  }
  case Subnormal: {
    double small = rng.below(2) ? 1e-42 : 1e-310;
    for (int64_t j = 0; j < n; ++j)
      x[j] = small * rng.normal();
    break;
  }
  default:
    fillRow(rng, int(rng.below(Mixed)), x, n);
  }
}

std::vector<double> makeMatrix(rotq::Random &rng, int kind, int64_t rows,
                               int64_t cols) {
  std::vector<double> w(rows * cols);
  for (int64_t r = 0; r < rows; ++r)
    fillRow(rng, kind, &w[r * cols], cols);
  return w;
}

/// The instruction sets of the clip search's kernels this CPU has; the
/// default one is restored when this goes out of scope.
struct EachIsa {
  detail::Isa initial = detail::clipSearchIsa();
  std::vector<detail::Isa> all;
  EachIsa() {
    for (detail::Isa isa :
         {detail::Isa::Baseline, detail::Isa::Avx2, detail::Isa::Avx512})
      if (detail::setClipSearchIsa(isa))
        all.push_back(isa);
    detail::setClipSearchIsa(initial);
  }
  ~EachIsa() { detail::setClipSearchIsa(initial); }
};

std::string isaName(detail::Isa isa) {
  return isa == detail::Isa::Avx512 ? "AVX-512"
         : isa == detail::Isa::Avx2 ? "AVX2"
                                    : "baseline";
}

/// Totals over the comparisons of one test.
struct Tally {
  int64_t groups = 0, flips = 0, codeMismatches = 0;
};

/// searchClip against the reference, ratio by ratio, with the kernels of
/// every instruction set the CPU has, and the codes, scales and zero points
/// quantize gives with them, bit for bit. A different ratio is reported
/// with both reference errors.
void compare(const std::vector<double> &w, int64_t rows, int64_t cols,
             const Params &params, int grid, double minRatio, double p,
             const std::string &what, Tally &tally) {
  std::vector<double> want =
      ref::searchClip(w, rows, cols, params, grid, minRatio, p);
  Quantized b = ref::quantize(w, rows, cols, params, want);
  int64_t g = params.groupSize > 0 ? params.groupSize : cols;
  int64_t groups = cols / g;
  EachIsa isas;
  for (detail::Isa isa : isas.all) {
    detail::setClipSearchIsa(isa);
    std::vector<double> got =
        searchClip(w, rows, cols, params, grid, minRatio, p);
    ASSERT_EQ(got.size(), want.size());
    tally.groups += int64_t(got.size());
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i] == want[i])
        continue;
      ++tally.flips;
      const double *x = &w[(i / groups) * cols + (i % groups) * g];
      double eGot = ref::groupError(x, g, params, 1, grid, p,
                                    int(std::lround((1 - got[i]) * grid)));
      double eWant = ref::groupError(x, g, params, 1, grid, p,
                                     int(std::lround((1 - want[i]) * grid)));
      ADD_FAILURE() << what << ", " << isaName(isa) << ", group " << i
                    << ": ratio " << got[i] << " (error " << eGot
                    << ") instead of " << want[i] << " (error " << eWant
                    << "), relative difference " << (eGot - eWant) / eWant;
    }
    Quantized a = quantize(w, rows, cols, params, got);
    bool same = a.codes == b.codes && a.scales == b.scales &&
                a.zeroPoints == b.zeroPoints;
    tally.codeMismatches += !same;
    EXPECT_TRUE(same) << what << ", " << isaName(isa)
                      << ": codes, scales or zero points differ";
  }
  if (grid == 100 && minRatio == 0.8 && p == 2.4) {
    // quantizeRtn searches (with the default kernels) and quantizes.
    Quantized r = quantizeRtn(w, rows, cols, params, true);
    EXPECT_TRUE(r.codes == b.codes && r.scales == b.scales &&
                r.zeroPoints == b.zeroPoints)
        << what << ": quantizeRtn differs";
  }
}

std::string describe(int kind, const Params &p, int grid, double minRatio,
                     double pNorm) {
  return "kind " + std::to_string(kind) + ", " + std::to_string(p.bits) +
         " bits, " + (p.symmetric ? "symmetric" : "asymmetric") +
         ", group " + std::to_string(p.groupSize) + ", grid " +
         std::to_string(grid) + ", min ratio " + std::to_string(minRatio) +
         ", p " + std::to_string(pNorm);
}

void report(const Tally &tally) {
  std::printf("[ clip search ] %lld (group, instruction set) searches, %lld "
              "different ratios, %lld matrices with different codes\n",
              (long long)tally.groups, (long long)tally.flips,
              (long long)tally.codeMismatches);
}

TEST(Quantizer, ClipSearchMatchesReference) {
  // Every kind of row with every parameter set the passes use: bits 2/3/4/8,
  // symmetric or not, per row or groups of 32 / 128, grid 100, minimum
  // ratio 0.8 (the default) or 0.2.
  rotq::Random rng(20240611);
  Tally tally;
  const int64_t rows = 6, cols = 256;
  for (int kind = 0; kind < KindCount; ++kind)
    for (int bits : {2, 3, 4, 8})
      for (bool symmetric : {true, false})
        for (int64_t group : {0, 32, 128})
          for (double minRatio : {0.8, 0.2}) {
            Params params{bits, symmetric, group, 1.0};
            std::vector<double> w = makeMatrix(rng, kind, rows, cols);
            compare(w, rows, cols, params, 100, minRatio, 2.4,
                    describe(kind, params, 100, minRatio, 2.4), tally);
          }
  report(tally);
  EXPECT_EQ(tally.flips, 0);
  EXPECT_EQ(tally.codeMismatches, 0);
  EXPECT_GE(tally.groups, 14 * 4 * 2 * (6 + 48 + 12) * 2);
}

TEST(Quantizer, ClipSearchMatchesReferenceLongRowsAndOtherNorms) {
  rotq::Random rng(77);
  Tally tally;
  // Long rows (the bound on the fast sums' error grows with n).
  for (int kind : {int(Gaussian), int(StudentT), int(Outliers), int(Mixed)})
    for (int bits : {2, 4, 8})
      for (bool symmetric : {true, false}) {
        Params params{bits, symmetric, 0, 1.0};
        std::vector<double> w = makeMatrix(rng, kind, 3, 4096);
        compare(w, 3, 4096, params, 100, 0.8, 2.4,
                describe(kind, params, 100, 0.8, 2.4), tally);
      }
  // Other norms and grids (p outside [1, 8] takes the plain search).
  for (double pNorm : {1.0, 1.5, 2.0, 3.0, 7.5, 8.0, 0.5, 9.0})
    for (int grid : {10, 37, 100})
      for (int kind : {int(Gaussian), int(OnGrid), int(Mixed)})
        for (bool symmetric : {true, false}) {
          Params params{3, symmetric, 64, 1.0};
          std::vector<double> w = makeMatrix(rng, kind, 4, 256);
          compare(w, 4, 256, params, grid, 0.5, pNorm,
                  describe(kind, params, grid, 0.5, pNorm), tally);
        }
  report(tally);
  EXPECT_EQ(tally.flips, 0);
  EXPECT_EQ(tally.codeMismatches, 0);
}

TEST(Quantizer, ClipSearchStridedGroups) {
  // searchGroupClip over columns (stride = row length).
  rotq::Random rng(5);
  const int64_t rows = 96, cols = 12;
  std::vector<double> w = makeMatrix(rng, Mixed, rows, cols);
  EachIsa isas;
  for (detail::Isa isa : isas.all) {
    detail::setClipSearchIsa(isa);
    for (int64_t c = 0; c < cols; ++c)
      for (bool symmetric : {true, false}) {
        Params params{4, symmetric, 0, 1.0};
        EXPECT_EQ(searchGroupClip(&w[c], rows, params, cols),
                  ref::searchGroupClip(&w[c], rows, params, cols))
            << "column " << c << ", " << isaName(isa);
      }
  }
}

TEST(Quantizer, FastClipErrorWithinTheSearchBound) {
  // The search trusts |A - E| <= R A + T (A: fast error, E: the reference's
  // std::pow sum, R = 1e-13 + (n + 2) 2^-51). Check it, and the codes the
  // kernels compute: a single code off changes the error by far more. The
  // groups include values exactly halfway between two codes of the ratio
  // tested (x = (k + 1/2) scale, which x * (1 / scale) may round either
  // way; the kernels must divide there).
  rotq::Random rng(99);
  EachIsa isas;
  double worst = 0, worstAllowed = 1;
  int64_t checked = 0, halfway = 0;
  int worstKind = -1;
  for (int trial = 0; trial < 3000; ++trial) {
    int kind = int(rng.below(KindCount));
    int64_t n = trial % 3 == 0 ? 1000 : 32 + int64_t(rng.below(200));
    Params params{int(2 + rng.below(7)), rng.below(2) == 0, 0, 1.0};
    std::vector<double> x(n);
    fillRow(rng, kind, x.data(), n);
    double clip = 1.0 - double(rng.below(81)) / 100;
    if (trial % 2 == 0 && kind != Huge && kind != WithNaN && kind != WithInf) {
      // Halfway values for this clip: keep the extremes (the scale), move
      // the others to (k + 1/2) scale.
      x[0] = std::fabs(x[0]) + 1; // a nonzero range
      Scale s = ref::chooseScale(x.data(), n, params, clip);
      double qmax = double((1 << (params.bits - 1)) - 1);
      double lo = *std::min_element(x.begin(), x.end());
      double hi = *std::max_element(x.begin(), x.end());
      for (int64_t j = 0; j < n; ++j) {
        if (x[j] == lo || x[j] == hi || rng.below(2))
          continue;
        double k = double(int(rng.below(int(2 * qmax + 1)))) - qmax - 1 -
                   s.zeroPoint;
        double v = (k + 0.5) * double(s.scale);
        if (v > lo && v < hi) {
          x[j] = v;
          ++halfway;
        }
      }
    }
    double pNorm = trial % 5 == 0 ? 1.0 + 7.0 * rng.uniform() : 2.4;
    int grid = 100;
    int i = int(std::lround((1 - clip) * grid));
    double e = ref::groupError(x.data(), n, params, 1, grid, pNorm, i);
    double allowed = 1e-13 + double(n + 2) * 0x1p-51;
    for (detail::Isa isa : isas.all) {
      detail::setClipSearchIsa(isa);
      double a = detail::fastClipError(x.data(), n, params, clip, pNorm);
      if (std::isnan(a)) { // not a group the fast path takes
        EXPECT_TRUE(kind == Huge || kind == WithNaN || kind == WithInf ||
                    kind == Mixed)
            << "kind " << kind;
        continue;
      }
      ++checked;
      double rel = e == 0 ? (a == 0 ? 0 : INFINITY) : std::fabs(a - e) / e;
      if (e < 1e-290) // T covers terms below 2^-1020
        rel = std::fabs(a - e) <= double(n) * 0x1p-1016 ? 0 : INFINITY;
      EXPECT_LE(rel, allowed)
          << "kind " << kind << ", " << params.bits << " bits, "
          << (params.symmetric ? "symmetric" : "asymmetric") << ", n " << n
          << ", clip " << clip << ", p " << pNorm << ", " << isaName(isa)
          << ": fast " << a << " vs " << e;
      if (rel > worst)
        worst = rel, worstAllowed = allowed, worstKind = kind;
    }
  }
  std::printf("[ clip error ] %lld fast errors (%lld halfway values): "
              "largest |A - E| / E %.3g (row kind %d; the search allows %.3g "
              "there)\n",
              (long long)checked, (long long)halfway, worst, worstKind,
              worstAllowed);
  EXPECT_GT(halfway, 10000);
}

TEST(Quantizer, FastPowMatchesStdPow) {
  rotq::Random rng(11);
  std::vector<double> a;
  a.push_back(0.0);
  for (int k = -1100; k <= 200; ++k)
    a.push_back(std::ldexp(1.0, k));
  for (int i = 0; i < 200000; ++i) {
    // Log-uniform over the range |e| takes, values near 1, below 4, and
    // near the underflow.
    a.push_back(std::exp2(-130 + 260 * rng.uniform()));
    a.push_back(1 + (rng.uniform() - 0.5) * 1e-6);
    a.push_back(4 * rng.uniform());
    a.push_back(std::exp2(-1100 + 200 * rng.uniform()));
  }
  std::vector<double> out(a.size());
  EachIsa isas;
  double worst = 0, worst24 = 0;
  for (detail::Isa isa : isas.all) {
    detail::setClipSearchIsa(isa);
    for (double p : {2.4, 1.0, 1.5, 2.0, 3.0, 7.9, 8.0}) {
      detail::powNonNegative(a.data(), out.data(), int64_t(a.size()), p);
      double maxRel = 0;
      int64_t wrong = 0;
      for (size_t i = 0; i < a.size(); ++i) {
        double want = std::pow(a[i], p);
        if (a[i] == 0) {
          wrong += out[i] != 0 || std::signbit(out[i]);
        } else if (want >= 0x1p-1020 && want < 0x1p1023) {
          maxRel = std::max(maxRel, std::fabs(out[i] - want) / want);
        } else if (want < 0x1p-1020) {
          // Below 2^-1020: 0 or the value (the search's bound allows for
          // the difference).
          wrong += !(out[i] == 0 || std::fabs(out[i] - want) <= 0x1p-1020);
        }
      }
      std::printf("[ fast pow ] %s, p = %g: max relative error vs std::pow "
                  "%.3g (%.2f ulp)\n",
                  isaName(isa).c_str(), p, maxRel, maxRel / 0x1p-52);
      EXPECT_EQ(wrong, 0) << "p = " << p << ", " << isaName(isa);
      worst = std::max(worst, maxRel);
      if (p == 2.4)
        worst24 = std::max(worst24, maxRel);
    }
  }
  EXPECT_LT(worst24, 1e-15); // the norm the search uses
  EXPECT_LT(worst, 2e-15);   // the search's bound assumes 1e-13
}
} // namespace
