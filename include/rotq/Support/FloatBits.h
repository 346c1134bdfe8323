//===- FloatBits.h - IEEE half and bfloat16 bit conversions -----*- C++ -*-===//
//
// Conversions between float and the 16-bit storage formats of checkpoints
// and .npy files. Narrowing rounds to nearest even, as PyTorch and NumPy do.
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_FLOATBITS_H
#define ROTQ_SUPPORT_FLOATBITS_H

#include <cstdint>

namespace rotq {

float halfToFloat(uint16_t h);
float bf16ToFloat(uint16_t h);
uint16_t floatToHalf(float f);
uint16_t floatToBF16(float f);

} // namespace rotq

#endif
