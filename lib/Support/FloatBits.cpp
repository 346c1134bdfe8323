//===- FloatBits.cpp - IEEE half and bfloat16 bit conversions -------------===//
#include "rotq/Support/FloatBits.h"

#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <cstring>

float rotq::halfToFloat(uint16_t h) {
  uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  float v;
  if (exp == 0)
    v = std::ldexp(float(man), -24);
  else if (exp == 31)
    v = man ? NAN : INFINITY;
  else
    v = std::ldexp(float(man | 0x400), int(exp) - 25);
  return sign ? -v : v;
}

float rotq::bf16ToFloat(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t rotq::floatToHalf(float f) {
  llvm::APFloat v(f);
  bool lost;
  v.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven,
            &lost);
  return uint16_t(v.bitcastToAPInt().getZExtValue());
}

uint16_t rotq::floatToBF16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if (std::isnan(f))
    return uint16_t((bits >> 16) | 0x40);
  // Round to nearest even on the 16 dropped bits.
  bits += 0x7fff + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}
