//===- Rotation.h - orthogonal matrices applied to weights ------*- C++ -*-===//
//
// An orthogonal Q = diag(s) (F_1 (x) ... (x) F_r), with each factor the
// identity, a rotq Hadamard M_k, or a dense matrix, applied to rows in
// float64 without forming Q when it is structured. The passes use it for
// every weight rewrite: W -> W Q (a consumer's input side) and
// W -> Q^T W (a producer's output side).
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_LIB_TRANSFORMS_ROTATION_H
#define ROTQ_LIB_TRANSFORMS_ROTATION_H

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::rotq {

class Rotation {
public:
  /// diag(signs) M_n (no signs when empty): what rotq.hadamard applies.
  static Rotation hadamard(int64_t n, std::vector<double> signs = {});
  /// A dense row-major n x n matrix (assumed orthogonal).
  static Rotation dense(int64_t n, std::vector<double> matrix);
  static Rotation identity(int64_t n);
  /// a (x) b.
  static Rotation kron(const Rotation &a, const Rotation &b);

  int64_t size() const { return n; }
  /// Each of `count` rows r becomes r Q (r Q^T with `transpose`).
  void applyRows(double *rows, int64_t count, bool transpose = false) const;
  /// W [rows, n] -> W Q.
  void rotateInputSide(std::vector<double> &w, int64_t rows) const;
  /// W [n, cols] -> Q^T W.
  void rotateOutputSide(std::vector<double> &w, int64_t cols) const;

private:
  enum class Kind { Identity, Hadamard, Dense };
  struct Factor {
    Kind kind;
    int64_t k;
    std::vector<double> m; // Dense only
  };
  int64_t n = 1;
  std::vector<double> signs;
  std::vector<Factor> factors;
};

/// A seeded random orthogonal matrix (QR of a Gaussian, signs fixed so the
/// distribution is Haar), row-major.
std::vector<double> randomOrthogonal(int64_t n, uint64_t seed);

/// max |Q^T Q - I| of a row-major n x n matrix.
double orthogonalityError(const std::vector<double> &q, int64_t n);

} // namespace mlir::rotq

#endif
