//===- Hadamard.h - Hadamard matrices of useful orders ----------*- C++ -*-===//
//
// Builds the orthogonal matrix that `rotq.hadamard` applies for an order n:
//
//   M_n = F_1 (x) F_2 (x) ... (x) F_j (x) H_{2^m} / sqrt(2^m)
//
// where (x) is the Kronecker product, H_{2^m} the Sylvester matrix (applied
// online as an O(n log n) butterfly) and every F_i a small dense factor,
// normalized to be orthogonal:
//   * Paley I, order q+1, q = p^k = 3 (mod 4);
//   * Paley II, order 2(q+1), q = p^k = 1 (mod 4);
//   * Goethals-Seidel, order 4t, from four circulant +-1 sequences of length
//     t whose periodic autocorrelations sum to zero (156 = 4*39, 172 = 4*43);
//   * fallback: an orthonormal DCT-II factor of order r.
//
// The factorization minimizes the online cost sum_i order(F_i) + m (a dense
// K x K factor costs K multiply-adds per element, a butterfly stage one).
// Orders built from the first three kinds are true Hadamard orders
// (H H^T = n I with +-1 entries). When no such factorization exists (n not
// 1, 2 or a multiple of 4, or a multiple of 4 no construction above reaches,
// e.g. 13696 = 107 * 128) the fallback splits n = r * d with d the largest
// divisor of n that has a Hadamard factorization and puts DCT-II(r) first:
// still orthogonal, with entries at most sqrt(2/r) in the DCT factor
// instead of 1/sqrt(r), so outliers are spread slightly less evenly.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_HADAMARD_H
#define ROTQ_SUPPORT_HADAMARD_H

#include <cstdint>
#include <string>
#include <vector>

namespace rotq::hadamard {

enum class FactorKind { PaleyI, PaleyII, GoethalsSeidel, DctFallback };

struct Factor {
  FactorKind kind;
  int64_t order;
  /// The prime power q of a Paley factor; 0 otherwise.
  int64_t q = 0;

  bool isHadamard() const { return kind != FactorKind::DctFallback; }
  std::string str() const;
};

struct Factorization {
  int64_t n = 1;
  /// Dense factors, outermost first (the fallback factor, if any, first).
  std::vector<Factor> factors;
  /// Exponent m of the innermost Sylvester factor H_{2^m}.
  int64_t log2Sylvester = 0;

  /// True when M_n * sqrt(n) is a +-1 Hadamard matrix.
  bool isHadamard() const;
  /// sum of dense factor orders + m.
  int64_t onlineCost() const;
  /// e.g. "11008 = 344 (Paley I, q=343=7^3) x 2^5".
  std::string str() const;
};

/// Upper bound on n accepted by factorize (keeps tables finite).
constexpr int64_t kMaxOrder = int64_t(1) << 24;

/// The factorization of order n (1 <= n <= kMaxOrder). Never fails: orders
/// with no Hadamard construction get the DCT fallback.
Factorization factorize(int64_t n);

/// The largest dense factor rotq builds: every factor is formed as a dense
/// k x k matrix (in the weight rewrites, the lowering and the kernels), so a
/// large prime order (whose fallback is one DCT factor of that order) would
/// need k^2 doubles: 65537 alone is 34 GB.
constexpr int64_t kMaxDenseFactor = 4096;

/// Why order n cannot be used ("" when it can): out of [1, kMaxOrder], or
/// its factorization needs a dense factor larger than kMaxDenseFactor.
std::string unsupportedReason(int64_t n);

/// True if a +-1 Hadamard matrix of order n is built by this library.
bool hasHadamard(int64_t n);

/// The unnormalized +-1 matrix of a Hadamard factor (row-major K x K).
std::vector<int8_t> factorSignMatrix(const Factor &f);

/// The orthonormal matrix of a factor (row-major K x K): the sign matrix
/// divided by sqrt(K), or the DCT-II matrix for the fallback.
std::vector<double> factorMatrix(const Factor &f);

/// The dense +-1 Hadamard matrix of order n (row-major). Requires
/// hasHadamard(n).
std::vector<int8_t> hadamardSignMatrix(int64_t n);

/// The dense orthogonal matrix M_n (row-major, float64).
std::vector<double> normalizedMatrix(int64_t n);

/// Rows [begin, end) of M_n (row-major), computed without forming M_n:
/// a row of a Kronecker product is the Kronecker product of rows.
std::vector<double> normalizedRows(int64_t n, int64_t begin, int64_t end);

/// In place, each of the `count` rows of length n (row-major) becomes
/// row * M_n (row * M_n^T with `transpose`), in O(n (sum K + m)) per row
/// without forming M_n: one small product per dense factor along its axis,
/// then a butterfly over the Sylvester part.
void applyToRows(int64_t n, double *rows, int64_t count, bool transpose);

/// Multiplies one axis of a row by a dense k x k matrix `m` (row-major): the
/// row of length n is viewed as [outer, k, n / (outer k)] and every
/// x[o, :, s] becomes x[o, :, s] * m (or * m^T with `transpose`).
void applyAlongAxis(double *row, int64_t n, int64_t outer, int64_t k,
                    const double *m, bool transpose);

/// True if M_n is symmetric (then a normalized transform without signs is
/// its own inverse).
bool isSymmetric(int64_t n);

} // namespace rotq::hadamard

#endif
