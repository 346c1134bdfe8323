//===- DuQuant.h - DuQuant's calibrated transforms (float64) ----*- C++ -*-===//
//
// The numerics of DuQuant (Lin et al., 2024), per linear input X (tokens x
// channels): Y = (X diag(1/L) B1 P B2) (B2^T P^T B1^T diag(L) W^T), with L a
// per-channel smoothing, B1 and B2 block-diagonal rotations that repeat one
// b x b matrix over the channel blocks, and P the zigzag permutation. The
// passes (rotq-duquant-*) compute these from calibration activations and
// write them into the IR; everything here is plain float64 code.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_DUQUANT_H
#define ROTQ_SUPPORT_DUQUANT_H

#include <cstdint>
#include <string>
#include <vector>

namespace rotq::duquant {

/// The block size used for `channels` channels when `requested` is asked
/// for: `requested` when it divides `channels`; `channels` itself when it is
/// at most `requested`; otherwise the largest power of two below
/// `requested` that divides `channels`, is at least 16 and at least a
/// quarter of `requested` (hidden 576 -> 64, ffn 1216 -> 64, 448 -> 64:
/// power-of-two blocks suit the GPU kernel and divide the usual head sizes,
/// so the first rotation of o_proj's input can be fused into v_proj);
/// failing that the largest divisor in [16, requested] (ffn 688 -> 86, not
/// 16: a small block spreads an outlier over few channels). 0 when there
/// is none; `why` says what was chosen and why when it is not
/// `requested`.
int64_t chooseBlockSize(int64_t channels, int64_t requested, std::string *why);

/// Smoothing factors L_j = max(a_j, eps)^alpha / max(w_j, eps)^(1 - alpha),
/// clamped below at eps: a_j = max |X_j| over the calibration tokens, w_j =
/// max |W_ij| over every weight that reads X (column j).
std::vector<double> smoothingFactors(const std::vector<double> &actAbsMax,
                                     const std::vector<double> &weightAbsMax,
                                     double alpha, double eps = 1e-5);

/// An orthogonal b x b matrix (row-major) whose first row is uniform,
/// 1/sqrt(b), so that a value moved into coordinate 0 is spread evenly over
/// the block: blockdiag(1, Q) H with H the Householder reflection taking e_0
/// to the uniform vector and Q a seeded Haar-random orthogonal matrix (QR of
/// a Gaussian with R's diagonal positive). The reference code multiplies by
/// blockdiag(1, Q) on the right, which mixes the first row; on the left it
/// stays uniform.
std::vector<double> baseRotation(int64_t b, uint64_t seed);

/// The greedy block rotation of DuQuant's Algorithm 1 on `data`, rows x b
/// (row-major: the activation reshaped to (-1, b), so one b x b matrix
/// serves every block). Step k finds the entry of largest |x| and its
/// column c, swaps c with column 0 (E, the transposition), and applies
/// E base E: the outlier is spread by base's uniform first row. The paper
/// swaps the outlier's column; the released code uses the row index of the
/// argmax there, which names an unrelated channel. After `steps` steps,
/// the prefix with the smallest peak (max - min over all of `data`; prefix
/// 0 is the identity) is kept.
struct Greedy {
  /// The product of the kept prefix's step matrices, b x b, row-major.
  std::vector<double> rotation;
  /// peaks[k]: max - min of the data after k steps, k = 0..steps.
  std::vector<double> peaks;
  /// The column brought to position 0 at each step.
  std::vector<int64_t> columns;
  /// The kept prefix length: the first argmin of `peaks`.
  int64_t kept = 0;
};
Greedy greedyRotation(const std::vector<double> &data, int64_t b,
                      const std::vector<double> &base, int64_t steps);

/// data (rows x n, row-major) times blockdiag(m, ..., m) for a b x b `m`.
std::vector<double> applyBlockRotation(const std::vector<double> &data,
                                       int64_t n, const std::vector<double> &m,
                                       int64_t b);

/// The zigzag permutation of n = channelMax.size() channels into n / b
/// blocks: channels by decreasing max |x| (ties by index) are dealt to the
/// blocks 0, 1, ..., K-1, K-1, ..., 1, 0, 0, 1, ..., and each block is then
/// sorted by decreasing max. perm[i] is the channel at position i (a
/// gather: y[i] = x[perm[i]], as rotq.permute).
std::vector<int64_t> zigzagPermutation(const std::vector<double> &channelMax,
                                       int64_t b);

/// The variance across the n / b blocks of the per-block mean of
/// `channelValue` (e.g. mean |x| per channel): the spread of outlier mass
/// between blocks that the zigzag permutation reduces.
double blockMeanVariance(const std::vector<double> &channelValue, int64_t b);

/// Per-channel max |x| of data (rows x n).
std::vector<double> columnAbsMax(const std::vector<double> &data, int64_t n);

/// Per-channel mean |x| of data (rows x n).
std::vector<double> columnAbsMean(const std::vector<double> &data, int64_t n);

} // namespace rotq::duquant

#endif
