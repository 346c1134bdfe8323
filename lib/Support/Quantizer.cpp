//===- Quantizer.cpp - offline weight quantization (RTN, clip search) -----===//
#include "rotq/Support/Quantizer.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace rotq::quant;

Scale rotq::quant::chooseScale(const double *x, int64_t n, const Params &p,
                               double clip, int64_t stride) {
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

int8_t rotq::quant::quantizeValue(double x, Scale s, int bits) {
  double qmax = double((int64_t(1) << (bits - 1)) - 1);
  if (std::isnan(x))
    return s.zeroPoint;
  double q = std::nearbyint(x / double(s.scale)) + double(s.zeroPoint);
  return int8_t(std::clamp(q, -qmax - 1, qmax));
}

double rotq::quant::searchGroupClip(const double *x, int64_t n,
                                    const Params &params, int64_t stride,
                                    int grid, double minRatio, double p) {
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
    Scale s = chooseScale(x, n, params, c, stride);
    double err = 0;
    for (int64_t j0 = 0; j0 < n; j0 += 64) {
      for (int64_t j = j0, e = std::min(n, j0 + 64); j < e; ++j) {
        double v = x[j * stride];
        double d = dequantizeValue(quantizeValue(v, s, params.bits), s);
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

Quantized rotq::quant::quantize(const std::vector<double> &w, int64_t rows,
                                int64_t cols, const Params &params,
                                const std::vector<double> &clip) {
  int64_t g = params.groupSize > 0 ? params.groupSize : cols;
  assert(cols % g == 0 && "group size must divide the row");
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
      Scale s = chooseScale(x, g, params, c);
      q.scales[r * q.groups + k] = s.scale;
      if (!params.symmetric)
        q.zeroPoints[r * q.groups + k] = s.zeroPoint;
      for (int64_t i = 0; i < g; ++i)
        q.codes[r * cols + k * g + i] = quantizeValue(x[i], s, params.bits);
    }
  return q;
}

Quantized rotq::quant::quantizeRtn(const std::vector<double> &w, int64_t rows,
                                   int64_t cols, const Params &params,
                                   bool clipSearch) {
  std::vector<double> clip;
  if (clipSearch)
    clip = searchClip(w, rows, cols, params);
  return quantize(w, rows, cols, params, clip);
}

std::vector<float> rotq::quant::dequantize(const Quantized &q) {
  std::vector<float> out(q.rows * q.cols);
  int64_t g = q.cols / q.groups;
  for (int64_t r = 0; r < q.rows; ++r)
    for (int64_t i = 0; i < q.cols; ++i) {
      int64_t k = r * q.groups + i / g;
      int zp = q.zeroPoints.empty() ? 0 : q.zeroPoints[k];
      out[r * q.cols + i] =
          q.scales[k] * float(int(q.codes[r * q.cols + i]) - zp);
    }
  return out;
}

std::vector<double> rotq::quant::searchClip(const std::vector<double> &w,
                                            int64_t rows, int64_t cols,
                                            const Params &params, int grid,
                                            double minRatio, double p) {
  int64_t g = params.groupSize > 0 ? params.groupSize : cols;
  int64_t groups = cols / g;
  std::vector<double> best(rows * groups, 1.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < groups; ++k)
      best[r * groups + k] = searchGroupClip(&w[r * cols + k * g], g, params,
                                             1, grid, minRatio, p);
  return best;
}

std::vector<int8_t> rotq::quant::pack(const std::vector<int8_t> &codes,
                                      int64_t rows, int64_t cols, int bits) {
  int per = 8 / bits;
  std::vector<int8_t> out(rows * cols / per);
  uint8_t mask = uint8_t((1u << bits) - 1);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < cols / per; ++i) {
      uint8_t byte = 0;
      for (int j = 0; j < per; ++j)
        byte |= uint8_t((uint8_t(codes[r * cols + i * per + j]) & mask)
                        << (bits * j));
      out[r * (cols / per) + i] = int8_t(byte);
    }
  return out;
}
