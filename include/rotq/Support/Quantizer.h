//===- Quantizer.h - offline weight quantization (RTN, clip search) -*- C++ -*-//
//
// Quantizes the rows of a [rows, cols] weight matrix with exactly the rules
// of rotq.quantize (see docs/Dialects/RotqOps.md): per row, or per group of
// `groupSize` consecutive columns; symmetric or asymmetric; codes in the
// signed b-bit range; round to nearest even, clamp in floating point. Scales
// are stored as float32 and the codes are computed against the stored
// scale, so that dequantizing (float32 scale * (q - zp)) at run time gives
// exactly the weights the offline fake-quant mode writes.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_QUANTIZER_H
#define ROTQ_SUPPORT_QUANTIZER_H

#include <cstdint>
#include <vector>

namespace rotq::quant {

struct Params {
  int bits = 4;
  bool symmetric = true;
  int64_t groupSize = 0; // 0: one group per row
  double clipRatio = 1.0;
};

struct Quantized {
  int64_t rows = 0, cols = 0, groups = 1;
  std::vector<int8_t> codes;      // [rows, cols]
  std::vector<float> scales;      // [rows, groups]
  std::vector<int8_t> zeroPoints; // [rows, groups], asymmetric only
};

/// RTN with one clip ratio per (row, group) (`clip`, empty: params.clipRatio).
Quantized quantize(const std::vector<double> &w, int64_t rows, int64_t cols,
                   const Params &params, const std::vector<double> &clip = {});

/// float32 scale * (q - zp), as rotq.dequantize computes it.
std::vector<float> dequantize(const Quantized &q);

/// Per (row, group), the clip ratio among 1, 1 - 1/grid, ..., down to
/// `minRatio` whose RTN error sum |w - deq(w)|^p is smallest (p = 2.4, the
/// norm GPTQ's and QuaRot's MSE search use).
std::vector<double> searchClip(const std::vector<double> &w, int64_t rows,
                               int64_t cols, const Params &params,
                               int grid = 100, double minRatio = 0.8,
                               double p = 2.4);

/// Packs codes of `bits` = 2 or 4 along each row, first code in the lowest
/// bits (rotq.pack's layout); cols must be a multiple of 8 / bits.
std::vector<int8_t> pack(const std::vector<int8_t> &codes, int64_t rows,
                         int64_t cols, int bits);

} // namespace rotq::quant

#endif
