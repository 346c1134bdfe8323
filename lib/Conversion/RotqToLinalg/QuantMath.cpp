//===- QuantMath.cpp - scalar rotq.quantize arithmetic --------------------===//
#include "rotq/Conversion/QuantMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;

namespace mlir::rotq::quantmath {

Value f32(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(v)));
}

Value finiteOrZero(OpBuilder &b, Location loc, Value v, Value mag) {
  float inf = std::numeric_limits<float>::infinity();
  Value fin = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, mag,
                                    f32(b, loc, inf));
  return arith::SelectOp::create(b, loc, fin, v, f32(b, loc, 0.0));
}

/// s, or 1 where s == 0 (an all-zero region dequantizes to exact zeros).
static Value nonZero(OpBuilder &b, Location loc, Value s) {
  Value isZero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, s,
                                       f32(b, loc, 0.0));
  return arith::SelectOp::create(b, loc, isZero, f32(b, loc, 1.0), s);
}

Value symmetricScale(OpBuilder &b, Location loc, Value amax, double clip,
                     int64_t bits) {
  double qmax = double((int64_t(1) << (bits - 1)) - 1);
  Value s = arith::MulFOp::create(b, loc, f32(b, loc, clip), amax);
  s = arith::DivFOp::create(b, loc, s, f32(b, loc, qmax));
  return nonZero(b, loc, s);
}

std::pair<Value, Value> asymmetricScale(OpBuilder &b, Location loc, Value lo,
                                        Value hi, double clip, int64_t bits) {
  double levels = double((int64_t(1) << bits) - 1);
  double half = double(int64_t(1) << (bits - 1));
  Value c = f32(b, loc, clip);
  Value l = arith::MulFOp::create(b, loc, c, lo);
  Value h = arith::MulFOp::create(b, loc, c, hi);
  Value s = arith::SubFOp::create(b, loc, h, l);
  s = nonZero(b, loc, arith::DivFOp::create(b, loc, s, f32(b, loc, levels)));
  Value z = arith::DivFOp::create(b, loc, arith::NegFOp::create(b, loc, l), s);
  z = math::RoundEvenOp::create(b, loc, z);
  z = arith::SubFOp::create(b, loc, z, f32(b, loc, half));
  return {s, arith::FPToSIOp::create(b, loc, b.getI8Type(), z)};
}

Value quantizeElement(OpBuilder &b, Location loc, Value x, Value s, Value zp,
                      int64_t bits) {
  Value v = arith::DivFOp::create(b, loc, x, s);
  v = math::RoundEvenOp::create(b, loc, v);
  Value zpf = zp ? arith::SIToFPOp::create(b, loc, b.getF32Type(), zp).getResult()
                 : f32(b, loc, 0.0);
  if (zp)
    v = arith::AddFOp::create(b, loc, v, zpf);
  double qmin = -double(int64_t(1) << (bits - 1)),
         qmax = double((int64_t(1) << (bits - 1)) - 1);
  v = arith::MaximumFOp::create(b, loc, v, f32(b, loc, qmin));
  v = arith::MinimumFOp::create(b, loc, v, f32(b, loc, qmax));
  Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  v = arith::SelectOp::create(b, loc, isNan, zpf, v);
  return arith::FPToSIOp::create(b, loc, b.getI8Type(), v);
}

} // namespace mlir::rotq::quantmath
