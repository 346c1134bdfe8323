//===- Axpy.cpp - y += a x on doubles -------------------------------------===//
#include "rotq/Support/Axpy.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void rotq::axpy(double *__restrict y, const double *__restrict x, double a,
                int64_t n) {
  for (int64_t j = 0; j < n; ++j)
    y[j] += a * x[j];
}
