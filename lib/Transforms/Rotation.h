//===- Rotation.h - random orthogonal matrices ------------------*- C++ -*-===//
//
// Dense rotations for rotq-rotate-residual's rotation=random-orthogonal
// and rotation=file; the passes apply them as rotq.rotate on the weights.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_LIB_TRANSFORMS_ROTATION_H
#define ROTQ_LIB_TRANSFORMS_ROTATION_H

#include <cstdint>
#include <vector>

namespace mlir::rotq {

/// A Haar-random n x n orthogonal matrix (row-major) from `seed`.
std::vector<double> randomOrthogonal(int64_t n, uint64_t seed);

/// max |Q^T Q - I| of a row-major n x n matrix.
double orthogonalityError(const std::vector<double> &q, int64_t n);

} // namespace mlir::rotq

#endif
