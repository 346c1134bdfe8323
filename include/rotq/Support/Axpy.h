//===- Axpy.h - y += a x on doubles -----------------------------*- C++ -*-===//
#ifndef ROTQ_SUPPORT_AXPY_H
#define ROTQ_SUPPORT_AXPY_H

#include <cstdint>

namespace rotq {
/// y[j] += a * x[j] for j < n (AVX2 where the CPU has it; no fused
/// multiply-add, so each element rounds as the plain loop does).
void axpy(double *y, const double *x, double a, int64_t n);
} // namespace rotq

#endif
