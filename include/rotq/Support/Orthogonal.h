//===- Orthogonal.h - random orthogonal matrices ----------------*- C++ -*-===//
//
// Dense rotations for rotq-rotate-residual's rotation=random-orthogonal
// and rotation=file, and the random factor of DuQuant's block rotations.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_ORTHOGONAL_H
#define ROTQ_SUPPORT_ORTHOGONAL_H

#include <cstdint>
#include <vector>

namespace rotq {

/// A Haar-random n x n orthogonal matrix (row-major) from `seed`.
std::vector<double> randomOrthogonal(int64_t n, uint64_t seed);

/// max |Q^T Q - I| of a row-major n x n matrix.
double orthogonalityError(const std::vector<double> &q, int64_t n);

} // namespace rotq

#endif
