//===- SymmetricEigen.h - eigenpairs of symmetric matrices ------*- C++ -*-===//
//
// The leading eigendirections of calibration second moments, for the
// output-error metric of the weight clip search (Quantizer.h): a few
// massive activation channels make a handful of eigenvalues dominate, so a
// block subspace iteration finds them in a few products with the matrix.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_SYMMETRICEIGEN_H
#define ROTQ_SUPPORT_SYMMETRICEIGEN_H

#include <cstdint>
#include <vector>

namespace rotq::eigen {

struct Pairs {
  std::vector<double> values;  // [k], decreasing
  std::vector<double> vectors; // [k, n], unit rows, vectors[i] for values[i]
};

/// All eigenpairs of the symmetric row-major n x n matrix `a` (cyclic
/// Jacobi; meant for small n), eigenvalues decreasing.
Pairs jacobi(const std::vector<double> &a, int64_t n);

/// The k eigenpairs of largest eigenvalue of the symmetric positive
/// semi-definite row-major n x n matrix `a` (block subspace iteration with
/// Rayleigh-Ritz, a few extra vectors for convergence, deterministic start;
/// Jacobi on the whole matrix when n is small). Stops when every residual
/// |A u - l u| is below `tol` times the largest eigenvalue, or after
/// `maxIterations`.
Pairs leading(const std::vector<double> &a, int64_t n, int64_t k,
              double tol = 1e-9, int maxIterations = 300);

} // namespace rotq::eigen

#endif
