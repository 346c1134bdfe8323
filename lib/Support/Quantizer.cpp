//===- Quantizer.cpp - offline weight quantization (RTN, clip search) -----===//
#include "rotq/Support/Quantizer.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace rotq::quant;

namespace {
/// Scale and zero point of one group, as rotq.quantize computes them.
void groupParams(const double *x, int64_t n, const Params &p, double clip,
                 float &scale, int8_t &zp) {
  double qmax = double((int64_t(1) << (p.bits - 1)) - 1);
  double lo = 0, hi = 0, amax = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i]))
      continue;
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
    amax = std::max(amax, std::fabs(x[i]));
  }
  double s;
  if (p.symmetric) {
    s = clip * amax / qmax;
  } else {
    s = (clip * hi - clip * lo) / double((int64_t(1) << p.bits) - 1);
  }
  scale = float(s);
  if (!(scale > 0) || !std::isfinite(scale))
    scale = 1.0f;
  zp = 0;
  if (!p.symmetric) {
    double z = std::nearbyint(-(clip * lo) / double(scale)) -
               double(int64_t(1) << (p.bits - 1));
    zp = int8_t(std::clamp(z, -qmax - 1, qmax));
  }
}

int8_t code(double x, float scale, int8_t zp, int bits) {
  double qmax = double((int64_t(1) << (bits - 1)) - 1);
  if (std::isnan(x))
    return zp;
  double q = std::nearbyint(x / double(scale)) + double(zp);
  return int8_t(std::clamp(q, -qmax - 1, qmax));
}
} // namespace

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
      float s;
      int8_t zp;
      groupParams(x, g, params, c, s, zp);
      q.scales[r * q.groups + k] = s;
      if (!params.symmetric)
        q.zeroPoints[r * q.groups + k] = zp;
      for (int64_t i = 0; i < g; ++i)
        q.codes[r * cols + k * g + i] = code(x[i], s, zp, params.bits);
    }
  return q;
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
    for (int64_t k = 0; k < groups; ++k) {
      const double *x = &w[r * cols + k * g];
      double bestErr = INFINITY;
      for (int i = 0; i < grid; ++i) {
        double c = 1.0 - double(i) / double(grid);
        if (c < minRatio - 1e-12)
          break;
        float s;
        int8_t zp;
        groupParams(x, g, params, c, s, zp);
        double err = 0;
        for (int64_t j = 0; j < g; ++j) {
          double d = double(s * float(int(code(x[j], s, zp, params.bits)) - zp));
          err += std::pow(std::fabs(d - x[j]), p);
        }
        if (err < bestErr) {
          bestErr = err;
          best[r * groups + k] = c;
        }
      }
    }
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
