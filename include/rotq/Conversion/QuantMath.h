//===- QuantMath.h - scalar rotq.quantize arithmetic ------------*- C++ -*-===//
//
// The per-element rules of rotq.quantize, built as arith/math ops on f32
// scalars, so that the CPU (linalg) and GPU lowerings compute bit-identical
// scales and codes from the same statistics.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_CONVERSION_QUANTMATH_H
#define ROTQ_CONVERSION_QUANTMATH_H

#include "mlir/IR/Builders.h"

#include <utility>

namespace mlir::rotq::quantmath {

/// An f32 constant.
Value f32(OpBuilder &b, Location loc, double v);

/// `v` if `mag` (= |x|) is finite, else 0: statistics use finite values only.
Value finiteOrZero(OpBuilder &b, Location loc, Value v, Value mag);

/// Symmetric scale from max|x|: clip * amax / qmax, or 1 when that is 0.
Value symmetricScale(OpBuilder &b, Location loc, Value amax, double clip,
                     int64_t bits);

/// Asymmetric scale and i8 zero point from min(x, 0) and max(x, 0).
std::pair<Value, Value> asymmetricScale(OpBuilder &b, Location loc, Value lo,
                                        Value hi, double clip, int64_t bits);

/// The i8 code of x: clamp(roundeven(x / s) [+ zp], qmin, qmax) in float,
/// NaN to the zero point (0 when `zp` is null).
Value quantizeElement(OpBuilder &b, Location loc, Value x, Value s, Value zp,
                      int64_t bits);

} // namespace mlir::rotq::quantmath

#endif
