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

/// The scale and zero point of one quantization group.
struct Scale {
  float scale = 1.0f;
  int8_t zeroPoint = 0;
};

/// The scale and zero point rotq.quantize derives from the `n` values at
/// `x` (every `stride`-th one) with clip ratio `clip`.
Scale chooseScale(const double *x, int64_t n, const Params &params,
                  double clip, int64_t stride = 1);

/// The code of `x` against `s`: round to nearest even, clamp, NaN to the
/// zero point.
int8_t quantizeValue(double x, Scale s, int bits);

/// float32 scale * (q - zp), widened to double.
inline double dequantizeValue(int8_t q, Scale s) {
  return double(s.scale * float(int(q) - int(s.zeroPoint)));
}

/// The clip ratio among 1, 1 - 1/grid, ..., down to `minRatio` whose RTN
/// error sum |x - deq(x)|^p over the group is smallest (p = 2.4, the norm
/// GPTQ's and QuaRot's MSE search use): the first of the smallest, with the
/// errors summed left to right with std::pow. The errors are computed fast
/// (vectorized, see Quantizer.cpp) with a bound on their distance to those
/// sums; only near-ties are summed with std::pow, so the choice is always
/// the one of the plain std::pow search.
double searchGroupClip(const double *x, int64_t n, const Params &params,
                       int64_t stride = 1, int grid = 100,
                       double minRatio = 0.8, double p = 2.4);

namespace detail {
/// The instruction sets the clip search's kernels are built for (x86-64;
/// elsewhere only Baseline). The widest the CPU supports is used.
enum class Isa { Baseline, Avx2, Avx512 };
Isa clipSearchIsa();
/// Makes the clip search use `isa` from now on, in every thread (for tests
/// and benchmarks); false, and no change, if the CPU lacks it.
bool setClipSearchIsa(Isa isa);

/// out[i] = a[i]^p as the clip search computes it, for finite a[i] >= 0 and
/// 1 <= p <= 8: relative error below 1e-15 where the result lies in
/// [2^-1020, 2^1023), exactly 0 for a[i] == 0, 0 for results below 2^-1020.
void powNonNegative(const double *a, double *out, int64_t n, double p);

/// The clip search's fast error of one ratio over the `n` values at x:
/// sum |deq(q(x_j)) - x_j|^p with the codes of quantizeValue and the pow
/// above, summed in vector lanes; NaN where the search would not use it
/// (a value not finite or above 1e30, p outside [1, 8], bits outside
/// [1, 8]).
double fastClipError(const double *x, int64_t n, const Params &params,
                     double clip, double p = 2.4);

/// searchGroupClip computed the plain way (std::pow per value, no
/// kernels): what the fast search falls back to, and the baseline the
/// benchmark measures it against.
double plainSearchClip(const double *x, int64_t n, const Params &params,
                       int64_t stride = 1, int grid = 100,
                       double minRatio = 0.8, double p = 2.4);
} // namespace detail

/// RTN with one clip ratio per (row, group) (`clip`, empty: params.clipRatio).
Quantized quantize(const std::vector<double> &w, int64_t rows, int64_t cols,
                   const Params &params, const std::vector<double> &clip = {});

/// RTN as the weight passes use it: with the clip ratios of searchClip
/// when `clipSearch`, else params.clipRatio.
Quantized quantizeRtn(const std::vector<double> &w, int64_t rows, int64_t cols,
                      const Params &params, bool clipSearch);

/// float32 scale * (q - zp), as rotq.dequantize computes it.
std::vector<float> dequantize(const Quantized &q);

/// searchGroupClip for every (row, group).
std::vector<double> searchClip(const std::vector<double> &w, int64_t rows,
                               int64_t cols, const Params &params,
                               int grid = 100, double minRatio = 0.8,
                               double p = 2.4);

/// The layer-output error of a weight row's quantization error e under the
/// second moments H = E[x x^T] of the linear's input, E(e) = e^T H e,
/// approximated as diag(D) + V V^T: the rank leading eigendirections of H,
/// scaled by the square roots of their eigenvalues, and the diagonal of
/// what remains (exact when that remainder is diagonal, as with a few
/// massive channels over otherwise uncorrelated ones). Evaluating it costs
/// (rank + 1) multiply-adds per value.
struct OutputMetric {
  int64_t cols = 0, rank = 0;
  std::vector<double> diag; // [cols]
  std::vector<double> dirs; // [rank, cols]

  /// From H, row-major [cols, cols], symmetric positive semi-definite.
  static OutputMetric fromSecondMoments(const std::vector<double> &h,
                                        int64_t cols, int64_t rank);
  /// From the attribute layout [1 + rank, cols]: row 0 the diagonal, rows
  /// 1.. the scaled directions.
  static OutputMetric fromRows(const double *rows, int64_t rank,
                               int64_t cols);
  std::vector<double> toRows() const;

  /// The k (<= rank) leading directions as unit vectors, [k, cols]: the
  /// protected directions of a rank-k float correction.
  std::vector<double> unitDirections(int64_t k) const;
  /// The metric once the error along the k leading directions is corrected
  /// exactly: the same diagonal, the directions after the k-th.
  OutputMetric withoutLeading(int64_t k) const;

  /// E(e) of the error `e` of columns [begin, begin + n), the metric
  /// restricted to them.
  double error(const double *e, int64_t begin, int64_t n) const;
};

/// searchGroupClip with the output objective: the ratio (same grid, first
/// of the smallest) whose codes minimise metric.error over the group of
/// `n` values at `x`, columns [begin, begin + n).
double searchGroupClipOutput(const double *x, int64_t n, const Params &params,
                             const OutputMetric &metric, int64_t begin,
                             int grid = 100, double minRatio = 0.8);

/// Output-aware rounding: improves the codes of one row (`cols` values at
/// `w`, codes at `codes`, the group scales at `scales`) by greedy
/// coordinate descent on metric.error over the whole row: `passes` sweeps
/// over the columns in order, each code moved by +1, else -1 (staying in
/// the code range), when that lowers the error by more than 1e-12 of it.
/// The scales do not change, so the codes dequantize as before.
void refineRounding(const double *w, int64_t cols, const Params &params,
                    const Scale *scales, int8_t *codes,
                    const OutputMetric &metric, int passes = 2);

/// searchGroupClipOutput for every (row, group); each group is searched on
/// its own (the metric's coupling between groups of a row is left out).
std::vector<double> searchClip(const std::vector<double> &w, int64_t rows,
                               int64_t cols, const Params &params,
                               const OutputMetric &metric, int grid = 100,
                               double minRatio = 0.8);

/// Packs codes of `bits` = 2 or 4 along each row, first code in the lowest
/// bits (rotq.pack's layout); cols must be a multiple of 8 / bits.
std::vector<int8_t> pack(const std::vector<int8_t> &codes, int64_t rows,
                         int64_t cols, int bits);

} // namespace rotq::quant

#endif
