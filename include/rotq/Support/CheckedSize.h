//===- CheckedSize.h - sizes that cannot overflow ---------------*- C++ -*-===//
//
// Every size that reaches an allocation (a tensor's element count, its byte
// size, a requested dimension) goes through these, so that a wrapping
// product can never turn into a small allocation that is then read past.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_CHECKEDSIZE_H
#define ROTQ_SUPPORT_CHECKEDSIZE_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <optional>

namespace rotq {

/// a * b, or nullopt when it overflows int64 or either is negative.
inline std::optional<int64_t> checkedMul(int64_t a, int64_t b) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r))
    return std::nullopt;
  return r;
}

/// The product of `dims` (times `scale`, e.g. an element size), or nullopt
/// when a dimension is negative or the product exceeds `limit`.
inline std::optional<int64_t> checkedProduct(llvm::ArrayRef<int64_t> dims,
                                             int64_t scale = 1,
                                             int64_t limit = INT64_MAX) {
  std::optional<int64_t> n = scale;
  for (int64_t d : dims) {
    n = checkedMul(*n, d);
    if (!n)
      return std::nullopt;
  }
  if (!n || *n > limit)
    return std::nullopt;
  return n;
}

/// The most bytes one tensor may hold: beyond it a request is refused with
/// a message instead of being attempted (this machine class has 24 GiB).
constexpr int64_t kMaxTensorBytes = int64_t(1) << 36; // 64 GiB

} // namespace rotq

#endif
